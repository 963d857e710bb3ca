// externalAgentConfig/detect and externalAgentConfig/import: the migrate/ library behind the API.
#ifndef THREADLOG_API_EXTERNAL_AGENT_CONFIG_HANDLERS_H_
#define THREADLOG_API_EXTERNAL_AGENT_CONFIG_HANDLERS_H_

#include "absl/status/statusor.h"
#include "api/method_registry.h"
#include "migrate/paths.h"

namespace threadlog::api {

// Registers both methods. `env` is HOME / CODEX_HOME as the server read them at start (as
// Codex does); when it is an error, both methods answer with it.
void RegisterExternalAgentConfigHandlers(MethodRegistry& registry,
                                         absl::StatusOr<migrate::Environment> env);

}  // namespace threadlog::api

#endif  // THREADLOG_API_EXTERNAL_AGENT_CONFIG_HANDLERS_H_
