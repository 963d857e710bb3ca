// The thread-history fold: turn boundaries, item numbering and routing (Codex 0.117.0's
// thread_history.rs).
#include "projections/turn_builder.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "projections/internal/thread_items.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;
using internal::BadPayload;
using internal::ReqString;

// Event types thread history reads; every other event_msg is skipped without parsing it
// (token_count alone is a third of a typical rollout). Sorted for binary_search.
constexpr std::array<std::string_view, 40> kHandledEvents = {
    "agent_message",
    "agent_reasoning",
    "agent_reasoning_raw_content",
    "apply_patch_approval_request",
    "collab_agent_interaction_begin",
    "collab_agent_interaction_end",
    "collab_agent_spawn_begin",
    "collab_agent_spawn_end",
    "collab_close_begin",
    "collab_close_end",
    "collab_resume_begin",
    "collab_resume_end",
    "collab_waiting_begin",
    "collab_waiting_end",
    "context_compacted",
    "dynamic_tool_call_request",
    "dynamic_tool_call_response",
    "entered_review_mode",
    "error",
    "exec_command_begin",
    "exec_command_end",
    "exited_review_mode",
    "image_generation_begin",
    "image_generation_end",
    "item_completed",
    "item_started",
    "mcp_tool_call_begin",
    "mcp_tool_call_end",
    "patch_apply_begin",
    "patch_apply_end",
    "task_complete",
    "task_started",
    "thread_rolled_back",
    "turn_aborted",
    "turn_complete",
    "turn_started",
    "user_message",
    "view_image_tool_call",
    "web_search_begin",
    "web_search_end",
};

bool IsHandled(std::string_view type) {
  return std::binary_search(kHandledEvents.begin(), kHandledEvents.end(), type);
}

Json NewTurn(std::string id, const char* status) {
  return {{"id", std::move(id)}, {"items", Json::array()}, {"status", status}, {"error", nullptr}};
}

// Replaces the item with the same id in place, else appends (Codex upsert_turn_item).
void UpsertItem(Json& turn, Json item) {
  for (Json& existing : turn["items"]) {
    if (existing["id"] == item["id"]) {
      existing = std::move(item);
      return;
    }
  }
  turn["items"].push_back(std::move(item));
}

// task_complete upgrades inProgress (and keeps completed); failed and interrupted stay.
void MarkCompleted(Json& turn) {
  if (turn["status"] == "inProgress") turn["status"] = "completed";
}

// Codex gives turns that no task_started named a fresh random UUIDv7. A fold must be
// deterministic, so instead: an RFC 9562 version-8 UUID whose first 8 bytes are the thread
// id's (its creation time, so ids still sort by thread) and whose last 8 bytes are the
// 1-based position of the event that opened the turn. Unique within a thread, stable across
// rebuilds and across export/import of the rollout.
//
// `kind` tells apart ids made from the same event: 0 for a turn (the form stored since state
// version 1), 1 for a hook prompt item. It sits in the two bits after the variant, which a
// position below 2^60 never uses.
std::string SyntheticId(std::string_view thread_id, uint64_t position, uint8_t kind) {
  std::array<uint8_t, 16> bytes{};
  std::vector<uint8_t> nibbles;
  for (char c : thread_id) {
    if (c >= '0' && c <= '9') nibbles.push_back(c - '0');
    if (c >= 'a' && c <= 'f') nibbles.push_back(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') nibbles.push_back(c - 'A' + 10);
  }
  if (nibbles.size() == 32) {
    for (size_t i = 0; i < 8; ++i) bytes[i] = (nibbles[2 * i] << 4) | nibbles[2 * i + 1];
  } else {  // not a UUID: FNV-1a of the text keeps ids distinct per thread anyway
    uint64_t h = 0xcbf29ce484222325ull;
    for (char c : thread_id) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
    for (size_t i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(h >> (56 - 8 * i));
  }
  for (size_t i = 0; i < 8; ++i) bytes[8 + i] = static_cast<uint8_t>(position >> (56 - 8 * i));
  bytes[6] = (bytes[6] & 0x0f) | 0x80;                                            // version 8
  bytes[8] = (bytes[8] & 0x0f) | static_cast<uint8_t>((kind & 0x3) << 4) | 0x80;  // variant 10
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

std::string LegacyTurnId(std::string_view thread_id, uint64_t position) {
  return SyntheticId(thread_id, position, 0);
}

}  // namespace

// Applies one parsed event to a builder. Each handler converts the payload first (which may
// throw) and only then mutates, so a rejected event leaves the turns untouched.
class TurnBuilder::Applier {
 public:
  explicit Applier(TurnBuilder& b) : b_(b) {}

  void ResponseItem(const Json& payload) { HookPrompt(payload); }

  void Compacted(const Json& payload) {
    ReqString(payload, "message");
    EnsureOpen();
    b_.open_compaction_ = true;
  }

  void Event(std::string_view type, const Json& p) {
    if (type == "task_started" || type == "turn_started") {
      std::string id = ReqString(p, "turn_id");
      FinishOpen();
      Open(std::move(id), "inProgress", /*explicitly=*/true);
    } else if (type == "task_complete" || type == "turn_complete") {
      TurnComplete(ReqString(p, "turn_id"));
    } else if (type == "turn_aborted") {
      TurnAborted(p);
    } else if (type == "error") {
      std::optional<Json> error = internal::TurnErrorOf(p);
      if (error && !b_.open_.is_null()) {
        b_.open_["status"] = "failed";
        b_.open_["error"] = std::move(*error);
      }
    } else if (type == "thread_rolled_back") {
      Rollback(p);
    } else if (type == "user_message") {
      UserMessage(p);
    } else if (type == "agent_message") {
      AgentMessage(p);
    } else if (type == "agent_reasoning") {
      Reasoning(ReqString(p, "text"), "summary");
    } else if (type == "agent_reasoning_raw_content") {
      Reasoning(ReqString(p, "text"), "content");
    } else if (type == "context_compacted") {
      PushNumbered({{"type", "contextCompaction"}});
    } else if (type == "entered_review_mode") {
      PushNumbered({{"type", "enteredReviewMode"}, {"review", internal::EnteredReviewText(p)}});
    } else if (type == "exited_review_mode") {
      PushNumbered({{"type", "exitedReviewMode"}, {"review", internal::ExitedReviewText(p)}});
    } else if (type == "exec_command_begin" || type == "exec_command_end") {
      // Routed by turn id even when that turn is finished: a PTY may exit after the next turn
      // started, and replay must keep the command in the turn that ran it.
      Json item = internal::CommandExecutionItem(p, type == "exec_command_end");
      UpsertInTurn(ReqString(p, "turn_id"), std::move(item));
    } else if (type == "patch_apply_begin" || type == "apply_patch_approval_request" ||
               type == "patch_apply_end") {
      Json item = internal::FileChangeItem(p, type == "patch_apply_end");
      UpsertInTurnOrOpen(internal::TurnIdOf(p), std::move(item));
    } else if (type == "dynamic_tool_call_request") {
      Json item = internal::DynamicToolCallItem(p, /*response=*/false);
      UpsertInTurnOrOpen(internal::TurnIdOf(p, "turnId"), std::move(item));
    } else if (type == "dynamic_tool_call_response") {
      Json item = internal::DynamicToolCallItem(p, /*response=*/true);
      UpsertInTurnOrOpen(internal::TurnIdOf(p), std::move(item));
    } else if (type == "item_started" || type == "item_completed") {
      if (auto plan = internal::PlanItemOf(p)) UpsertInTurn(plan->first, std::move(plan->second));
    } else if (type == "mcp_tool_call_begin" || type == "mcp_tool_call_end") {
      UpsertInOpen(internal::McpToolCallItem(p, type == "mcp_tool_call_end"));
    } else if (type == "web_search_begin" || type == "web_search_end") {
      UpsertInOpen(internal::WebSearchItem(p, type == "web_search_end"));
    } else if (type == "view_image_tool_call") {
      UpsertInOpen(internal::ImageViewItem(p));
    } else if (type == "image_generation_begin" || type == "image_generation_end") {
      UpsertInOpen(internal::ImageGenerationItem(p, type == "image_generation_end"));
    } else if (std::optional<Json> item = internal::CollabItem(type, p)) {
      UpsertInOpen(std::move(*item));
    }
  }

 private:
  void UserMessage(const Json& p) {
    Json content = internal::UserInputs(p);
    // Legacy files have no task_started: each user message then starts its own turn. An empty
    // turn that only saw a compaction is reused rather than closed.
    if (!b_.open_.is_null() && !b_.open_explicit_ &&
        !(b_.open_compaction_ && b_.open_["items"].empty())) {
      FinishOpen();
    }
    if (b_.open_.is_null()) Open(LegacyTurnId(b_.thread_id_, b_.position_), "completed", false);
    b_.open_["items"].push_back(
        {{"type", "userMessage"}, {"id", NextItemId()}, {"content", std::move(content)}});
  }

  void AgentMessage(const Json& p) {
    if (std::optional<Json> item = internal::AgentMessageItem(p)) PushNumbered(std::move(*item));
  }

  // A user message of the model history made only of <hook_prompt> fragments is shown as a
  // hookPrompt item in the open turn (opened if need be), under the message's own id. Codex
  // makes up a random UUIDv4 for one without an id; ours is derived from the event position.
  void HookPrompt(const Json& message) {
    std::optional<Json> fragments = internal::HookPromptFragments(message);
    if (!fragments) return;
    const Json id = message.value("id", Json());
    Json item = {{"type", "hookPrompt"},
                 {"id", id.is_string() ? id.get<std::string>()
                                       : SyntheticId(b_.thread_id_, b_.position_, 1)},
                 {"fragments", std::move(*fragments)}};
    EnsureOpen()["items"].push_back(std::move(item));
  }

  // agent_reasoning texts go to `summary`, raw content to `content`; consecutive ones merge
  // into the last item while it is a Reasoning item.
  void Reasoning(std::string text, const char* field) {
    if (text.empty()) return;
    Json& turn = EnsureOpen();
    Json& items = turn["items"];
    if (!items.empty() && items.back()["type"] == "reasoning") {
      items.back()[field].push_back(std::move(text));
      return;
    }
    Json item = {{"type", "reasoning"},
                 {"id", NextItemId()},
                 {"summary", Json::array()},
                 {"content", Json::array()}};
    item[field].push_back(std::move(text));
    items.push_back(std::move(item));
  }

  void TurnComplete(const std::string& id) {
    if (!b_.open_.is_null() && b_.open_["id"] == id) {
      MarkCompleted(b_.open_);
      FinishOpen();
    } else if (Json* turn = FindFinished(id)) {
      MarkCompleted(*turn);
    } else if (!b_.open_.is_null()) {
      MarkCompleted(b_.open_);
      FinishOpen();
    }
  }

  // An aborted turn stays listed, as interrupted; it is not closed here: the next
  // task_started or user message closes it.
  void TurnAborted(const Json& p) {
    // TurnAbortReason as 0.117.0 reads it (unchanged since 0.113.0); newer reasons
    // (budget_limited) make Codex skip the line.
    const std::string reason = ReqString(p, "reason");
    if (reason != "interrupted" && reason != "replaced" && reason != "review_ended") {
      throw BadPayload("unknown turn_aborted reason " + reason);
    }
    const std::string id = internal::TurnIdOf(p);
    if (p.contains("turn_id") && !p.at("turn_id").is_null()) {
      if (!b_.open_.is_null() && b_.open_["id"] == id) {
        b_.open_["status"] = "interrupted";
        return;
      }
      if (Json* turn = FindFinished(id)) {
        (*turn)["status"] = "interrupted";
        return;
      }
    }
    if (!b_.open_.is_null()) b_.open_["status"] = "interrupted";
  }

  void Rollback(const Json& p) {
    const Json& n_json = p.at("num_turns");
    if (!n_json.is_number_unsigned() || n_json.get<uint64_t>() > 0xffffffffull) {
      throw BadPayload("num_turns must be a u32");
    }
    const size_t n = n_json.get<uint64_t>();
    FinishOpen();
    b_.turns_.resize(n >= b_.turns_.size() ? 0 : b_.turns_.size() - n);
    b_.first_changed_ = std::min(b_.first_changed_, b_.turns_.size());
    // Numbering resumes after the items that remain, so ids can be reused after a rollback.
    size_t items = 0;
    for (const Json& turn : b_.turns_) items += turn["items"].size();
    b_.next_item_index_ = static_cast<int64_t>(items) + 1;
  }

  void Open(std::string id, const char* status, bool explicitly) {
    b_.open_ = NewTurn(std::move(id), status);
    b_.open_explicit_ = explicitly;
    b_.open_compaction_ = false;
  }

  // A turn with no items that neither task_started opened nor a compaction touched is dropped.
  void FinishOpen() {
    if (b_.open_.is_null()) return;
    if (!b_.open_["items"].empty() || b_.open_explicit_ || b_.open_compaction_) {
      b_.first_changed_ = std::min(b_.first_changed_, b_.turns_.size());
      b_.turns_.push_back(std::move(b_.open_));
    }
    b_.open_ = nullptr;
    b_.open_explicit_ = b_.open_compaction_ = false;
  }

  Json& EnsureOpen() {
    if (b_.open_.is_null()) Open(LegacyTurnId(b_.thread_id_, b_.position_), "completed", false);
    return b_.open_;
  }

  // The first finished turn with this id (Codex searches oldest first), noted as changed.
  Json* FindFinished(const std::string& id) {
    for (size_t i = 0; i < b_.turns_.size(); ++i) {
      if (b_.turns_[i]["id"] == id) {
        b_.first_changed_ = std::min(b_.first_changed_, i);
        return &b_.turns_[i];
      }
    }
    return nullptr;
  }

  // Into the open turn when it has this id, else the first finished one; else the item is
  // dropped, as Codex drops items for unknown turns.
  void UpsertInTurn(const std::string& turn_id, Json item) {
    if (!b_.open_.is_null() && b_.open_["id"] == turn_id) {
      UpsertItem(b_.open_, std::move(item));
    } else if (Json* turn = FindFinished(turn_id)) {
      UpsertItem(*turn, std::move(item));
    }
  }

  // Takes the finished item, so EnsureOpen() cannot run before a conversion that throws.
  void UpsertInOpen(Json item) { UpsertItem(EnsureOpen(), std::move(item)); }

  void UpsertInTurnOrOpen(const std::string& turn_id, Json item) {
    if (turn_id.empty()) {
      UpsertInOpen(std::move(item));
    } else {
      UpsertInTurn(turn_id, std::move(item));
    }
  }

  // Appends `item` to the open turn under the next synthesized `item-N` id.
  void PushNumbered(Json item) {
    item["id"] = NextItemId();
    EnsureOpen()["items"].push_back(std::move(item));
  }

  std::string NextItemId() { return absl::StrCat("item-", b_.next_item_index_++); }

  TurnBuilder& b_;
};

TurnBuilder::TurnBuilder(std::string_view thread_id) : open_(nullptr), thread_id_(thread_id) {}

absl::Status TurnBuilder::Apply(EventKind kind, std::string_view type,
                                std::string_view payload_json) {
  if (!IsRolloutKind(kind)) return absl::OkStatus();  // lifecycle events carry no history
  ++position_;
  // Of the model history only hook prompts (user messages holding <hook_prompt hook_run_id=…>
  // fragments) are shown; every such text names the attribute literally, so other
  // response_items are skipped unparsed. turn_context carries no history.
  if (kind == EventKind::kTurnContext) return absl::OkStatus();
  if (kind == EventKind::kResponseItem &&
      (type != "message" || payload_json.find("hook_run_id") == std::string_view::npos)) {
    return absl::OkStatus();
  }
  if (kind == EventKind::kEventMsg && !IsHandled(type)) return absl::OkStatus();
  if (kind == EventKind::kSessionMeta && !thread_id_.empty()) return absl::OkStatus();

  Json payload = Json::parse(payload_json, nullptr, /*allow_exceptions=*/false);
  if (payload.is_discarded() || !payload.is_object()) {
    // Neither changes the turns when Codex cannot read it.
    if (kind == EventKind::kSessionMeta || kind == EventKind::kResponseItem) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat(std::string(EventKindName(kind)), " ",
                                                   std::string(type),
                                                   ": payload is not a JSON object"));
  }
  if (kind == EventKind::kSessionMeta) {
    if (auto it = payload.find("id"); it != payload.end() && it->is_string()) {
      thread_id_ = it->get<std::string>();
    }
    return absl::OkStatus();
  }
  try {
    Applier applier(*this);
    if (kind == EventKind::kCompacted) {
      applier.Compacted(payload);
    } else if (kind == EventKind::kResponseItem) {
      applier.ResponseItem(payload);
    } else {
      applier.Event(type, payload);
    }
  } catch (const BadPayload& e) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(type), ": ", e.what()));
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(type), ": ", e.what()));
  }
  return absl::OkStatus();
}

std::optional<Json> TurnBuilder::OpenTurn() const {
  if (open_.is_null()) return std::nullopt;
  return open_;
}

Json TurnBuilder::Turns() const {
  Json out = Json::array();
  for (const Json& turn : turns_) out.push_back(turn);
  if (!open_.is_null() && (!open_["items"].empty() || open_explicit_ || open_compaction_)) {
    out.push_back(open_);
  }
  return out;
}

nlohmann::json TurnBuilder::StateJson(bool with_finished_turns) const {
  Json state = {{"version", kStateVersion},
                {"thread_id", thread_id_},
                {"position", position_},
                {"next_item_index", next_item_index_},
                {"turns", with_finished_turns ? Json(turns_) : Json::array()},
                {"open", nullptr}};
  if (!with_finished_turns) state["finished_turns"] = turns_.size();
  if (!open_.is_null()) {
    state["open"] = {
        {"turn", open_}, {"explicit", open_explicit_}, {"compaction", open_compaction_}};
  }
  return state;
}

std::string TurnBuilder::Serialize() const {
  // nlohmann objects keep keys sorted, so equal states always dump to equal bytes.
  return StateJson(/*with_finished_turns=*/true)
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string TurnBuilder::SerializeCheckpoint() const {
  return StateJson(/*with_finished_turns=*/false)
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<TurnBuilder> TurnBuilder::RestoreCheckpoint(std::string_view checkpoint,
                                                           std::vector<Json> finished_turns) {
  Json state = Json::parse(checkpoint, nullptr, /*allow_exceptions=*/false);
  if (!state.is_object() || !state.contains("finished_turns") ||
      !state["finished_turns"].is_number_unsigned()) {
    return absl::InvalidArgumentError("turn checkpoint: not a checkpoint");
  }
  if (state["finished_turns"].get<size_t>() != finished_turns.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("turn checkpoint: records ", state["finished_turns"].get<size_t>(),
                     " finished turns, ", finished_turns.size(), " were given"));
  }
  state.erase("finished_turns");
  state["turns"] = std::move(finished_turns);
  return Deserialize(state.dump());
}

namespace {

bool IsTurn(const Json& turn) {
  return turn.is_object() && turn.size() == 4 && turn.contains("id") && turn["id"].is_string() &&
         turn.contains("items") && turn["items"].is_array() && turn.contains("status") &&
         turn["status"].is_string() && turn.contains("error");
}

}  // namespace

absl::StatusOr<TurnBuilder> TurnBuilder::Deserialize(std::string_view data) {
  const Json state = Json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded() || !state.is_object() || !state.contains("version")) {
    return absl::InvalidArgumentError("turn state: not a serialized TurnBuilder");
  }
  if (state["version"] != kStateVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("turn state: version ", state["version"].dump(), ", this build reads ",
                     kStateVersion, "; rebuild from the log"));
  }
  const auto bad = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("turn state: bad ", std::string(what)));
  };
  TurnBuilder b;
  const auto field = [&](const char* key) -> const Json& {
    static const Json kNull;
    auto it = state.find(key);
    return it == state.end() ? kNull : *it;
  };
  if (!field("thread_id").is_string()) return bad("thread_id");
  if (!field("position").is_number_unsigned()) return bad("position");
  if (!field("next_item_index").is_number_integer() || field("next_item_index") < 1) {
    return bad("next_item_index");
  }
  if (!field("turns").is_array()) return bad("turns");
  b.thread_id_ = field("thread_id").get<std::string>();
  b.position_ = field("position").get<uint64_t>();
  b.next_item_index_ = field("next_item_index").get<int64_t>();
  for (const Json& turn : field("turns")) {
    if (!IsTurn(turn)) return bad("turn");
    b.turns_.push_back(turn);
  }
  const Json& open = field("open");
  if (!open.is_null()) {
    if (!open.is_object() || !IsTurn(open.value("turn", Json())) ||
        !open.value("explicit", Json()).is_boolean() ||
        !open.value("compaction", Json()).is_boolean()) {
      return bad("open turn");
    }
    b.open_ = open["turn"];
    b.open_explicit_ = open["explicit"].get<bool>();
    b.open_compaction_ = open["compaction"].get<bool>();
  }
  b.first_changed_ = b.turns_.size();
  return b;
}

}  // namespace threadlog
