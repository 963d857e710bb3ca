// Tests of the externalAgentConfig/* JSON shapes against the Codex 0.113.0 schema's field names.
#include "migrate/api_json.h"

#include <fstream>

#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::migrate {
namespace {

using nlohmann::json;

// The ExternalAgentConfig* definitions of the v2 schema (copied into testdata/).
const json& Schema() {
  static const json schema = json::parse(::threadlog::testing::ReadFileOrDie(
      std::string(THREADLOG_SOURCE_DIR) +
      "/tests/migrate/testdata/external_agent_config.schema.json"));
  return schema.at("definitions");
}

// Checks `value` against the object definition `def`: required fields present, no field the
// schema does not know, and the JSON type of each field allowed.
void ExpectMatches(const json& value, const json& def) {
  ASSERT_TRUE(value.is_object()) << value;
  for (const json& required : def.value("required", json::array())) {
    EXPECT_TRUE(value.contains(required.get<std::string>()))
        << "missing " << required << " in " << value;
  }
  const json props = def.value("properties", json::object());
  for (auto it = value.begin(); it != value.end(); ++it) {
    ASSERT_TRUE(props.contains(it.key())) << "field " << it.key() << " is not in the schema";
    const json& prop = props.at(it.key());
    if (prop.contains("$ref")) continue;
    std::vector<std::string> types;
    if (prop.at("type").is_string()) {
      types.push_back(prop.at("type"));
    } else {
      types = prop.at("type").get<std::vector<std::string>>();
    }
    std::string type = it->is_null()      ? "null"
                       : it->is_string()  ? "string"
                       : it->is_array()   ? "array"
                       : it->is_boolean() ? "boolean"
                                          : "object";
    EXPECT_NE(std::find(types.begin(), types.end(), type), types.end()) << it.key() << ": " << type;
  }
}

TEST(ApiJsonTest, MigrationItemMatchesTheSchema) {
  const json& def = Schema().at("ExternalAgentConfigMigrationItem");
  const json home = MigrationItemToJson({ItemType::kSkills, "Copy skill folders", ""});
  ExpectMatches(home, def);
  EXPECT_TRUE(home.at("cwd").is_null());
  const json repo = MigrationItemToJson({ItemType::kAgentsMd, "Import a to b", "/r"});
  ExpectMatches(repo, def);
  EXPECT_EQ(repo.at("cwd"), "/r");
  EXPECT_EQ(repo.at("description"), "Import a to b");
  const json& item_types = Schema().at("ExternalAgentConfigMigrationItemType").at("enum");
  for (ItemType t :
       {ItemType::kConfig, ItemType::kMcpServerConfig, ItemType::kSkills, ItemType::kAgentsMd}) {
    const json item = MigrationItemToJson({t, "d", ""});
    EXPECT_NE(std::find(item_types.begin(), item_types.end(), item.at("itemType")),
              item_types.end())
        << item;
  }
  EXPECT_EQ(item_types.size(), 4u);
}

TEST(ApiJsonTest, DetectResponseMatchesTheSchema) {
  DetectReport report;
  report.items = {{ItemType::kConfig, "Migrate a into b", ""}, {ItemType::kSkills, "x", "/r"}};
  report.problems = {{ItemType::kConfig, "/r", absl::InvalidArgumentError("bad")}};
  const json response = DetectResponseToJson(report);
  ExpectMatches(response, Schema().at("ExternalAgentConfigDetectResponse"));
  ASSERT_EQ(response.at("items").size(), 2u);
  for (const json& item : response.at("items")) {
    ExpectMatches(item, Schema().at("ExternalAgentConfigMigrationItem"));
  }
  EXPECT_EQ(DetectResponseToJson({}), json::parse(R"({"items":[]})"));
}

TEST(ApiJsonTest, ImportResponseIsAnEmptyObject) {
  const json response = ImportResponseToJson({});
  ExpectMatches(response, Schema().at("ExternalAgentConfigImportResponse"));
  EXPECT_EQ(response, json::object());
}

TEST(ApiJsonTest, DetectParams) {
  // Every field the schema lists is understood.
  const json& props = Schema().at("ExternalAgentConfigDetectParams").at("properties");
  EXPECT_TRUE(props.contains("includeHome"));
  EXPECT_TRUE(props.contains("cwds"));
  absl::StatusOr<DetectOptions> o =
      DetectOptionsFromJson(json::parse(R"({"includeHome":true,"cwds":["/a","/b"]})"));
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->include_home);
  EXPECT_EQ(o->cwds, (std::vector<std::string>{"/a", "/b"}));
  o = DetectOptionsFromJson(json::parse(R"({"cwds":null})"));
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->include_home);  // the protocol's default
  EXPECT_TRUE(o->cwds.empty());
  EXPECT_EQ(DetectOptionsFromJson(json::parse(R"({"cwds":["rel"]})")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DetectOptionsFromJson(json::parse(R"({"cwds":"/a"})")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DetectOptionsFromJson(json::parse(R"({"includeHome":"yes"})")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ApiJsonTest, ImportParamsRoundTripDetectItems) {
  DetectReport report;
  report.items = {{ItemType::kConfig, "c", ""}, {ItemType::kAgentsMd, "a", "/r"}};
  json params = {{"migrationItems", DetectResponseToJson(report).at("items")}};
  params["migrationItems"].push_back(
      {{"itemType", "HOOKS"}, {"description", "new"}, {"cwd", nullptr}});
  ExpectMatches(params, Schema().at("ExternalAgentConfigImportParams"));
  absl::StatusOr<ImportRequest> request = ImportRequestFromJson(params);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->items.size(), 2u);
  EXPECT_EQ(request->items[0].type, ItemType::kConfig);
  EXPECT_EQ(request->items[0].cwd, "");
  EXPECT_EQ(request->items[1].cwd, "/r");
  EXPECT_EQ(request->skipped_item_types, std::vector<std::string>{"HOOKS"});
  EXPECT_EQ(ImportRequestFromJson(json::object()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ImportRequestFromJson(
          json::parse(R"({"migrationItems":[{"itemType":"CONFIG","description":"","cwd":"rel"}]})"))
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace threadlog::migrate
