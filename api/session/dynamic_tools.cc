// Dynamic tool checks and input-schema reduction, worded as Codex 0.117.0 words them.
#include "api/session/dynamic_tools.h"

#include <array>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/session/serde_wording.h"
#include "eventlog/absl_compat.h"

namespace threadlog::api::session {
namespace {

using nlohmann::json;

// The serde variant list of Codex's JsonSchema (with `integer`, an alias of number).
constexpr std::string_view kUnknownVariantTail =
    "`, expected one of `boolean`, `string`, `integer`, `number`, `array`, `object`";

// --- Fitting a schema to the subset (Codex's sanitize step, applied before reading) ---

bool IsSupportedType(std::string_view type) {
  for (std::string_view t : {"object", "array", "string", "number", "integer", "boolean"}) {
    if (t == type) return true;
  }
  return false;
}

std::string InferType(const json& schema) {
  auto has = [&](std::initializer_list<const char*> keys) {
    for (const char* key : keys) {
      if (schema.contains(key)) return true;
    }
    return false;
  };
  if (has({"properties", "required", "additionalProperties"})) return "object";
  if (has({"items", "prefixItems"})) return "array";
  if (has({"enum", "const", "format"})) return "string";
  if (has({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})) {
    return "number";
  }
  return "string";
}

void FitToSubset(json& value) {
  if (value.is_boolean()) {
    value = json{{"type", "string"}};  // `true`/`false` schemas accept anything: a string
    return;
  }
  if (value.is_array()) {
    for (json& element : value) FitToSubset(element);
    return;
  }
  if (!value.is_object()) return;
  if (auto it = value.find("properties"); it != value.end() && it->is_object()) {
    for (json& property : *it) FitToSubset(property);
  }
  if (auto it = value.find("items"); it != value.end()) FitToSubset(*it);
  for (const char* combiner : {"oneOf", "anyOf", "allOf", "prefixItems"}) {
    if (auto it = value.find(combiner); it != value.end()) FitToSubset(*it);
  }
  std::optional<std::string> type;
  if (auto it = value.find("type"); it != value.end()) {
    if (it->is_string()) {
      type = it->get<std::string>();
    } else if (it->is_array()) {
      for (const json& entry : *it) {
        if (entry.is_string() && IsSupportedType(entry.get<std::string>())) {
          type = entry.get<std::string>();
          break;
        }
      }
    }
  }
  if (!type) type = InferType(value);
  value["type"] = *type;
  if (*type == "object") {
    if (!value.contains("properties")) value["properties"] = json::object();
    if (auto it = value.find("additionalProperties"); it != value.end() && !it->is_boolean()) {
      FitToSubset(*it);
    }
  }
  if (*type == "array" && !value.contains("items")) value["items"] = json{{"type", "string"}};
}

// --- Reading the fitted value as Codex's JsonSchema (serde's rules and messages) ---

enum class Variant { kBoolean, kString, kNumber, kArray, kObject };

struct VariantInfo {
  Variant variant;
  const char* name;                   // as serialized
  const char* rust_name;              // JsonSchema::<this> in serde's messages
  std::array<const char*, 3> fields;  // in declaration order (seq form)
  size_t field_count;
};

std::optional<VariantInfo> LookUpVariant(std::string_view tag) {
  if (tag == "boolean")
    return VariantInfo{Variant::kBoolean, "boolean", "Boolean", {"description"}, 1};
  if (tag == "string") return VariantInfo{Variant::kString, "string", "String", {"description"}, 1};
  if (tag == "number" || tag == "integer") {
    return VariantInfo{Variant::kNumber, "number", "Number", {"description"}, 1};
  }
  if (tag == "array") {
    return VariantInfo{Variant::kArray, "array", "Array", {"items", "description"}, 2};
  }
  if (tag == "object") {
    return VariantInfo{Variant::kObject,
                       "object",
                       "Object",
                       {"properties", "required", "additionalProperties"},
                       3};
  }
  return std::nullopt;
}

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

absl::StatusOr<json> ReadSchema(const json& value);

// Reads the variant field `field` into `out` (left out when null and optional).
absl::Status ReadField(std::string_view field, const json& value, json* out) {
  if (field == "description") {
    if (value.is_null()) return absl::OkStatus();
    if (!value.is_string()) {
      return Invalid(absl::StrCat("invalid type: ", SerdeUnexpected(value), ", expected a string"));
    }
    (*out)["description"] = value;
    return absl::OkStatus();
  }
  if (field == "items") {
    absl::StatusOr<json> items = ReadSchema(value);
    if (!items.ok()) return items.status();
    (*out)["items"] = *std::move(items);
    return absl::OkStatus();
  }
  if (field == "properties") {
    if (!value.is_object()) {
      return Invalid(absl::StrCat("invalid type: ", SerdeUnexpected(value), ", expected a map"));
    }
    json properties = json::object();
    for (const auto& [name, schema] : value.items()) {
      absl::StatusOr<json> property = ReadSchema(schema);
      if (!property.ok()) return property.status();
      properties[name] = *std::move(property);
    }
    (*out)["properties"] = std::move(properties);
    return absl::OkStatus();
  }
  if (field == "required") {
    if (value.is_null()) return absl::OkStatus();
    if (!value.is_array()) {
      return Invalid(
          absl::StrCat("invalid type: ", SerdeUnexpected(value), ", expected a sequence"));
    }
    for (const json& name : value) {
      if (!name.is_string()) {
        return Invalid(
            absl::StrCat("invalid type: ", SerdeUnexpected(name), ", expected a string"));
      }
    }
    (*out)["required"] = value;
    return absl::OkStatus();
  }
  // additionalProperties: untagged — a boolean, else a schema.
  if (value.is_null()) return absl::OkStatus();
  if (value.is_boolean()) {
    (*out)["additionalProperties"] = value;
    return absl::OkStatus();
  }
  absl::StatusOr<json> schema = ReadSchema(value);
  if (!schema.ok()) {
    return Invalid("data did not match any variant of untagged enum AdditionalProperties");
  }
  (*out)["additionalProperties"] = *std::move(schema);
  return absl::OkStatus();
}

absl::StatusOr<VariantInfo> ReadTag(const json& tag) {
  if (!tag.is_string()) {
    return Invalid(
        absl::StrCat("invalid type: ", SerdeUnexpected(tag), ", expected variant identifier"));
  }
  std::optional<VariantInfo> info = LookUpVariant(tag.get<std::string>());
  if (!info) {
    return Invalid(
        absl::StrCat("unknown variant `", tag.get<std::string>(), ToAbsl(kUnknownVariantTail)));
  }
  return *info;
}

// The map form: {"type": ..., fields...}; other keys are ignored, as serde ignores them.
absl::StatusOr<json> ReadMapForm(const json& value) {
  auto tag = value.find("type");
  if (tag == value.end()) return Invalid("missing field `type`");
  absl::StatusOr<VariantInfo> info = ReadTag(*tag);
  if (!info.ok()) return info.status();
  json out = {{"type", info->name}};
  for (const auto& [key, field_value] : value.items()) {
    for (size_t i = 0; i < info->field_count; ++i) {
      if (key != info->fields[i]) continue;
      if (absl::Status s = ReadField(key, field_value, &out); !s.ok()) return s;
    }
  }
  // Required fields (the fitting step has put them in place unless this came from elsewhere).
  if (info->variant == Variant::kArray && !value.contains("items")) {
    return Invalid("missing field `items`");
  }
  if (info->variant == Variant::kObject && !value.contains("properties")) {
    return Invalid("missing field `properties`");
  }
  return out;
}

// The sequence form serde also accepts: [tag, field values in declaration order].
absl::StatusOr<json> ReadSeqForm(const json& value) {
  if (value.empty()) return Invalid("missing field `type`");
  absl::StatusOr<VariantInfo> info = ReadTag(value[0]);
  if (!info.ok()) return info.status();
  const size_t given = value.size() - 1;
  json out = {{"type", info->name}};
  for (size_t i = 0; i < info->field_count; ++i) {
    if (i >= given) {
      return Invalid(absl::StrCat(
          "invalid length ", i, ", expected struct variant JsonSchema::", info->rust_name, " with ",
          info->field_count, info->field_count == 1 ? " element" : " elements"));
    }
    if (absl::Status s = ReadField(info->fields[i], value[i + 1], &out); !s.ok()) return s;
  }
  if (given > info->field_count) {
    return Invalid(absl::StrCat("invalid length ", given, ", expected ", info->field_count,
                                info->field_count == 1 ? " element" : " elements", " in sequence"));
  }
  return out;
}

absl::StatusOr<json> ReadSchema(const json& value) {
  if (value.is_object()) return ReadMapForm(value);
  if (value.is_array()) return ReadSeqForm(value);
  return Invalid(absl::StrCat("invalid type: ", SerdeUnexpected(value),
                              ", expected internally tagged enum JsonSchema"));
}

// Rust's char::is_whitespace (Unicode White_Space), which Codex's trim uses.
bool IsUnicodeWhitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

// Decodes the UTF-8 character starting at `at` (0 when malformed); sets *length.
char32_t DecodeAt(std::string_view text, size_t at, size_t* length) {
  const unsigned char lead = static_cast<unsigned char>(text[at]);
  size_t n = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (at + n > text.size()) n = 1;
  *length = n;
  if (n == 1) return lead < 0x80 ? lead : 0;
  char32_t c = lead & (0x7f >> n);
  for (size_t i = 1; i < n; ++i) c = c << 6 | (static_cast<unsigned char>(text[at + i]) & 0x3f);
  return c;
}

std::string_view TrimUnicodeWhitespace(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    size_t n = 0;
    if (!IsUnicodeWhitespace(DecodeAt(text, begin, &n))) break;
    begin += n;
  }
  size_t end = text.size();
  while (end > begin) {
    size_t start = end - 1;  // back up to the lead byte of the last character
    while (start > begin && (static_cast<unsigned char>(text[start]) & 0xc0) == 0x80) --start;
    size_t n = 0;
    if (!IsUnicodeWhitespace(DecodeAt(text, start, &n))) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

}  // namespace

absl::StatusOr<json> ToolInputSchemaForModel(const json& input_schema) {
  json fitted = input_schema;
  FitToSubset(fitted);
  return ReadSchema(fitted);
}

absl::Status ValidateDynamicTools(const json& tools) {
  if (!tools.is_array()) return Invalid("dynamic tools are not a list");
  std::set<std::string, std::less<>> seen;
  for (const json& tool : tools) {
    if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string()) {
      return Invalid("a dynamic tool is not an object with a string name");
    }
    const std::string name = tool["name"].get<std::string>();
    const std::string_view trimmed = TrimUnicodeWhitespace(name);
    if (trimmed.empty()) return Invalid("dynamic tool name must not be empty");
    if (trimmed != name) {
      return Invalid(absl::StrCat("dynamic tool name has leading/trailing whitespace: ", name));
    }
    if (name == "mcp" || absl::StartsWith(name, "mcp__")) {
      return Invalid(absl::StrCat("dynamic tool name is reserved: ", name));
    }
    if (!seen.insert(name).second) {
      return Invalid(absl::StrCat("duplicate dynamic tool name: ", name));
    }
    absl::StatusOr<json> schema =
        ToolInputSchemaForModel(tool.contains("inputSchema") ? tool["inputSchema"] : json());
    if (!schema.ok()) {
      return Invalid(absl::StrCat("dynamic tool input schema is not supported for ", name, ": ",
                                  schema.status().message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace threadlog::api::session
