// Sandbox: bubblewrap's command line for each policy, and real sandboxed commands — what they
// may write, that .git stays read-only, that the network is off unless allowed — and a clear
// refusal where bubblewrap is missing.
#include "api/agent/sandbox.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/agent/exec_process.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

namespace fs = std::filesystem;

struct Ran {
  int code = -1;
  std::string output;
};

Ran RunIn(const Sandbox& sandbox, const SandboxPolicy& policy, const std::string& cwd,
          const std::string& script) {
  ExecSpec spec;
  spec.argv = {"/bin/bash", "-c", script};
  spec.cwd = cwd;
  spec.env = {"PATH=/usr/bin:/bin"};
  // As commands run: Sandbox::Apply (bwrap, the network filter, the sandbox's variables).
  if (absl::Status st = sandbox.Apply(policy, spec); !st.ok()) {
    ADD_FAILURE() << st;
    return {};
  }
  absl::StatusOr<std::unique_ptr<ExecProcess>> p = ExecProcess::Start(spec);
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return {};
  Ran ran;
  ExecProcess::Collected got = (*p)->Collect(
      absl::Seconds(20), [&ran](std::string_view s) { ran.output.append(s); }, nullptr);
  EXPECT_TRUE(got.exit) << "still running: " << script;
  if (got.exit) ran.code = got.exit->code;
  return ran;
}

TEST(Sandbox, FullAccessRunsTheCommandAsItIs) {
  const Sandbox sandbox = Sandbox::Probe("/nonexistent/bwrap");
  const SandboxPolicy full = SandboxPolicy::Of("danger-full-access", {}, false);
  absl::StatusOr<std::vector<std::string>> argv = sandbox.Wrap(full, {"ls", "-l"}, "/tmp");
  ASSERT_TRUE(argv.ok()) << argv.status();
  EXPECT_EQ(*argv, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_TRUE(Sandbox::Environment(full).empty());
}

TEST(Sandbox, WithoutBubblewrapRestrictedCommandsAreRefusedWithTheReason) {
  const Sandbox sandbox = Sandbox::Probe("/nonexistent/bwrap");
  EXPECT_EQ(sandbox.availability().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(sandbox.availability().message().find("/nonexistent/bwrap"), std::string::npos);
  absl::StatusOr<std::vector<std::string>> argv =
      sandbox.Wrap(SandboxPolicy::Of("read-only", {}, false), {"ls"}, "/tmp");
  EXPECT_EQ(argv.status(), sandbox.availability());
}

TEST(Sandbox, LikelyDeniedFollowsCodexRuleOfThumb) {
  // A denial's words, in any case, whatever the exit code (but 0).
  EXPECT_TRUE(Sandbox::LikelyDenied(1, "touch: cannot touch 'a.txt': Read-only file system\n"));
  EXPECT_TRUE(Sandbox::LikelyDenied(1, "bash: x: Permission denied"));
  EXPECT_TRUE(Sandbox::LikelyDenied(127, "OPERATION NOT PERMITTED"));
  EXPECT_TRUE(Sandbox::LikelyDenied(3, "failed to write file out.bin"));
  EXPECT_FALSE(Sandbox::LikelyDenied(0, "permission denied"));
  // A plain failure is the command's own; the shell's own codes never count.
  EXPECT_FALSE(Sandbox::LikelyDenied(1, "grep: nothing matched"));
  EXPECT_FALSE(Sandbox::LikelyDenied(127, "bash: nosuch: command not found"));
  EXPECT_FALSE(Sandbox::LikelyDenied(2, ""));
  // Killed by SIGSYS: a system call the sandbox refused.
  EXPECT_TRUE(Sandbox::LikelyDenied(128 + 31, ""));
  EXPECT_FALSE(Sandbox::LikelyDenied(128 + 9, ""));
}

TEST(Sandbox, RelativePathsAreRefused) {
  const Sandbox sandbox = Sandbox::Probe();
  if (!sandbox.availability().ok()) GTEST_SKIP() << sandbox.availability();
  EXPECT_EQ(sandbox.Wrap(SandboxPolicy::Of("read-only", {}, false), {"ls"}, "work").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sandbox.Wrap(SandboxPolicy::Of("workspace-write", {"rel"}, false), {"ls"}, "/tmp")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

class SandboxRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!sandbox_.availability().ok()) GTEST_SKIP() << sandbox_.availability();
    work_ = (fs::path(dir_.path()) / "work").string();
    outside_ = (fs::path(dir_.path()) / "outside").string();
    fs::create_directories(fs::path(work_) / ".git");
    fs::create_directories(outside_);
  }
  const Sandbox sandbox_ = Sandbox::Probe();
  testing::ScratchDir dir_;
  std::string work_, outside_;
};

TEST_F(SandboxRun, WorkspaceWriteWritesItsRootsOnlyAndKeepsGitReadOnly) {
  const SandboxPolicy policy = SandboxPolicy::Of("workspace-write", {work_}, false);
  const Ran ran = RunIn(sandbox_, policy, work_,
                        absl::StrCat("echo in > inside.txt && echo wrote; ",
                                     "echo x > .git/config || echo git-refused; ", "echo x > ",
                                     outside_, "/f || echo outside-refused"));
  EXPECT_NE(ran.output.find("wrote"), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("git-refused"), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("outside-refused"), std::string::npos) << ran.output;
  EXPECT_TRUE(fs::exists(fs::path(work_) / "inside.txt"));
  EXPECT_FALSE(fs::exists(fs::path(work_) / ".git" / "config"));
  EXPECT_FALSE(fs::exists(fs::path(outside_) / "f"));
}

TEST_F(SandboxRun, ReadOnlyWritesNothing) {
  const Ran ran = RunIn(sandbox_, SandboxPolicy::Of("read-only", {work_}, false), work_,
                        "cat /etc/hostname >/dev/null && echo read; echo x > f || echo refused");
  EXPECT_NE(ran.output.find("read"), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("refused"), std::string::npos) << ran.output;
  EXPECT_FALSE(fs::exists(fs::path(work_) / "f"));
}

TEST_F(SandboxRun, TheNetworkIsOffUnlessThePolicyAllowsIt) {
  // A listener of ours on loopback: reachable from outside the sandbox, and from a sandbox that
  // may use the network; not from one that may not.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string connect =
      absl::StrCat("(exec 3<>/dev/tcp/127.0.0.1/", ntohs(addr.sin_port),
                   ") && echo connected || echo unreachable; echo $CODEX_SANDBOX_NETWORK_DISABLED");
  const Ran off =
      RunIn(sandbox_, SandboxPolicy::Of("workspace-write", {work_}, false), work_, connect);
  EXPECT_NE(off.output.find("unreachable"), std::string::npos) << off.output;
  const Ran on =
      RunIn(sandbox_, SandboxPolicy::Of("workspace-write", {work_}, true), work_, connect);
  EXPECT_NE(on.output.find("connected"), std::string::npos) << on.output;
  const Ran full =
      RunIn(sandbox_, SandboxPolicy::Of("danger-full-access", {}, false), work_, connect);
  EXPECT_NE(full.output.find("connected"), std::string::npos) << full.output;
  ::close(listener);
  EXPECT_EQ(Sandbox::Environment(SandboxPolicy::Of("read-only", {}, false)),
            (std::vector<std::string>{"CODEX_SANDBOX_NETWORK_DISABLED=1"}));
}

TEST_F(SandboxRun, TheNetworkFilterRefusesInternetSocketsAndKeepsUnixOnes) {
  const SandboxPolicy off = SandboxPolicy::Of("workspace-write", {work_}, false);
  ASSERT_FALSE(Sandbox::NetworkFilter(off).empty());
  EXPECT_TRUE(Sandbox::NetworkFilter(SandboxPolicy::Of("workspace-write", {work_}, true)).empty());
  EXPECT_TRUE(Sandbox::NetworkFilter(SandboxPolicy::Of("danger-full-access", {}, false)).empty());
  // socket(AF_INET) itself fails (EPERM), before any route is looked for: the filter, not only
  // the empty network namespace.
  const Ran inet = RunIn(sandbox_, off, work_, "(exec 3<>/dev/tcp/127.0.0.1/9) 2>&1; true");
  EXPECT_NE(inet.output.find("Operation not permitted"), std::string::npos) << inet.output;
  if (fs::exists("/usr/bin/python3")) {
    const Ran unix_socket = RunIn(
        sandbox_, off, work_,
        "/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_UNIX); print(\"unix ok\")'");
    EXPECT_NE(unix_socket.output.find("unix ok"), std::string::npos) << unix_socket.output;
  }
}

}  // namespace
}  // namespace threadlog::agent
