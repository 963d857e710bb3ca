// The shell command unit (api/agent/shell_command.h) on cases of its own, then on every case of
// golden/codex_117_commands.json: what Codex 0.117.0 itself did with each command under approval
// policy "untrusted" (capture_codex_commands.py).
#include "api/agent/shell_command.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {
namespace {

using nlohmann::json;
using Words = std::vector<std::string>;
using Op = ShellOperator;

Words Bash(const std::string& script) { return {"/bin/bash", "-lc", script}; }

// ---------------------------------------------------------------------------------------------
// ParsePlainScript
// ---------------------------------------------------------------------------------------------

std::optional<std::vector<Words>> Commands(const std::string& script) {
  return ParsePlainCommands(script);
}

TEST(ParsePlainScriptTest, SplitsCommandsAndKeepsTheOperators) {
  std::optional<PlainScript> s = ParsePlainScript("ls -la && pwd; echo 'hi there' | wc -l || true");
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->commands.size(), 5u);
  EXPECT_EQ(s->commands[2].argv, (Words{"echo", "hi there"}));
  EXPECT_EQ(s->operators, (std::vector<Op>{Op::kAnd, Op::kSequence, Op::kPipe, Op::kOr}));
  // Newlines separate commands, and are blanks after an operator or between blank lines.
  s = ParsePlainScript("\nls\n\npwd &&\n  cat a;\n");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->commands.size(), 3u);
  EXPECT_EQ(s->operators, (std::vector<Op>{Op::kSequence, Op::kAnd}));
  EXPECT_EQ(Commands("ls \\\n  -la"), (std::vector<Words>{{"ls", "-la"}}));
  EXPECT_EQ(Commands("ls;"), (std::vector<Words>{{"ls"}}));
  EXPECT_EQ(Commands("ls|wc"), (std::vector<Words>{{"ls"}, {"wc"}}));
  EXPECT_EQ(Commands("   "), std::vector<Words>{});
}

TEST(ParsePlainScriptTest, WordsAreCodexsViewAndShellArgvIsBashs) {
  std::optional<PlainScript> s =
      ParsePlainScript(R"(echo foo\ bar "a\"b" 'c d'"e" -g"*.rs" \$HOME "x\ny" {a,b} ~ *.md)");
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->commands.size(), 1u);
  EXPECT_EQ(s->commands[0].argv, (Words{"echo", "foo\\ bar", "a\\\"b", "c de", "-g*.rs", "\\$HOME",
                                        "x\\ny", "{a,b}", "~", "*.md"}));
  EXPECT_EQ(s->commands[0].shell_argv, (Words{"echo", "foo bar", "a\"b", "c de", "-g*.rs", "$HOME",
                                              "x\\ny", "{a,b}", "~", "*.md"}));
  EXPECT_EQ(Commands("echo \"/usr\"'/'\"local\"/bin ''"),
            (std::vector<Words>{{"echo", "/usr/local/bin", ""}}));
  EXPECT_EQ(Commands("echo 'it'\\''s' 123 -5 0x1F a=b a#b [ab]"),
            (std::vector<Words>{{"echo", "it\\'s", "123", "-5", "0x1F", "a=b", "a#b", "[ab]"}}));
  EXPECT_EQ(Commands("printf \"line1\nline2\""), (std::vector<Words>{{"printf", "line1\nline2"}}));
}

// Where tree-sitter-bash (and so Codex) splits or joins words unlike bash (checked against
// tree-sitter-bash 0.25 itself).
TEST(ParsePlainScriptTest, WordsSplitAndJoinAsTreeSitterBashDoes) {
  std::optional<PlainScript> s = ParsePlainScript("echo 'a'\\; 'b'\\ c \"d\"\\'e");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->commands[0].argv, (Words{"echo", "a", "\\;", "b", "c", "d\\'e"}));
  EXPECT_EQ(s->commands[0].shell_argv, (Words{"echo", "a;", "b c", "d'e"}));
  EXPECT_EQ(Commands("echo { } ] x {} } [ {a}"),
            (std::vector<Words>{{"echo", "{ } ]", "x", "{}", "} [ {", "a}"}}));
  EXPECT_EQ(ParsePlainScript("echo { }")->commands[0].shell_argv, (Words{"echo", "{", "}"}));
  // A line continuation after a word or an operator is a blank; tree-sitter-bash refuses one
  // at the end and joins `ls\n\\\n pwd` into one command, so those are refused.
  EXPECT_EQ(Commands("ls \\\n | wc && \\\n pwd"), (std::vector<Words>{{"ls"}, {"wc"}, {"pwd"}}));
  EXPECT_EQ(Commands("ls \\\n"), std::nullopt);
  EXPECT_EQ(Commands("ls\n\\\n pwd"), std::nullopt);
  EXPECT_EQ(Commands("echo 'a'\\ "), std::nullopt);
}

TEST(ParsePlainScriptTest, RefusesWhatIsNotPlain) {
  for (const char* script : {"ls > out.txt",
                             "ls 2>&1",
                             "cat < a",
                             "cat <<EOF\nx\nEOF",
                             "cat <<< x",
                             "(ls)",
                             "ls || (pwd && echo hi)",
                             "{ ls; }",
                             "echo $(pwd)",
                             "echo `pwd`",
                             "echo $HOME",
                             "echo \"hi $USER\"",
                             "echo \"${HOME}\"",
                             "echo $",
                             "FOO=bar ls",
                             "ls & pwd",
                             "ls &",
                             "ls -la # list",
                             "# only a comment",
                             "[ -f a ] && cat a",
                             "[[ -f a ]]",
                             "ls &&",
                             "ls ||",
                             "ls |",
                             "&& ls",
                             "; ls",
                             "ls ; ; pwd",
                             "ls ;; pwd",
                             "ls | | wc",
                             "ls |& wc",
                             "echo \"unterminated",
                             "echo 'unterminated",
                             "echo trailing\\",
                             "if true; then ls; fi",
                             "for f in a; do ls; done",
                             "export FOO=1",
                             "! ls",
                             "'ls' -la",
                             "\"git status\"",
                             "l\"s\"",
                             "123",
                             "echo ''\"\"",
                             "echo {1..3}",
                             "ls\f",
                             "echo a == b",
                             "function f { ls; }",
                             "echo \\\tx",
                             "while true; do ls; done",
                             "a#b",
                             "x%",
                             "a@b",
                             "a?b",
                             "ls 7#",
                             "echo =~'a'"}) {
    EXPECT_EQ(ParsePlainScript(script), std::nullopt) << script;
  }
  // Taken by tree-sitter-bash, but refused here rather than guessed at.
  for (const char* script : {"- x", "echo x{{a..b}", "\\\n ls", "done", "echo \\ a", "ls\r"}) {
    EXPECT_EQ(ParsePlainScript(script), std::nullopt) << script;
  }
}

TEST(ParsePlainScriptTest, ShellWrappers) {
  EXPECT_EQ(ShellWrappedScript({"bash", "-lc", "ls"}), "ls");
  EXPECT_EQ(ShellWrappedScript({"/bin/zsh", "-c", "ls"}), "ls");
  EXPECT_EQ(ShellWrappedScript({"/usr/bin/sh", "-c", "ls"}), "ls");
  EXPECT_EQ(ShellWrappedScript({"/tmp/bash", "-lc", "ls"}), "ls");  // by file name, as 0.117.0
  EXPECT_EQ(ShellWrappedScript({"bash.exe", "-lc", "ls"}), "ls");
  EXPECT_EQ(ShellWrappedScript({"bash", "-lc", "ls", "extra"}), std::nullopt);
  EXPECT_EQ(ShellWrappedScript({"bash", "-x", "ls"}), std::nullopt);
  EXPECT_EQ(ShellWrappedScript({"dash", "-c", "ls"}), std::nullopt);
  EXPECT_EQ(ShellWrappedScript({"pwsh", "-c", "ls"}), std::nullopt);
  EXPECT_EQ(ParseShellWrappedPlainCommands({"zsh", "-lc", "ls && pwd"}),
            (std::vector<Words>{{"ls"}, {"pwd"}}));
  EXPECT_EQ(ParseShellWrappedHeredocPrefix(Bash("python3 - <<'EOF'\nprint(1)\nEOF")),
            (Words{"python3", "-"}));
  EXPECT_EQ(ParseShellWrappedHeredocPrefix(Bash("cat > out.txt <<EOF\nhi\nEOF\n")), (Words{"cat"}));
  EXPECT_EQ(ParseShellWrappedHeredocPrefix(Bash("cat <<-EOF\n\thi\n\tEOF")), (Words{"cat"}));
  EXPECT_EQ(ParseShellWrappedHeredocPrefix(Bash("cat<<EOF 2>&1\nhi\nEOF")), (Words{"cat"}));
  EXPECT_EQ(ParseShellWrappedHeredocPrefix(Bash("A=1 B=x python3 - <<'EOF'\nprint(1)\nEOF")),
            (Words{"python3", "-"}));
  EXPECT_EQ(ParseShellWrappedHeredocPrefix(Bash("cat <<EOF | grep x\nhi\nEOF")), std::nullopt);
  EXPECT_EQ(ParseShellWrappedHeredocPrefix(Bash("cat \"a\" <<EOF\nhi\nEOF")), std::nullopt);
  EXPECT_EQ(ParseShellWrappedHeredocPrefix(Bash("cat <<EOF\nhi\n")), std::nullopt);
  EXPECT_EQ(ParseShellWrappedHeredocPrefix(Bash("cat <<EOF\nhi\nEOF\nls")), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Safety
// ---------------------------------------------------------------------------------------------

TEST(IsKnownSafeCommandTest, TheAllowlistAndItsRules) {
  for (const Words& argv : std::vector<Words>{{"ls"},
                                              {"/bin/ls", "-la"},
                                              {"cat", "a"},
                                              {"grep", "-R", "x", "."},
                                              {"wc", "-l"},
                                              {"numfmt", "1000"},
                                              {"tac", "a"},
                                              {"base64", "a"},
                                              {"find", ".", "-name", "*.rs"},
                                              {"rg", "-n", "x"},
                                              {"sed", "-n", "1,5p", "a"},
                                              {"sed", "-n", "10p"},
                                              {"git", "status"},
                                              {"git", "-C", ".", "status"},
                                              {"git", "-C.", "log"},
                                              {"git", "--no-pager", "diff"},
                                              {"git", "-p", "log", "-1"},
                                              {"git", "--paginate", "log"},
                                              {"git", "log", "-p", "-1"},
                                              {"git", "show", "HEAD"},
                                              {"git", "branch"},
                                              {"git", "branch", "-a", "-vv", "--format=%(refname)"},
                                              {"/usr/bin/git", "status"},
                                              {"bash", "-lc", "ls && pwd | wc -l"},
                                              {"zsh", "-lc", "cat a"},
                                              {"sh", "-c", "sed -n '1,5p' a"}}) {
    EXPECT_TRUE(IsKnownSafeCommand(argv)) << ShlexJoin(argv);
  }
  for (const Words& argv : std::vector<Words>{{},
                                              {"rm", "a"},
                                              {"tree"},
                                              {"awk", "{print}"},
                                              {"sort"},
                                              {"printf", "x"},
                                              {"base64", "-o", "x"},
                                              {"base64", "-ox"},
                                              {"base64", "--output=x"},
                                              {"find", ".", "-exec", "rm", "{}", ";"},
                                              {"find", ".", "-delete"},
                                              {"find", ".", "-fprint", "x"},
                                              {"rg", "--pre", "cat", "x"},
                                              {"rg", "--pre=cat", "x"},
                                              {"rg", "-z", "x"},
                                              {"rg", "--search-zip", "x"},
                                              {"rg", "--hostname-bin=x", "y"},
                                              {"sed", "-i", "s/a/b/", "a"},
                                              {"sed", "-n", "1,5p", "a", "b"},
                                              {"sed", "-n", "xp", "a"},
                                              {"sed", "-n", "1,2,3p", "a"},
                                              {"git"},
                                              {"git", "push"},
                                              {"git", "checkout", "status"},
                                              {"git", "-c", "core.pager=cat", "log"},
                                              {"git", "-ccore.pager=cat", "status"},
                                              {"git", "log", "-c"},
                                              {"git", "--git-dir=.git", "status"},
                                              {"git", "status", "--work-tree=."},
                                              {"git", "--exec-path", "x", "show"},
                                              {"git", "log", "--output=x"},
                                              {"git", "diff", "--ext-diff"},
                                              {"git", "show", "--textconv"},
                                              {"git", "log", "--paginate"},
                                              {"git", "log", "--exec=x"},
                                              {"git", "branch", "-d", "x"},
                                              {"git", "branch", "x"},
                                              {"git", "branch", "-l", "x"},
                                              {"bash", "-lc", "ls && rm a"},
                                              {"bash", "-lc", "ls > out"},
                                              {"bash", "-lc", ""},
                                              {"bash", "-lc", "bash -lc ls"},
                                              {"bash", "-lc", "git", "status"},
                                              {"bash", "-lc", "'git status'"},
                                              {"..", "x"}}) {
    EXPECT_FALSE(IsKnownSafeCommand(argv)) << ShlexJoin(argv);
  }
}

TEST(JudgeUntrustedTest, EachPartOnItsOwnAndTheFirstUnsafePartProposed) {
  EXPECT_EQ(JudgeUntrusted(Bash("ls && cat a | wc -l")), (UntrustedVerdict{false, std::nullopt}));
  EXPECT_EQ(JudgeUntrusted(Bash("ls && rm -rf build; touch x")),
            (UntrustedVerdict{true, Words{"rm", "-rf", "build"}}));
  // A wrapper inside the script is unwrapped once more, by IsKnownSafeCommand.
  EXPECT_EQ(JudgeUntrusted(Bash("bash -lc 'ls -la'")), (UntrustedVerdict{false, std::nullopt}));
  EXPECT_EQ(JudgeUntrusted(Bash("bash -lc \"bash -lc 'ls'\"")),
            (UntrustedVerdict{true, Words{"bash", "-lc", "bash -lc 'ls'"}}));
  // Not plain: the whole argv; a heredoc: nothing proposed.
  EXPECT_EQ(JudgeUntrusted(Bash("ls > out.txt")), (UntrustedVerdict{true, Bash("ls > out.txt")}));
  EXPECT_EQ(JudgeUntrusted(Bash("cat <<EOF\nhi\nEOF")), (UntrustedVerdict{true, std::nullopt}));
  EXPECT_EQ(JudgeUntrusted({"git", "status"}), (UntrustedVerdict{false, std::nullopt}));
  EXPECT_EQ(JudgeUntrusted({"cargo", "build"}), (UntrustedVerdict{true, Words{"cargo", "build"}}));
  EXPECT_EQ(ApprovalAvailableDecisions(std::nullopt), json::parse(R"(["accept", "cancel"])"));
  EXPECT_EQ(ApprovalAvailableDecisions(Words{"rm", "x"}),
            json::parse(R"(["accept", {"acceptWithExecpolicyAmendment":
                              {"execpolicy_amendment": ["rm", "x"]}}, "cancel"])"));
}

// ---------------------------------------------------------------------------------------------
// commandActions
// ---------------------------------------------------------------------------------------------

json Actions(const Words& argv) { return CommandActionsJson(ParseCommandActions(argv)); }

TEST(ParseCommandActionsTest, ArgvThatIsNoShellWrapper) {
  EXPECT_EQ(Actions({"cd", "foo", "&&", "cat", "foo.txt"}),
            json::parse(R"([{"type": "read", "command": "cat foo.txt", "name": "foo.txt",
                             "path": "foo/foo.txt"}])"));
  EXPECT_EQ(Actions({"yes", "|", "rg", "-n", "foo bar", "-S"}),
            json::parse(R"([{"type": "search", "command": "rg -n 'foo bar' -S",
                             "query": "foo bar", "path": null}])"));
  EXPECT_EQ(Actions({"eza", "--color=always", "src"}),
            json::parse(R"([{"type": "listFiles", "command": "eza '--color=always' src",
                             "path": "src"}])"));
  EXPECT_EQ(Actions({"rg", "--files", "|", "nl", "-ba", "|", "foo"}),
            json::parse(R"([{"type": "unknown", "command": "rg --files '|' nl -ba '|' foo"}])"));
  EXPECT_EQ(Actions({"npm", "run", "build"}),
            json::parse(R"([{"type": "unknown", "command": "npm run build"}])"));
  EXPECT_EQ(Actions({"cd", "src"}), json::array());
}

TEST(ParseCommandActionsTest, Scripts) {
  auto script = [](const std::string& s) {
    return CommandActionsJson(ParseScriptCommandActions(s));
  };
  EXPECT_EQ(script("cd /repo && rg -n \"codex_api\" codex-rs -S | head -n 50"),
            json::parse(R"([{"type": "search", "command": "rg -n codex_api codex-rs -S",
                             "query": "codex_api", "path": "codex-rs"}])"));
  EXPECT_EQ(script("rg --files webview/src | sed -n"),
            json::parse(R"([{"type": "listFiles", "command": "rg --files webview/src",
                             "path": "webview"}])"));
  EXPECT_EQ(script("printf \"\\n== a ==\\n\"; cat -- ansi-escape/Cargo.toml"),
            json::parse(R"([{"type": "read", "command": "cat -- ansi-escape/Cargo.toml",
                             "name": "Cargo.toml", "path": "ansi-escape/Cargo.toml"}])"));
  EXPECT_EQ(script("ls --time-style=long-iso ./dist"),
            json::parse(R"([{"type": "listFiles", "command": "ls '--time-style=long-iso' ./dist",
                             "path": "."}])"));
  EXPECT_EQ(script("tail -n+10 README.md"),
            json::parse(R"([{"type": "read", "command": "tail -n+10 README.md",
                             "name": "README.md", "path": "README.md"}])"));
  EXPECT_EQ(script("rg -l QkBinding src | xargs perl -pi -e 's/a/b/g'"),
            json::parse(R"([{"type": "unknown",
                             "command": "rg -l QkBinding src | xargs perl -pi -e 's/a/b/g'"}])"));
  EXPECT_EQ(script("ls > out"), json::parse(R"([{"type": "unknown", "command": "ls > out"}])"));
  EXPECT_EQ(script("ls && cat a"),
            json::parse(R"([{"type": "listFiles", "command": "ls", "path": null},
                            {"type": "read", "command": "cat a", "name": "a", "path": "a"}])"));
}

// ---------------------------------------------------------------------------------------------
// shlex
// ---------------------------------------------------------------------------------------------

TEST(ShlexTest, JoinQuotesAsTheRustCrate) {
  EXPECT_EQ(ShlexJoin({"ls", "-la", "a/b_c.d:e@f+g]"}), "ls -la a/b_c.d:e@f+g]");
  EXPECT_EQ(ShlexJoin({"a b", "", "x=y", "it's", "$HOME", "{print $1}", "\\;", "^x", "é"}),
            "'a b' '' 'x=y' \"it's\" '$HOME' '{print $1}' \"\\\\;\" '^x' 'é'");
  EXPECT_EQ(ShlexJoin({"awk '{print $1}' README.md"}), "\"awk '{print \"'$1}'\"' README.md\"");
  EXPECT_EQ(ShlexJoin({std::string("a\0b", 3)}), "<command included NUL byte>");
}

TEST(ShlexTest, SplitAsTheRustCrate) {
  EXPECT_EQ(ShlexSplit("a 'b c' \"d\\\"e\\x\" f\\ g # comment\nh"),
            (Words{"a", "b c", "d\"e\\x", "f g", "h"}));
  EXPECT_EQ(ShlexSplit("a#b ls;"), (Words{"a#b", "ls;"}));
  EXPECT_EQ(ShlexSplit("'open"), std::nullopt);
  EXPECT_EQ(ShlexSplit("x\\"), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Codex 0.117.0 itself
// ---------------------------------------------------------------------------------------------

const json& Golden() {
  static const json* golden = [] {
    std::ifstream in(std::string(THREADLOG_SOURCE_DIR) +
                     "/tests/agent/golden/codex_117_commands.json");
    std::stringstream text;
    text << in.rdbuf();
    return new json(json::parse(text.str()));
  }();
  return *golden;
}

TEST(CodexGoldenTest, EveryCommandIsJudgedAndDescribedAsCodexDid) {
  const json& cases = Golden().at("cases");
  ASSERT_GE(cases.size(), 60u);
  int asked = 0;
  for (const json& c : cases) {
    const std::string cmd = c.at("cmd");
    const Words argv = {c.value("shell", "/bin/bash"), c.value("login", true) ? "-lc" : "-c", cmd};
    SCOPED_TRACE(cmd);
    EXPECT_EQ(ShlexJoin(argv), c.at("command").get<std::string>());
    const UntrustedVerdict verdict = JudgeUntrusted(argv);
    EXPECT_EQ(verdict.ask, c.at("asked_approval").get<bool>());
    const json actions = CommandActionsJson(ParseCommandActions(argv));
    EXPECT_EQ(actions, c.at("command_actions"));
    if (!c.at("asked_approval").get<bool>()) continue;
    ++asked;
    if (!c.contains("approval")) {
      ADD_FAILURE() << "asked, but no approval request recorded";
      continue;
    }
    const json& approval = c.at("approval");
    EXPECT_EQ(approval.at("command"), ShlexJoin(argv));
    EXPECT_EQ(approval.at("commandActions"), actions);
    const json proposed = verdict.proposed_amendment ? json(*verdict.proposed_amendment) : json();
    EXPECT_EQ(approval.value("proposedExecpolicyAmendment", json()), proposed);
    EXPECT_EQ(approval.at("availableDecisions"),
              ApprovalAvailableDecisions(verdict.proposed_amendment));
  }
  EXPECT_GT(asked, 20);
}

}  // namespace
}  // namespace threadlog::agent
