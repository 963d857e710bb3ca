// The context messages, tool specs and request body of a turn, in Codex 0.117.0's words.
#include "api/agent/prompt.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/session/dynamic_tools.h"

namespace threadlog::agent {

extern const char kContextTextsJson[];  // api/agent/context_texts.json (embedded_data.cc)
extern const char kToolSpecsJson[];     // api/agent/tool_specs.json (embedded_data.cc)

namespace {

using nlohmann::json;

// The captured texts, parsed once. Aborts if the compiled-in data is broken (the tests rule
// that out).
const json& Texts() {
  static const json* texts = [] {
    json parsed = json::parse(kContextTextsJson, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) {
      std::cerr << "threadlog: the bundled context texts are invalid" << std::endl;
      std::abort();
    }
    return new json(std::move(parsed));
  }();
  return *texts;
}

std::string Text(const char* key) { return Texts().value(key, ""); }

json InputText(std::string text) { return {{"type", "input_text"}, {"text", std::move(text)}}; }

// The mode's instructions as the model reads them: between the tags, with no newline.
std::string CollaborationModeText(const std::string& instructions) {
  return absl::StrCat(Text("collaboration_mode_open"), instructions,
                      Text("collaboration_mode_close"));
}

json Message(const char* role, json content) {
  return {{"type", "message"}, {"role", role}, {"content", std::move(content)}};
}

std::string SandboxSentence(const Permissions& p) {
  std::string what;
  if (p.sandbox_mode == "danger-full-access") {
    what =
        "`sandbox_mode` is `danger-full-access`: No filesystem sandboxing - all commands are "
        "permitted.";
  } else if (p.sandbox_mode == "workspace-write") {
    what =
        "`sandbox_mode` is `workspace-write`: The sandbox permits reading files, and editing "
        "files in `cwd` and `writable_roots`. Editing files in other directories requires "
        "approval.";
  } else {
    what = "`sandbox_mode` is `read-only`: The sandbox only permits reading files.";
  }
  return absl::StrCat("Filesystem sandboxing defines which files can be read or written. ", what,
                      " Network access is ", p.network_access ? "enabled" : "restricted", ".");
}

// The granular policy: which categories may still prompt and which are rejected, in Codex's
// order (request_permissions is never listed).
std::string GranularText(const json& granular) {
  std::vector<std::string> prompting;
  std::vector<std::string> rejected;
  for (const char* category : {"sandbox_approval", "rules", "skill_approval", "mcp_elicitations"}) {
    const bool allowed = granular.is_object() && granular.value(category, false);
    (allowed ? prompting : rejected).push_back(absl::StrCat("- `", category, "`"));
  }
  std::string text = Text("granular_header");
  if (!prompting.empty()) {
    absl::StrAppend(&text, Text("granular_prompting"), "\n", absl::StrJoin(prompting, "\n"));
  }
  if (!rejected.empty()) {
    absl::StrAppend(&text, Text("granular_rejected"), "\n", absl::StrJoin(rejected, "\n"));
  }
  return text;
}

std::string ApprovalText(const Permissions& p) {
  if (p.approval_policy.is_object() && p.approval_policy.contains("granular")) {
    return GranularText(p.approval_policy["granular"]);
  }
  const std::string policy =
      p.approval_policy.is_string() ? p.approval_policy.get<std::string>() : "on-request";
  if (policy == "never") return Text("approval_never");
  if (policy == "untrusted") return Text("approval_untrusted");
  if (policy == "on-failure") return Text("approval_on_failure");
  std::string text = Text("approval_on_request");
  if (p.approvals_reviewer == "guardian_subagent") text += Text("guardian_suffix");
  return text;
}

std::string ReadFile(const std::filesystem::path& path, bool* found) {
  std::error_code ec;
  *found = std::filesystem::is_regular_file(path, ec);
  if (!*found) return "";
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Blank(const std::string& text) { return absl::StripAsciiWhitespace(text).empty(); }

}  // namespace

std::string PermissionsText(const Permissions& permissions) {
  std::string text = absl::StrCat("<permissions instructions>\n", SandboxSentence(permissions),
                                  "\n", ApprovalText(permissions), "\n");
  if (permissions.sandbox_mode == "workspace-write" && !permissions.writable_roots.empty()) {
    std::vector<std::string> quoted;
    for (const std::string& root : permissions.writable_roots) {
      quoted.push_back(absl::StrCat("`", root, "`"));
    }
    absl::StrAppend(&text,
                    quoted.size() == 1 ? " The writable root is " : " The writable roots are ",
                    absl::StrJoin(quoted, ", "), ".\n");
  }
  return text + "</permissions instructions>";
}

std::optional<std::string> SkillsText(const std::vector<SkillEntry>& skills) {
  if (skills.empty()) return std::nullopt;
  std::string text = Text("skills_header");
  for (const SkillEntry& s : skills) {
    absl::StrAppend(&text, "- ", s.name, ": ", s.description, " (file: ", s.path, ")\n");
  }
  return text + Text("skills_footer");
}

std::string AgentsMdText(const std::string& cwd, const std::string& user_instructions) {
  return absl::StrCat("# AGENTS.md instructions for ", cwd, "\n\n<INSTRUCTIONS>\n",
                      user_instructions, "\n</INSTRUCTIONS>");
}

std::optional<std::string> UserInstructions(const std::string& codex_home, const std::string& cwd) {
  std::string global;
  if (!codex_home.empty()) {
    bool found = false;
    global = std::string(absl::StripAsciiWhitespace(
        ReadFile(std::filesystem::path(codex_home) / "AGENTS.md", &found)));
  }
  // The project's docs: from the git root (the nearest folder above cwd with a .git) down to
  // cwd; without a git root, cwd's alone.
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::path(cwd).lexically_normal();
  std::vector<std::filesystem::path> chain;
  bool in_repo = false;
  for (std::filesystem::path p = dir;; p = p.parent_path()) {
    chain.push_back(p);
    if (std::filesystem::exists(p / ".git", ec)) {
      in_repo = true;
      break;
    }
    if (p == p.parent_path()) break;
  }
  if (in_repo) {
    dirs.assign(chain.rbegin(), chain.rend());
  } else {
    dirs.push_back(dir);
  }
  std::vector<std::string> project;
  for (const std::filesystem::path& d : dirs) {
    bool found = false;
    std::string text = ReadFile(d / "AGENTS.md", &found);
    if (found && !Blank(text)) project.push_back(std::move(text));
  }
  std::string body;
  if (!global.empty()) body = global;
  if (!project.empty()) {
    if (!body.empty()) body += "\n\n--- project-doc ---\n\n";
    body += absl::StrJoin(project, "\n\n");
  }
  if (body.empty()) return std::nullopt;
  return body;
}

std::string EnvironmentContextText(const std::string& cwd, const std::string& shell,
                                   const std::string& current_date, const std::string& timezone) {
  return absl::StrCat("<environment_context>\n  <cwd>", cwd, "</cwd>\n  <shell>", shell,
                      "</shell>\n  <current_date>", current_date, "</current_date>\n  <timezone>",
                      timezone, "</timezone>\n</environment_context>");
}

std::vector<json> InitialContextMessages(const InitialContext& c) {
  json developer = json::array({InputText(PermissionsText(c.permissions))});
  if (c.developer_instructions && !c.developer_instructions->empty()) {
    developer.push_back(InputText(*c.developer_instructions));
  }
  if (c.collaboration_mode)
    developer.push_back(InputText(CollaborationModeText(*c.collaboration_mode)));
  if (std::optional<std::string> skills = SkillsText(c.skills)) {
    developer.push_back(InputText(*skills));
  }
  json user = json::array();
  if (c.agents_md) user.push_back(InputText(*c.agents_md));
  user.push_back(InputText(EnvironmentContextText(c.cwd, c.shell, c.current_date, c.timezone)));
  return {Message("developer", std::move(developer)), Message("user", std::move(user))};
}

std::vector<json> SettingsChangeMessages(const SettingsChange& change) {
  std::vector<json> out;
  json developer = json::array();
  if (change.new_model_instructions) {
    developer.push_back(InputText(absl::StrCat(
        Text("model_switch_open"), *change.new_model_instructions, Text("model_switch_close"))));
  }
  if (change.new_permissions)
    developer.push_back(InputText(PermissionsText(*change.new_permissions)));
  if (change.new_collaboration_mode) {
    developer.push_back(InputText(CollaborationModeText(*change.new_collaboration_mode)));
  }
  if (!change.new_model_instructions && change.new_personality_text &&
      !change.new_personality_text->empty()) {
    developer.push_back(InputText(absl::StrCat(
        Text("personality_open"), *change.new_personality_text, Text("personality_close"))));
  }
  if (!developer.empty()) out.push_back(Message("developer", std::move(developer)));
  if (change.new_environment) {
    out.push_back(Message("user", json::array({InputText(*change.new_environment)})));
  }
  return out;
}

std::string BuiltinCollaborationInstructions(const std::string& mode) {
  return Text(mode == "plan" ? "collaboration_mode_plan" : "collaboration_mode_default");
}

std::string UpdatePlanRefusedInPlanMode() { return Text("update_plan_in_plan_mode"); }

json CompactionRequestMessage() {
  return Message("user", json::array({InputText(Text("compact_prompt"))}));
}

json ModelRerouteWarningMessage() {
  return Message("user", json::array({InputText(Text("model_reroute_warning"))}));
}

std::string CompactedSummaryText(const std::string& summary) {
  return absl::StrCat(Text("summary_prefix"), "\n", summary);
}

std::string CurrentDate() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[16];
  std::strftime(text, sizeof(text), "%Y-%m-%d", &local);
  return text;
}

std::string LocalTimeZone() {
  std::error_code ec;
  const std::filesystem::path target = std::filesystem::read_symlink("/etc/localtime", ec);
  if (!ec) {
    const std::string s = target.string();
    if (size_t at = s.find("zoneinfo/"); at != std::string::npos) return s.substr(at + 9);
  }
  return "Etc/UTC";
}

std::string ShellName() { return "bash"; }

const json& ToolSpecs() {
  static const json* specs = [] {
    json parsed = json::parse(kToolSpecsJson, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) {
      std::cerr << "threadlog: the bundled tool specs are invalid" << std::endl;
      std::abort();
    }
    return new json(std::move(parsed));
  }();
  return *specs;
}

json ExecCommandToolSpec() { return ToolSpecs().at("exec_command"); }
json WriteStdinToolSpec() { return ToolSpecs().at("write_stdin"); }
json ApplyPatchToolSpec() { return ToolSpecs().at("apply_patch"); }
json ViewImageToolSpec() { return ToolSpecs().at("view_image"); }

json UpdatePlanToolSpec() {
  json step = {{"type", "object"},
               {"properties",
                {{"status",
                  {{"type", "string"}, {"description", "One of: pending, in_progress, completed"}}},
                 {"step", {{"type", "string"}}}}},
               {"required", {"step", "status"}},
               {"additionalProperties", false}};
  return {
      {"type", "function"},
      {"name", "update_plan"},
      {"description",
       "Updates the task plan.\nProvide an optional explanation and a list of plan items, "
       "each with a step and status.\nAt most one step can be in_progress at a time.\n"},
      {"strict", false},
      {"parameters",
       {{"type", "object"},
        {"properties",
         {{"explanation", {{"type", "string"}}},
          {"plan", {{"type", "array"}, {"items", step}, {"description", "The list of steps"}}}}},
        {"required", {"plan"}},
        {"additionalProperties", false}}}};
}

std::optional<json> DynamicToolSpec(const json& tool) {
  if (!tool.is_object() || !tool.contains("name")) return std::nullopt;
  absl::StatusOr<json> schema =
      api::session::ToolInputSchemaForModel(tool.value("inputSchema", json()));
  if (!schema.ok()) return std::nullopt;
  return json{{"type", "function"},
              {"name", tool["name"]},
              {"description", tool.value("description", "")},
              {"strict", false},
              {"parameters", *std::move(schema)}};
}

namespace {

// Items the Responses API does not take.
bool SentToModel(const json& item) { return item.value("type", "") != "ghost_snapshot"; }

// Codex cuts a tool's output as it records it into the history it sends: to 1.2 times the
// model's truncation policy, in tokens mode 4 bytes a token, keeping the first and last halves
// around "…N tokens truncated…" (N the tokens left out; EXEC_117.md §1, max_output_tokens
// 20000). The output as the tool made it stays in the log. Bytes-mode models are sent their
// outputs whole (their cut was not observed). nullopt when `item` is sent as it is.
std::optional<json> CutForHistory(const json& item, const ModelFamily& family) {
  if (family.truncation_mode != "tokens" || family.truncation_limit <= 0) return std::nullopt;
  const std::string type = item.value("type", "");
  if (type != "function_call_output" && type != "custom_tool_call_output") return std::nullopt;
  const auto it = item.find("output");
  if (it == item.end() || !it->is_string()) return std::nullopt;
  const std::string& text = it->get_ref<const std::string&>();
  const size_t budget = static_cast<size_t>(family.truncation_limit) * 4 * 6 / 5;
  if (text.size() <= budget) return std::nullopt;
  size_t head = budget / 2;
  while (head > 0 && (static_cast<unsigned char>(text[head]) & 0xC0) == 0x80) --head;
  size_t tail = text.size() - budget / 2;
  while (tail < text.size() && (static_cast<unsigned char>(text[tail]) & 0xC0) == 0x80) ++tail;
  const int64_t left_out =
      static_cast<int64_t>((text.size() + 3) / 4) - static_cast<int64_t>(budget / 4);
  json out = item;
  out["output"] =
      absl::StrCat(absl::string_view(text).substr(0, head), "\xE2\x80\xA6", left_out,
                   " tokens truncated\xE2\x80\xA6", absl::string_view(text).substr(tail));
  return out;
}

// Every field of the body but `input` (null there).
json BodyWithoutInput(const RequestSpec& spec) {
  json body = {{"model", spec.model},
               {"instructions", spec.instructions},
               {"input", nullptr},
               {"tools", spec.tools},
               {"tool_choice", "auto"},
               {"parallel_tool_calls", spec.parallel_tool_calls},
               {"store", false},
               {"stream", true},
               {"prompt_cache_key", spec.prompt_cache_key}};
  if (spec.family.supports_reasoning_summaries) {
    json reasoning = {
        {"effort", spec.reasoning_effort.value_or(spec.family.default_reasoning_effort)}};
    const std::string summary =
        spec.reasoning_summary.value_or(spec.family.default_reasoning_summary);
    if (summary != "none") reasoning["summary"] = summary;
    body["reasoning"] = std::move(reasoning);
    body["include"] = json::array({"reasoning.encrypted_content"});
  } else {
    body["reasoning"] = nullptr;
    body["include"] = json::array();
  }
  json text = json::object();
  if (spec.family.supports_verbosity && spec.family.default_verbosity) {
    text["verbosity"] = *spec.family.default_verbosity;
  }
  if (!spec.output_schema.is_null()) {
    text["format"] = {{"type", "json_schema"},
                      {"strict", true},
                      {"schema", spec.output_schema},
                      {"name", "codex_output_schema"}};
  }
  if (!text.empty()) body["text"] = std::move(text);
  return body;
}

}  // namespace

json BuildRequestBody(const RequestSpec& spec) {
  json body = BodyWithoutInput(spec);
  json input = json::array();
  for (const json& item : spec.input) {
    if (!SentToModel(item)) continue;
    std::optional<json> cut = CutForHistory(item, spec.family);
    input.push_back(cut ? *std::move(cut) : item);
  }
  body["input"] = std::move(input);
  return body;
}

std::string RequestBodyText(const RequestSpec& spec) {
  const json body = BodyWithoutInput(spec);
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : body.items()) {  // sorted keys, as dump() writes them
    if (!first) out += ',';
    first = false;
    out += json(key).dump();
    out += ':';
    if (key != "input") {
      out += value.dump();
      continue;
    }
    out += '[';
    bool first_item = true;
    for (const json& item : spec.input) {
      if (!SentToModel(item)) continue;
      if (!first_item) out += ',';
      first_item = false;
      const std::optional<json> cut = CutForHistory(item, spec.family);
      out += (cut ? *cut : item).dump();
    }
    out += ']';
  }
  out += '}';
  return out;
}

json NormalizeResponseItem(const json& item) {
  if (!item.is_object()) return item;
  const std::string type = item.value("type", "");
  auto copy = [&](json& out, std::initializer_list<const char*> keys) {
    for (const char* key : keys) {
      if (auto it = item.find(key); it != item.end()) out[key] = *it;
    }
  };
  json out = {{"type", type}};
  if (type == "message") {
    copy(out, {"role"});
    json content = json::array();
    for (const json& part : item.value("content", json::array())) {
      if (!part.is_object()) continue;
      json p = {{"type", part.value("type", "")}};
      for (const char* key : {"text", "image_url", "detail"}) {
        if (auto it = part.find(key); it != part.end() && !it->is_null()) p[key] = *it;
      }
      content.push_back(std::move(p));
    }
    out["content"] = std::move(content);
    for (const char* key : {"end_turn", "phase"}) {
      if (auto it = item.find(key); it != item.end() && !it->is_null()) out[key] = *it;
    }
  } else if (type == "reasoning") {
    json summary = json::array();
    for (const json& part : item.value("summary", json::array())) {
      if (part.is_object())
        summary.push_back({{"type", "summary_text"}, {"text", part.value("text", "")}});
    }
    out["summary"] = std::move(summary);
    out["content"] = item.value("content", json());
    out["encrypted_content"] = item.value("encrypted_content", json());
  } else if (type == "function_call") {
    copy(out, {"name", "namespace", "arguments", "call_id"});
  } else if (type == "custom_tool_call") {
    copy(out, {"status", "call_id", "name", "input"});
  } else if (type == "local_shell_call") {
    copy(out, {"call_id", "status", "action"});
  } else if (type == "web_search_call" || type == "image_generation_call") {
    out = item;
    out.erase("id");
  } else {
    out = item;
    out.erase("id");
  }
  return out;
}

}  // namespace threadlog::agent
