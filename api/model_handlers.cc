// model/list: params in Codex's wording, then ModelCatalog::List.
#include "api/model_handlers.h"

#include <limits>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "api/params.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

struct ListParams {
  std::optional<std::string> cursor;
  std::optional<uint32_t> limit;
  bool include_hidden = false;
};

absl::StatusOr<ListParams> Parse(const json& params) {
  if (absl::Status s = RequireObject(params, "ModelListParams"); !s.ok()) return s;
  ListParams out;
  absl::StatusOr<std::optional<std::string>> cursor = OptionalString(params, "cursor");
  if (!cursor.ok()) return cursor.status();
  out.cursor = *std::move(cursor);
  absl::StatusOr<std::optional<bool>> hidden = OptionalBool(params, "includeHidden");
  if (!hidden.ok()) return hidden.status();
  out.include_hidden = hidden->value_or(false);
  absl::StatusOr<std::optional<uint32_t>> limit = OptionalU32(params, "limit");
  if (!limit.ok()) return limit.status();
  out.limit = *limit;
  return out;
}

}  // namespace

void RegisterModelHandlers(MethodRegistry& registry, const ModelCatalog& catalog) {
  registry.Register<ListParams>(
      "model/list", Parse,
      [&catalog](const ListParams& p, RequestContext&) -> absl::StatusOr<json> {
        absl::StatusOr<ModelCatalog::Page> page = catalog.List(p.include_hidden, p.cursor, p.limit);
        if (!page.ok()) return page.status();
        return json{{"data", std::move(page->data)},
                    {"nextCursor", page->next_cursor ? json(*page->next_cursor) : json(nullptr)}};
      });
}

}  // namespace threadlog::api
