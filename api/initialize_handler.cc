// initialize: InitializeParams in, {userAgent, codexHome, platformFamily, platformOs} out,
// capabilities stored on the connection.
#include "api/initialize_handler.h"

#include <set>
#include <string>

#include "api/params.h"
#include "api/user_agent.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

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
  if (!info->is_object()) return WrongType(*info, "struct ClientInfo", "clientInfo");
  absl::StatusOr<std::string> name = RequiredString(*info, "name", "clientInfo.name");
  if (!name.ok()) return name.status();
  absl::StatusOr<std::string> version = RequiredString(*info, "version", "clientInfo.version");
  if (!version.ok()) return version.status();
  if (absl::StatusOr<std::optional<std::string>> title =
          OptionalString(*info, "title", "clientInfo.title");
      !title.ok()) {
    return title.status();
  }
  out.client_name = *std::move(name);
  out.client_version = *std::move(version);
  auto caps = params.find("capabilities");
  if (caps != params.end() && !caps->is_null()) {
    if (!caps->is_object()) {
      return WrongType(*caps, "struct InitializeCapabilities", "capabilities");
    }
    absl::StatusOr<std::optional<bool>> experimental =
        OptionalBool(*caps, "experimentalApi", "capabilities.experimentalApi");
    if (!experimental.ok()) return experimental.status();
    out.experimental_api = experimental->value_or(false);
    absl::StatusOr<std::optional<std::vector<std::string>>> opt_out = OptionalStringArray(
        *caps, "optOutNotificationMethods", "capabilities.optOutNotificationMethods");
    if (!opt_out.ok()) return opt_out.status();
    if (*opt_out) out.opt_out.insert((*opt_out)->begin(), (*opt_out)->end());
  }
  return out;
}

}  // namespace

void RegisterInitializeHandler(MethodRegistry& registry, std::string codex_home) {
  registry.Register<InitializeParams>(
      "initialize", Parse,
      [codex_home = std::move(codex_home)](const InitializeParams& params,
                                           RequestContext& context) -> absl::StatusOr<json> {
        // The dispatcher checked "Already initialized"; Initialize() rechecks under the lock.
        if (!context.connection->session().Initialize(params.experimental_api, params.opt_out)) {
          return absl::FailedPreconditionError("Already initialized");
        }
        // Codex names its build target's family and OS (Rust's std::env::consts): threadlog
        // builds for Linux only.
        return json{{"userAgent", UserAgent(params.client_name, params.client_version)},
                    {"codexHome", codex_home},
                    {"platformFamily", "unix"},
                    {"platformOs", "linux"}};
      });
}

}  // namespace threadlog::api
