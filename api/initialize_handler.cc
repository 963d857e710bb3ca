// initialize: InitializeParams in, {userAgent, codexHome, platformFamily, platformOs} out,
// capabilities stored on the connection.
#include "api/initialize_handler.h"

#include <memory>
#include <set>
#include <string>

#include "api/jsonrpc.h"
#include "api/params.h"
#include "api/user_agent.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

// InitializeResponse's platformFamily / platformOs for the target this binary was built for.
#if defined(_WIN32)
constexpr char kPlatformFamily[] = "windows";
constexpr char kPlatformOs[] = "windows";
#elif defined(__APPLE__)
constexpr char kPlatformFamily[] = "unix";
constexpr char kPlatformOs[] = "macos";
#else
constexpr char kPlatformFamily[] = "unix";
constexpr char kPlatformOs[] = "linux";
#endif

struct InitializeParams {
  std::string client_name;
  std::string client_version;
  bool experimental_api = false;
  std::set<std::string, std::less<>> opt_out;
};

absl::StatusOr<InitializeParams> Parse(const json& params) {
  if (absl::Status s = RequireObject(params, "InitializeParams"); !s.ok()) return s;
  InitializeParams out;
  auto info = params.find("clientInfo");
  if (info == params.end()) return MissingField("clientInfo");
  if (!info->is_object()) return WrongType(*info, "struct ClientInfo");
  absl::StatusOr<std::string> name = RequiredString(*info, "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<std::string> version = RequiredString(*info, "version");
  if (!version.ok()) return version.status();
  if (absl::StatusOr<std::optional<std::string>> title = OptionalString(*info, "title");
      !title.ok()) {
    return title.status();
  }
  out.client_name = *std::move(name);
  out.client_version = *std::move(version);
  auto caps = params.find("capabilities");
  if (caps != params.end() && !caps->is_null()) {
    if (!caps->is_object()) {
      return WrongType(*caps, "struct InitializeCapabilities");
    }
    absl::StatusOr<std::optional<bool>> experimental = OptionalBool(*caps, "experimentalApi");
    if (!experimental.ok()) return experimental.status();
    out.experimental_api = experimental->value_or(false);
    absl::StatusOr<std::optional<std::vector<std::string>>> opt_out =
        OptionalStringArray(*caps, "optOutNotificationMethods");
    if (!opt_out.ok()) return opt_out.status();
    if (*opt_out) out.opt_out.insert((*opt_out)->begin(), (*opt_out)->end());
  }
  return out;
}

absl::StatusOr<json> Handle(const InitializeInfo& info, const InitializeParams& params,
                            RequestContext& context) {
  // The dispatcher checked "Already initialized"; Initialize() rechecks under the session lock.
  if (!context.connection->session().Initialize(params.client_name, params.experimental_api,
                                                params.opt_out, params.client_version)) {
    return absl::FailedPreconditionError("Already initialized");
  }
  if (info.clients != nullptr) info.clients->Add(context.connection);
  if (!info.warnings.empty()) {
    context.after_response.push_back([&info, connection = context.connection] {
      for (const ConfigWarning& warning : info.warnings) {
        if (!connection->session().WantsNotification("configWarning")) break;
        connection->Send(Encode(Notification{"configWarning", warning.ToJson()}));
      }
    });
  }
  return json{{"userAgent", UserAgent(params.client_name, params.client_version)},
              {"codexHome", info.codex_home},
              {"platformFamily", kPlatformFamily},
              {"platformOs", kPlatformOs}};
}

}  // namespace

void RegisterInitializeHandler(MethodRegistry& registry, InitializeInfo info) {
  auto shared = std::make_shared<const InitializeInfo>(std::move(info));
  registry.Register<InitializeParams>(
      "initialize", Parse, [shared](const InitializeParams& params, RequestContext& context) {
        return Handle(*shared, params, context);
      });
}

}  // namespace threadlog::api
