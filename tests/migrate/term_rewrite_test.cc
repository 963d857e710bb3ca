// Tests of the Claude -> Codex term rewriting, rule by rule, with case and boundary cases.
#include "migrate/term_rewrite.h"

#include "gtest/gtest.h"

namespace threadlog::migrate {
namespace {

TEST(ReplaceBoundedTermTest, ReplacesEveryBoundedMatch) {
  EXPECT_EQ(ReplaceBoundedTerm("claude and claude", "claude", "Codex"), "Codex and Codex");
  EXPECT_EQ(ReplaceBoundedTerm("claude", "claude", "Codex"), "Codex");
  EXPECT_EQ(ReplaceBoundedTerm("", "claude", "Codex"), "");
  EXPECT_EQ(ReplaceBoundedTerm("clau", "claude", "Codex"), "clau");
}

TEST(ReplaceBoundedTermTest, IgnoresAsciiCase) {
  EXPECT_EQ(ReplaceBoundedTerm("CLAUDE Claude cLaUdE", "claude", "Codex"), "Codex Codex Codex");
}

TEST(ReplaceBoundedTermTest, NeedsWordBoundaries) {
  for (const char* unchanged :
       {"Claudeish", "MyClaude", "claude2", "claude_x", "x_claude", "2claude"}) {
    EXPECT_EQ(ReplaceBoundedTerm(unchanged, "claude", "Codex"), unchanged) << unchanged;
  }
  EXPECT_EQ(ReplaceBoundedTerm("Claude's", "claude", "Codex"), "Codex's");
  EXPECT_EQ(ReplaceBoundedTerm("(Claude)", "claude", "Codex"), "(Codex)");
  EXPECT_EQ(ReplaceBoundedTerm("Claude.", "claude", "Codex"), "Codex.");
  EXPECT_EQ(ReplaceBoundedTerm("claude-like", "claude", "Codex"), "Codex-like");
  EXPECT_EQ(ReplaceBoundedTerm("\xC3\xA9"
                               "claude",
                               "claude", "Codex"),
            "\xC3\xA9"
            "Codex");  // UTF-8 bytes are not word bytes
}

TEST(ReplaceBoundedTermTest, ResumesAfterAFailedCandidate) {
  // "xclaude" fails its left boundary; the next candidate must still be found.
  EXPECT_EQ(ReplaceBoundedTerm("xclaude claude", "claude", "Codex"), "xclaude Codex");
}

TEST(RewriteClaudeTermsTest, RuleOneClaudeMd) {
  EXPECT_EQ(RewriteClaudeTerms("See CLAUDE.md."), "See AGENTS.md.");
  EXPECT_EQ(RewriteClaudeTerms("see claude.md"), "see AGENTS.md");
  // "CLAUDE.mdx" fails rule 1's right boundary, then rule 6 rewrites the "CLAUDE".
  EXPECT_EQ(RewriteClaudeTerms("CLAUDE.mdx"), "Codex.mdx");
}

TEST(RewriteClaudeTermsTest, RuleTwoClaudeSpaceCode) {
  EXPECT_EQ(RewriteClaudeTerms("Claude code guidance"), "Codex guidance");
  EXPECT_EQ(RewriteClaudeTerms("CLAUDE CODE"), "Codex");
  // Only one ASCII space counts: the others fall to rule 6.
  EXPECT_EQ(RewriteClaudeTerms("Claude  Code"), "Codex  Code");
  EXPECT_EQ(RewriteClaudeTerms("Claude\nCode"), "Codex\nCode");
  EXPECT_EQ(RewriteClaudeTerms("Claude Codes"), "Codex Codes");
}

TEST(RewriteClaudeTermsTest, RulesThreeToFiveJoinedForms) {
  EXPECT_EQ(RewriteClaudeTerms("claude-code"), "Codex");
  EXPECT_EQ(RewriteClaudeTerms("Claude_Code"), "Codex");
  EXPECT_EQ(RewriteClaudeTerms("ClaudeCode"), "Codex");
  EXPECT_EQ(RewriteClaudeTerms("npm i @anthropic-ai/claude-code"), "npm i @anthropic-ai/Codex");
  EXPECT_EQ(RewriteClaudeTerms("ClaudeCoder"), "ClaudeCoder");  // no rule matches bounded
}

TEST(RewriteClaudeTermsTest, RuleSixClaude) {
  EXPECT_EQ(RewriteClaudeTerms("Ask Claude."), "Ask Codex.");
  EXPECT_EQ(RewriteClaudeTerms(".claude/skills"), ".Codex/skills");  // Codex's known wart
  EXPECT_EQ(RewriteClaudeTerms("claudex MyClaude"), "claudex MyClaude");
  EXPECT_EQ(RewriteClaudeTerms("Anthropic"), "Anthropic");
}

TEST(RewriteClaudeTermsTest, CodexTestExamples) {
  EXPECT_EQ(RewriteClaudeTerms("Claude Code\nclaude\nCLAUDE-CODE\nSee CLAUDE.md\n"),
            "Codex\nCodex\nCodex\nSee AGENTS.md\n");
  EXPECT_EQ(RewriteClaudeTerms("Use Claude Code and CLAUDE utilities."),
            "Use Codex and Codex utilities.");
}

TEST(RewriteClaudeTermsTest, KeepsOtherBytesIncludingInvalidUtf8) {
  const std::string text = std::string("\xEF\xBB\xBF# T\xFF\x00 claude", 15);
  EXPECT_EQ(RewriteClaudeTerms(text), std::string("\xEF\xBB\xBF# T\xFF\x00 Codex", 14));
}

}  // namespace
}  // namespace threadlog::migrate
