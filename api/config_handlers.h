// config/read and configRequirements/read: the configuration threadlog runs with.
#ifndef THREADLOG_API_CONFIG_HANDLERS_H_
#define THREADLOG_API_CONFIG_HANDLERS_H_

#include "api/codex_config.h"
#include "api/method_registry.h"

namespace threadlog::api {

// Registers "config/read" (ConfigReadParams {cwd, includeLayers} -> CodexConfig::ReadResponse;
// project layers below `cwd` are not read) and "configRequirements/read" (-> {requirements:
// null}: threadlog enforces no requirements.toml or MDM policy). `config` must outlive the
// registry.
void RegisterConfigHandlers(MethodRegistry& registry, const CodexConfig& config);

}  // namespace threadlog::api

#endif  // THREADLOG_API_CONFIG_HANDLERS_H_
