// The externalAgentConfig/* JSON shapes of the Codex app-server protocol (unchanged from 0.113.0
// to 0.117.0), from and to
// the migration library's types (for the future api/ handlers).
#include "migrate/api_json.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "migrate/internal/absl_sv.h"

namespace threadlog::migrate {

using internal::Sv;
namespace {

absl::Status CheckAbsolute(const std::string& cwd, std::string_view field) {
  if (absl::StartsWith(cwd, "/")) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(Sv(field), " must be an absolute path, got \"", cwd, "\""));
}

}  // namespace

nlohmann::json MigrationItemToJson(const MigrationItem& item) {
  return nlohmann::json{
      {"itemType", std::string(ItemTypeName(item.type))},
      {"description", item.description},
      {"cwd", item.cwd.empty() ? nlohmann::json(nullptr) : nlohmann::json(item.cwd)},
  };
}

nlohmann::json DetectResponseToJson(const DetectReport& report) {
  nlohmann::json items = nlohmann::json::array();
  for (const MigrationItem& item : report.items) items.push_back(MigrationItemToJson(item));
  return nlohmann::json{{"items", std::move(items)}};
}

absl::StatusOr<DetectOptions> DetectOptionsFromJson(const nlohmann::json& params) {
  DetectOptions options;
  options.include_home = false;
  if (params.is_null()) return options;
  if (!params.is_object()) return absl::InvalidArgumentError("params must be an object");
  if (auto it = params.find("includeHome"); it != params.end() && !it->is_null()) {
    if (!it->is_boolean()) return absl::InvalidArgumentError("includeHome must be a boolean");
    options.include_home = it->get<bool>();
  }
  if (auto it = params.find("cwds"); it != params.end() && !it->is_null()) {
    if (!it->is_array()) return absl::InvalidArgumentError("cwds must be an array of strings");
    for (const nlohmann::json& cwd : *it) {
      if (!cwd.is_string()) return absl::InvalidArgumentError("cwds must be an array of strings");
      std::string path = cwd.get<std::string>();
      if (absl::Status s = CheckAbsolute(path, "cwds[]"); !s.ok()) return s;
      options.cwds.push_back(std::move(path));
    }
  }
  return options;
}

absl::StatusOr<ImportRequest> ImportRequestFromJson(const nlohmann::json& params) {
  if (!params.is_object()) return absl::InvalidArgumentError("params must be an object");
  auto list = params.find("migrationItems");
  if (list == params.end() || !list->is_array()) {
    return absl::InvalidArgumentError("migrationItems must be an array");
  }
  ImportRequest request;
  for (const nlohmann::json& entry : *list) {
    if (!entry.is_object()) {
      return absl::InvalidArgumentError("each migrationItems entry must be an object");
    }
    auto type = entry.find("itemType");
    if (type == entry.end() || !type->is_string()) {
      return absl::InvalidArgumentError("migrationItems[].itemType must be a string");
    }
    std::optional<ItemType> parsed = ParseItemType(type->get<std::string>());
    if (!parsed) {
      request.skipped_item_types.push_back(type->get<std::string>());
      continue;
    }
    MigrationItem item;
    item.type = *parsed;
    if (auto d = entry.find("description"); d != entry.end() && d->is_string()) {
      item.description = d->get<std::string>();
    }
    if (auto cwd = entry.find("cwd"); cwd != entry.end() && !cwd->is_null()) {
      if (!cwd->is_string()) {
        return absl::InvalidArgumentError("migrationItems[].cwd must be a string or null");
      }
      item.cwd = cwd->get<std::string>();
      if (!item.cwd.empty()) {
        if (absl::Status s = CheckAbsolute(item.cwd, "migrationItems[].cwd"); !s.ok()) return s;
      }
    }
    request.items.push_back(std::move(item));
  }
  return request;
}

nlohmann::json ImportResponseToJson(const ImportReport& /*report*/) {
  return nlohmann::json::object();
}

}  // namespace threadlog::migrate
