// ProposedPlanParser and SplitProposedPlan on the messages Codex 0.117.0 was asked about
// (golden/TURNS_117.md "Plan mode": the streamed pieces and completed texts it produced).
#include "api/agent/proposed_plan.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace threadlog::agent {
namespace {

using Kind = ProposedPlanParser::Piece::Kind;
using Piece = ProposedPlanParser::Piece;

Piece Text(std::string t) { return {Kind::kText, std::move(t)}; }
Piece Plan(std::string t) { return {Kind::kPlan, std::move(t)}; }
Piece Start() { return {Kind::kPlanStart, ""}; }
Piece End() { return {Kind::kPlanEnd, ""}; }

// The pieces of each delta, then of the end, one vector per call.
std::vector<std::vector<Piece>> Stream(const std::vector<std::string>& deltas) {
  ProposedPlanParser parser;
  std::vector<std::vector<Piece>> out;
  for (const std::string& d : deltas) out.push_back(parser.Feed(d));
  out.push_back(parser.Finish());
  return out;
}

TEST(ProposedPlanParserTest, HoldsATagSplitAcrossDeltas) {
  EXPECT_EQ(Stream({"Here is my plan.\n<propo", "sed_plan>\n# Ti", "tle\n- step one\n- st",
                    "ep two\n</proposed_", "plan>\nTell me to go ahead."}),
            (std::vector<std::vector<Piece>>{{Text("Here is my plan.\n")},
                                             {Start(), Plan("# Ti")},
                                             {Plan("tle\n- step one\n- st")},
                                             {Plan("ep two\n")},
                                             {End(), Text("Tell me to go ahead.")},
                                             {}}));
  const SplitPlanMessage split = SplitProposedPlan(
      "Here is my plan.\n<proposed_plan>\n# Title\n- step one\n- step two\n</proposed_plan>\n"
      "Tell me to go ahead.");
  EXPECT_EQ(split.visible, "Here is my plan.\nTell me to go ahead.");
  EXPECT_EQ(split.plan, "# Title\n- step one\n- step two\n");
}

TEST(ProposedPlanParserTest, AnUnterminatedBlockClosesAtTheEnd) {
  EXPECT_EQ(Stream({"Plan:\n<proposed_plan>\n- a", "\n- b"}),
            (std::vector<std::vector<Piece>>{
                {Text("Plan:\n"), Start(), Plan("- a")}, {Plan("\n- b")}, {End()}}));
  const SplitPlanMessage split = SplitProposedPlan("Plan:\n<proposed_plan>\n- a\n- b");
  EXPECT_EQ(split.visible, "Plan:\n");
  EXPECT_EQ(split.plan, "- a\n- b");
}

TEST(ProposedPlanParserTest, OnlyWholeLinesAreTags) {
  const std::string inline_tags =
      "In plan mode, use the <proposed_plan> tag.\nInline <proposed_plan>x</proposed_plan> too.";
  EXPECT_EQ(Stream({inline_tags}), (std::vector<std::vector<Piece>>{{Text(inline_tags)}, {}}));
  const std::string extra = "<proposed_plan> extra\n- y\n</proposed_plan>\nend";
  const SplitPlanMessage split = SplitProposedPlan(extra);
  EXPECT_EQ(split.visible, extra);  // the stray close tag too: no block is open
  EXPECT_FALSE(split.plan.has_value());
  EXPECT_FALSE(SplitProposedPlan("No plan needed, the answer is 42.").plan.has_value());
}

TEST(ProposedPlanParserTest, BlanksAroundATagAndCrlfAreAllowed) {
  EXPECT_EQ(Stream({"Intro\n  <proposed_plan>  \n- x\n\t</proposed_plan>\t\nOutro"}),
            (std::vector<std::vector<Piece>>{
                {Text("Intro\n"), Start(), Plan("- x\n"), End(), Text("Outro")}, {}}));
  const SplitPlanMessage crlf =
      SplitProposedPlan("A\r\n<proposed_plan>\r\n- crlf\r\n</proposed_plan>\r\nB");
  EXPECT_EQ(crlf.visible, "A\r\nB");
  EXPECT_EQ(crlf.plan, "- crlf\r\n");
}

TEST(ProposedPlanParserTest, TwoBlocksCompleteWithTheLastAndAnEmptyBlockIsAPlan) {
  EXPECT_EQ(Stream({"<proposed_plan>\n- first\n</proposed_plan>\nmid\n",
                    "<proposed_plan>\n- second\n</proposed_plan>\n"}),
            (std::vector<std::vector<Piece>>{{Start(), Plan("- first\n"), End(), Text("mid\n")},
                                             {Start(), Plan("- second\n"), End()},
                                             {}}));
  const SplitPlanMessage two = SplitProposedPlan(
      "<proposed_plan>\n- first\n</proposed_plan>\nmid\n<proposed_plan>\n- second\n"
      "</proposed_plan>\n");
  EXPECT_EQ(two.visible, "mid\n");
  EXPECT_EQ(two.plan, "- second\n");
  const SplitPlanMessage empty = SplitProposedPlan("<proposed_plan>\n</proposed_plan>\n");
  EXPECT_EQ(empty.visible, "");
  EXPECT_EQ(empty.plan, "");
}

TEST(ProposedPlanParserTest, AHeldLineEndingTheMessageIsJudgedWhole) {
  // "<propo" could have become a tag: held, then released as text at the end.
  EXPECT_EQ(Stream({"Done.\n<propo"}),
            (std::vector<std::vector<Piece>>{{Text("Done.\n")}, {Text("<propo")}}));
  // A close tag without its newline still closes the block.
  EXPECT_EQ(Stream({"<proposed_plan>\n- a\n</proposed_plan>"}),
            (std::vector<std::vector<Piece>>{{Start(), Plan("- a\n")}, {End()}}));
  // Blank lines are held until they end, then kept.
  EXPECT_EQ(Stream({"a\n", "  ", "\nb"}),
            (std::vector<std::vector<Piece>>{{Text("a\n")}, {}, {Text("  \nb")}, {}}));
}

}  // namespace
}  // namespace threadlog::agent
