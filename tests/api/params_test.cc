// Tests for api/params: each expected message is what Codex 0.117.0 answered to the same value
// (probed against the reference binary with thread/list, thread/start and thread/rollback).
#include "api/params.h"

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "gtest/gtest.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

std::string MessageOf(const absl::Status& status) {
  if (status.ok()) return "OK";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

TEST(ParamsTest, U32AsSerdeReadsIt) {
  const std::pair<json, std::string> refused[] = {
      {-1, "Invalid request: invalid value: integer `-1`, expected u32"},
      {4294967296LL, "Invalid request: invalid value: integer `4294967296`, expected u32"},
      {1.5, "Invalid request: invalid type: floating point `1.5`, expected u32"},
      {1.0, "Invalid request: invalid type: floating point `1.0`, expected u32"},
      {"x", "Invalid request: invalid type: string \"x\", expected u32"},
      {true, "Invalid request: invalid type: boolean `true`, expected u32"},
  };
  for (const auto& [value, message] : refused) {
    EXPECT_EQ(MessageOf(OptionalU32({{"limit", value}}, "limit").status()), message) << value;
  }
  absl::StatusOr<std::optional<uint32_t>> max = OptionalU32({{"limit", 4294967295LL}}, "limit");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(**max, 4294967295U);
  EXPECT_FALSE(OptionalU32({{"limit", nullptr}}, "limit")->has_value());
  EXPECT_FALSE(OptionalU32(json::object(), "limit")->has_value());
  EXPECT_EQ(MessageOf(RequiredU32(json::object(), "numTurns").status()),
            "Invalid request: missing field `numTurns`");
  EXPECT_EQ(MessageOf(RequiredU32({{"numTurns", nullptr}}, "numTurns").status()),
            "Invalid request: invalid type: null, expected u32");
}

TEST(ParamsTest, UnitEnumAsStringOrSingleKeyMap) {
  constexpr std::array<std::string_view, 3> kPersonalities = {"none", "friendly", "pragmatic"};
  EXPECT_EQ(*ParseUnitEnum("friendly", kPersonalities), "friendly");
  EXPECT_EQ(*ParseUnitEnum({{"friendly", nullptr}}, kPersonalities), "friendly");
  const std::pair<json, std::string> refused[] = {
      {5, "Invalid request: invalid type: integer `5`, expected string or map"},
      {"grumpy",
       "Invalid request: unknown variant `grumpy`, expected one of `none`, `friendly`, "
       "`pragmatic`"},
      {{{"friendly", 1}}, "Invalid request: invalid type: integer `1`, expected unit"},
      {json::object(), "Invalid request: invalid value: map, expected map with a single key"},
      {{{"a", 1}, {"b", 2}}, "Invalid request: invalid value: map, expected map with a single key"},
  };
  for (const auto& [value, message] : refused) {
    EXPECT_EQ(MessageOf(ParseUnitEnum(value, kPersonalities).status()), message) << value;
  }
}

TEST(ParamsTest, AskForApprovalForms) {
  EXPECT_EQ(*ParseAskForApproval("never"), "never");
  EXPECT_EQ(*ParseAskForApproval({{"never", nullptr}}), "never");
  absl::StatusOr<json> granular = ParseAskForApproval(
      {{"granular", {{"sandbox_approval", true}, {"rules", false}, {"mcp_elicitations", true}}}});
  ASSERT_TRUE(granular.ok()) << granular.status();
  EXPECT_EQ(*granular, json({{"granular",
                              {{"sandbox_approval", true},
                               {"rules", false},
                               {"mcp_elicitations", true},
                               {"request_permissions", false},
                               {"skill_approval", false}}}}));
  const std::pair<json, std::string> refused[] = {
      {5, "Invalid request: invalid type: integer `5`, expected string or map"},
      {"granular", "Invalid request: invalid type: unit variant, expected struct variant"},
      {json::object(), "Invalid request: invalid value: map, expected map with a single key"},
      {{{"never", 1}}, "Invalid request: invalid type: integer `1`, expected unit"},
      {{{"granular", 5}}, "Invalid request: invalid type: integer `5`, expected struct variant"},
      {{{"granular", json::object()}}, "Invalid request: missing field `sandbox_approval`"},
      {{{"zz", 1}},
       "Invalid request: unknown variant `zz`, expected one of `untrusted`, `on-failure`, "
       "`on-request`, `granular`, `never`"},
  };
  for (const auto& [value, message] : refused) {
    EXPECT_EQ(MessageOf(ParseAskForApproval(value).status()), message) << value;
  }
}

TEST(ParamsTest, ScalarsAndVariants) {
  EXPECT_EQ(MessageOf(OptionalBool({{"x", "yes"}}, "x").status()),
            "Invalid request: invalid type: string \"yes\", expected a boolean");
  EXPECT_EQ(MessageOf(OptionalStringArray({{"x", {1}}}, "x").status()),
            "Invalid request: invalid type: integer `1`, expected a string");
  EXPECT_EQ(MessageOf(OptionalStringArray({{"x", "a"}}, "x").status()),
            "Invalid request: invalid type: string \"a\", expected a sequence");
  constexpr std::array<std::string_view, 2> kTwo = {"created_at", "updated_at"};
  EXPECT_EQ(MessageOf(CheckVariant("bogus", kTwo)),
            "Invalid request: unknown variant `bogus`, expected `created_at` or `updated_at`");
  EXPECT_EQ(MessageOf(RequireObject(json::array(), "ThreadListParams")),
            "Invalid request: invalid type: sequence, expected struct ThreadListParams");
}

TEST(ParamsTest, RelativePathsResolvedAgainstTheServerCwd) {
  const std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(ResolveAgainstServerCwd("repo/./x/../y"), cwd + "/repo/y");
  EXPECT_EQ(ResolveAgainstServerCwd("/abs/./p"), "/abs/p");
}

}  // namespace
}  // namespace threadlog::api
