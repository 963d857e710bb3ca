// The thread lifecycle methods (thread/start, resume, fork, read, list, loaded/list, archive,
// unarchive, unsubscribe, name/set, rollback) on top of projections/thread_store.h.
#ifndef THREADLOG_API_THREAD_HANDLERS_H_
#define THREADLOG_API_THREAD_HANDLERS_H_

#include "api/codex_config.h"
#include "api/method_registry.h"
#include "api/session/thread_service.h"
#include "projections/thread_store.h"

namespace threadlog::api {

// Registers every thread method in `registry`. Each handler validates its params
// (api/thread_params.h); writes and loaded threads are `service`'s (the thread-write service:
// durable appends, followers, notifications), reads come from `store`'s projections; answers
// and the order of notifications around them are Codex's (api/METHODS.md). The experimental
// fields (persistExtendedHistory, dynamicTools, path, history) are gated by the dispatcher
// (protocol_catalog.cc), not here. A request's `config` overrides are read with `config`
// (the server's config.toml). `store`, `service` and `config` must outlive the registry.
void RegisterThreadHandlers(MethodRegistry& registry, ThreadStore& store,
                            session::ThreadService& service, const CodexConfig& config);

}  // namespace threadlog::api

#endif  // THREADLOG_API_THREAD_HANDLERS_H_
