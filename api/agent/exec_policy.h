// ExecPolicyRules: the user's command rules — `prefix_rule(pattern=[...], decision="allow")`
// lines in $CODEX_HOME/rules/*.rules, as Codex 0.117.0 writes them when a client answers an
// approval with acceptWithExecpolicyAmendment — read at start, appended to, and consulted before
// a command would be asked about.
#ifndef THREADLOG_API_AGENT_EXEC_POLICY_H_
#define THREADLOG_API_AGENT_EXEC_POLICY_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace threadlog::agent {

// Thread-safe.
class ExecPolicyRules {
 public:
  // Reads every rules/*.rules file of `codex_home` ("" : no rules, and none can be added).
  // Lines that are not an allowing prefix_rule are kept in the files and ignored here (Codex's
  // rules language has more; threadlog reads the form it and Codex write).
  explicit ExecPolicyRules(std::string codex_home);

  // Whether some allow rule's pattern is a prefix of `command` (one simple command's words).
  bool Allows(const std::vector<std::string>& command) const;

  // Appends `prefix_rule(pattern=[...], decision="allow")` to rules/default.rules (made with its
  // folder when missing), durably, and allows the prefix from now on. Errors: the file's (the
  // rule is not in force then); kFailedPrecondition without a codex home; kInvalidArgument for
  // an empty prefix.
  absl::Status AddAllow(const std::vector<std::string>& prefix);

  // The rule line for `prefix`, as Codex writes it.
  static std::string RuleLine(const std::vector<std::string>& prefix);

 private:
  const std::string codex_home_;
  mutable absl::Mutex mu_;
  std::vector<std::vector<std::string>> allowed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_EXEC_POLICY_H_
