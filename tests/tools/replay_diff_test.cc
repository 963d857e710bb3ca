// Tests of the replay JSON diff: paths, missing sides, and which fields it ignores when.
#include "tools/replay_diff.h"

#include "gtest/gtest.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;

TEST(ReplayDiff, EqualDocumentsHaveNoDifferences) {
  Json doc = Json::parse(R"({"a": [1, {"b": null}], "c": "x"})");
  EXPECT_TRUE(DiffJson(doc, doc, ReplayIgnoredFields(), "").empty());
}

TEST(ReplayDiff, ReportsChangedMissingAndExtraWithPaths) {
  Json expected = Json::parse(R"({"a": [1, 2, 3], "b": {"c": "x", "d~/e": 1}, "gone": true})");
  Json got = Json::parse(R"({"a": [1, 5], "b": {"c": "y", "d~/e": 1}, "new": 0})");
  std::vector<JsonDifference> d = DiffJson(expected, got, {}, "");
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0].path, "/a/1");
  EXPECT_EQ(*d[0].expected, 2);
  EXPECT_EQ(*d[0].got, 5);
  EXPECT_EQ(d[1].path, "/a/2");
  EXPECT_FALSE(d[1].got.has_value());
  EXPECT_EQ(d[2].path, "/b/c");
  EXPECT_EQ(d[3].path, "/gone");
  EXPECT_EQ(d[4].path, "/new");
  EXPECT_FALSE(d[4].expected.has_value());
  std::string text = FormatDifferences(d);
  EXPECT_NE(text.find("/b/c: expected \"x\" vs got \"y\""), std::string::npos) << text;
  EXPECT_NE(text.find("/a/2: expected 3 vs got (missing)"), std::string::npos) << text;
}

TEST(ReplayDiff, TypeChangeIsOneDifference) {
  std::vector<JsonDifference> d =
      DiffJson(Json::parse(R"({"a": {"b": 1}})"), Json::parse(R"({"a": [1]})"), {}, "");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].path, "/a");
}

TEST(ReplayDiff, IgnoresTopLevelPathButNotAnItemsPath) {
  Json expected = Json::parse(
      R"({"path": "/codex/rollout.jsonl", "updatedAt": 5, "status": {"type": "idle"},
          "turns": [{"id": "t1", "items": [{"path": "/a"}]}]})");
  Json got = Json::parse(
      R"({"path": null, "updatedAt": 7, "status": {"type": "notLoaded"},
          "turns": [{"id": "t1", "items": [{"path": "/b"}]}]})");
  std::vector<JsonDifference> d = DiffJson(expected, got, ReplayIgnoredFields(), "");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].path, "/turns/0/items/0/path");
}

TEST(ReplayDiff, TurnIdIgnoredOnlyWhenCodexMadeItUp) {
  Json expected = Json::parse(R"({"turns": [{"id": "named-1"}, {"id": "random-2"}]})");
  Json got = Json::parse(R"({"turns": [{"id": "other-1"}, {"id": "ours-2"}]})");
  // "named-1" comes from a task_started line, so it must match; "random-2" appears nowhere.
  std::vector<JsonDifference> d =
      DiffJson(expected, got, ReplayIgnoredFields(), R"({"turn_id":"named-1"})");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].path, "/turns/0/id");
}

TEST(ReplayDiff, EveryIgnoredFieldSaysWhy) {
  ASSERT_FALSE(ReplayIgnoredFields().empty());
  for (const IgnoredField& field : ReplayIgnoredFields()) {
    EXPECT_EQ(field.pattern.substr(0, 1), "/");
    EXPECT_GT(field.reason.size(), 20u) << field.pattern;
  }
}

}  // namespace
}  // namespace threadlog
