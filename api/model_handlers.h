// model/list: the model catalog, paged as Codex 0.117.0 pages it.
#ifndef THREADLOG_API_MODEL_HANDLERS_H_
#define THREADLOG_API_MODEL_HANDLERS_H_

#include "api/method_registry.h"
#include "api/model_catalog.h"

namespace threadlog::api {

// Registers "model/list" (ModelListParams {cursor, limit, includeHidden} -> {data, nextCursor})
// over `catalog`, which must outlive the registry. Codex 0.117.0 lists its catalog whatever
// config.toml's `model` says (a configured model that is not in it is not added, and isDefault
// stays on the catalog's default): so does this.
void RegisterModelHandlers(MethodRegistry& registry, const ModelCatalog& catalog);

}  // namespace threadlog::api

#endif  // THREADLOG_API_MODEL_HANDLERS_H_
