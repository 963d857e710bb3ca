// What a turn sends to the model, as Codex 0.117.0 builds it: the context messages (permissions,
// developer instructions and skills as a developer message; AGENTS.md and the environment as a
// user message; the updates when a turn changes the settings), the tool specs the engine offers,
// and the Responses API request body. The long texts are Codex's, kept as data
// (api/agent/context_texts.json, captured from the reference binary).
#ifndef THREADLOG_API_AGENT_PROMPT_H_
#define THREADLOG_API_AGENT_PROMPT_H_

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api/agent/model_family.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {

// What the permissions message describes.
struct Permissions {
  std::string sandbox_mode = "read-only";  // read-only | workspace-write | danger-full-access
  bool network_access = false;
  nlohmann::json approval_policy = "on-request";  // AskForApproval as the wire spells it
  std::string approvals_reviewer = "user";
  // workspace-write: the roots commands may write, in order (the policy's, then cwd, then /tmp
  // unless excluded).
  std::vector<std::string> writable_roots;

  bool operator==(const Permissions&) const = default;
};

// "<permissions instructions>\n" + the sandbox sentence + "\n" + the approval policy's text
// + "\n" + (workspace-write: " The writable roots are `a`, `b`." + "\n") +
// "</permissions instructions>", in Codex's words.
std::string PermissionsText(const Permissions& permissions);

// A skill the model is told about: its front matter's name and description, and its SKILL.md.
struct SkillEntry {
  std::string name;
  std::string description;
  std::string path;
};
// "<skills_instructions>...</skills_instructions>" listing `skills` in the order given; nullopt
// when there are none (Codex then leaves the part out).
std::optional<std::string> SkillsText(const std::vector<SkillEntry>& skills);

// The user instructions for a thread in `cwd`: $CODEX_HOME/AGENTS.md trimmed, then (after
// "\n\n--- project-doc ---\n\n" when both exist) every AGENTS.md from the git root down to cwd,
// byte for byte, joined by "\n\n" (a whitespace-only one left out) — what turn_context records
// as user_instructions. nullopt when there is none.
std::optional<std::string> UserInstructions(const std::string& codex_home, const std::string& cwd);
// UserInstructions wrapped as the model reads them:
// "# AGENTS.md instructions for <cwd>\n\n<INSTRUCTIONS>\n...\n</INSTRUCTIONS>".
std::string AgentsMdText(const std::string& cwd, const std::string& user_instructions);

// The thread's opening context: the developer message (permissions, developer instructions,
// skills — each its own part) and the user message (AGENTS.md, then the environment).
struct InitialContext {
  Permissions permissions;
  std::optional<std::string> developer_instructions;
  std::optional<std::string> collaboration_mode;  // the mode's instructions, when it has some
  std::vector<SkillEntry> skills;
  std::optional<std::string> agents_md;  // AgentsMdText
  std::string cwd;
  std::string shell;
  std::string current_date;
  std::string timezone;
};
std::vector<nlohmann::json> InitialContextMessages(const InitialContext& context);

// "<environment_context>" with cwd, shell, current_date (YYYY-MM-DD) and timezone (IANA name),
// each on its own indented line.
std::string EnvironmentContextText(const std::string& cwd, const std::string& shell,
                                   const std::string& current_date, const std::string& timezone);

// What a turn that changed the settings adds before its user message, as Codex does: a
// developer message with "<model_switch>" (the new model's instructions) and/or the new
// permissions text and/or "<personality_spec>" (only without a model switch; not for `none`),
// then a user message with the new environment when the cwd changed. Empty when nothing did.
struct SettingsChange {
  std::optional<std::string> new_model_instructions;  // the model changed
  std::optional<Permissions> new_permissions;         // approvals or sandbox changed
  std::optional<std::string> new_collaboration_mode;  // the mode changed: its instructions
  std::optional<std::string> new_personality_text;    // the personality changed
  std::optional<std::string> new_environment;         // EnvironmentContextText, cwd changed
};
std::vector<nlohmann::json> SettingsChangeMessages(const SettingsChange& change);

// The instructions Codex 0.117.0 gives a collaboration mode ("plan" or "default") that names
// none of its own.
std::string BuiltinCollaborationInstructions(const std::string& mode);
// What update_plan answers in plan mode (the call does nothing else).
std::string UpdatePlanRefusedInPlanMode();

// Compaction, as Codex 0.117.0 words it: the user message that asks the model for a handoff
// summary (appended to the history of a compaction request, which offers no tools), and the
// text that replaces the history with that summary (its prefix, a newline, the summary).
nlohmann::json CompactionRequestMessage();
std::string CompactedSummaryText(const std::string& summary);

// The user message Codex 0.117.0 adds to the history, once per turn, when the provider answers
// with another model than the one asked for (its OpenAI-Model header). Its wording is fixed:
// it names gpt-5.2 and gpt-5.3-codex whatever the two models are.
nlohmann::json ModelRerouteWarningMessage();

// The machine's local date, the IANA time zone /etc/localtime names ("Etc/UTC" when unknown),
// and the shell environment_context reports (Codex 0.117.0 says "bash" whatever $SHELL is).
std::string CurrentDate();
std::string LocalTimeZone();
std::string ShellName();

// The update_plan tool, as Codex 0.117.0 offers it.
nlohmann::json UpdatePlanToolSpec();
// Unified exec's tools (api/agent/tool_specs.json), for a model whose shell is unified_exec.
nlohmann::json ExecCommandToolSpec();
nlohmann::json WriteStdinToolSpec();
// The freeform apply_patch tool (api/agent/tool_specs.json).
nlohmann::json ApplyPatchToolSpec();
// view_image's, Codex's (tool_specs.json).
nlohmann::json ViewImageToolSpec();
// A dynamic tool (DynamicToolSpec from thread/start) as a function tool; its inputSchema is
// reduced as Codex reduces it (api/session/dynamic_tools.h). nullopt when that fails (thread/start
// refused such a tool already).
std::optional<nlohmann::json> DynamicToolSpec(const nlohmann::json& tool);

// One sampling request's parts.
struct RequestSpec {
  std::string model;
  std::string instructions;
  std::span<const nlohmann::json> input;  // not owned: the history, read while the body is made
  nlohmann::json tools = nlohmann::json::array();
  bool parallel_tool_calls = false;
  ModelFamily family;
  std::optional<std::string> reasoning_effort;   // unset: the model's default
  std::optional<std::string> reasoning_summary;  // unset: the model's default
  std::string prompt_cache_key;                  // the thread id
  nlohmann::json output_schema = nullptr;        // turn/start's outputSchema
};

// The ResponsesApiRequest: model, instructions, input, tools, tool_choice "auto",
// parallel_tool_calls, reasoning ({effort, summary} for a model with reasoning summaries —
// summary left out when it is "none" — else null), store false, stream true, include
// (["reasoning.encrypted_content"] with reasoning, else []), prompt_cache_key, and text
// ({verbosity} for a model that supports it, {format: json_schema codex_output_schema} for an
// output schema) only when set. Items the API does not take (ghost snapshots) are left out.
nlohmann::json BuildRequestBody(const RequestSpec& spec);
// The same body serialized (keys in the same order as BuildRequestBody(spec).dump()), without
// copying the history: what a turn sends on every request.
std::string RequestBodyText(const RequestSpec& spec);

// A response item as Codex keeps it in history and sends it back: only the fields its
// ResponseItem type has (no `id`, `status` or `annotations` from the provider).
nlohmann::json NormalizeResponseItem(const nlohmann::json& item);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_PROMPT_H_
