// Projector: folds appends (and rebuild replays) into the thread index and turn rows.
#include "projections/internal/projector.h"

#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"
#include "projections/internal/list_row.h"
#include "projections/internal/store_keys.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;
namespace sk = store_keys;

// Enough for every thread a server keeps live; past it the cache starts over (a miss costs one
// checkpoint read plus the thread's turn rows).
constexpr size_t kMaxCachedThreads = 4096;

// A string member, or "" when it is missing or not a string (json::value throws on null).
std::string StringMember(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// What a fork's summary takes from its parent's as of the fork, until its own events say
// otherwise (Codex's fork file starts with the parent's lines). One place, so that appends and
// Verify's fold from the log cannot disagree.
void InheritParentSummary(ThreadSummary* fork, const ThreadSummary& parent) {
  if (!fork->has_user_message) {
    fork->preview = parent.preview;
    fork->has_user_message = parent.has_user_message;
  }
  if (!fork->list_preview) fork->list_preview = parent.list_preview;
  fork->mode = parent.mode;
  if (fork->last_turn_context_position == 0) {
    fork->last_turn_context_position = parent.last_turn_context_position;
  }
}

}  // namespace

std::string Projector::CheckpointRecord(const ThreadProjection& p) {
  Json record = {
      {"builder", p.turns.SerializeCheckpoint()},
      {"inherited_from", p.inherited_from ? Json(p.inherited_from->ToString()) : Json(nullptr)},
      {"inherited_turns", p.inherited_turns},
      {"stored_turn_rows", p.stored_turn_rows},
      {"children", p.children},
  };
  return record.dump();
}

Projector::Projector(EventStore* log, StateReader* state) : log_(log), state_(state) {}

absl::Status Projector::ReadTurnRows(const ThreadId& thread, uint32_t begin, uint32_t end,
                                     std::vector<Json>* out) {
  if (begin >= end) return absl::OkStatus();
  absl::StatusOr<std::optional<std::string>> record =
      state_->Get(sk::kTurns, sk::CheckpointKey(thread));
  if (!record.ok()) return record.status();
  if (!*record) return absl::NotFoundError("no turns stored for the thread");
  Json checkpoint = Json::parse(**record, nullptr, false);
  if (!checkpoint.is_object()) return absl::DataLossError("a turn checkpoint is not JSON");
  uint32_t inherited = checkpoint.value("inherited_turns", 0u);
  if (begin < inherited) {
    absl::StatusOr<ThreadId> parent = ThreadId::Parse(StringMember(checkpoint, "inherited_from"));
    if (!parent.ok()) return absl::DataLossError("a fork's checkpoint names no parent");
    if (absl::Status st = ReadTurnRows(*parent, begin, std::min(end, inherited), out); !st.ok()) {
      return st;
    }
    begin = inherited;
  }
  if (begin >= end) return absl::OkStatus();
  std::unique_ptr<StateIterator> it =
      state_->Scan(sk::kTurns, sk::TurnPrefix(thread), sk::TurnKey(thread, begin));
  uint32_t expected = begin;
  for (; it->Valid() && expected < end; it->Next(), ++expected) {
    if (it->key() != sk::TurnKey(thread, expected)) {
      return absl::DataLossError(
          absl::StrCat("turn ", expected, " of thread ", thread.ToString(), " is missing"));
    }
    Json turn = Json::parse(it->value(), nullptr, false);
    if (turn.is_discarded()) return absl::DataLossError("a stored turn is not JSON");
    out->push_back(std::move(turn));
  }
  if (!it->status().ok()) return it->status();
  if (expected != end) {
    return absl::DataLossError(
        absl::StrCat("thread ", thread.ToString(), " has ", expected, " turns, expected ", end));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ThreadProjection>> Projector::Load(const ThreadId& thread) {
  absl::StatusOr<std::optional<std::string>> summary_text =
      state_->Get(sk::kIndex, sk::SummaryKey(thread));
  if (!summary_text.ok()) return summary_text.status();
  if (!*summary_text) return std::nullopt;
  absl::StatusOr<SummaryState> summary = SummaryStateFromJson(**summary_text);
  if (!summary.ok()) return summary.status();
  absl::StatusOr<std::optional<std::string>> record =
      state_->Get(sk::kTurns, sk::CheckpointKey(thread));
  if (!record.ok()) return record.status();
  if (!*record) return absl::DataLossError("a thread has a summary but no turn checkpoint");
  Json checkpoint = Json::parse(**record, nullptr, false);
  if (!checkpoint.is_object() || !checkpoint.contains("builder")) {
    return absl::DataLossError("a turn checkpoint is malformed");
  }
  Json builder_state = Json::parse(checkpoint["builder"].get<std::string>(), nullptr, false);
  if (!builder_state.is_object()) return absl::DataLossError("a turn checkpoint is malformed");
  uint32_t finished = builder_state.value("finished_turns", 0u);
  std::vector<Json> rows;
  if (absl::Status st = ReadTurnRows(thread, 0, finished, &rows); !st.ok()) return st;
  absl::StatusOr<TurnBuilder> builder =
      TurnBuilder::RestoreCheckpoint(checkpoint["builder"].get<std::string>(), std::move(rows));
  if (!builder.ok()) return builder.status();
  ThreadProjection p(*std::move(summary), *std::move(builder));
  if (auto parent = ThreadId::Parse(StringMember(checkpoint, "inherited_from")); parent.ok()) {
    p.inherited_from = *parent;
  }
  p.inherited_turns = checkpoint.value("inherited_turns", 0u);
  p.stored_turn_rows = checkpoint.value("stored_turn_rows", 0u);
  p.children = checkpoint.value("children", 0u);
  return p;
}

absl::StatusOr<ThreadProjection*> Projector::Working(const ThreadId& thread) {
  if (auto it = pending_.find(thread); it != pending_.end()) return &it->second;
  if (auto node = cache_.extract(thread)) {
    // Moved, not copied: a failed group drops it and the next append reloads it from disk.
    return &pending_.insert(std::move(node)).position->second;
  }
  absl::StatusOr<std::optional<ThreadProjection>> loaded = Load(thread);
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value()) {
    ThreadProjection fresh(SummaryState{}, TurnBuilder(thread.ToString()));
    fresh.summary.summary.id = thread;
    loaded->emplace(std::move(fresh));
  }
  return &pending_.emplace(thread, std::move(**loaded)).first->second;
}

absl::Status Projector::OnAppend(const ThreadId& thread, const AppendResult& result,
                                 std::span<const NewEvent> events, int64_t now_ms,
                                 StateWriter* batch) {
  std::vector<ProjectedEvent> projected;
  projected.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const NewEvent& e = events[i];
    projected.push_back({e.kind, e.type, e.payload.view(),
                         e.timestamp_ms != 0 ? e.timestamp_ms : now_ms, result.first_position + i});
  }
  return Apply(thread, projected, batch);
}

void Projector::OnGroupDone(bool written) { Commit(written); }

void Projector::Commit(bool written) {
  if (written) {
    if (cache_.size() + pending_.size() > kMaxCachedThreads) cache_.clear();
    for (auto& [thread, projection] : pending_)
      cache_.insert_or_assign(thread, std::move(projection));
  }
  pending_.clear();
}

void Projector::ClearCache() {
  cache_.clear();
  pending_.clear();
}

absl::Status Projector::Apply(const ThreadId& thread, std::span<const ProjectedEvent> events,
                              StateWriter* batch) {
  absl::StatusOr<Run> run = BeginRun(thread);
  if (!run.ok()) return run.status();
  for (const ProjectedEvent& e : events) {
    if (absl::Status s = FoldEvent(*run, e, batch); !s.ok()) return s;
  }
  return EndRun(*run, batch);
}

absl::StatusOr<Projector::Run> Projector::BeginRun(const ThreadId& thread) {
  absl::StatusOr<ThreadProjection*> working = Working(thread);
  if (!working.ok()) return working.status();
  Run run;
  run.thread = thread;
  run.projection = *working;
  run.before = (*working)->summary;
  run.before_rows = (*working)->stored_turn_rows;
  return run;
}

absl::Status Projector::FoldEvent(Run& run, const ProjectedEvent& e, StateWriter* batch) {
  ThreadProjection* p = run.projection;
  if (e.kind == EventKind::kThreadForked) {
    if (absl::Status s = ApplyFork(run.thread, p, e.payload, batch); !s.ok()) {
      // The append fails; forget the half-applied state so it is reloaded from disk.
      pending_.erase(run.thread);
      run.projection = nullptr;
      return s;
    }
  }
  FoldSummary(&p->summary, e.kind, e.type, e.payload, e.timestamp_ms, e.position);
  // A payload Codex would refuse leaves the turns unchanged, as Codex skips such a line.
  (void)p->turns.Apply(e.kind, e.type, e.payload);
  return absl::OkStatus();
}

absl::Status Projector::EndRun(Run& run, StateWriter* batch) {
  ThreadProjection* p = run.projection;
  p->summary.summary.turns = p->turns.finished_turns() + (p->turns.OpenTurn() ? 1 : 0);
  return WriteProjection(run.thread, run.before, run.before_rows, p, batch);
}

absl::Status Projector::ApplyFork(const ThreadId& thread, ThreadProjection* fork,
                                  std::string_view payload, StateWriter* batch) {
  Json json = Json::parse(payload, nullptr, false);
  if (!json.is_object())
    return absl::InvalidArgumentError("thread_forked payload is not an object");
  absl::StatusOr<ThreadId> parent_id = ThreadId::Parse(StringMember(json, "parent_thread_id"));
  if (!parent_id.ok()) return parent_id.status();
  if (*parent_id == thread) return absl::InvalidArgumentError("a thread cannot fork itself");
  if (fork->summary.summary.events > 1 || fork->inherited_from) {
    return absl::FailedPreconditionError(
        "thread_forked must follow only the fork's own session_meta");
  }
  absl::StatusOr<ThreadProjection*> parent_or = Working(*parent_id);
  if (!parent_or.ok()) return parent_or.status();
  ThreadProjection* parent = *parent_or;
  uint64_t parent_seq = json.value("parent_seq", uint64_t{0});
  if (parent->summary.summary.events == 0) {
    pending_.erase(*parent_id);
    return absl::NotFoundError(absl::StrCat("fork parent ", parent_id->ToString(), " not found"));
  }
  if (parent_seq != parent->summary.summary.events) {
    return absl::FailedPreconditionError(absl::StrCat(
        "fork of ", parent_id->ToString(), " at seq ", parent_seq,
        ": only the parent's latest seq (", parent->summary.summary.events, ") can be forked"));
  }
  // Copy-on-write: the fork starts from the parent's fold state and reads the parent's finished
  // turn rows through, so forking writes a constant amount whatever the parent's size.
  fork->turns = parent->turns;
  fork->turns.MarkCheckpointed();
  fork->inherited_from = *parent_id;
  fork->inherited_turns = static_cast<uint32_t>(parent->turns.finished_turns());
  fork->stored_turn_rows = fork->inherited_turns;
  InheritParentSummary(&fork->summary.summary, parent->summary.summary);
  parent->children++;
  batch->Put(sk::kTurns, sk::ChildKey(*parent_id, thread), "");
  batch->Put(sk::kTurns, sk::CheckpointKey(*parent_id), CheckpointRecord(*parent));
  return absl::OkStatus();
}

absl::Status Projector::CopyOnWriteChildren(const ThreadId& parent, uint32_t first_changed,
                                            StateWriter* batch) {
  const std::string prefix = sk::ChildPrefix(parent);
  std::unique_ptr<StateIterator> it = state_->Scan(sk::kTurns, prefix);
  std::vector<ThreadId> children;
  for (; it->Valid(); it->Next()) {
    children.push_back(ThreadId::FromBytes(it->key().substr(prefix.size())));
  }
  if (!it->status().ok()) return it->status();
  for (const ThreadId& child_id : children) {
    absl::StatusOr<ThreadProjection*> child_or = Working(child_id);
    if (!child_or.ok()) return child_or.status();
    ThreadProjection* child = *child_or;
    if (child->inherited_from != parent || child->inherited_turns <= first_changed) continue;
    // The parent is about to change turns the fork reads through: give the fork its own copy
    // of them first (read before this batch, so they are the parent's old rows).
    std::vector<Json> rows;
    if (absl::Status s = ReadTurnRows(parent, first_changed, child->inherited_turns, &rows);
        !s.ok()) {
      return s;
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      batch->Put(sk::kTurns, sk::TurnKey(child_id, first_changed + i), rows[i].dump());
    }
    child->inherited_turns = first_changed;
    batch->Put(sk::kTurns, sk::CheckpointKey(child_id), CheckpointRecord(*child));
  }
  return absl::OkStatus();
}

absl::Status Projector::WriteProjection(const ThreadId& thread, const SummaryState& before,
                                        uint32_t before_rows, ThreadProjection* p,
                                        StateWriter* batch) {
  const ThreadSummary& old_s = before.summary;
  const ThreadSummary& s = p->summary.summary;
  // Index orderings: move the thread's entries when a sort key or the archived flag changed.
  if (old_s.events > 0 &&
      (old_s.created_at_ms != s.created_at_ms || old_s.archived != s.archived)) {
    batch->Delete(sk::kIndex, sk::OrderKey('C', old_s.archived, old_s.created_at_ms, thread));
  }
  if (old_s.events > 0 &&
      (old_s.updated_at_ms != s.updated_at_ms || old_s.archived != s.archived)) {
    batch->Delete(sk::kIndex, sk::OrderKey('U', old_s.archived, old_s.updated_at_ms, thread));
  }
  // Both orderings carry the rendered listing row, so a page is one range scan.
  const std::string row = EncodeListRow(s);
  batch->Put(sk::kIndex, sk::OrderKey('C', s.archived, s.created_at_ms, thread), row);
  batch->Put(sk::kIndex, sk::OrderKey('U', s.archived, s.updated_at_ms, thread), row);
  if (before.name_position != p->summary.name_position) {
    if (old_s.name && !old_s.name->empty()) {
      batch->Delete(sk::kIndex, sk::NameKey(*old_s.name, before.name_position, thread));
    }
    if (s.name && !s.name->empty()) {
      batch->Put(sk::kIndex, sk::NameKey(*s.name, p->summary.name_position, thread), "");
    }
  }
  batch->Put(sk::kIndex, sk::SummaryKey(thread), SummaryStateToJson(p->summary));

  // Turn rows: rewrite only what changed since the last checkpoint.
  const uint32_t finished = static_cast<uint32_t>(p->turns.finished_turns());
  const uint32_t first_changed =
      static_cast<uint32_t>(std::min<size_t>(p->turns.FirstChangedTurn(), finished));
  if (p->children > 0 && first_changed < before_rows) {
    if (absl::Status st = CopyOnWriteChildren(thread, first_changed, batch); !st.ok()) return st;
  }
  // A fork changing a turn it reads through takes ownership of the rows from there on.
  if (first_changed < p->inherited_turns) p->inherited_turns = first_changed;
  for (uint32_t i = std::max(first_changed, p->inherited_turns); i < finished; ++i) {
    batch->Put(sk::kTurns, sk::TurnKey(thread, i), p->turns.finished_turn(i).dump());
  }
  for (uint32_t i = std::max(finished, p->inherited_turns); i < before_rows; ++i) {
    batch->Delete(sk::kTurns, sk::TurnKey(thread, i));
  }
  p->stored_turn_rows = finished;
  p->turns.MarkCheckpointed();
  batch->Put(sk::kTurns, sk::CheckpointKey(thread), CheckpointRecord(*p));
  return absl::OkStatus();
}

absl::StatusOr<ThreadProjection> Projector::FoldFromLog(const ThreadId& thread,
                                                        uint64_t up_to_seq) {
  ThreadProjection p(SummaryState{}, TurnBuilder(thread.ToString()));
  p.summary.summary.id = thread;
  std::unique_ptr<EventIterator> it = log_->ReadThread(thread);
  for (; it->Valid() && (up_to_seq == 0 || it->event().seq <= up_to_seq); it->Next()) {
    const EventView& e = it->event();
    if (e.kind == EventKind::kThreadForked) {
      Json json = Json::parse(e.payload, nullptr, false);
      absl::StatusOr<ThreadId> parent = ThreadId::Parse(
          json.is_object() ? StringMember(json, "parent_thread_id") : std::string());
      if (!parent.ok()) return parent.status();
      uint64_t parent_seq = json.value("parent_seq", uint64_t{0});
      absl::StatusOr<ThreadProjection> base = FoldFromLog(*parent, parent_seq);
      if (!base.ok()) return base.status();
      p.turns = base->turns;
      p.inherited_from = *parent;
      p.inherited_turns = static_cast<uint32_t>(base->turns.finished_turns());
      InheritParentSummary(&p.summary.summary, base->summary.summary);
    }
    FoldSummary(&p.summary, e.kind, e.type, e.payload, e.timestamp_ms, e.position);
    (void)p.turns.Apply(e.kind, e.type, e.payload);
  }
  if (!it->status().ok()) return it->status();
  p.summary.summary.turns = p.turns.finished_turns() + (p.turns.OpenTurn() ? 1 : 0);
  p.stored_turn_rows = static_cast<uint32_t>(p.turns.finished_turns());
  return p;
}

}  // namespace threadlog
