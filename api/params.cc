// Params readers that produce Codex's serde-style messages and name the offending field.
#include "api/params.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

absl::Status CheckVariant(std::string_view value, std::span<const std::string_view> allowed,
                          std::string_view path) {
  for (std::string_view a : allowed) {
    if (a == value) return absl::OkStatus();
  }
  std::vector<std::string> quoted;
  for (std::string_view a : allowed) quoted.push_back(absl::StrCat("`", ToAbsl(a), "`"));
  std::string expected = quoted.size() == 2 ? absl::StrCat(quoted[0], " or ", quoted[1])
                                            : absl::StrCat("one of ", absl::StrJoin(quoted, ", "));
  return absl::InvalidArgumentError(absl::StrCat("Invalid request: unknown variant `",
                                                 ToAbsl(value), "`, expected ", expected, " (at `",
                                                 ToAbsl(path), "`)"));
}

absl::StatusOr<json> ParseAskForApproval(const json& value, std::string_view path) {
  // serde lists the unit variants and the granular one in declaration order.
  static constexpr std::string_view kVariants[] = {"untrusted", "on-failure", "on-request",
                                                   "granular", "never"};
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text == "granular") return WrongType(value, "map", path);  // a struct variant
    if (absl::Status s = CheckVariant(text, kVariants, path); !s.ok()) return s;
    return value;
  }
  if (!value.is_object()) return WrongType(value, "string or map", path);
  if (value.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid request: invalid type: map, expected map with a single key (at `",
                     ToAbsl(path), "`)"));
  }
  const std::string& key = value.begin().key();
  if (key != "granular") {
    if (absl::Status s = CheckVariant(key, kVariants, path); !s.ok()) return s;
    return WrongType(value, "string", path);  // a unit variant written as a map
  }
  const json& granular = value.begin().value();
  const std::string inner = absl::StrCat(ToAbsl(path), ".granular");
  if (!granular.is_object()) return WrongType(granular, "struct GranularApprovalConfig", inner);
  json out = json::object();
  for (const char* name : {"sandbox_approval", "rules", "mcp_elicitations"}) {
    auto it = granular.find(name);
    if (it == granular.end()) return MissingField(name);
    if (!it->is_boolean()) return WrongType(*it, "a boolean", absl::StrCat(inner, ".", name));
    out[name] = *it;
  }
  for (const char* name : {"request_permissions", "skill_approval"}) {
    absl::StatusOr<std::optional<bool>> flag =
        OptionalBool(granular, name, absl::StrCat(inner, ".", name));
    if (!flag.ok()) return flag.status();
    out[name] = flag->value_or(false);
  }
  return json{{"granular", std::move(out)}};
}

absl::StatusOr<std::string> RequiredString(const json& object, std::string_view name,
                                           std::string_view path) {
  auto it = object.find(std::string(name));
  if (it == object.end()) return MissingField(name);
  if (!it->is_string()) return WrongType(*it, "a string", path);
  return it->get<std::string>();
}

}  // namespace threadlog::api
