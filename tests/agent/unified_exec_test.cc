// Unified exec: the arguments and their errors in Codex's words, the yields, the output text the
// model reads (checked against what Codex 0.117.0 gave for the same commands,
// golden/codex_117_exec.json), UTF-8 across reads, and sessions with real processes.
#include "api/agent/unified_exec.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {
namespace {

using nlohmann::json;

TEST(UnifiedExecArgs, ErrorsAreWordedAsCodexWordsThem) {
  // Both from golden/codex_117_exec.json (exec_bad_args).
  EXPECT_EQ(ParseExecCommandArgs(R"({"workdir": "."})").status().message(),
            "failed to parse function arguments: missing field `cmd` at line 1 column 16");
  EXPECT_TRUE(absl::StartsWith(ParseExecCommandArgs("{not json").status().message(),
                               "failed to parse function arguments: "));
  EXPECT_EQ(ParseWriteStdinArgs(R"({"chars": ""})").status().message(),
            "failed to parse function arguments: missing field `session_id` at line 1 column 13");
  EXPECT_EQ(ParseExecCommandArgs(R"({"cmd": 5})").status().message(),
            "failed to parse function arguments: invalid type: integer `5`, expected a string at "
            "line 1 column 10");
}

TEST(UnifiedExecArgs, DefaultsAreCodexs) {
  absl::StatusOr<ExecCommandArgs> args = ParseExecCommandArgs(R"({"cmd": "ls", "tty": null})");
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->cmd, "ls");
  EXPECT_TRUE(args->login);
  EXPECT_FALSE(args->tty);
  EXPECT_FALSE(args->workdir);
  absl::StatusOr<WriteStdinArgs> w = ParseWriteStdinArgs(R"({"session_id": 42})");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->session_id, 42);
  EXPECT_EQ(w->chars, "");
}

TEST(UnifiedExecYield, ClampsAsObserved) {
  EXPECT_EQ(ExecYield(std::nullopt), absl::Seconds(10));
  EXPECT_EQ(ExecYield(100), absl::Milliseconds(250));
  EXPECT_EQ(ExecYield(500), absl::Milliseconds(500));
  EXPECT_EQ(WriteStdinYield(1000, /*empty_chars=*/true), absl::Seconds(5));
  EXPECT_EQ(WriteStdinYield(std::nullopt, /*empty_chars=*/false), absl::Milliseconds(250));
}

TEST(UnifiedExecEnvironment, TheOverlayWinsExceptOverWhatALoginShellKeeps) {
  const std::vector<std::string> base = {"PATH=/bin", "TERM=xterm", "LANG=en_US.UTF-8",
                                         "CODEX_THREAD_ID=old", "SECRET=kept"};
  auto has = [](const std::vector<std::string>& env, const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
  };
  const std::vector<std::string> plain = ExecEnvironment(base, /*login=*/false, "t1");
  EXPECT_TRUE(has(plain, "TERM=dumb"));
  EXPECT_TRUE(has(plain, "LANG=C.UTF-8"));
  EXPECT_FALSE(has(plain, "TERM=xterm"));
  const std::vector<std::string> login = ExecEnvironment(base, /*login=*/true, "t1");
  EXPECT_TRUE(has(login, "TERM=xterm"));  // the login shell's snapshot keeps it
  EXPECT_TRUE(has(login, "LANG=en_US.UTF-8"));
  for (const auto* env : {&plain, &login}) {
    EXPECT_TRUE(has(*env, "NO_COLOR=1"));
    EXPECT_TRUE(has(*env, "PAGER=cat"));
    EXPECT_TRUE(has(*env, "CODEX_CI=1"));
    EXPECT_TRUE(has(*env, "SECRET=kept"));  // Codex filters nothing by default
    EXPECT_TRUE(has(*env, "CODEX_THREAD_ID=t1"));
    EXPECT_FALSE(has(*env, "CODEX_THREAD_ID=old"));
  }
}

TEST(UnifiedExecUtf8, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(LossyUtf8("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_EQ(LossyUtf8("a\xFF"
                      "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(LossyUtf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // a cut-off euro sign
  EXPECT_NO_THROW(json(LossyUtf8("\x80\x81\xC0\xAF")).dump());   // valid UTF-8 for JSON
}

// The output text with Codex's varying parts normalized as the golden normalizes them.
std::string Normalized(std::string text) {
  text = std::regex_replace(text, std::regex("Chunk ID: [0-9a-f]{6}"), "Chunk ID: <chunk>");
  return std::regex_replace(text, std::regex("Wall time: [0-9]+\\.[0-9]{4} seconds"),
                            "Wall time: N.NNNN seconds");
}

std::string Seq(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) absl::StrAppend(&out, i, "\n");
  return out;
}

json GoldenOutputs(const std::string& scenario) {
  std::ifstream in(std::string(THREADLOG_SOURCE_DIR) + "/tests/agent/golden/codex_117_exec.json");
  const json golden = json::parse(in);
  // Long strings are kept once, in "shared", and named "<shared:KEY>" where they occur.
  json outputs = golden["scenarios"][scenario]["outputs"];
  for (json& o : outputs) {
    const std::string text = o["output"].get<std::string>();
    if (absl::StartsWith(text, "<shared:") && absl::EndsWith(text, ">")) {
      o["output"] = golden["shared"][text.substr(8, text.size() - 9)];
    }
  }
  return outputs;
}

TEST(UnifiedExecOutput, TheTextIsCodexsForTheSameOutput) {
  const json outputs = GoldenOutputs("exec_long_output");
  ExecOutputReport report;
  report.command = "/bin/bash -lc 'seq 1 20000'";
  report.exit_code = 0;
  report.output = Seq(20000);
  // Codex's default budget (10000 tokens) and max_output_tokens 50 (20000 is cut again where the
  // request is built: prompt.cc, checked through the binary by exec_golden_test.py).
  EXPECT_EQ(Normalized(FormatExecOutput(report)), outputs[0]["output"].get<std::string>());
  report.max_output_tokens = 50;
  EXPECT_EQ(Normalized(FormatExecOutput(report)), outputs[1]["output"].get<std::string>());

  report = {};
  report.command = "/bin/bash -lc 'echo hello'";
  report.exit_code = 0;
  report.output = "hello\n";
  EXPECT_EQ(Normalized(FormatExecOutput(report)),
            "Command: /bin/bash -lc 'echo hello'\nChunk ID: <chunk>\nWall time: N.NNNN "
            "seconds\nProcess exited with code 0\nOriginal token count: 2\nOutput:\nhello\n");
  report.exit_code.reset();
  report.session_id = 7275;
  report.output = "";
  EXPECT_EQ(Normalized(FormatExecOutput(report)),
            "Command: /bin/bash -lc 'echo hello'\nChunk ID: <chunk>\nWall time: N.NNNN "
            "seconds\nProcess running with session ID 7275\nOriginal token count: 0\nOutput:\n");
}

TEST(UnifiedExecOutput, TruncationNeverSplitsACharacter) {
  ExecOutputReport report;
  report.command = "x";
  report.exit_code = 0;
  std::string text;
  for (int i = 0; i < 100; ++i) text += "\xE2\x82\xAC";  // 300 bytes of euro signs
  report.output = text;
  report.max_output_tokens = 5;  // 20 bytes: halves of 10 fall inside characters
  const std::string out = FormatExecOutput(report);
  EXPECT_NE(out.find("Total output lines: 1\n\n\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x80\xA6"),
            std::string::npos)
      << out;
  EXPECT_NO_THROW(json(out).dump());
}

ExecSpec BashSpec(const std::string& script) {
  ExecSpec spec;
  spec.argv = {"/bin/bash", "-c", script};
  spec.cwd = "/tmp";
  spec.env = {"PATH=/usr/bin:/bin"};
  return spec;
}

TEST(ExecSessions, AProcessRunsOnBetweenReadsAndReportsItsExitOnce) {
  ExecSessions sessions;
  const ExecSpec spec = BashSpec("echo first; read x; echo got:$x");
  absl::Mutex mu;
  std::string streamed;
  int exits = 0;
  std::string aggregated;
  ExecSession::Observer observer;
  observer.on_output = [&](std::string_view text) {
    absl::MutexLock lock(&mu);
    streamed.append(text);
  };
  observer.on_exit = [&](const ExecExit& exit, const std::string& all, absl::Duration) {
    absl::MutexLock lock(&mu);
    ++exits;
    aggregated = all;
    EXPECT_EQ(exit.code, 0);
  };
  absl::StatusOr<std::shared_ptr<ExecSession>> session = sessions.Start(spec, observer);
  ASSERT_TRUE(session.ok()) << session.status();
  ExecSession::Read first = (*session)->ReadUntil(absl::Now() + absl::Milliseconds(300), nullptr);
  EXPECT_EQ(first.output, "first\n");
  EXPECT_FALSE(first.exit);
  EXPECT_EQ(sessions.Find((*session)->id()), *session);
  ASSERT_TRUE((*session)->Write("abc\n").ok());
  ExecSession::Read second = (*session)->ReadUntil(absl::Now() + absl::Seconds(10), nullptr);
  EXPECT_EQ(second.output, "got:abc\n");
  ASSERT_TRUE(second.exit);
  absl::MutexLock lock(&mu);
  EXPECT_EQ(exits, 1);
  EXPECT_EQ(aggregated, "first\ngot:abc\n");
  EXPECT_EQ(streamed, aggregated);
}

TEST(ExecSessions, WaitForExitTakesNothingFromTheNextRead) {
  ExecSessions sessions;
  absl::StatusOr<std::shared_ptr<ExecSession>> running =
      sessions.Start(BashSpec("echo up; read x"), {});
  ASSERT_TRUE(running.ok()) << running.status();
  EXPECT_FALSE((*running)->WaitForExit(absl::Now() + absl::Milliseconds(100)));
  absl::StatusOr<std::shared_ptr<ExecSession>> quick =
      sessions.Start(BashSpec("echo done; exit 3"), {});
  ASSERT_TRUE(quick.ok()) << quick.status();
  std::optional<ExecExit> exit = (*quick)->WaitForExit(absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->code, 3);
  ExecSession::Read read = (*quick)->ReadUntil(absl::Now(), nullptr);
  EXPECT_EQ(read.output, "done\n");
  ASSERT_TRUE(read.exit);
  EXPECT_EQ(read.exit->code, 3);
  EXPECT_EQ(sessions.KillAll(), 2);
}

TEST(ExecSessions, KillAllEndsEveryProcessAndForgetsIt) {
  ExecSessions sessions;
  const ExecSpec spec = BashSpec("sleep 60 & sleep 60");
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::shared_ptr<ExecSession>> s = sessions.Start(spec, {});
    ASSERT_TRUE(s.ok()) << s.status();
  }
  EXPECT_EQ(sessions.size(), 3);
  const absl::Time start = absl::Now();
  EXPECT_EQ(sessions.KillAll(), 3);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(sessions.size(), 0);
}

}  // namespace
}  // namespace threadlog::agent
