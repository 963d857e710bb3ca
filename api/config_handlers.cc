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
  // `cwd` selects project layers, which threadlog does not read (only the user and system
  // layers); its type is still checked.
  absl::StatusOr<std::optional<std::string>> cwd = OptionalString(params, "cwd");
  if (!cwd.ok()) return cwd.status();
  absl::StatusOr<std::optional<bool>> layers = OptionalBool(params, "includeLayers");
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
