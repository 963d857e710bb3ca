// The initialize method: records the client's capabilities on its connection.
#ifndef THREADLOG_API_INITIALIZE_HANDLER_H_
#define THREADLOG_API_INITIALIZE_HANDLER_H_

#include <string>
#include <vector>

#include "api/codex_config.h"
#include "api/connection_directory.h"
#include "api/method_registry.h"

namespace threadlog::api {

// What initialize tells a client about the server besides userAgent (Codex 0.117.0).
struct InitializeInfo {
  std::string codex_home;                  // InitializeResponse.codexHome (absolute)
  std::vector<ConfigWarning> warnings;     // sent as configWarning right after the answer
  ConnectionDirectory* clients = nullptr;  // initialized connections are added here
};

// Registers "initialize" (InitializeParams -> InitializeResponse {userAgent, codexHome,
// platformFamily, platformOs}). After the answer the connection gets one configWarning per
// entry of `info.warnings`, as Codex sends its config problems to each client. The dispatcher
// refuses it once the connection is initialized ("Already initialized"). `info.clients` must
// outlive the registry.
void RegisterInitializeHandler(MethodRegistry& registry, InitializeInfo info = {});

}  // namespace threadlog::api

#endif  // THREADLOG_API_INITIALIZE_HANDLER_H_
