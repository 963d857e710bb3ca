// ModelCatalog: the models model/list offers — Codex 0.117.0's bundled catalog, kept as data
// in api/model_catalog.json (v2 `Model` objects in Codex's order) — and its paging.
#ifndef THREADLOG_API_MODEL_CATALOG_H_
#define THREADLOG_API_MODEL_CATALOG_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

// Immutable after construction, so thread-safe.
class ModelCatalog {
 public:
  // Parses a JSON array of v2 `Model` objects. kInvalidArgument naming the entry when it is
  // not an array, an entry lacks a required field (id, model, displayName, description,
  // hidden, supportedReasoningEfforts, defaultReasoningEffort, isDefault) or an id repeats.
  static absl::StatusOr<ModelCatalog> FromJson(std::string_view text);
  // The catalog compiled into the binary (api/model_catalog.json). Aborts if that data is
  // invalid, which the unit tests rule out.
  static const ModelCatalog& Bundled();

  // This catalog with `model` (config.toml's `model`) listed first when no entry has that id,
  // so a model the user configured can be picked although Codex does not know it (Codex
  // 0.117.0 leaves it out; threadlog lists it). Its entry: id, model and displayName `model`,
  // description "Configured in config.toml", not hidden, not the default, medium effort.
  ModelCatalog WithConfiguredModel(std::string_view model) const;

  struct Page {
    std::vector<nlohmann::json> data;
    std::optional<std::string> next_cursor;  // the index of the next entry, as text
  };
  // One page of the models, hidden ones only when `include_hidden`, as Codex pages them: the
  // cursor is the index to start at ("0" when absent), `limit` absent means all the rest and
  // 0 counts as 1; nextCursor is set while entries remain. Errors (kInvalidArgument, Codex's
  // texts): "invalid cursor: X" for a cursor that is not a non-negative integer, "cursor N
  // exceeds total models T" for one past the end (a cursor equal to T is an empty last page).
  absl::StatusOr<Page> List(bool include_hidden, const std::optional<std::string>& cursor,
                            std::optional<uint32_t> limit) const;

  const std::vector<nlohmann::json>& models() const { return models_; }
  // The entry whose id is `id`, if any.
  const nlohmann::json* Find(std::string_view id) const;

 private:
  std::vector<nlohmann::json> models_;
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_MODEL_CATALOG_H_
