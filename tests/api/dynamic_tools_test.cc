// Tests for api/session/dynamic_tools: every expected message below is what Codex 0.117.0
// answered to thread/start with the same dynamicTools (probed against the reference binary).
#include "api/session/dynamic_tools.h"

#include <initializer_list>
#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace threadlog::api::session {
namespace {

using nlohmann::json;

json Tool(std::string name, json schema) {
  return {{"name", std::move(name)}, {"description", "d"}, {"inputSchema", std::move(schema)}};
}

// The message ValidateDynamicTools gives for these tools, or "OK".
std::string ErrorOf(std::initializer_list<json> tools) {
  json list = json::array();
  for (const json& tool : tools) list.push_back(tool);
  absl::Status status = ValidateDynamicTools(list);
  if (status.ok()) return "OK";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

constexpr char kVariants[] =
    "expected one of `boolean`, `string`, `integer`, `number`, `array`, `object`";

TEST(DynamicToolsTest, NamesCheckedAsCodexChecksThem) {
  EXPECT_EQ(ErrorOf({}), "OK");
  EXPECT_FALSE(ValidateDynamicTools(json::object()).ok());
  EXPECT_FALSE(ValidateDynamicTools(json::array({5})).ok());
  EXPECT_EQ(ErrorOf({Tool("", json::object())}), "dynamic tool name must not be empty");
  EXPECT_EQ(ErrorOf({Tool("\t", json::object())}), "dynamic tool name must not be empty");
  EXPECT_EQ(ErrorOf({Tool(" a", json::object())}),
            "dynamic tool name has leading/trailing whitespace:  a");
  EXPECT_EQ(ErrorOf({Tool("a\n", json::object())}),
            "dynamic tool name has leading/trailing whitespace: a\n");
  // U+3000 IDEOGRAPHIC SPACE is whitespace to Rust's trim.
  EXPECT_EQ(ErrorOf({Tool("a\xe3\x80\x80", json::object())}),
            "dynamic tool name has leading/trailing whitespace: a\xe3\x80\x80");
  EXPECT_EQ(ErrorOf({Tool("mcp", json::object())}), "dynamic tool name is reserved: mcp");
  EXPECT_EQ(ErrorOf({Tool("mcp__x", json::object())}), "dynamic tool name is reserved: mcp__x");
  EXPECT_EQ(
      ErrorOf({Tool("mcpx", json::object()), Tool("a.b", json::object()),
               Tool("\xc3\xbc", json::object()), Tool(std::string(200, 'a'), json::object())}),
      "OK");
  EXPECT_EQ(ErrorOf({Tool("a", json::object()), Tool("a", json::object())}),
            "duplicate dynamic tool name: a");
  // Tool by tool: the first tool's schema fails before the second tool's name is seen.
  EXPECT_EQ(ErrorOf({Tool("a", 5), Tool("a", json::object())}),
            "dynamic tool input schema is not supported for a: invalid type: integer `5`, "
            "expected internally tagged enum JsonSchema");
}

TEST(DynamicToolsTest, SchemasRefusedWithSerdesWords) {
  const std::pair<json, std::string> cases[] = {
      {5, "invalid type: integer `5`, expected internally tagged enum JsonSchema"},
      {"x", "invalid type: string \"x\", expected internally tagged enum JsonSchema"},
      {nullptr, "invalid type: null, expected internally tagged enum JsonSchema"},
      {json::array(), "missing field `type`"},
      {{{"type", "foo"}}, std::string("unknown variant `foo`, ") + kVariants},
      {{{"type", "null"}}, std::string("unknown variant `null`, ") + kVariants},
      {{{"type", "object"}, {"properties", {{"a", {{"type", "bogus"}}}}}},
       std::string("unknown variant `bogus`, ") + kVariants},
      {{{"type", "array"}, {"items", {{"type", "zz"}}}},
       std::string("unknown variant `zz`, ") + kVariants},
      {{{"type", "object"}, {"properties", 5}}, "invalid type: integer `5`, expected a map"},
      {{{"type", "object"}, {"properties", nullptr}}, "invalid type: null, expected a map"},
      {{{"type", "object"}, {"required", 5}}, "invalid type: integer `5`, expected a sequence"},
      {{{"type", "object"}, {"required", {1}}}, "invalid type: integer `1`, expected a string"},
      {{{"type", "object"}, {"additionalProperties", 5}},
       "data did not match any variant of untagged enum AdditionalProperties"},
      {{{"type", "object"}, {"additionalProperties", {{"type", "q"}}}},
       "data did not match any variant of untagged enum AdditionalProperties"},
      {{{"type", "string"}, {"description", 5}}, "invalid type: integer `5`, expected a string"},
      {{{"type", "array"}, {"items", nullptr}},
       "invalid type: null, expected internally tagged enum JsonSchema"},
      {{{"type", "array"}, {"items", {{"type", "array"}, {"items", 5}}}},
       "invalid type: integer `5`, expected internally tagged enum JsonSchema"},
      {{{"type", "object"}, {"properties", {{"a", 5}}}},
       "invalid type: integer `5`, expected internally tagged enum JsonSchema"},
      {{{"type", "array"}, {"items", {{{"type", "string"}}}}},
       "invalid type: map, expected variant identifier"},
      // The sequence form: [tag, fields in declaration order].
      {{"string"}, "invalid length 0, expected struct variant JsonSchema::String with 1 element"},
      {{"object"}, "invalid length 0, expected struct variant JsonSchema::Object with 3 elements"},
      {{"zz"}, std::string("unknown variant `zz`, ") + kVariants},
      {{5}, "invalid type: integer `5`, expected variant identifier"},
  };
  for (const auto& [schema, message] : cases) {
    absl::StatusOr<json> read = ToolInputSchemaForModel(schema);
    ASSERT_FALSE(read.ok()) << schema.dump();
    EXPECT_EQ(read.status().message(), message) << schema.dump();
    EXPECT_EQ(ErrorOf({Tool("a", schema)}),
              "dynamic tool input schema is not supported for a: " + message);
  }
}

TEST(DynamicToolsTest, SchemasCodexTakesAreReducedAsItSendsThem) {
  const std::pair<json, json> cases[] = {
      // No type: inferred from the keywords, else a string.
      {json::object(), {{"type", "string"}}},
      {true, {{"type", "string"}}},
      {{{"type", 5}}, {{"type", "string"}}},
      {{{"type", json::array()}}, {{"type", "string"}}},
      {{{"type", {"null", "zz"}}}, {{"type", "string"}}},
      {{{"type", {"null", "integer"}}}, {{"type", "number"}}},
      {{{"anyOf", {{{"type", "zz"}}}}}, {{"type", "string"}}},
      {{{"properties", json::object()}}, {{"type", "object"}, {"properties", json::object()}}},
      {{{"minimum", 1}}, {{"type", "number"}}},
      {{{"enum", {1}}}, {{"type", "string"}}},
      // Missing parts filled in; integer is read as number; unknown keywords dropped.
      {{{"type", "array"}}, {{"type", "array"}, {"items", {{"type", "string"}}}}},
      {{{"type", "object"}}, {{"type", "object"}, {"properties", json::object()}}},
      {{{"type", "object"},
        {"additionalProperties", false},
        {"required", {"a"}},
        {"properties",
         {{"a", {{"type", "integer"}, {"description", "x"}, {"enum", {1}}}}, {"b", true}}}},
       {{"type", "object"},
        {"additionalProperties", false},
        {"required", {"a"}},
        {"properties",
         {{"a", {{"type", "number"}, {"description", "x"}}}, {"b", {{"type", "string"}}}}}}},
      {{{"type", "object"}, {"required", nullptr}, {"additionalProperties", nullptr}},
       {{"type", "object"}, {"properties", json::object()}}},
      {{{"type", "object"}, {"additionalProperties", {{"type", "string"}}}},
       {{"type", "object"},
        {"properties", json::object()},
        {"additionalProperties", {{"type", "string"}}}}},
      {{"string", "d"}, {{"type", "string"}, {"description", "d"}}},
  };
  for (const auto& [schema, expected] : cases) {
    absl::StatusOr<json> read = ToolInputSchemaForModel(schema);
    ASSERT_TRUE(read.ok()) << schema.dump() << ": " << read.status();
    EXPECT_EQ(*read, expected) << schema.dump();
  }
}

}  // namespace
}  // namespace threadlog::api::session
