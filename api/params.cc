// Params readers that produce Codex's serde-style messages and name the offending field.
#include "api/params.h"

#include <cstdint>
#include <filesystem>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/session/serde_wording.h"
#include "eventlog/absl_compat.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

absl::Status InvalidRequest(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("Invalid request: ", ToAbsl(what)));
}

// serde's u32: negative or too large integers are an "invalid value", anything else an
// "invalid type".
absl::StatusOr<uint32_t> ReadU32(const json& value) {
  if (value.is_number_integer()) {
    const bool negative = !value.is_number_unsigned() && value.get<int64_t>() < 0;
    if (negative || value.get<uint64_t>() > std::numeric_limits<uint32_t>::max()) {
      return InvalidRequest(
          absl::StrCat("invalid value: integer `", value.dump(), "`, expected u32"));
    }
    return static_cast<uint32_t>(value.get<uint64_t>());
  }
  return WrongType(value, "u32");
}

}  // namespace

absl::Status MissingField(std::string_view name) {
  return InvalidRequest(absl::StrCat("missing field `", ToAbsl(name), "`"));
}

absl::Status WrongType(const json& value, std::string_view expected) {
  return InvalidRequest(absl::StrCat("invalid type: ", session::SerdeUnexpected(value),
                                     ", expected ", ToAbsl(expected)));
}

std::string ResolveAgainstServerCwd(const std::string& path) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (ec) return path;
  return absolute.lexically_normal().string();
}

absl::Status RequireObject(const json& params, std::string_view type_name) {
  if (params.is_object()) return absl::OkStatus();
  return InvalidRequest(absl::StrCat("invalid type: ", session::SerdeUnexpected(params),
                                     ", expected struct ", ToAbsl(type_name)));
}

absl::StatusOr<std::optional<bool>> OptionalBool(const json& object, std::string_view name) {
  auto it = object.find(std::string(name));
  if (it == object.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return WrongType(*it, "a boolean");
  return std::optional<bool>(it->get<bool>());
}

absl::StatusOr<std::optional<std::string>> OptionalString(const json& object,
                                                          std::string_view name) {
  auto it = object.find(std::string(name));
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return WrongType(*it, "a string");
  return std::optional<std::string>(it->get<std::string>());
}

absl::StatusOr<std::optional<std::vector<std::string>>> OptionalStringArray(const json& object,
                                                                            std::string_view name) {
  auto it = object.find(std::string(name));
  if (it == object.end() || it->is_null()) return std::optional<std::vector<std::string>>();
  if (!it->is_array()) return WrongType(*it, "a sequence");
  std::vector<std::string> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    if (!item.is_string()) {
      return WrongType(item, "a string");
    }
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

absl::Status CheckVariant(std::string_view value, std::span<const std::string_view> allowed) {
  for (std::string_view a : allowed) {
    if (a == value) return absl::OkStatus();
  }
  std::vector<std::string> quoted;
  for (std::string_view a : allowed) quoted.push_back(absl::StrCat("`", ToAbsl(a), "`"));
  std::string expected = quoted.size() == 2 ? absl::StrCat(quoted[0], " or ", quoted[1])
                                            : absl::StrCat("one of ", absl::StrJoin(quoted, ", "));
  return InvalidRequest(absl::StrCat("unknown variant `", ToAbsl(value), "`, expected ", expected));
}

absl::StatusOr<json> ParseAskForApproval(const json& value) {
  // serde lists the unit variants and the granular one in declaration order.
  static constexpr std::string_view kVariants[] = {"untrusted", "on-failure", "on-request",
                                                   "granular", "never"};
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text == "granular") {  // a struct variant written as a unit one
      return InvalidRequest("invalid type: unit variant, expected struct variant");
    }
    if (absl::Status s = CheckVariant(text, kVariants); !s.ok()) return s;
    return value;
  }
  if (!value.is_object()) return WrongType(value, "string or map");
  if (value.size() != 1) {
    return InvalidRequest("invalid value: map, expected map with a single key");
  }
  const std::string& key = value.begin().key();
  if (key != "granular") {
    if (absl::Status s = CheckVariant(key, kVariants); !s.ok()) return s;
    // A unit variant written as {"never": null}; serde takes it, with nothing but null inside.
    if (!value.begin().value().is_null()) return WrongType(value.begin().value(), "unit");
    return json(key);
  }
  const json& granular = value.begin().value();
  if (!granular.is_object()) return WrongType(granular, "struct variant");
  json out = json::object();
  for (const char* name : {"sandbox_approval", "rules", "mcp_elicitations"}) {
    auto it = granular.find(name);
    if (it == granular.end()) return MissingField(name);
    if (!it->is_boolean()) return WrongType(*it, "a boolean");
    out[name] = *it;
  }
  for (const char* name : {"request_permissions", "skill_approval"}) {
    absl::StatusOr<std::optional<bool>> flag = OptionalBool(granular, name);
    if (!flag.ok()) return flag.status();
    out[name] = flag->value_or(false);
  }
  return json{{"granular", std::move(out)}};
}

absl::StatusOr<std::string> ParseUnitEnum(const json& value,
                                          std::span<const std::string_view> variants) {
  if (value.is_string()) {
    if (absl::Status s = CheckVariant(value.get<std::string>(), variants); !s.ok()) return s;
    return value.get<std::string>();
  }
  if (!value.is_object()) return WrongType(value, "string or map");
  if (value.size() != 1)
    return InvalidRequest("invalid value: map, expected map with a single key");
  const std::string& key = value.begin().key();
  if (absl::Status s = CheckVariant(key, variants); !s.ok()) return s;
  if (!value.begin().value().is_null()) return WrongType(value.begin().value(), "unit");
  return key;
}

absl::StatusOr<std::optional<uint32_t>> OptionalU32(const json& object, std::string_view name) {
  auto it = object.find(std::string(name));
  if (it == object.end() || it->is_null()) return std::optional<uint32_t>();
  absl::StatusOr<uint32_t> value = ReadU32(*it);
  if (!value.ok()) return value.status();
  return std::optional<uint32_t>(*value);
}

absl::StatusOr<uint32_t> RequiredU32(const json& object, std::string_view name) {
  auto it = object.find(std::string(name));
  if (it == object.end()) return MissingField(name);
  return ReadU32(*it);
}

absl::StatusOr<std::string> RequiredString(const json& object, std::string_view name) {
  auto it = object.find(std::string(name));
  if (it == object.end()) return MissingField(name);
  if (!it->is_string()) return WrongType(*it, "a string");
  return it->get<std::string>();
}

absl::StatusOr<absl::StatusOr<ThreadId>> ParseThreadIdField(const nlohmann::json& params) {
  absl::StatusOr<std::string> text = RequiredString(params, "threadId");
  if (!text.ok()) return text.status();
  absl::StatusOr<ThreadId> id = ThreadId::Parse(*text);
  if (!id.ok()) {
    return absl::StatusOr<ThreadId>(
        absl::InvalidArgumentError(absl::StrCat("invalid thread id: ", id.status().message())));
  }
  return absl::StatusOr<ThreadId>(*id);
}

}  // namespace threadlog::api
