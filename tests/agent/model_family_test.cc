// ModelFamilies: Codex 0.117.0's bundled metadata found by slug, prefix or not at all, and the
// instructions each model gets (what the reference binary sent, golden/codex_117_context.json).
#include "api/agent/model_family.h"

#include "gtest/gtest.h"

namespace threadlog::agent {
namespace {

TEST(ModelFamiliesTest, TheBundledCatalogHasEveryModelCodexLists) {
  const ModelFamilies& families = ModelFamilies::Bundled();
  ASSERT_EQ(families.families().size(), 13u);
  const ModelFamily f = families.Find("gpt-5.1-codex");
  EXPECT_TRUE(f.known);
  EXPECT_EQ(f.context_window, 272000);
  EXPECT_EQ(f.EffectiveContextWindow(), 258400);  // what task_started reports
  EXPECT_TRUE(f.supports_reasoning_summaries);
  EXPECT_EQ(f.default_reasoning_summary, "auto");
  EXPECT_FALSE(f.supports_parallel_tool_calls);
  EXPECT_EQ(f.Instructions(std::nullopt), f.base_instructions);  // no template
}

TEST(ModelFamiliesTest, ALongerSlugTakesItsLongestPrefixsFamily) {
  const ModelFamily f = ModelFamilies::Bundled().Find("gpt-5.1-codex-2026");
  EXPECT_TRUE(f.known);
  EXPECT_EQ(f.slug, "gpt-5.1-codex-2026");
  EXPECT_EQ(f.base_instructions, ModelFamilies::Bundled().Find("gpt-5.1-codex").base_instructions);
}

TEST(ModelFamiliesTest, AnUnknownModelGetsCodexsDefaultPromptAndNoReasoning) {
  const ModelFamily f = ModelFamilies::Bundled().Find("acme-coder");
  EXPECT_FALSE(f.known);
  EXPECT_EQ(f.base_instructions, ModelFamilies::Bundled().Find("gpt-5").base_instructions);
  EXPECT_FALSE(f.supports_reasoning_summaries);
  EXPECT_EQ(f.EffectiveContextWindow(), 258400);
}

TEST(ModelFamiliesTest, PersonalitiesFillTheTemplate) {
  const ModelFamily f = ModelFamilies::Bundled().Find("gpt-5.3-codex");
  ASSERT_TRUE(f.instructions_template);
  // Codex rendered the template with the pragmatic personality by default (golden E_gpt53_*).
  std::string pragmatic = *f.instructions_template;
  pragmatic.replace(pragmatic.find("{{ personality }}"), 17, f.personality_pragmatic);
  EXPECT_EQ(f.Instructions(std::nullopt), pragmatic);
  EXPECT_EQ(f.Instructions("pragmatic"), f.Instructions(std::nullopt));
  EXPECT_EQ(f.Instructions("none").find("{{ personality }}"), std::string::npos);
  EXPECT_NE(f.Instructions("friendly"), f.Instructions("pragmatic"));
  EXPECT_NE(f.Instructions("friendly").find(f.personality_friendly), std::string::npos);
}

TEST(ModelFamiliesTest, MalformedMetadataIsRefused) {
  EXPECT_FALSE(ModelFamilies::FromJson("[]").ok());
  EXPECT_FALSE(ModelFamilies::FromJson(R"({"models": [{"slug": "x"}]})").ok());
  EXPECT_TRUE(
      ModelFamilies::FromJson(R"({"models": [{"slug": "x", "base_instructions": "y"}]})").ok());
}

}  // namespace
}  // namespace threadlog::agent
