// Sandbox: what a command the agent runs may touch — read-only, workspace-write (its writable
// roots, with .git and .codex inside them kept read-only) or danger-full-access — enforced with
// bubblewrap (Debian's `bwrap`) in new user, mount, PID and (unless the policy allows it)
// network namespaces, as Codex 0.117.0 does on Linux.
#ifndef THREADLOG_API_AGENT_SANDBOX_H_
#define THREADLOG_API_AGENT_SANDBOX_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/agent/exec_process.h"

namespace threadlog::agent {

// A plain value.
struct SandboxPolicy {
  enum class Kind { kReadOnly, kWorkspaceWrite, kDangerFullAccess };
  Kind kind = Kind::kReadOnly;
  // workspace-write: where writes are allowed (absolute; the turn's cwd and /tmp included by
  // whoever builds the policy). Roots that do not exist are left out.
  std::vector<std::string> writable_roots;
  bool network_access = false;  // read-only and workspace-write: may commands reach the network

  // "read-only" | "workspace-write" | "danger-full-access" (the thread's sandbox mode).
  static SandboxPolicy Of(const std::string& mode, std::vector<std::string> writable_roots,
                          bool network_access);
  bool restricted() const { return kind != Kind::kDangerFullAccess; }
};

// Thread-safe (immutable once made).
class Sandbox {
 public:
  // `bwrap`: the bubblewrap binary's absolute path. Probes it once (a sandboxed `true`); a
  // sandbox that cannot run keeps the reason, and every restricted command is refused with it.
  static Sandbox Probe(const std::string& bwrap = "/usr/bin/bwrap");

  // Why restricted commands cannot run here (bwrap missing, user namespaces unavailable), or OK.
  const absl::Status& availability() const { return availability_; }

  // The argv that runs `argv` in `cwd` under `policy`: `argv` itself for danger-full-access,
  // else bwrap's command line around it. Errors: availability() for a restricted policy on a
  // machine that cannot sandbox; kInvalidArgument for a relative cwd or root.
  absl::StatusOr<std::vector<std::string>> Wrap(const SandboxPolicy& policy,
                                                const std::vector<std::string>& argv,
                                                const std::string& cwd) const;

  // Makes `spec` (its argv, cwd and environment set) run under `policy`: its argv wrapped as
  // Wrap does, the network filter given to bubblewrap (`--seccomp 3`, spec.fd3_contents) when
  // the network is off, and Environment's variables added. Errors: Wrap's.
  absl::Status Apply(const SandboxPolicy& policy, ExecSpec& spec) const;

  // The variables Codex adds for a sandboxed command (CODEX_SANDBOX_NETWORK_DISABLED=1 when the
  // network is off), as NAME=value.
  static std::vector<std::string> Environment(const SandboxPolicy& policy);

  // The seccomp program (bwrap's --seccomp, see Apply) a restricted command without network
  // runs under, beside the network namespace, as Codex's on Linux: connect, accept, accept4,
  // bind, listen, shutdown, sendto, sendmmsg, recvmmsg, getsockopt, setsockopt, ptrace and
  // io_uring fail with EPERM, and socket for any family but AF_UNIX; a system call of another
  // architecture kills the process. Empty when the network is allowed.
  static std::string NetworkFilter(const SandboxPolicy& policy);

  // Whether a sandboxed command that ended with `exit_code` and printed `output` most likely
  // failed because of the sandbox, by Codex 0.117.0's rule of thumb (there is no sure way):
  // never for exit 0; yes when the output mentions a denial ("operation not permitted",
  // "permission denied", "read-only file system", "seccomp", "sandbox", "landlock", "failed to
  // write file", in any case); else no for the shell's own failures (2, 126, 127); else yes only
  // for a process killed by SIGSYS (128 + 31).
  static bool LikelyDenied(int exit_code, std::string_view output);

 private:
  absl::StatusOr<std::vector<std::string>> WrapWith(const SandboxPolicy& policy,
                                                    const std::vector<std::string>& argv,
                                                    const std::string& cwd, bool seccomp_fd3) const;
  Sandbox(std::string bwrap, absl::Status availability)
      : bwrap_(std::move(bwrap)), availability_(std::move(availability)) {}
  std::string bwrap_;
  absl::Status availability_;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_SANDBOX_H_
