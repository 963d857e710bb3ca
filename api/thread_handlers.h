// The plug-in point for the thread methods (thread/start, resume, fork, read, list, loaded/list,
// archive, unarchive, unsubscribe, name/set, rollback): declared here, implemented next on top
// of projections/thread_store.h. Nothing in api/ defines or calls it yet.
#ifndef THREADLOG_API_THREAD_HANDLERS_H_
#define THREADLOG_API_THREAD_HANDLERS_H_

#include "api/method_registry.h"
#include "api/subscriptions.h"
#include "projections/thread_store.h"

namespace threadlog::api {

// Registers every thread method in `registry`. Each handler validates its params (api/params.h
// wording), appends through `store` (answering only once the batch is durable), answers from
// the projections, subscribes the caller (RequestContext::connection) and fans notifications
// out with `subscriptions.Notify(thread_id, ...)`. The experimental fields of these methods
// (persistExtendedHistory, dynamicTools, path, history, ...) are already gated by the
// dispatcher from protocol_catalog.cc: handlers must not check the opt-in themselves.
// `store` and `subscriptions` must outlive the registry. To plug in: call it in
// api/serve.cc next to RegisterExternalAgentConfigHandlers, after opening the store with
// ThreadStore::Open(ResolveHome(...)), and pass Dispatcher::Options::on_thread_orphaned so a
// closed connection unloads its threads.
void RegisterThreadHandlers(MethodRegistry& registry, ThreadStore& store,
                            SubscriptionRegistry& subscriptions);

}  // namespace threadlog::api

#endif  // THREADLOG_API_THREAD_HANDLERS_H_
