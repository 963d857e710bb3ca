// CommandExecutor with real processes: buffered and streamed output, the per-stream cap, the
// timeout, stdin and terminate, process ids per connection, and a connection that leaves.
#include "api/agent/command_exec.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace threadlog::agent {
namespace {

// What one command told, filled from its thread.
struct Seen {
  absl::Mutex mu;
  std::string out, err;
  std::vector<bool> caps;
  CommandExecResult result;
  absl::Notification done;

  CommandExecutor::Callbacks Callbacks() {
    CommandExecutor::Callbacks c;
    c.on_output = [this](bool is_stderr, std::string_view bytes, bool cap) {
      absl::MutexLock lock(&mu);
      (is_stderr ? err : out).append(bytes);
      caps.push_back(cap);
    };
    c.done = [this](const CommandExecResult& r) {
      {
        absl::MutexLock lock(&mu);
        result = r;
      }
      done.Notify();
    };
    return c;
  }
  bool Wait() { return done.WaitForNotificationWithTimeout(absl::Seconds(20)); }
};

class CommandExecTest : public ::testing::Test {
 protected:
  static CommandExecRequest Bash(const std::string& script) {
    CommandExecRequest r;
    r.argv = {"bash", "-c", script};
    r.cwd = "/tmp";
    r.policy = SandboxPolicy::Of("danger-full-access", {}, true);
    return r;
  }
  const Sandbox sandbox_ = Sandbox::Probe("/nonexistent/bwrap");
  CommandExecutor executor_{&sandbox_, {"PATH=/usr/bin:/bin", "KEEP=1", "DROP=1"}};
};

TEST_F(CommandExecTest, BufferedOutputKeepsTheStreamsApartAndCapsEach) {
  CommandExecRequest r = Bash("echo $KEEP-$DROP-$ADDED; printf 0123456789 >&2; exit 3");
  r.env = {{"DROP", std::nullopt}, {"ADDED", "2"}};
  r.output_cap = 6;
  Seen seen;
  ASSERT_TRUE(executor_.Start(1, r, seen.Callbacks()).ok());
  ASSERT_TRUE(seen.Wait());
  absl::MutexLock lock(&seen.mu);
  EXPECT_EQ(seen.result.exit_code, 3);
  EXPECT_EQ(seen.result.stdout_text, "1--2\n");
  EXPECT_EQ(seen.result.stderr_text, "012345");
  EXPECT_TRUE(seen.out.empty());  // nothing streamed
}

TEST_F(CommandExecTest, StreamedOutputStdinAndTheCapFlag) {
  CommandExecRequest r = Bash("read x; echo got $x; cat");
  r.process_id = "p";
  r.stream_output = true;
  r.stream_stdin = true;
  r.output_cap = 12;
  Seen seen;
  ASSERT_TRUE(executor_.Start(1, r, seen.Callbacks()).ok());
  ASSERT_TRUE(executor_.Write(1, "p", "hello\n", false).ok());
  ASSERT_TRUE(executor_.Write(1, "p", "0123456789\n", true).ok());
  ASSERT_TRUE(seen.Wait());
  absl::MutexLock lock(&seen.mu);
  EXPECT_EQ(seen.result.exit_code, 0);
  EXPECT_EQ(seen.out, "got hello\n01");  // cut at 12 bytes
  ASSERT_FALSE(seen.caps.empty());
  EXPECT_TRUE(seen.caps.back());
  EXPECT_TRUE(seen.result.stdout_text.empty());  // streamed, not repeated
}

TEST_F(CommandExecTest, TimeoutAndTerminateEndTheCommand) {
  CommandExecRequest slow = Bash("sleep 30");
  slow.timeout = absl::Milliseconds(200);
  Seen timed;
  ASSERT_TRUE(executor_.Start(1, slow, timed.Callbacks()).ok());
  ASSERT_TRUE(timed.Wait());
  EXPECT_EQ(timed.result.exit_code, 124);

  CommandExecRequest held = Bash("sleep 30");
  held.process_id = "held";
  held.timeout.reset();
  Seen killed;
  ASSERT_TRUE(executor_.Start(1, held, killed.Callbacks()).ok());
  // The id is the connection's: another connection neither reaches nor collides with it.
  EXPECT_EQ(executor_.Terminate(2, "held").message(),
            "no active command/exec for process id \"held\"");
  Seen duplicate;
  EXPECT_EQ(executor_.Start(1, held, duplicate.Callbacks()).message(),
            "duplicate active command/exec process id: \"held\"");
  EXPECT_EQ(executor_.Write(1, "held", "x", false).message(),
            "stdin streaming is not enabled for this command/exec");
  ASSERT_TRUE(executor_.Terminate(1, "held").ok());
  ASSERT_TRUE(killed.Wait());
  EXPECT_EQ(killed.result.exit_code, -1);
}

TEST_F(CommandExecTest, RefusalsInCodexsWords) {
  CommandExecRequest r = Bash("true");
  r.stream_output = true;
  EXPECT_EQ(executor_.Start(1, r, {}).message(),
            "command/exec tty or streaming requires a client-supplied processId");
  CommandExecRequest none;
  none.cwd = "/tmp";
  EXPECT_EQ(executor_.Start(1, none, {}).message(), "command must not be empty");
  CommandExecRequest missing = Bash("true");
  missing.argv = {"no-such-program-here"};
  const absl::Status st = executor_.Start(1, missing, {});
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(st.message(), "failed to spawn command: No such file or directory (os error 2)");
  // Sandboxed without a sandbox: refused, never run bare.
  CommandExecRequest sandboxed = Bash("true");
  sandboxed.policy = SandboxPolicy::Of("read-only", {}, false);
  EXPECT_EQ(executor_.Start(1, sandboxed, {}).code(), absl::StatusCode::kInternal);
}

TEST_F(CommandExecTest, AConnectionThatLeavesTakesItsCommandsWithIt) {
  CommandExecRequest r = Bash("sleep 30");
  r.process_id = "bg";
  r.timeout.reset();
  Seen seen;
  ASSERT_TRUE(executor_.Start(7, r, seen.Callbacks()).ok());
  executor_.ConnectionClosed(7);
  ASSERT_TRUE(seen.Wait());
  EXPECT_EQ(seen.result.exit_code, -1);
}

TEST_F(CommandExecTest, ShutdownEndsEveryCommandAndRefusesNewOnes) {
  CommandExecRequest r = Bash("sleep 30");
  r.timeout.reset();
  Seen seen;
  ASSERT_TRUE(executor_.Start(3, r, seen.Callbacks()).ok());
  executor_.Shutdown();
  // Answered before Shutdown returned.
  EXPECT_TRUE(seen.done.HasBeenNotified());
  EXPECT_EQ(seen.result.exit_code, -1);
  EXPECT_EQ(executor_.Start(3, Bash("true"), {}).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace threadlog::agent
