// UserShell: thread/shellCommand's command — run, told, and what it leaves for the log.
#include "api/agent/user_shell.h"

#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/agent/shell_command.h"
#include "api/agent/unified_exec.h"

namespace threadlog::agent {

using nlohmann::json;

namespace {

// Codex's words for a command the user's interrupt stopped.
constexpr char kAbortedOutput[] = "command aborted by user";

json Duration(absl::Duration d) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  return {{"secs", static_cast<uint64_t>(nanos / 1000000000)},
          {"nanos", static_cast<uint64_t>(nanos % 1000000000)}};
}

}  // namespace

json UserShellRecord(const std::string& command, int exit_code, absl::Duration took,
                     std::string_view output, int64_t max_output_tokens) {
  const std::string text = absl::StrCat(
      "<user_shell_command>\n<command>\n", command,
      "\n</command>\n<result>\nExit code: ", exit_code,
      "\nDuration: ", absl::StrFormat("%.4f", absl::ToDoubleSeconds(took)), " seconds\nOutput:\n",
      TruncateOutputTokens(output, max_output_tokens), "\n</result>\n</user_shell_command>");
  return {{"type", "message"},
          {"role", "user"},
          {"content", json::array({{{"type", "input_text"}, {"text", text}}})}};
}

absl::StatusOr<UserShellOutcome> RunUserShell(const UserShellCommand& c, const std::string& turn_id,
                                              TurnWriter& writer, CancelToken& cancel) {
  const std::vector<std::string> shown = {c.shell, "-lc", c.command};
  ExecSpec spec;
  spec.argv = {c.shell, c.env_is_login ? "-c" : "-lc", c.command};
  spec.cwd = c.cwd;
  spec.env = c.env;
  // The reader thread hands the output over as whole characters; it is told from there.
  struct Shared {
    absl::Mutex mu;
    std::vector<std::string> pending ABSL_GUARDED_BY(mu);
    std::optional<std::string> aggregated ABSL_GUARDED_BY(mu);
  };
  auto shared = std::make_shared<Shared>();
  ExecSession::Observer observer;
  observer.on_output = [shared](std::string_view text) {
    absl::MutexLock lock(&shared->mu);
    shared->pending.emplace_back(text);
  };
  observer.on_exit = [shared](const ExecExit&, const std::string& aggregated, absl::Duration) {
    absl::MutexLock lock(&shared->mu);
    shared->aggregated = aggregated;
  };
  ExecSessions sessions;  // this command's alone: killed with it at the latest
  absl::StatusOr<std::shared_ptr<ExecSession>> session = sessions.Start(spec, observer);
  if (!session.ok()) return session.status();

  const std::string item_id = NewItemId();
  const json actions = CommandActionsJson(ParseCommandActions(shown));
  json item = {{"type", "commandExecution"},  {"id", item_id},
               {"command", ShlexJoin(shown)}, {"cwd", c.cwd},
               {"processId", nullptr},        {"source", "userShell"},
               {"status", "inProgress"},      {"commandActions", actions},
               {"aggregatedOutput", nullptr}, {"exitCode", nullptr},
               {"durationMs", nullptr}};
  writer.Tell({Msg({{"type", "item_started"}, {"item", item}})});
  auto tell_output = [&] {
    std::vector<std::string> pending;
    {
      absl::MutexLock lock(&shared->mu);
      pending.swap(shared->pending);
    }
    for (std::string& text : pending) {
      writer.Tell({Msg({{"type", "exec_command_output_delta"},
                        {"call_id", item_id},
                        {"delta", std::move(text)}})});
    }
  };
  std::optional<ExecExit> exit;
  while (!exit && !cancel.cancelled()) {
    exit = (*session)->ReadUntil(absl::Now() + absl::Milliseconds(50), &cancel).exit;
    tell_output();
  }
  UserShellOutcome outcome;
  int code = 0;
  absl::Duration took;
  std::string output;
  if (!exit) {
    (*session)->Kill();
    // (Its output may stay open in a process that left the group: not waited for long.)
    (void)(*session)->WaitForExit(absl::Now() + absl::Seconds(5));
    outcome.aborted = true;
    code = -1;
    output = kAbortedOutput;
  } else {
    tell_output();
    code = exit->code;
    took = absl::Now() - (*session)->started();
    absl::MutexLock lock(&shared->mu);
    output = shared->aggregated.value_or("");
  }
  const char* status = code == 0 ? "completed" : "failed";
  item["status"] = status;
  item["exitCode"] = code;
  item["durationMs"] = absl::ToInt64Milliseconds(took);
  item["aggregatedOutput"] = output.empty() ? json(nullptr) : json(output);
  writer.Tell({Msg({{"type", "item_completed"}, {"item", item}})});
  outcome.record = Item(UserShellRecord(c.command, code, took, output, c.max_output_tokens));
  outcome.end = Msg({{"type", "exec_command_end"},
                     {"call_id", item_id},
                     {"turn_id", turn_id},
                     {"command", shown},
                     {"cwd", c.cwd},
                     {"parsed_cmd", ParsedCommandJson(actions)},
                     {"source", "user_shell"},
                     {"stdout", ""},
                     {"stderr", ""},
                     {"aggregated_output", output},
                     {"exit_code", code},
                     {"duration", Duration(took)},
                     {"formatted_output", ""},
                     {"status", status}});
  return outcome;
}

}  // namespace threadlog::agent
