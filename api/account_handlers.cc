// account/*: params read with Codex's wording, then the CredentialStore; notifications to all.
#include "api/account_handlers.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "api/params.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

struct NoParams {};

struct ReadParams {
  bool refresh_token = false;  // accepted; threadlog manages no refreshable tokens
};

struct LoginParams {
  enum class Type { kApiKey, kChatgpt, kChatgptAuthTokens } type = Type::kApiKey;
  std::string api_key;
  std::string access_token;
  std::string account_id;
  std::optional<std::string> plan_type;
};

struct CancelParams {
  std::string login_id;
};

absl::StatusOr<NoParams> ParseNone(const json&) { return NoParams{}; }

absl::StatusOr<ReadParams> ParseRead(const json& params) {
  if (absl::Status s = RequireObject(params, "GetAccountParams"); !s.ok()) return s;
  absl::StatusOr<std::optional<bool>> refresh = OptionalBool(params, "refreshToken");
  if (!refresh.ok()) return refresh.status();
  return ReadParams{refresh->value_or(false)};
}

absl::StatusOr<LoginParams> ParseLogin(const json& params) {
  if (absl::Status s = RequireObject(params, "LoginAccountParams"); !s.ok()) return s;
  absl::StatusOr<std::string> type = RequiredString(params, "type");
  if (!type.ok()) return type.status();
  LoginParams out;
  if (*type == "apiKey") {
    out.type = LoginParams::Type::kApiKey;
    absl::StatusOr<std::string> key = RequiredString(params, "apiKey");
    if (!key.ok()) return key.status();
    out.api_key = *std::move(key);
  } else if (*type == "chatgpt") {
    out.type = LoginParams::Type::kChatgpt;
  } else if (*type == "chatgptAuthTokens") {
    out.type = LoginParams::Type::kChatgptAuthTokens;
    absl::StatusOr<std::string> token = RequiredString(params, "accessToken");
    if (!token.ok()) return token.status();
    absl::StatusOr<std::string> account = RequiredString(params, "chatgptAccountId");
    if (!account.ok()) return account.status();
    absl::StatusOr<std::optional<std::string>> plan = OptionalString(params, "chatgptPlanType");
    if (!plan.ok()) return plan.status();
    out.access_token = *std::move(token);
    out.account_id = *std::move(account);
    out.plan_type = *std::move(plan);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid request: unknown variant `", *type,
                     "`, expected one of `apiKey`, `chatgpt`, `chatgptAuthTokens`"));
  }
  return out;
}

absl::StatusOr<CancelParams> ParseCancel(const json& params) {
  if (absl::Status s = RequireObject(params, "CancelLoginAccountParams"); !s.ok()) return s;
  absl::StatusOr<std::string> id = RequiredString(params, "loginId");
  if (!id.ok()) return id.status();
  return CancelParams{*std::move(id)};
}

// AccountUpdatedNotification for the credentials now in effect.
json AccountUpdated(const CredentialStore::Snapshot& now) {
  switch (now.kind) {
    case CredentialStore::Kind::kApiKey:
      return {{"authMode", "apikey"}, {"planType", nullptr}};
    case CredentialStore::Kind::kChatgptTokens:
      return {{"authMode", "chatgptAuthTokens"}, {"planType", now.plan_type}};
    case CredentialStore::Kind::kNone:
      break;
  }
  return {{"authMode", nullptr}, {"planType", nullptr}};
}

}  // namespace

void RegisterAccountHandlers(MethodRegistry& registry, CredentialStore& credentials,
                             bool requires_openai_auth, ConnectionDirectory& clients) {
  registry.Register<ReadParams>(
      "account/read", ParseRead,
      [&credentials, requires_openai_auth](const ReadParams&,
                                           RequestContext&) -> absl::StatusOr<json> {
        // A provider that does not use an OpenAI account has no account to show (Codex).
        if (!requires_openai_auth) {
          return json{{"account", nullptr}, {"requiresOpenaiAuth", false}};
        }
        const CredentialStore::Snapshot now = credentials.Current();
        json account = nullptr;
        if (now.kind == CredentialStore::Kind::kApiKey) {
          account = {{"type", "apiKey"}};
        } else if (now.kind == CredentialStore::Kind::kChatgptTokens) {
          if (!now.email) {
            return absl::InvalidArgumentError(
                "email and plan type are required for chatgpt authentication");
          }
          account = {{"type", "chatgpt"}, {"email", *now.email}, {"planType", now.plan_type}};
        }
        return json{{"account", std::move(account)}, {"requiresOpenaiAuth", true}};
      });

  registry.Register<LoginParams>(
      "account/login/start", ParseLogin,
      [&credentials, &clients](const LoginParams& p,
                               RequestContext& context) -> absl::StatusOr<json> {
        json answer;
        switch (p.type) {
          case LoginParams::Type::kChatgpt:
            return absl::FailedPreconditionError(
                "ChatGPT browser sign-in is not available with threadlog (it cannot run "
                "Codex's OAuth flow); sign in with an API key (type apiKey) or hand over "
                "ChatGPT tokens (type chatgptAuthTokens)");
          case LoginParams::Type::kApiKey:
            if (absl::Status s = credentials.SetApiKey(p.api_key); !s.ok()) return s;
            answer = {{"type", "apiKey"}};
            break;
          case LoginParams::Type::kChatgptAuthTokens:
            if (absl::Status s =
                    credentials.SetChatgptTokens(p.access_token, p.account_id, p.plan_type);
                !s.ok()) {
              return s;
            }
            answer = {{"type", "chatgptAuthTokens"}};
            break;
        }
        context.after_response.push_back([&credentials, &clients] {
          clients.Broadcast("account/login/completed",
                            {{"loginId", nullptr}, {"success", true}, {"error", nullptr}});
          clients.Broadcast("account/updated", AccountUpdated(credentials.Current()));
        });
        return answer;
      });

  registry.Register<CancelParams>(
      "account/login/cancel", ParseCancel,
      [](const CancelParams& p, RequestContext&) -> absl::StatusOr<json> {
        // No login ever runs in the background here, so no id is one (Codex's text).
        return absl::InvalidArgumentError(absl::StrCat("invalid login id: ", p.login_id));
      });

  registry.Register<NoParams>(
      "account/logout", ParseNone,
      [&credentials, &clients](const NoParams&, RequestContext& context) -> absl::StatusOr<json> {
        if (absl::Status s = credentials.Clear(); !s.ok()) return s;
        context.after_response.push_back([&clients] {
          clients.Broadcast("account/updated", {{"authMode", nullptr}, {"planType", nullptr}});
        });
        return json::object();
      });

  registry.Register<NoParams>(
      "account/rateLimits/read", ParseNone,
      [&credentials](const NoParams&, RequestContext&) -> absl::StatusOr<json> {
        switch (credentials.Current().kind) {
          case CredentialStore::Kind::kNone:
            return absl::InvalidArgumentError(
                "codex account authentication required to read rate limits");
          case CredentialStore::Kind::kApiKey:
            return absl::InvalidArgumentError(
                "chatgpt authentication required to read rate limits");
          case CredentialStore::Kind::kChatgptTokens:
            break;
        }
        // Codex asks chatgpt.com; threadlog makes no such request, so it has nothing to show.
        return absl::InternalError(
            "failed to fetch codex rate limits: threadlog does not query ChatGPT usage");
      });
}

}  // namespace threadlog::api
