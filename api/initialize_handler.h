// The initialize method: records the client's capabilities on its connection.
#ifndef THREADLOG_API_INITIALIZE_HANDLER_H_
#define THREADLOG_API_INITIALIZE_HANDLER_H_

#include <string>

#include "api/method_registry.h"

namespace threadlog::api {

// Registers "initialize" (InitializeParams -> InitializeResponse {userAgent, codexHome,
// platformFamily, platformOs}); `codex_home` is the absolute Codex home the server reads its
// configuration from. The dispatcher refuses a second initialize ("Already initialized").
void RegisterInitializeHandler(MethodRegistry& registry, std::string codex_home);

}  // namespace threadlog::api

#endif  // THREADLOG_API_INITIALIZE_HANDLER_H_
