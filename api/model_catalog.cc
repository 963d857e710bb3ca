// The model catalog: loading the bundled data and Codex's index-cursor paging.
#include "api/model_catalog.h"

#include <cstdlib>
#include <iostream>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace threadlog::api {

extern const char kBundledModelCatalogJson[];  // api/model_catalog.json, embedded by CMake

namespace {
using nlohmann::json;
constexpr const char* kRequired[] = {"id",
                                     "model",
                                     "displayName",
                                     "description",
                                     "hidden",
                                     "supportedReasoningEfforts",
                                     "defaultReasoningEffort",
                                     "isDefault"};
}  // namespace

absl::StatusOr<ModelCatalog> ModelCatalog::FromJson(std::string_view text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return absl::InvalidArgumentError("model catalog: not a JSON array");
  ModelCatalog catalog;
  std::set<std::string> ids;
  for (size_t i = 0; i < parsed.size(); ++i) {
    const json& entry = parsed[i];
    if (!entry.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("model catalog entry ", i, ": not an object"));
    }
    for (const char* field : kRequired) {
      if (!entry.contains(field)) {
        return absl::InvalidArgumentError(
            absl::StrCat("model catalog entry ", i, ": missing field `", field, "`"));
      }
    }
    if (!entry["id"].is_string() || !entry["hidden"].is_boolean()) {
      return absl::InvalidArgumentError(
          absl::StrCat("model catalog entry ", i, ": id must be a string, hidden a boolean"));
    }
    if (!ids.insert(entry["id"].get<std::string>()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("model catalog entry ", i, ": id ", entry["id"].dump(), " repeats"));
    }
    catalog.models_.push_back(entry);
  }
  return catalog;
}

const ModelCatalog& ModelCatalog::Bundled() {
  static const ModelCatalog* bundled = [] {
    absl::StatusOr<ModelCatalog> catalog = FromJson(kBundledModelCatalogJson);
    if (!catalog.ok()) {
      std::cerr << "threadlog: the bundled " << catalog.status().message() << std::endl;
      std::abort();
    }
    return new ModelCatalog(*std::move(catalog));
  }();
  return *bundled;
}

ModelCatalog ModelCatalog::WithConfiguredModel(std::string_view model) const {
  ModelCatalog out = *this;
  if (model.empty() || Find(model) != nullptr) return out;
  const std::string id(model);
  nlohmann::json entry = {{"id", id},
                          {"model", id},
                          {"upgrade", nullptr},
                          {"upgradeInfo", nullptr},
                          {"availabilityNux", nullptr},
                          {"displayName", id},
                          {"description", "Configured in config.toml"},
                          {"hidden", false},
                          {"supportedReasoningEfforts", nlohmann::json::array()},
                          {"defaultReasoningEffort", "medium"},
                          {"inputModalities", {"text", "image"}},
                          {"supportsPersonality", false},
                          {"isDefault", false}};
  out.models_.insert(out.models_.begin(), std::move(entry));
  return out;
}

absl::StatusOr<ModelCatalog::Page> ModelCatalog::List(bool include_hidden,
                                                      const std::optional<std::string>& cursor,
                                                      std::optional<uint32_t> limit) const {
  std::vector<const json*> visible;
  for (const json& model : models_) {
    if (include_hidden || !model["hidden"].get<bool>()) visible.push_back(&model);
  }
  uint64_t start = 0;
  if (cursor) {
    const bool digits =
        !cursor->empty() && cursor->find_first_not_of("0123456789") == std::string::npos;
    if (!digits || !absl::SimpleAtoi(*cursor, &start)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid cursor: ", *cursor));
    }
  }
  if (start > visible.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cursor ", start, " exceeds total models ", visible.size()));
  }
  const uint64_t remaining = visible.size() - start;
  const uint64_t count =
      limit ? std::min<uint64_t>(remaining, std::max<uint32_t>(*limit, 1)) : remaining;
  Page page;
  for (uint64_t i = start; i < start + count; ++i) page.data.push_back(*visible[i]);
  if (start + count < visible.size()) page.next_cursor = absl::StrCat(start + count);
  return page;
}

const json* ModelCatalog::Find(std::string_view id) const {
  for (const json& model : models_) {
    if (model["id"] == id) return &model;
  }
  return nullptr;
}

}  // namespace threadlog::api
