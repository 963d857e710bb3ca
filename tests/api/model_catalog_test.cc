// Unit tests of api/model_catalog: the bundled data, validation of catalog files, and paging.
#include "api/model_catalog.h"

#include <string>

#include "gtest/gtest.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

std::vector<std::string> Ids(const ModelCatalog::Page& page) {
  std::vector<std::string> ids;
  for (const json& m : page.data) ids.push_back(m["id"]);
  return ids;
}

TEST(ModelCatalogTest, BundledCatalogIsCodexs) {
  const ModelCatalog& catalog = ModelCatalog::Bundled();
  ASSERT_EQ(catalog.models().size(), 13u);
  EXPECT_EQ(catalog.models().front()["id"], "gpt-5.3-codex");
  int defaults = 0;
  for (const json& m : catalog.models()) defaults += m["isDefault"].get<bool>() ? 1 : 0;
  EXPECT_EQ(defaults, 1);
  const json* upgraded = catalog.Find("gpt-5.3-codex");
  ASSERT_NE(upgraded, nullptr);
  EXPECT_EQ((*upgraded)["upgradeInfo"]["model"], "gpt-5.4");
  EXPECT_EQ(catalog.Find("mock-model"), nullptr);
}

TEST(ModelCatalogTest, HiddenModelsOnlyWhenAsked) {
  const ModelCatalog& catalog = ModelCatalog::Bundled();
  absl::StatusOr<ModelCatalog::Page> visible = catalog.List(false, std::nullopt, std::nullopt);
  ASSERT_TRUE(visible.ok());
  EXPECT_EQ(Ids(*visible),
            (std::vector<std::string>{"gpt-5.3-codex", "gpt-5.4", "gpt-5.2-codex",
                                      "gpt-5.1-codex-max", "gpt-5.2", "gpt-5.1-codex-mini"}));
  EXPECT_FALSE(visible->next_cursor);
  absl::StatusOr<ModelCatalog::Page> all = catalog.List(true, std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->data.size(), 13u);
}

TEST(ModelCatalogTest, PagesByIndexCursor) {
  const ModelCatalog& catalog = ModelCatalog::Bundled();
  absl::StatusOr<ModelCatalog::Page> first = catalog.List(false, std::nullopt, 2);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Ids(*first), (std::vector<std::string>{"gpt-5.3-codex", "gpt-5.4"}));
  EXPECT_EQ(first->next_cursor, "2");
  absl::StatusOr<ModelCatalog::Page> second = catalog.List(false, "2", 2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->next_cursor, "4");
  absl::StatusOr<ModelCatalog::Page> one = catalog.List(false, std::nullopt, 0);  // 0 means 1
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->data.size(), 1u);
  absl::StatusOr<ModelCatalog::Page> end = catalog.List(false, "6", std::nullopt);
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->data.empty());
  EXPECT_FALSE(end->next_cursor);
}

TEST(ModelCatalogTest, BadCursorsAreCodexsErrors) {
  const ModelCatalog& catalog = ModelCatalog::Bundled();
  EXPECT_EQ(catalog.List(false, "7", std::nullopt).status().message(),
            "cursor 7 exceeds total models 6");
  EXPECT_EQ(catalog.List(false, "abc", std::nullopt).status().message(), "invalid cursor: abc");
  EXPECT_EQ(catalog.List(false, "-1", std::nullopt).status().message(), "invalid cursor: -1");
  EXPECT_EQ(catalog.List(false, "", std::nullopt).status().message(), "invalid cursor: ");
  EXPECT_EQ(catalog.List(false, "99999999999999999999999", std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ModelCatalogTest, InvalidCatalogDataIsRefusedByEntry) {
  EXPECT_FALSE(ModelCatalog::FromJson("{}").ok());
  EXPECT_FALSE(ModelCatalog::FromJson("not json").ok());
  const std::string entry =
      R"({"id":"a","model":"a","displayName":"a","description":"d","hidden":false,
          "supportedReasoningEfforts":[],"defaultReasoningEffort":"medium","isDefault":true})";
  EXPECT_TRUE(ModelCatalog::FromJson("[" + entry + "]").ok());
  absl::StatusOr<ModelCatalog> repeated = ModelCatalog::FromJson("[" + entry + "," + entry + "]");
  EXPECT_EQ(repeated.status().message(), "model catalog entry 1: id \"a\" repeats");
  absl::StatusOr<ModelCatalog> missing = ModelCatalog::FromJson(R"([{"id":"a"}])");
  EXPECT_EQ(missing.status().message(), "model catalog entry 0: missing field `model`");
}

TEST(ModelCatalogTest, AConfiguredModelOutsideTheCatalogIsListedFirst) {
  const ModelCatalog& bundled = ModelCatalog::Bundled();
  ModelCatalog with = bundled.WithConfiguredModel("mock-model");
  ASSERT_EQ(with.models().size(), bundled.models().size() + 1);
  EXPECT_EQ(with.models()[0]["id"], "mock-model");
  EXPECT_EQ(with.models()[0]["isDefault"], false);
  EXPECT_EQ(with.models()[1], bundled.models()[0]);
  ASSERT_NE(with.Find("mock-model"), nullptr);
  // Its entry has every field the bundled ones have.
  for (const auto& [key, value] : bundled.models()[0].items()) {
    EXPECT_TRUE(with.models()[0].contains(key)) << key;
  }
  // A known (or no) model changes nothing.
  EXPECT_EQ(bundled.WithConfiguredModel("gpt-5.4").models(), bundled.models());
  EXPECT_EQ(bundled.WithConfiguredModel("").models(), bundled.models());
}

}  // namespace
}  // namespace threadlog::api
