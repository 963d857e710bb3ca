// Tests of the byte-preserving insertion of missing keys into config.toml.
#include "migrate/toml_merge.h"

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace threadlog::migrate {
namespace {

toml::table Parse(std::string_view text) { return toml::parse(text); }

toml::table Incoming() {
  return Parse(
      "sandbox_mode = \"workspace-write\"\n"
      "[shell_environment_policy]\ninherit = \"core\"\n"
      "[shell_environment_policy.set]\nFOO = \"bar\"\nCI = \"false\"\n");
}

// True when `original` is `merged` minus some whole lines: nothing was changed, only added.
bool OnlyLinesAdded(const std::string& original, const std::string& merged) {
  std::vector<std::string> a = absl::StrSplit(original, '\n');
  std::vector<std::string> b = absl::StrSplit(merged, '\n');
  size_t i = 0;
  for (size_t j = 0; j < b.size() && i < a.size(); ++j) {
    if (a[i] == b[j]) ++i;
  }
  return i == a.size() && merged.size() >= original.size();
}

TEST(RenderTomlTest, MatchesCodexLayout) {
  EXPECT_EQ(RenderToml(Parse("[shell_environment_policy]\ninherit = \"core\"\n"
                             "[shell_environment_policy.set]\nFOO = \"project\"\n")),
            "[shell_environment_policy]\ninherit = \"core\"\n\n"
            "[shell_environment_policy.set]\nFOO = \"project\"\n");
  EXPECT_EQ(RenderToml(Incoming()),
            "sandbox_mode = \"workspace-write\"\n\n[shell_environment_policy]\ninherit = "
            "\"core\"\n\n[shell_environment_policy.set]\nCI = \"false\"\nFOO = \"bar\"\n");
  EXPECT_EQ(RenderToml(Parse("[mcp_servers.s]\ncommand = \"x\"\n")),
            "[mcp_servers.s]\ncommand = \"x\"\n");  // no empty [mcp_servers] header
  EXPECT_EQ(RenderToml(toml::table{}), "");
}

TEST(RenderTomlTest, QuotesKeysAndEscapesStrings) {
  toml::table t;
  t.insert("a key", "q\"uote\\ \n\t\x01");
  t.insert("bare-key_1", true);
  EXPECT_EQ(RenderToml(t), "\"a key\" = \"q\\\"uote\\\\ \\n\\t\\u0001\"\nbare-key_1 = true\n");
  EXPECT_EQ(Parse(RenderToml(t)), t);
}

TEST(InsertMissingKeysTest, EmptyFileGetsEverything) {
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys("", Incoming());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Parse(r->text), Incoming());
  EXPECT_EQ(r->added, (std::vector<std::string>{"sandbox_mode", "shell_environment_policy"}));
}

TEST(InsertMissingKeysTest, KeepsCommentsOrderAndFormattingByteForByte) {
  const std::string original =
      "# my config\nmodel = \"gpt-5\"   # trailing comment\n\n"
      "# profiles below\n[profiles.fast]\nmodel =   'o4-mini'\n";
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(original, Incoming());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(OnlyLinesAdded(original, r->text)) << r->text;
  toml::table expected = Parse(original);
  expected.insert("sandbox_mode", "workspace-write");
  expected.insert("shell_environment_policy",
                  *Incoming().get_as<toml::table>("shell_environment_policy"));
  EXPECT_EQ(Parse(r->text), expected);
  // The root key goes right after the last root key, before any table.
  EXPECT_EQ(r->text.substr(0, 75),
            "# my config\nmodel = \"gpt-5\"   # trailing comment\nsandbox_mode = "
            "\"workspace-");
}

TEST(InsertMissingKeysTest, RootKeyBeforeTheFirstHeaderAndItsComment) {
  const std::string original = "# header comment\n[tui]\nnotifications = true\n";
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(original, Parse("sandbox_mode = \"x\"\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text, "sandbox_mode = \"x\"\n\n# header comment\n[tui]\nnotifications = true\n");
}

TEST(InsertMissingKeysTest, NeverChangesExistingValues) {
  const std::string original =
      "sandbox_mode = \"read-only\"\n[shell_environment_policy]\ninherit = \"all\"\n"
      "[shell_environment_policy.set]\nFOO = \"mine\"\n";
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(original, Incoming());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(OnlyLinesAdded(original, r->text));
  toml::table got = Parse(r->text);
  EXPECT_EQ(got["sandbox_mode"].value<std::string>(), "read-only");
  EXPECT_EQ(got["shell_environment_policy"]["inherit"].value<std::string>(), "all");
  EXPECT_EQ(got["shell_environment_policy"]["set"]["FOO"].value<std::string>(), "mine");
  EXPECT_EQ(got["shell_environment_policy"]["set"]["CI"].value<std::string>(), "false");
  EXPECT_EQ(r->added, (std::vector<std::string>{"shell_environment_policy.set.CI"}));
  // CI lands inside [shell_environment_policy.set], right after FOO.
  EXPECT_NE(r->text.find("FOO = \"mine\"\nCI = \"false\"\n"), std::string::npos) << r->text;
}

TEST(InsertMissingKeysTest, AddsASubTableToAnExistingTableInTheMiddle) {
  const std::string original =
      "[shell_environment_policy]\ninherit = \"all\"\n\n[tui]\nnotifications = true\n";
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(original, Incoming());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(OnlyLinesAdded(original, r->text));
  toml::table got = Parse(r->text);
  EXPECT_EQ(got["shell_environment_policy"]["set"]["FOO"].value<std::string>(), "bar");
  EXPECT_EQ(got["tui"]["notifications"].value<bool>(), true);
}

TEST(InsertMissingKeysTest, KeepsValuesOfAnotherShape) {
  const std::string original = "shell_environment_policy = \"x\"\n";
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(original, Incoming());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kept, (std::vector<std::string>{"shell_environment_policy"}));
  EXPECT_EQ(Parse(r->text)["shell_environment_policy"].value<std::string>(), "x");
  EXPECT_EQ(r->added, (std::vector<std::string>{"sandbox_mode"}));
}

TEST(InsertMissingKeysTest, AnInlineTableIsNotExtended) {
  const std::string original = "shell_environment_policy = { inherit = \"all\" }\n";
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(original, Incoming());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kept, (std::vector<std::string>{"shell_environment_policy"}));
  EXPECT_TRUE(OnlyLinesAdded(original, r->text));
}

TEST(InsertMissingKeysTest, ImplicitTableGetsAHeader) {
  const std::string original = "[shell_environment_policy.set]\nFOO = \"mine\"\n";
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(original, Incoming());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(OnlyLinesAdded(original, r->text)) << r->text;
  toml::table got = Parse(r->text);
  EXPECT_EQ(got["shell_environment_policy"]["inherit"].value<std::string>(), "core");
  EXPECT_EQ(got["shell_environment_policy"]["set"]["FOO"].value<std::string>(), "mine");
  EXPECT_EQ(got["shell_environment_policy"]["set"]["CI"].value<std::string>(), "false");
}

TEST(InsertMissingKeysTest, DottedKeys) {
  const std::string original = "shell_environment_policy.inherit = \"all\"\n";
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(original, Incoming());
  ASSERT_TRUE(r.ok()) << r.status();
  toml::table got = Parse(r->text);
  EXPECT_EQ(got["shell_environment_policy"]["inherit"].value<std::string>(), "all");
  EXPECT_EQ(got["shell_environment_policy"]["set"]["FOO"].value<std::string>(), "bar");
  EXPECT_EQ(got["sandbox_mode"].value<std::string>(), "workspace-write");
}

TEST(InsertMissingKeysTest, CrlfAndNoFinalNewline) {
  const std::string original = "model = \"m\"\r\n[tui]\r\nx = 1";
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(original, Incoming());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(
      r->text.rfind("model = \"m\"\r\nsandbox_mode = \"workspace-write\"\r\n[tui]\r\nx = 1\r\n", 0),
      0u)
      << r->text;
  EXPECT_EQ(r->text.find("\n\n"), std::string::npos) << "a bare LF in a CRLF file";
  EXPECT_EQ(Parse(r->text)["shell_environment_policy"]["set"]["FOO"].value<std::string>(), "bar");
}

TEST(InsertMissingKeysTest, MultilineStringsDoNotConfuseTheInsertion) {
  const std::string original = "notice = \"\"\"\n[not a header]\n\"\"\"\n[tui]\nx = 1\n";
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(original, Parse("sandbox_mode = \"w\"\n"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text,
            "notice = \"\"\"\n[not a header]\n\"\"\"\nsandbox_mode = \"w\"\n[tui]\nx = 1\n");
}

TEST(InsertMissingKeysTest, SecondMergeAddsNothing) {
  absl::StatusOr<TomlMergeResult> first = InsertMissingKeys("# c\n", Incoming());
  ASSERT_TRUE(first.ok());
  absl::StatusOr<TomlMergeResult> second = InsertMissingKeys(first->text, Incoming());
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->added.empty());
  EXPECT_EQ(second->text, first->text);
}

TEST(InsertMissingKeysTest, InvalidExistingConfigIsAnError) {
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys("model = \n[[", Incoming());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("invalid existing config.toml"), std::string::npos);
  EXPECT_EQ(InsertMissingKeys("a = 1\na = 2\n", Incoming()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(InsertMissingKeysTest, WhitespaceOnlyFileCountsAsEmpty) {
  absl::StatusOr<TomlMergeResult> r = InsertMissingKeys(" \n\t\n", Incoming());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Parse(r->text), Incoming());
}

}  // namespace
}  // namespace threadlog::migrate
