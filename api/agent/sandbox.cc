// Sandbox: bubblewrap's command line for a policy, and the one probe that says whether it runs.
#include "api/agent/sandbox.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "api/agent/exec_process.h"

namespace threadlog::agent {
namespace {

namespace fs = std::filesystem;

// The paths inside a writable root that stay read-only, as Codex keeps them: .git (a folder,
// or a worktree's pointer file and the folder it names) and .codex.
std::vector<std::string> ProtectedPaths(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path git = fs::path(root) / ".git";
  if (fs::is_directory(git, ec)) {
    out.push_back(git.string());
  } else if (fs::is_regular_file(git, ec)) {
    out.push_back(git.string());
    std::ifstream in(git);
    std::string line;
    if (std::getline(in, line)) {
      absl::string_view target = line;
      if (absl::ConsumePrefix(&target, "gitdir:")) {
        fs::path dir(std::string(absl::StripAsciiWhitespace(target)));
        if (dir.is_relative()) dir = fs::path(root) / dir;
        dir = fs::weakly_canonical(dir, ec);
        if (!ec && fs::is_directory(dir, ec)) out.push_back(dir.string());
      }
    }
  }
  const fs::path codex = fs::path(root) / ".codex";
  if (fs::exists(codex, ec)) out.push_back(codex.string());
  return out;
}

}  // namespace

SandboxPolicy SandboxPolicy::Of(const std::string& mode, std::vector<std::string> writable_roots,
                                bool network_access) {
  SandboxPolicy p;
  if (mode == "danger-full-access") {
    p.kind = Kind::kDangerFullAccess;
    p.network_access = true;
    return p;
  }
  p.kind = mode == "workspace-write" ? Kind::kWorkspaceWrite : Kind::kReadOnly;
  if (p.kind == Kind::kWorkspaceWrite) p.writable_roots = std::move(writable_roots);
  p.network_access = network_access;
  return p;
}

Sandbox Sandbox::Probe(const std::string& bwrap) {
  if (::access(bwrap.c_str(), X_OK) != 0) {
    return Sandbox(bwrap, absl::FailedPreconditionError(
                              absl::StrCat("bubblewrap is not installed at ", bwrap,
                                           " (Debian: apt-get install bubblewrap)")));
  }
  Sandbox trial(bwrap, absl::OkStatus());
  SandboxPolicy policy;  // read-only, no network: every namespace the real commands get
  const std::string root(1, '/');
  absl::StatusOr<std::vector<std::string>> argv = trial.Wrap(policy, {"/bin/true"}, root);
  ExecSpec spec;
  spec.argv = *argv;
  spec.cwd = root;
  spec.env = {"PATH=/usr/bin:/bin"};
  absl::StatusOr<std::unique_ptr<ExecProcess>> process = ExecProcess::Start(spec);
  if (!process.ok()) {
    return Sandbox(bwrap, absl::FailedPreconditionError(absl::StrCat(
                              "bubblewrap could not be started: ", process.status().message())));
  }
  std::string output;
  ExecProcess::Collected got = (*process)->Collect(
      absl::Seconds(10), [&output](std::string_view chunk) { output.append(chunk); }, nullptr);
  if (!got.exit || got.exit->code != 0) {
    (*process)->Kill();
    return Sandbox(bwrap,
                   absl::FailedPreconditionError(absl::StrCat(
                       "bubblewrap cannot make a sandbox here (user namespaces unavailable?): ",
                       got.exit ? absl::StrCat("exit ", got.exit->code) : "no answer in 10 s",
                       output.empty() ? "" : ": ", absl::StripAsciiWhitespace(output))));
  }
  return Sandbox(bwrap, absl::OkStatus());
}

absl::StatusOr<std::vector<std::string>> Sandbox::Wrap(const SandboxPolicy& policy,
                                                       const std::vector<std::string>& argv,
                                                       const std::string& cwd) const {
  return WrapWith(policy, argv, cwd, /*seccomp_fd3=*/false);
}

absl::Status Sandbox::Apply(const SandboxPolicy& policy, ExecSpec& spec) const {
  std::string filter = NetworkFilter(policy);
  absl::StatusOr<std::vector<std::string>> wrapped =
      WrapWith(policy, spec.argv, spec.cwd, /*seccomp_fd3=*/!filter.empty());
  if (!wrapped.ok()) return wrapped.status();
  spec.argv = *std::move(wrapped);
  if (!filter.empty()) spec.fd3_contents = std::move(filter);
  for (std::string& v : Environment(policy)) spec.env.push_back(std::move(v));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> Sandbox::WrapWith(const SandboxPolicy& policy,
                                                           const std::vector<std::string>& argv,
                                                           const std::string& cwd,
                                                           bool seccomp_fd3) const {
  if (cwd.empty() || cwd[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("the working directory is not absolute: ", cwd));
  }
  if (!policy.restricted()) return argv;
  if (!availability_.ok()) return availability_;
  // The whole file system read-only, a fresh /dev and /proc, then the writable roots bound
  // writable again, then their protected paths read-only on top (later mounts win).
  // No --die-with-parent: its parent-death signal follows the *thread* that forked, and a
  // process must outlive the turn worker that started it. No --new-session: the sandboxed
  // processes stay in the process group ExecProcess made, so one kill of that group ends them
  // all (signals reach into the PID namespace).
  std::vector<std::string> out = {bwrap_, "--ro-bind", "/", "/", "--dev", "/dev"};
  std::set<std::string> seen;
  std::vector<std::string> protect;
  for (const std::string& root : policy.writable_roots) {
    if (root.empty() || root[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat("a writable root is not absolute: ", root));
    }
    std::error_code ec;
    const fs::path canonical = fs::canonical(root, ec);
    if (ec || !fs::is_directory(canonical, ec)) continue;  // Codex skips roots that are not there
    if (!seen.insert(canonical.string()).second) continue;
    out.insert(out.end(), {"--bind", canonical.string(), canonical.string()});
    for (std::string& p : ProtectedPaths(canonical.string())) protect.push_back(std::move(p));
  }
  for (const std::string& p : protect) out.insert(out.end(), {"--ro-bind", p, p});
  out.insert(out.end(), {"--unshare-user", "--unshare-pid", "--proc", "/proc"});
  if (!policy.network_access) out.push_back("--unshare-net");
  // bwrap installs the filter last, right before it runs the command (its own set-up needs
  // netlink for the loopback of the new network namespace).
  if (seccomp_fd3) out.insert(out.end(), {"--seccomp", "3"});
  out.insert(out.end(), {"--chdir", cwd, "--"});
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> Sandbox::Environment(const SandboxPolicy& policy) {
  if (policy.restricted() && !policy.network_access) return {"CODEX_SANDBOX_NETWORK_DISABLED=1"};
  return {};
}

namespace {

// The filter's instructions, as bytes; built once (every sandboxed command without network
// gets the same).
std::string BuildNetworkFilter() {
#if defined(__x86_64__)
  constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  constexpr uint32_t kArch = AUDIT_ARCH_AARCH64;
#else
#error "the sandbox's network filter knows x86-64 and arm64 only"
#endif
  // Denied whatever their arguments (Codex's Restricted mode). getpeername and getsockname
  // stay allowed: they open nothing, and bash takes a refused getpeername on its stdin for a
  // network connection and runs the user's ~/.bashrc in every command.
  static constexpr int kDenied[] = {
      SYS_connect,    SYS_accept, SYS_accept4,        SYS_bind,           SYS_listen,
      SYS_shutdown,   SYS_sendto, SYS_sendmmsg,       SYS_recvmmsg,       SYS_getsockopt,
      SYS_setsockopt, SYS_ptrace, SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register};
  constexpr uint32_t kEperm = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
  std::vector<struct sock_filter> prog;
  auto stmt = [&prog](uint16_t code, uint32_t k) { prog.push_back(BPF_STMT(code, k)); };
  auto jump = [&prog](uint16_t code, uint32_t k, uint8_t yes, uint8_t no) {
    prog.push_back(BPF_JUMP(code, k, yes, no));
  };
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  jump(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
  // The x32 ABI's numbers (bit 30 set) are the same calls by other numbers: refused.
  jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
  stmt(BPF_RET | BPF_K, kEperm);
#endif
  for (int nr : kDenied) {
    jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 1);
    stmt(BPF_RET | BPF_K, kEperm);
  }
  // socket(domain, ...): AF_UNIX only (the low 32 bits of the first argument).
  jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3);
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
  jump(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 1, 0);
  stmt(BPF_RET | BPF_K, kEperm);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  return std::string(reinterpret_cast<const char*>(prog.data()),
                     prog.size() * sizeof(struct sock_filter));
}

}  // namespace

std::string Sandbox::NetworkFilter(const SandboxPolicy& policy) {
  if (!policy.restricted() || policy.network_access) return "";
  static const std::string* const kFilter = new std::string(BuildNetworkFilter());
  return *kFilter;
}

bool Sandbox::LikelyDenied(int exit_code, std::string_view output) {
  if (exit_code == 0) return false;
  static constexpr absl::string_view kDenialWords[] = {"operation not permitted",
                                                       "permission denied",
                                                       "read-only file system",
                                                       "seccomp",
                                                       "sandbox",
                                                       "landlock",
                                                       "failed to write file"};
  const std::string lower = absl::AsciiStrToLower(absl::string_view(output.data(), output.size()));
  for (absl::string_view word : kDenialWords) {
    if (absl::StrContains(lower, word)) return true;
  }
  // The shell's own failures: misuse, not executable, not found.
  if (exit_code == 2 || exit_code == 126 || exit_code == 127) return false;
  return exit_code == 128 + 31;  // SIGSYS: a system call the sandbox refused
}

}  // namespace threadlog::agent
