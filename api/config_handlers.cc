// config/read, configRequirements/read: params, then the CodexConfig snapshot.
#include "api/config_handlers.h"

#include "api/params.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

struct ReadParams {
  bool include_layers = false;
};
struct NoParams {};

absl::StatusOr<ReadParams> ParseRead(const json& params) {
  if (absl::Status s = RequireObject(params, "ConfigReadParams"); !s.ok()) return s;
  absl::StatusOr<std::optional<std::string>> cwd = OptionalString(params, "cwd", "cwd");
  if (!cwd.ok()) return cwd.status();
  if (*cwd && (*cwd)->rfind('/', 0) != 0) return NotAbsolute(**cwd, "cwd");
  absl::StatusOr<std::optional<bool>> layers =
      OptionalBool(params, "includeLayers", "includeLayers");
  if (!layers.ok()) return layers.status();
  return ReadParams{layers->value_or(false)};
}

absl::StatusOr<NoParams> ParseNone(const json&) { return NoParams{}; }

}  // namespace

void RegisterConfigHandlers(MethodRegistry& registry, const CodexConfig& config) {
  registry.Register<ReadParams>("config/read", ParseRead,
                                [&config](const ReadParams& p, RequestContext&) {
                                  return config.ReadResponse(p.include_layers);
                                });
  registry.Register<NoParams>("configRequirements/read", ParseNone,
                              [](const NoParams&, RequestContext&) -> absl::StatusOr<json> {
                                return json{{"requirements", nullptr}};
                              });
}

}  // namespace threadlog::api
