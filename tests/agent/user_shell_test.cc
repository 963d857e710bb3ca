// UserShell: the record the model reads (Codex 0.117.0's text, golden/codex_117_user_shell.json)
// and RunUserShell with real processes on a real store's thread: what it tells, what it returns
// to be stored, and an interrupt that kills the command.
#include "api/agent/user_shell.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "api/agent/turn_notifier.h"
#include "api/session/thread_service.h"
#include "gtest/gtest.h"
#include "tests/testutil/recording_sink.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;
using testing::RecordingSink;
using testing::Sent;

std::string RecordText(const json& record) { return record["content"][0]["text"]; }

TEST(UserShellRecord, IsCodexsText) {
  const json record =
      UserShellRecord("echo hi; pwd; exit 3", 3, absl::Milliseconds(293.3), "hi\n/work\n", 10000);
  EXPECT_EQ(record["type"], "message");
  EXPECT_EQ(record["role"], "user");
  EXPECT_EQ(RecordText(record),
            "<user_shell_command>\n<command>\necho hi; pwd; exit 3\n</command>\n<result>\nExit "
            "code: 3\nDuration: 0.2933 seconds\nOutput:\nhi\n/work\n\n</result>\n"
            "</user_shell_command>");
}

TEST(UserShellRecord, CutsALongOutputAsExecOutputIsCut) {
  std::string output;
  for (int i = 1; i <= 20000; ++i) output += std::to_string(i) + "\n";
  const std::string text =
      RecordText(UserShellRecord("seq 1 20000", 0, absl::Seconds(1), output, 10000));
  // Codex's record of `seq 1 20000` is 40192 characters long: 40196 bytes with its two "…".
  EXPECT_EQ(text.size(), 40196u);
  EXPECT_TRUE(absl::StrContains(text, "Output:\nTotal output lines: 20000\n\n1\n2\n3\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, " tokens truncated\xE2\x80\xA6"));
  EXPECT_TRUE(absl::EndsWith(text, "19999\n20000\n\n</result>\n</user_shell_command>"));
}

class RunUserShellTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ThreadStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    threads_ = std::make_unique<session::ThreadService>(*store_, session::SettingsDefaults{});
    session::StartRequest request;
    request.settings.cwd = dir_.path();
    request.originator = "test";
    auto opened = threads_->Start(request, kFollower, sink_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    thread_ = opened->summary.id;
    sink_.Clear();
    notifier_ = std::make_unique<TurnNotifier>(thread_.ToString(), "turn-1");
    writer_ = std::make_unique<TurnWriter>(*threads_, sink_, *notifier_, thread_);
  }

  UserShellCommand Command(const std::string& command) {
    UserShellCommand c;
    c.command = command;
    c.cwd = dir_.path();
    c.env = {"PATH=/usr/bin:/bin", "HOME=" + dir_.path()};
    c.env_is_login = true;  // bash -c: no profile to read
    return c;
  }

  static constexpr session::ClientId kFollower = 5;
  testing::ScratchDir dir_;
  std::unique_ptr<ThreadStore> store_;
  std::unique_ptr<session::ThreadService> threads_;
  RecordingSink sink_;
  ThreadId thread_;
  std::unique_ptr<TurnNotifier> notifier_;
  std::unique_ptr<TurnWriter> writer_;
};

TEST_F(RunUserShellTest, TellsTheItemAndReturnsTheRecordAndTheEnd) {
  CancelToken cancel;
  absl::StatusOr<UserShellOutcome> ran =
      RunUserShell(Command("echo hi; exit 3"), "turn-1", *writer_, cancel);
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_FALSE(ran->aborted);
  EXPECT_EQ(sink_.Methods(),
            (std::vector<std::string>{"item/started", "item/commandExecution/outputDelta",
                                      "item/completed"}));
  const json started = sink_.Of("item/started")[0].params["item"];
  EXPECT_EQ(started["command"], "/bin/bash -lc 'echo hi; exit 3'");
  EXPECT_EQ(started["source"], "userShell");
  EXPECT_EQ(started["status"], "inProgress");
  EXPECT_TRUE(started["processId"].is_null());
  EXPECT_EQ(sink_.Of("item/commandExecution/outputDelta")[0].params["delta"], "hi\n");
  const json done = sink_.Of("item/completed")[0].params["item"];
  EXPECT_EQ(done["id"], started["id"]);
  EXPECT_EQ(done["status"], "failed");
  EXPECT_EQ(done["exitCode"], 3);
  EXPECT_EQ(done["aggregatedOutput"], "hi\n");
  EXPECT_TRUE(absl::StrContains(RecordText(ran->record.payload), "Exit code: 3\n"));
  const json& end = ran->end.payload;
  EXPECT_EQ(end["type"], "exec_command_end");
  EXPECT_EQ(end["call_id"], started["id"]);
  EXPECT_EQ(end["source"], "user_shell");
  EXPECT_EQ(end["command"], json::array({"/bin/bash", "-lc", "echo hi; exit 3"}));
  EXPECT_EQ(end["aggregated_output"], "hi\n");
  EXPECT_EQ(end["exit_code"], 3);
  EXPECT_EQ(end["status"], "failed");
}

TEST_F(RunUserShellTest, ACancelKillsTheCommandAndSaysSo) {
  CancelToken cancel;
  std::thread interrupt([&cancel] {
    absl::SleepFor(absl::Milliseconds(200));
    cancel.Cancel();
  });
  const absl::Time start = absl::Now();
  absl::StatusOr<UserShellOutcome> ran =
      RunUserShell(Command("sleep 30; echo never"), "turn-1", *writer_, cancel);
  interrupt.join();
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_TRUE(ran->aborted);
  const json done = sink_.Of("item/completed")[0].params["item"];
  EXPECT_EQ(done["status"], "failed");
  EXPECT_EQ(done["exitCode"], -1);
  EXPECT_EQ(done["durationMs"], 0);
  EXPECT_EQ(done["aggregatedOutput"], "command aborted by user");
  EXPECT_EQ(RecordText(ran->record.payload),
            "<user_shell_command>\n<command>\nsleep 30; echo never\n</command>\n<result>\nExit "
            "code: -1\nDuration: 0.0000 seconds\nOutput:\ncommand aborted by user\n</result>\n"
            "</user_shell_command>");
}

TEST_F(RunUserShellTest, AShellThatCannotStartIsAnErrorAndTellsNothing) {
  UserShellCommand c = Command("true");
  c.cwd = "relative/dir";
  CancelToken cancel;
  EXPECT_FALSE(RunUserShell(c, "turn-1", *writer_, cancel).ok());
  EXPECT_TRUE(sink_.All().empty());
}

}  // namespace
}  // namespace threadlog::agent
