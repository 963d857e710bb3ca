// ModelHistoryBuilder: response items folded with compactions and rollbacks, Codex's way.
#include "projections/model_history.h"

#include <array>
#include <memory>

#include "absl/strings/str_cat.h"
#include "eventlog/json_parse.h"

namespace threadlog {
namespace {

using nlohmann::json;

// Openings of the user-role messages Codex injects itself; they are context, not a turn.
constexpr std::array<std::string_view, 8> kContextPrefixes = {"<environment_context>",
                                                              "# AGENTS.md instructions for",
                                                              "<user_instructions>",
                                                              "<turn_aborted>",
                                                              "<skill>",
                                                              "<user_shell_command>",
                                                              "<subagent_notification>",
                                                              "<permissions instructions>"};

std::string_view FirstText(const json& message) {
  auto content = message.find("content");
  if (content == message.end() || !content->is_array()) return {};
  for (const json& part : *content) {
    auto text = part.find("text");
    if (text != part.end() && text->is_string()) return text->get_ref<const std::string&>();
  }
  return {};
}

}  // namespace

bool IsUserTurnMessage(const json& item) {
  if (!item.is_object() || item.value("type", "") != "message" ||
      item.value("role", "") != "user") {
    return false;
  }
  const std::string_view text = FirstText(item);
  for (std::string_view prefix : kContextPrefixes) {
    if (text.starts_with(prefix)) return false;
  }
  return true;
}

absl::Status ModelHistoryBuilder::Add(EventKind kind, std::string_view type,
                                      std::string_view payload) {
  const bool relevant = kind == EventKind::kResponseItem || kind == EventKind::kCompacted ||
                        (kind == EventKind::kEventMsg && type == "thread_rolled_back");
  if (!relevant) return absl::OkStatus();
  absl::StatusOr<json> parsed = ParseJson(payload);
  if (!parsed.ok() || !parsed->is_object()) {
    return absl::DataLossError(absl::StrCat("a stored ",
                                            type.empty() ? std::string("event") : std::string(type),
                                            " is not a JSON object"));
  }
  if (kind == EventKind::kResponseItem) {
    items_.push_back(*std::move(parsed));
  } else if (kind == EventKind::kCompacted) {
    auto replacement = parsed->find("replacement_history");
    if (replacement != parsed->end() && replacement->is_array()) {
      items_ = replacement->get<std::vector<json>>();
    } else {
      // Codex's older rule: what the users wrote, then the summary as a user message.
      std::vector<json> kept;
      for (json& item : items_) {
        if (IsUserTurnMessage(item)) kept.push_back(std::move(item));
      }
      kept.push_back(
          {{"type", "message"},
           {"role", "user"},
           {"content", {{{"type", "input_text"}, {"text", parsed->value("message", "")}}}}});
      items_ = std::move(kept);
    }
  } else {
    int64_t turns = 0;
    if (auto n = parsed->find("num_turns"); n != parsed->end() && n->is_number_integer()) {
      turns = n->get<int64_t>();
    }
    size_t cut = items_.size();
    for (size_t i = items_.size(); i > 0 && turns > 0; --i) {
      if (IsUserTurnMessage(items_[i - 1])) {
        cut = i - 1;
        --turns;
      }
    }
    // Rolling back more turns than there are drops every turn, keeping the context before.
    items_.resize(cut);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<json>> ReadModelHistory(RolloutStore& store, const ThreadId& thread) {
  ModelHistoryBuilder builder;
  bool any = false;
  std::unique_ptr<EventIterator> it = store.ReadRollout(thread);
  for (; it->Valid(); it->Next()) {
    any = true;
    const EventView& e = it->event();
    if (absl::Status s = builder.Add(e.kind, e.type, e.payload); !s.ok()) return s;
  }
  if (!it->status().ok()) return it->status();
  if (!any)
    return absl::NotFoundError(absl::StrCat("thread ", thread.ToString(), " has no rollout"));
  return builder.items();
}

}  // namespace threadlog
