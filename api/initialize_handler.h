// The initialize method: records the client's capabilities on its connection.
#ifndef THREADLOG_API_INITIALIZE_HANDLER_H_
#define THREADLOG_API_INITIALIZE_HANDLER_H_

#include "api/method_registry.h"

namespace threadlog::api {

// Registers "initialize" (InitializeParams -> InitializeResponse {userAgent}). The dispatcher
// refuses it once the connection is initialized ("Already initialized").
void RegisterInitializeHandler(MethodRegistry& registry);

}  // namespace threadlog::api

#endif  // THREADLOG_API_INITIALIZE_HANDLER_H_
