// The thread-index fold and its JSON storage form.
#include "projections/thread_summary.h"

#include <cctype>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "eventlog/absl_compat.h"
#include "eventlog/persistence_policy.h"
#include "eventlog/timestamp.h"
#include "projections/internal/thread_items.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;

std::string StringField(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void ApplySessionMeta(SummaryState* state, const Json& meta) {
  ThreadSummary& s = state->summary;
  if (auto ts = ParseTimestampMs(StringField(meta, "timestamp")); ts.ok()) s.created_at_ms = *ts;
  s.cwd = StringField(meta, "cwd");
  s.originator = StringField(meta, "originator");
  s.cli_version = StringField(meta, "cli_version");
  s.model_provider = StringField(meta, "model_provider");
  // Codex reads a meta without a source as the default, "vscode".
  auto source = meta.find("source");
  s.source = source != meta.end() ? *source : Json("vscode");
  // A spawned sub-agent's nickname and role: the meta's own fields (agent_type is the older
  // name of agent_role) override those inside its thread_spawn source, as Codex 0.113.0 reports
  // them in both the source and agentNickname/agentRole; they mean nothing for other sources.
  if (auto sub = s.source.find("subagent"); s.source.is_object() && sub != s.source.end()) {
    if (auto spawn = sub->find("thread_spawn"); sub->is_object() && spawn != sub->end()) {
      if (spawn->is_object()) {
        if (auto nick = meta.find("agent_nickname"); nick != meta.end() && nick->is_string()) {
          (*spawn)["agent_nickname"] = *nick;
        }
        auto role = meta.find("agent_role");
        if (role == meta.end() || !role->is_string()) role = meta.find("agent_type");
        if (role != meta.end() && role->is_string()) (*spawn)["agent_role"] = *role;
      }
    }
  }
  if (auto git = meta.find("git"); git != meta.end() && git->is_object()) s.git = *git;
  if (auto parent = ThreadId::Parse(StringField(meta, "forked_from_id")); parent.ok()) {
    s.forked_from = *parent;
  }
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Codex 0.117.0's "contextual" user fragments: injected instructions and markers that are model
// context, not something the user typed. A fragment is one when, without surrounding
// whitespace, it starts with one of these openers and ends with its closer (ASCII case
// ignored), or when it is a hook prompt. (0.113.0 only looked at the opener and also counted
// <user_instructions> and <context_update>, which 0.117.0 shows as typed text.)
bool IsContextualText(std::string_view text) {
  static constexpr std::pair<std::string_view, std::string_view> kFragments[] = {
      {"# AGENTS.md instructions for ", "</INSTRUCTIONS>"},
      {"<environment_context>", "</environment_context>"},
      {"<skill>", "</skill>"},
      {"<user_shell_command>", "</user_shell_command>"},
      {"<turn_aborted>", "</turn_aborted>"},
      {"<subagent_notification>", "</subagent_notification>"},
  };
  const std::string_view trimmed = internal::TrimUnicode(text);
  for (const auto& [open, close] : kFragments) {
    if (trimmed.size() >= open.size() + close.size() &&
        EqualsIgnoringAsciiCase(trimmed.substr(0, open.size()), open) &&
        EqualsIgnoringAsciiCase(trimmed.substr(trimmed.size() - close.size()), close)) {
      return true;
    }
  }
  return internal::ParseHookPromptFragment(text).has_value();
}

// The texts Codex puts around each input_image of a user message: `<image>` (or, for a local
// image, `<image name=[Image #N]>`) just before it and `</image>` just after. They are not part
// of the text; the same texts elsewhere are (0.117.0 shows a lone "<image>" as typed).
bool IsImageOpenMarker(std::string_view text) {
  return text == "<image>" || (text.starts_with("<image name=") && text.ends_with(">"));
}

bool IsImagePart(const Json& content, size_t i) {
  return i < content.size() && content[i].is_object() &&
         StringField(content[i], "type") == "input_image";
}

bool IsImageMarker(const Json& content, size_t i, std::string_view text) {
  if (IsImageOpenMarker(text)) return IsImagePart(content, i + 1);
  return text == "</image>" && i > 0 && IsImagePart(content, i - 1);
}

// The preview text of a response_item user message, or nullopt when it is contextual or holds
// no text. Codex joins the text parts without a separator.
std::optional<std::string> UserMessagePreview(const Json& item) {
  if (StringField(item, "role") != "user") return std::nullopt;
  auto content = item.find("content");
  if (content == item.end() || !content->is_array()) return std::nullopt;
  std::string text;
  bool any_text = false;
  for (size_t i = 0; i < content->size(); ++i) {
    const Json& part = (*content)[i];
    if (!part.is_object() || StringField(part, "type") != "input_text") continue;
    std::string piece = StringField(part, "text");
    if (IsContextualText(piece)) return std::nullopt;
    if (IsImageMarker(*content, i, piece)) continue;
    text += piece;
    any_text = true;
  }
  if (!any_text) return std::nullopt;
  return text;
}

// thread/list's preview of a user_message text, as Codex 0.113.0 and 0.117.0 show it: what
// follows its "## My request for Codex:" marker when present, without surrounding whitespace
// (contextual text is not skipped there, nor is an empty message).
std::string ListPreview(std::string_view message) {
  constexpr std::string_view kMarker = "## My request for Codex:";
  if (size_t at = message.find(kMarker); at != std::string_view::npos) {
    message.remove_prefix(at + kMarker.size());
  }
  return std::string(absl::StripAsciiWhitespace(ToAbsl(message)));
}

}  // namespace

void FoldSummary(SummaryState* state, EventKind kind, std::string_view type,
                 std::string_view payload, int64_t timestamp_ms, uint64_t position) {
  ThreadSummary& s = state->summary;
  ++s.events;
  s.bytes += payload.size();
  if (IsRolloutKind(kind)) ++s.rollout_lines;
  if (s.events == 1 && s.created_at_ms == 0) s.created_at_ms = timestamp_ms;
  // Only what Codex would write to the rollout moves updatedAt (it is the file's mtime there):
  // archiving, naming from the index or configuring a thread does not.
  if (IsRolloutKind(kind) || s.updated_at_ms == 0) {
    s.updated_at_ms = std::max(s.updated_at_ms, timestamp_ms);
  }

  const bool interesting =
      (kind == EventKind::kSessionMeta && !state->meta_seen) ||
      (kind == EventKind::kResponseItem && type == "message" && !s.has_user_message) ||
      (kind == EventKind::kEventMsg && type == "user_message" && !s.list_preview) ||
      (kind == EventKind::kEventMsg &&
       (type == "thread_name_updated" || type == "task_started" || type == "turn_started" ||
        type == "task_complete" || type == "turn_complete" || type == "turn_aborted")) ||
      kind == EventKind::kThreadRenamed || kind == EventKind::kThreadArchived ||
      kind == EventKind::kThreadUnarchived || kind == EventKind::kThreadForked ||
      kind == EventKind::kThreadConfigured;
  if (kind == EventKind::kTurnContext) s.last_turn_context_position = position;
  if (kind == EventKind::kEventMsg &&
      !IsPersisted(PersistenceMode::kLimited, kind, type, payload) &&
      IsPersisted(PersistenceMode::kExtended, kind, type, payload)) {
    // Codex files do not record the mode; an event only Extended threads keep reveals it.
    s.mode = PersistenceMode::kExtended;
  }
  if (!interesting) return;
  Json json = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return;

  switch (kind) {
    case EventKind::kSessionMeta:
      state->meta_seen = true;
      ApplySessionMeta(state, json);
      return;
    case EventKind::kThreadRenamed:
      s.name = StringField(json, "name");
      state->name_position = position;
      return;
    case EventKind::kThreadArchived:
      s.archived = true;
      return;
    case EventKind::kThreadUnarchived:
      s.archived = false;
      return;
    case EventKind::kThreadForked:
      if (auto parent = ThreadId::Parse(StringField(json, "parent_thread_id")); parent.ok()) {
        s.forked_from = *parent;
      }
      return;
    case EventKind::kThreadConfigured:
      if (StringField(json, "persistence") == "extended") s.mode = PersistenceMode::kExtended;
      if (StringField(json, "persistence") == "limited") s.mode = PersistenceMode::kLimited;
      return;
    default:
      break;
  }
  if (kind == EventKind::kResponseItem) {
    // Codex's preview: the first user message of the model history that is not injected
    // context (it does not look at event_msg/user_message).
    if (std::optional<std::string> preview = UserMessagePreview(json)) {
      s.preview = *std::move(preview);
      s.has_user_message = true;
    }
  } else if (type == "user_message") {
    s.list_preview = ListPreview(StringField(json, "message"));
  } else if (type == "thread_name_updated") {
    if (auto name = json.find("thread_name"); name != json.end() && name->is_string()) {
      s.name = name->get<std::string>();
      state->name_position = position;
    }
  } else if (type == "task_started" || type == "turn_started") {
    s.last_status = LastStatus::kActive;
  } else {
    s.last_status = LastStatus::kIdle;
  }
}

std::string_view PersistenceModeName(PersistenceMode mode) {
  return mode == PersistenceMode::kExtended ? "extended" : "limited";
}

std::string SummaryStateToJson(const SummaryState& state) {
  const ThreadSummary& s = state.summary;
  Json json = {
      {"id", s.id.ToString()},
      {"forked_from", s.forked_from ? Json(s.forked_from->ToString()) : Json(nullptr)},
      {"preview", s.preview},
      {"has_user_message", s.has_user_message},
      {"list_preview", s.list_preview ? Json(*s.list_preview) : Json(nullptr)},
      {"name", s.name ? Json(*s.name) : Json(nullptr)},
      {"created_at_ms", s.created_at_ms},
      {"updated_at_ms", s.updated_at_ms},
      {"model_provider", s.model_provider},
      {"source", s.source},
      {"cwd", s.cwd},
      {"cli_version", s.cli_version},
      {"originator", s.originator},
      {"git", s.git},
      {"archived", s.archived},
      {"mode", PersistenceModeName(s.mode)},
      {"events", s.events},
      {"bytes", s.bytes},
      {"rollout_lines", s.rollout_lines},
      {"turns", s.turns},
      {"last_turn_context_position", s.last_turn_context_position},
      {"last_status", static_cast<int>(s.last_status)},
      {"meta_seen", state.meta_seen},
      {"name_position", state.name_position},
  };
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<SummaryState> SummaryStateFromJson(std::string_view text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return absl::DataLossError("a stored thread summary is not JSON");
  try {
    SummaryState state;
    ThreadSummary& s = state.summary;
    absl::StatusOr<ThreadId> id = ThreadId::Parse(json.at("id").get<std::string>());
    if (!id.ok()) return absl::DataLossError("a stored thread summary has a bad id");
    s.id = *id;
    if (json.at("forked_from").is_string()) {
      if (auto parent = ThreadId::Parse(json["forked_from"].get<std::string>()); parent.ok()) {
        s.forked_from = *parent;
      }
    }
    s.preview = json.at("preview").get<std::string>();
    s.has_user_message = json.at("has_user_message").get<bool>();
    if (json.at("list_preview").is_string())
      s.list_preview = json["list_preview"].get<std::string>();
    if (json.at("name").is_string()) s.name = json["name"].get<std::string>();
    s.created_at_ms = json.at("created_at_ms").get<int64_t>();
    s.updated_at_ms = json.at("updated_at_ms").get<int64_t>();
    s.model_provider = json.at("model_provider").get<std::string>();
    s.source = json.at("source");
    s.cwd = json.at("cwd").get<std::string>();
    s.cli_version = json.at("cli_version").get<std::string>();
    s.originator = json.at("originator").get<std::string>();
    s.git = json.at("git");
    s.archived = json.at("archived").get<bool>();
    s.mode = json.at("mode") == "extended" ? PersistenceMode::kExtended : PersistenceMode::kLimited;
    s.events = json.at("events").get<uint64_t>();
    s.bytes = json.at("bytes").get<uint64_t>();
    s.rollout_lines = json.at("rollout_lines").get<uint64_t>();
    s.turns = json.at("turns").get<uint64_t>();
    s.last_turn_context_position = json.at("last_turn_context_position").get<uint64_t>();
    s.last_status = static_cast<LastStatus>(json.at("last_status").get<int>());
    state.meta_seen = json.at("meta_seen").get<bool>();
    state.name_position = json.at("name_position").get<uint64_t>();
    return state;
  } catch (const Json::exception& e) {
    return absl::DataLossError(absl::StrCat("a stored thread summary is malformed: ", e.what()));
  }
}

std::string SourceKindOf(const Json& source) {
  if (source.is_string()) {
    const std::string& s = source.get_ref<const std::string&>();
    if (s == "cli" || s == "vscode" || s == "exec") return s;
    if (s == "mcp" || s == "appServer" || s == "app_server") return "appServer";
    return "unknown";
  }
  if (source.is_object()) {
    auto sub = source.find("subagent");
    if (sub == source.end()) sub = source.find("subAgent");
    if (sub == source.end()) return "unknown";
    if (*sub == "review") return "subAgentReview";
    if (*sub == "compact") return "subAgentCompact";
    if (sub->is_object() && (sub->contains("thread_spawn") || sub->contains("threadSpawn"))) {
      return "subAgentThreadSpawn";
    }
    return "subAgentOther";
  }
  return "unknown";
}

}  // namespace threadlog
