// The thread lifecycle methods (thread/start, resume, fork, read, list, loaded/list, archive,
// unarchive, unsubscribe, name/set, rollback) on top of projections/thread_store.h.
#ifndef THREADLOG_API_THREAD_HANDLERS_H_
#define THREADLOG_API_THREAD_HANDLERS_H_

#include "api/codex_config.h"
#include "api/method_registry.h"
#include "api/subscriptions.h"
#include "projections/thread_store.h"

namespace threadlog::api {

// Registers every thread method in `registry`. Each handler validates its params
// (api/thread_params.h), appends through `store` with Durability::kSync (answering only once
// the batch is durable), answers from the projections, subscribes the caller to the threads it
// starts, resumes or forks, and sends notifications to the thread's subscribers in Codex
// 0.113.0's order (api/METHODS.md). A thread is "loaded" exactly while some connection
// subscribes to it; a connection that closes simply stops following (no one is left to tell).
// The experimental fields (persistExtendedHistory, dynamicTools, path, history) are gated by
// the dispatcher (protocol_catalog.cc), not here. `store` and `subscriptions` must outlive the
// registry. `defaults` are the configured session settings (config.toml: model, model_provider,
// approval_policy, sandbox_mode): what a thread runs with when neither the params nor its last
// turn_context say otherwise. `defaults.model_provider` is also the provider of threads whose
// meta named none, and the one thread/list filters on when not given modelProviders.
void RegisterThreadHandlers(MethodRegistry& registry, ThreadStore& store,
                            SubscriptionRegistry& subscriptions, SessionDefaults defaults = {});

}  // namespace threadlog::api

#endif  // THREADLOG_API_THREAD_HANDLERS_H_
