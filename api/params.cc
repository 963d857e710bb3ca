// Params readers that produce Codex's serde-style messages and name the offending field.
#include "api/params.h"

#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

// serde's description of an unexpected value: `string "x"`, `integer `5``, `map`, ...
std::string Unexpected(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return absl::StrCat("string ", value.dump());
    case json::value_t::boolean:
      return absl::StrCat("boolean `", value.dump(), "`");
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return absl::StrCat("integer `", value.dump(), "`");
    case json::value_t::number_float:
      return absl::StrCat("floating point `", value.dump(), "`");
    case json::value_t::array:
      return "sequence";
    case json::value_t::object:
      return "map";
    case json::value_t::null:
      return "null";
    default:
      return "value";
  }
}

}  // namespace

absl::Status MissingField(std::string_view name) {
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid request: missing field `", ToAbsl(name), "`"));
}

absl::Status WrongType(const json& value, std::string_view expected, std::string_view path) {
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid request: invalid type: ", Unexpected(value), ", expected ",
                   ToAbsl(expected), " (at `", ToAbsl(path), "`)"));
}

absl::Status NotAbsolute(std::string_view value, std::string_view path) {
  return absl::InvalidArgumentError(absl::StrCat(
      "Invalid request: ", ToAbsl(path), " must be an absolute path, got \"", ToAbsl(value), "\""));
}

absl::Status RequireObject(const json& params, std::string_view type_name) {
  if (params.is_object()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid request: invalid type: ", Unexpected(params), ", expected struct ",
                   ToAbsl(type_name)));
}

absl::StatusOr<std::optional<bool>> OptionalBool(const json& object, std::string_view name,
                                                 std::string_view path) {
  auto it = object.find(std::string(name));
  if (it == object.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return WrongType(*it, "a boolean", path);
  return std::optional<bool>(it->get<bool>());
}

absl::StatusOr<std::optional<std::string>> OptionalString(const json& object, std::string_view name,
                                                          std::string_view path) {
  auto it = object.find(std::string(name));
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return WrongType(*it, "a string", path);
  return std::optional<std::string>(it->get<std::string>());
}

absl::StatusOr<std::optional<std::vector<std::string>>> OptionalStringArray(const json& object,
                                                                            std::string_view name,
                                                                            std::string_view path) {
  auto it = object.find(std::string(name));
  if (it == object.end() || it->is_null()) return std::optional<std::vector<std::string>>();
  if (!it->is_array()) return WrongType(*it, "a sequence", path);
  std::vector<std::string> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    if (!item.is_string()) {
      return WrongType(item, "a string", absl::StrCat(ToAbsl(path), "[", i, "]"));
    }
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

absl::StatusOr<std::string> RequiredString(const json& object, std::string_view name,
                                           std::string_view path) {
  auto it = object.find(std::string(name));
  if (it == object.end()) return MissingField(name);
  if (!it->is_string()) return WrongType(*it, "a string", path);
  return it->get<std::string>();
}

}  // namespace threadlog::api
