// ExecProcess with real processes: output and exit codes, pipes and terminals, stdin, timeouts,
// cancellation, and that a kill takes the whole group and leaves no zombie.
#include "api/agent/exec_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace threadlog::agent {
namespace {

std::vector<std::string> Env() {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "LANG=C"};
}

std::unique_ptr<ExecProcess> Spawn(const std::string& script, bool tty = false,
                                   const std::string& cwd = "/tmp") {
  ExecSpec spec;
  spec.argv = {"bash", "-c", script};
  spec.cwd = cwd;
  spec.env = Env();
  spec.tty = tty;
  absl::StatusOr<std::unique_ptr<ExecProcess>> p = ExecProcess::Start(spec);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *std::move(p) : nullptr;
}

// Collects until the process exits (10 s at most).
ExecProcess::Collected UntilExit(ExecProcess& p) {
  ExecProcess::Collected all;
  for (int i = 0; i < 100 && !all.exit; ++i) {
    ExecProcess::Collected c = p.Collect(absl::Milliseconds(100), nullptr, nullptr);
    all.output += c.output;
    all.exit = c.exit;
  }
  return all;
}

// Running (a zombie whose parent has not reaped it yet counts as gone: it runs nothing).
bool Alive(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t end = line.rfind(')');
  return end != std::string::npos && end + 2 < line.size() && line[end + 2] != 'Z';
}

TEST(ExecProcessTest, OutputAndExitCodeOnPipes) {
  auto p = Spawn("echo out; echo err 1>&2; exit 3");
  ASSERT_NE(p, nullptr);
  ExecProcess::Collected c = UntilExit(*p);
  ASSERT_TRUE(c.exit.has_value());
  EXPECT_EQ(c.exit->code, 3);
  EXPECT_FALSE(c.exit->signal.has_value());
  EXPECT_EQ(c.output, "out\nerr\n");  // one pipe: stdout and stderr in the order written
  // Later calls return at once with the exit.
  ExecProcess::Collected again = p->Collect(absl::Seconds(5), nullptr, nullptr);
  EXPECT_TRUE(again.exit.has_value());
  EXPECT_EQ(again.output, "");
}

TEST(ExecProcessTest, ChunksArriveAsTheyAreWritten) {
  auto p = Spawn("echo first; sleep 0.3; echo second");
  ASSERT_NE(p, nullptr);
  std::vector<std::string> chunks;
  ExecProcess::Collected c = p->Collect(
      absl::Milliseconds(150), [&](std::string_view s) { chunks.emplace_back(s); }, nullptr);
  EXPECT_FALSE(c.exit.has_value());  // still sleeping
  EXPECT_EQ(c.output, "first\n");
  EXPECT_EQ(chunks, std::vector<std::string>{"first\n"});
  ExecProcess::Collected rest = UntilExit(*p);
  EXPECT_EQ(rest.output, "second\n");
  EXPECT_EQ(rest.exit->code, 0);
}

TEST(ExecProcessTest, ATerminalIsTheControllingTerminal) {
  auto p = Spawn("tty; test -t 0 && echo stdin-is-a-tty; stty size", /*tty=*/true);
  ASSERT_NE(p, nullptr);
  ExecProcess::Collected c = UntilExit(*p);
  EXPECT_EQ(c.exit->code, 0);
  EXPECT_NE(c.output.find("/dev/pts/"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("stdin-is-a-tty"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("24 80"), std::string::npos) << c.output;
  auto piped = Spawn("tty; test -t 0 || echo not-a-tty");
  ExecProcess::Collected d = UntilExit(*piped);
  EXPECT_NE(d.output.find("not a tty"), std::string::npos) << d.output;
  EXPECT_NE(d.output.find("not-a-tty"), std::string::npos) << d.output;
}

TEST(ExecProcessTest, StdinReachesTheCommand) {
  for (bool tty : {false, true}) {
    auto p = Spawn("read x; echo got:$x", tty);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(p->Write("abc\n").ok());
    ExecProcess::Collected c = UntilExit(*p);
    EXPECT_NE(c.output.find("got:abc"), std::string::npos) << "tty=" << tty << ": " << c.output;
    EXPECT_EQ(c.exit->code, 0);
    EXPECT_EQ(p->Write("more\n").code(), absl::StatusCode::kFailedPrecondition);
  }
}

TEST(ExecProcessTest, TheEnvironmentAndWorkingDirectoryAreTheSpecs) {
  ExecSpec spec;
  spec.argv = {"bash", "-c", "pwd; echo $ONLY_THIS; env | wc -l"};
  spec.cwd = "/usr";
  spec.env = {"PATH=/usr/bin:/bin", "ONLY_THIS=yes"};
  auto p = ExecProcess::Start(spec);
  ASSERT_TRUE(p.ok()) << p.status();
  ExecProcess::Collected c = UntilExit(**p);
  EXPECT_EQ(c.output.substr(0, 9), "/usr\nyes\n") << c.output;
  int lines = 0;
  ASSERT_TRUE(absl::SimpleAtoi(c.output.substr(9, c.output.size() - 10), &lines)) << c.output;
  EXPECT_LE(lines, 5);  // PATH, ONLY_THIS and what bash itself sets (PWD, SHLVL, _)
}

TEST(ExecProcessTest, AProgramThatCannotRunExitsAsAShellWould) {
  ExecSpec spec;
  spec.argv = {"definitely-not-a-command-xyz"};
  spec.cwd = "/tmp";
  spec.env = Env();
  auto p = ExecProcess::Start(spec);
  ASSERT_TRUE(p.ok()) << p.status();
  ExecProcess::Collected c = UntilExit(**p);
  EXPECT_EQ(c.exit->code, 127);
  EXPECT_NE(c.output.find("definitely-not-a-command-xyz: No such file or directory"),
            std::string::npos)
      << c.output;
  spec.argv = {"/etc/hostname"};  // exists, not executable
  auto q = ExecProcess::Start(spec);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(UntilExit(**q).exit->code, 126);
  spec.argv = {};
  EXPECT_EQ(ExecProcess::Start(spec).status().code(), absl::StatusCode::kInvalidArgument);
  spec.argv = {"true"};
  spec.cwd = "relative";
  EXPECT_EQ(ExecProcess::Start(spec).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ExecProcessTest, StderrOnItsOwnPipeWhenAsked) {
  ExecSpec spec;
  spec.argv = {"bash", "-c", "echo out; echo err 1>&2; echo out2"};
  spec.cwd = "/tmp";
  spec.env = Env();
  spec.split_stderr = true;
  absl::StatusOr<std::unique_ptr<ExecProcess>> p = ExecProcess::Start(spec);
  ASSERT_TRUE(p.ok()) << p.status();
  std::string out, err, told_err;
  std::optional<ExecExit> exit;
  for (int i = 0; i < 100 && !exit; ++i) {
    ExecProcess::Collected c =
        (*p)->Collect(absl::Milliseconds(100), nullptr, nullptr,
                      [&told_err](std::string_view chunk) { told_err.append(chunk); });
    out += c.output;
    err += c.error_output;
    exit = c.exit;
  }
  ASSERT_TRUE(exit);
  EXPECT_EQ(out, "out\nout2\n");
  EXPECT_EQ(err, "err\n");
  EXPECT_EQ(told_err, "err\n");
}

TEST(ExecProcessTest, ClosingStdinEndsTheInputAndRefusesLaterWrites) {
  auto p = Spawn("cat; echo cat-done");
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->Write("abc\n").ok());
  p->CloseStdin();
  EXPECT_TRUE(p->stdin_closed());
  EXPECT_EQ(p->Write("more").code(), absl::StatusCode::kFailedPrecondition);
  ExecProcess::Collected c = UntilExit(*p);
  ASSERT_TRUE(c.exit);
  EXPECT_EQ(c.output, "abc\ncat-done\n");
}

TEST(ExecProcessTest, ATerminalHasItsSizeAndCanBeResized) {
  ExecSpec spec;
  spec.argv = {"bash", "-c", "stty size; read x; stty size"};
  spec.cwd = "/tmp";
  spec.env = Env();
  spec.tty = true;
  spec.rows = 30;
  spec.cols = 100;
  absl::StatusOr<std::unique_ptr<ExecProcess>> p = ExecProcess::Start(spec);
  ASSERT_TRUE(p.ok()) << p.status();
  std::string out;
  for (int i = 0; i < 50 && out.find("30 100") == std::string::npos; ++i) {
    out += (*p)->Collect(absl::Milliseconds(100), nullptr, nullptr).output;
  }
  EXPECT_NE(out.find("30 100"), std::string::npos) << out;
  ASSERT_TRUE((*p)->Resize(40, 120).ok());
  ASSERT_TRUE((*p)->Write("\n").ok());
  ExecProcess::Collected c = UntilExit(**p);
  EXPECT_NE(c.output.find("40 120"), std::string::npos) << c.output;
  // Pipes have no size.
  auto piped = Spawn("true");
  ASSERT_NE(piped, nullptr);
  EXPECT_EQ(piped->Resize(10, 10).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ExecProcessTest, KillTakesTheWholeGroupAndLeavesNoZombie) {
  // The command's own child keeps running in the background and prints its pid.
  auto p = Spawn("sleep 60 & echo $!; wait");
  ASSERT_NE(p, nullptr);
  std::string out;
  for (int i = 0; i < 50 && out.find('\n') == std::string::npos; ++i) {
    out += p->Collect(absl::Milliseconds(100), nullptr, nullptr).output;
  }
  pid_t child = 0;
  ASSERT_TRUE(absl::SimpleAtoi(out.substr(0, out.find('\n')), &child)) << out;
  ASSERT_TRUE(Alive(child));
  p->Kill();
  ExecProcess::Collected c = UntilExit(*p);
  ASSERT_TRUE(c.exit.has_value());
  EXPECT_EQ(c.exit->signal, SIGKILL);
  EXPECT_EQ(c.exit->code, 128 + SIGKILL);
  // The leader is reaped (waitpid finds nothing of it) and the background child is gone.
  EXPECT_EQ(::waitpid(p->pid(), nullptr, WNOHANG), -1);
  for (int i = 0; i < 50 && Alive(child); ++i) ::usleep(20000);
  EXPECT_FALSE(Alive(child));
}

TEST(ExecProcessTest, BackgroundChildrenDoNotOutliveTheCommand) {
  // The command exits at once, leaving a child that holds the output open.
  auto p = Spawn("sleep 60 & echo $!");
  ASSERT_NE(p, nullptr);
  ExecProcess::Collected c = UntilExit(*p);
  ASSERT_TRUE(c.exit.has_value());
  EXPECT_EQ(c.exit->code, 0);
  pid_t child = 0;
  ASSERT_TRUE(absl::SimpleAtoi(c.output.substr(0, c.output.find('\n')), &child)) << c.output;
  for (int i = 0; i < 50 && Alive(child); ++i) ::usleep(20000);
  EXPECT_FALSE(Alive(child));
}

TEST(ExecProcessTest, DestroyingARunningProcessKillsAndReapsIt) {
  pid_t pid;
  {
    auto p = Spawn("sleep 60");
    ASSERT_NE(p, nullptr);
    pid = p->pid();
    EXPECT_TRUE(Alive(pid));
  }
  EXPECT_FALSE(Alive(pid));  // killed and reaped: not even a zombie is left
}

TEST(ExecProcessTest, CancelStopsWaitingButNotTheProcess) {
  auto p = Spawn("sleep 5; echo done");
  ASSERT_NE(p, nullptr);
  CancelToken cancel;
  cancel.Cancel();
  const absl::Time start = absl::Now();
  ExecProcess::Collected c = p->Collect(absl::Seconds(5), nullptr, &cancel);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_FALSE(c.exit.has_value());
  EXPECT_TRUE(Alive(p->pid()));
}

}  // namespace
}  // namespace threadlog::agent
