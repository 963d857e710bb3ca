// ProjectedThreadStore: the EventStore plus the Projector, and the reads served from the
// projections it keeps in the store's state families.
#include "projections/thread_store.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "eventlog/absl_compat.h"
#include "projections/internal/list_row.h"
#include "projections/internal/projector.h"
#include "projections/internal/store_keys.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;
namespace sk = store_keys;

// Rebuild writes its batch every this many bytes (bounded memory, few large writes).
constexpr size_t kRebuildBatchBytes = 8 << 20;

// Expands a thread's events into its Codex rollout lines: rollout kinds only, a thread_forked
// event replaced by the parent's rollout lines up to the fork's seq (recursively).
class RolloutIterator final : public EventIterator {
 public:
  RolloutIterator(EventStore* log, const ThreadId& thread, uint64_t up_to_seq)
      : log_(log), up_to_seq_(up_to_seq), it_(log->ReadThread(thread)) {
    Settle();
  }
  bool Valid() const override { return status_.ok() && (parent_ ? parent_->Valid() : own_valid_); }
  const EventView& event() const override { return parent_ ? parent_->event() : it_->event(); }
  void Next() override {
    if (parent_) {
      parent_->Next();
    } else {
      it_->Next();
    }
    Settle();
  }
  absl::Status status() const override { return status_; }

 private:
  // Moves to the next rollout line, entering and leaving a parent's lines as needed.
  void Settle() {
    while (true) {
      if (parent_) {
        if (parent_->Valid()) return;
        if (!parent_->status().ok()) {
          status_ = parent_->status();
          return;
        }
        parent_.reset();
        it_->Next();
      }
      own_valid_ = it_->Valid() && (up_to_seq_ == 0 || it_->event().seq <= up_to_seq_);
      if (!own_valid_) {
        status_ = it_->status();
        return;
      }
      const EventView& e = it_->event();
      if (IsRolloutKind(e.kind)) return;
      if (e.kind == EventKind::kThreadForked) {
        Json json = Json::parse(e.payload, nullptr, false);
        auto parent_field = json.is_object() ? json.find("parent_thread_id") : json.end();
        absl::StatusOr<ThreadId> parent =
            ThreadId::Parse(parent_field != json.end() && parent_field->is_string()
                                ? parent_field->get<std::string>()
                                : std::string());
        if (!parent.ok()) {
          status_ = absl::DataLossError("a stored thread_forked event names no parent");
          return;
        }
        parent_ =
            std::make_unique<RolloutIterator>(log_, *parent, json.value("parent_seq", uint64_t{1}));
        continue;
      }
      it_->Next();
    }
  }

  EventStore* log_;
  uint64_t up_to_seq_;
  std::unique_ptr<EventIterator> it_;
  std::unique_ptr<RolloutIterator> parent_;
  bool own_valid_ = false;
  absl::Status status_;
};

class ProjectedThreadStore final : public ThreadStore {
 public:
  explicit ProjectedThreadStore(std::unique_ptr<EventStore> log, bool read_only)
      : log_(std::move(log)),
        state_(&log_->state()),
        projector_(std::make_unique<Projector>(log_.get(), state_)),
        read_only_(read_only) {
    log_->SetObserver(projector_.get());
  }
  ~ProjectedThreadStore() override { (void)Close(); }

  // Calls `take` for each thread of the query's ordering that passes its filters, newest
  // first, up to query.limit; sets `next_cursor` when more rows follow.
  absl::Status ScanOrdering(
      const ListQuery& query, std::string* next_cursor,
      const std::function<absl::Status(const ThreadId&, const ListRowView&)>& take) {
    const char which = query.sort == SortKey::kCreatedAt ? 'C' : 'U';
    const std::string prefix = sk::OrderPrefix(which, query.archived);
    std::string start = prefix;
    if (!query.cursor.empty()) {
      std::string raw;
      if (!absl::WebSafeBase64Unescape(query.cursor, &raw) || raw.size() != sk::kOrderKeySize ||
          raw.compare(0, prefix.size(), prefix) != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid cursor '", query.cursor, "' (not from this sort order)"));
      }
      start = raw;
      start.push_back('\0');  // strictly after the cursor's row
    }
    ListQuery filters = query;
    if (filters.cwd) filters.cwd = PathComponentsForm(*filters.cwd);  // as the rows hold it
    std::unique_ptr<StateIterator> it = state_->Scan(sk::kIndex, prefix, start);
    size_t taken = 0;
    std::string last_key;  // the cursor continues after the last row looked at, taken or not
    std::string scratch;   // a row whose stored copy is misaligned
    for (; it->Valid(); it->Next()) {
      if (taken == query.limit) {
        *next_cursor = absl::WebSafeBase64Escape(last_key);
        break;
      }
      const std::string_view key = it->key();
      last_key.assign(key);
      absl::StatusOr<ListRowView> row = DecodeListRow(it->value(), &scratch);
      if (!row.ok()) return row.status();
      if (!RowMatches(*row, filters)) continue;
      const ThreadId id = sk::ThreadOfOrderKey(key);
      if (absl::Status st = take(id, *row); !st.ok()) return st;
      ++taken;
    }
    return it->status();
  }

  absl::Status CheckVersion(ProgressFn progress) {
    absl::StatusOr<std::optional<std::string>> version =
        state_->Get(sk::kProjectionMeta, sk::kVersionKey);
    if (!version.ok()) return version.status();
    const std::string current = std::to_string(kProjectionVersion);
    if (*version == current) return absl::OkStatus();
    absl::StatusOr<StoreStats> stats = log_->Stats();
    if (!stats.ok()) return stats.status();
    if (stats->last_position == 0) {  // a new store: nothing to replay
      if (read_only_) return absl::OkStatus();
      return log_->WriteState(
          [&](StateWriter& state) { state.Put(sk::kProjectionMeta, sk::kVersionKey, current); });
    }
    if (read_only_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the store's projections were built by another threadlog (projection version ",
          version->value_or("none"), ", this one is ", current,
          "); open it once for writing (`threadlog rebuild` or `threadlog serve`) to rebuild "
          "them"));
    }
    if (absl::Status s = Rebuild(std::move(progress)); !s.ok()) {
      return absl::Status(
          s.code(),
          absl::StrCat("this threadlog must rebuild the store's projections (version ",
                       version->value_or("none"), " -> ", current,
                       ") and the rebuild failed; the store is unchanged: ", s.message()));
    }
    return absl::OkStatus();
  }

  EventStore& log() override { return *log_; }

  absl::StatusOr<AppendResult> Append(const ThreadId& thread, uint64_t expected_last_seq,
                                      std::span<const NewEvent> events,
                                      Durability durability) override {
    return log_->Append(thread, expected_last_seq, events, durability);
  }

  absl::StatusOr<std::optional<ThreadSummary>> GetThread(const ThreadId& thread) override {
    absl::StatusOr<std::optional<std::string>> text =
        state_->Get(sk::kIndex, sk::SummaryKey(thread));
    if (!text.ok()) return text.status();
    if (!*text) return std::nullopt;
    absl::StatusOr<SummaryState> state = SummaryStateFromJson(**text);
    if (!state.ok()) return state.status();
    return std::move(state->summary);
  }

  absl::StatusOr<ThreadPage> List(const ListQuery& query) override {
    ThreadPage page;
    absl::Status scanned =
        ScanOrdering(query, &page.next_cursor, [&](const ThreadId& id, const ListRowView&) {
          absl::StatusOr<std::optional<ThreadSummary>> summary = GetThread(id);
          if (!summary.ok()) return summary.status();
          if (!*summary) return absl::DataLossError("a listed thread has no summary");
          page.threads.push_back(**std::move(summary));
          return absl::OkStatus();
        });
    if (!scanned.ok()) return scanned;
    return page;
  }

  absl::StatusOr<ListedPage> ListJson(const ListQuery& query) override {
    ListedPage page;
    absl::Status scanned =
        ScanOrdering(query, &page.next_cursor, [&](const ThreadId& id, const ListRowView& row) {
          page.threads.push_back({id, std::string(row.thread_json), row.status_offset,
                                  row.status_size, row.model_provider.empty()});
          return absl::OkStatus();
        });
    if (!scanned.ok()) return scanned;
    return page;
  }

  absl::StatusOr<Json> ReadTurns(const ThreadId& thread, std::optional<size_t> last_n) override {
    absl::StatusOr<std::optional<std::string>> record =
        state_->Get(sk::kTurns, sk::CheckpointKey(thread));
    if (!record.ok()) return record.status();
    if (!*record) return absl::NotFoundError(absl::StrCat("thread not found: ", thread.ToString()));
    Json checkpoint = Json::parse(**record, nullptr, false);
    Json state = checkpoint.is_object() && checkpoint.contains("builder")
                     ? Json::parse(checkpoint["builder"].get<std::string>(), nullptr, false)
                     : Json();
    if (!state.is_object()) return absl::DataLossError("a turn checkpoint is malformed");
    const uint32_t finished = state.value("finished_turns", 0u);
    // The open turn counts as Codex's finish() would keep it.
    Json open = nullptr;
    if (const Json& o = state["open"]; o.is_object()) {
      if (!o["turn"]["items"].empty() || o.value("explicit", false) ||
          o.value("compaction", false)) {
        open = o["turn"];
      }
    }
    const size_t total = finished + (open.is_null() ? 0 : 1);
    const size_t want = last_n ? std::min(*last_n, total) : total;
    const size_t first = total - want;
    std::vector<Json> rows;
    if (first < finished) {
      if (absl::Status st = projector_->ReadTurnRows(thread, first, finished, &rows); !st.ok()) {
        return st;
      }
    }
    Json turns = Json::array();
    for (Json& row : rows) turns.push_back(std::move(row));
    if (!open.is_null() && want > 0) turns.push_back(std::move(open));
    return turns;
  }

  absl::StatusOr<std::vector<ThreadId>> FindByName(std::string_view name) override {
    std::vector<ThreadId> found;
    if (name.empty()) return found;
    std::unique_ptr<StateIterator> it = state_->Scan(sk::kIndex, sk::NamePrefix(name));
    for (; it->Valid(); it->Next()) {
      std::string_view key = it->key();
      found.push_back(ThreadId::FromBytes(key.substr(key.size() - ThreadId::kSize)));
    }
    if (!it->status().ok()) return it->status();
    return found;
  }

  absl::StatusOr<ThreadId> Resolve(std::string_view text) override {
    if (absl::StatusOr<ThreadId> id = ThreadId::Parse(text); id.ok()) {
      absl::StatusOr<std::optional<ThreadSummary>> s = GetThread(*id);
      if (!s.ok()) return s.status();
      if (*s) return *id;
    }
    std::vector<ThreadId> matches;
    std::string hex;
    for (char c : text) {
      if (c != '-') hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    const bool is_hex = hex.size() >= 4 && hex.size() <= 32 &&
                        hex.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (is_hex) {
      // Scan the summaries whose id starts with the whole bytes of the prefix, then filter by
      // the text form (an odd digit count leaves half a byte).
      std::string bytes = absl::HexStringToBytes(hex.substr(0, hex.size() / 2 * 2));
      std::unique_ptr<StateIterator> it = state_->Scan(sk::kIndex, "S" + bytes);
      for (; it->Valid(); it->Next()) {
        ThreadId id = ThreadId::FromBytes(it->key().substr(1));
        std::string id_hex = id.ToString();
        id_hex.erase(std::remove(id_hex.begin(), id_hex.end(), '-'), id_hex.end());
        if (id_hex.compare(0, hex.size(), hex) == 0) matches.push_back(id);
        if (matches.size() > 5) break;
      }
    }
    if (matches.size() == 1) return matches[0];
    if (matches.size() > 1) {
      std::vector<std::string> names;
      for (const ThreadId& id : matches) names.push_back(id.ToString());
      return absl::InvalidArgumentError(absl::StrCat("'", ToAbsl(text),
                                                     "' is ambiguous: ", absl::StrJoin(names, ", "),
                                                     matches.size() > 5 ? ", ..." : ""));
    }
    absl::StatusOr<std::vector<ThreadId>> named = FindByName(text);
    if (!named.ok()) return named.status();
    if (!named->empty()) return named->front();  // the most recently renamed thread wins
    return absl::NotFoundError(
        absl::StrCat("no thread with id, id prefix or name '", ToAbsl(text), "'"));
  }

  std::unique_ptr<EventIterator> ReadRollout(const ThreadId& thread) override {
    return std::make_unique<RolloutIterator>(log_.get(), thread, 0);
  }

  // Folds the whole log into a fresh generation of the state families (StateRebuild); only
  // a complete fold is swapped in, so a failure leaves the live projections as they were.
  absl::Status Rebuild(ProgressFn progress) override {
    if (read_only_) return absl::FailedPreconditionError("the store is open read-only");
    absl::StatusOr<std::unique_ptr<StateRebuild>> rebuild = log_->BeginStateRebuild();
    if (!rebuild.ok()) return rebuild.status();
    Projector folder(log_.get(), &(*rebuild)->reader());
    absl::StatusOr<StoreStats> stats = log_->Stats();
    const uint64_t total = stats.ok() ? stats->last_position : 0;

    // Events stream straight from the log into the fold; each run of one thread's events is
    // written once it ends, and the batch whenever it grows large.
    std::unique_ptr<StateWriter> batch = (*rebuild)->NewBatch();
    std::optional<Projector::Run> run;
    auto end_run = [&]() -> absl::Status {
      if (!run) return absl::OkStatus();
      absl::Status s = folder.EndRun(*run, batch.get());
      run.reset();
      return s;
    };
    auto write = [&]() -> absl::Status {
      absl::Status s = (*rebuild)->Write(*batch);
      folder.Commit(s.ok());
      return s;
    };
    uint64_t done = 0;
    std::unique_ptr<EventIterator> it = log_->ReadAll(1);
    for (; it->Valid(); it->Next()) {
      const EventView& e = it->event();
      if (run && e.thread != run->thread) {
        if (absl::Status s = end_run(); !s.ok()) return s;
        if (batch->buffered_bytes() > kRebuildBatchBytes) {
          if (absl::Status s = write(); !s.ok()) return s;
        }
      }
      if (!run) {
        absl::StatusOr<Projector::Run> begun = folder.BeginRun(e.thread);
        if (!begun.ok()) return begun.status();
        run = *std::move(begun);
      }
      absl::Status folded = folder.FoldEvent(
          *run, {e.kind, e.type, e.payload, e.timestamp_ms, e.position}, batch.get());
      if (!folded.ok()) return folded;
      if (progress && ++done % 65536 == 0) progress(done, total);
    }
    if (!it->status().ok()) return it->status();
    if (absl::Status s = end_run(); !s.ok()) return s;
    batch->Put(sk::kProjectionMeta, sk::kVersionKey, std::to_string(kProjectionVersion));
    if (absl::Status s = write(); !s.ok()) return s;
    if (absl::Status s = (*rebuild)->Commit(); !s.ok()) return s;
    projector_->ClearCache();  // the live state is the new generation now
    if (progress) progress(total, total);
    return absl::OkStatus();
  }

  absl::Status Verify(ProgressFn progress) override;
  absl::Status Close() override {
    if (!log_) return absl::OkStatus();
    absl::Status s = log_->Close();
    return s;
  }

 private:
  std::unique_ptr<EventStore> log_;
  StateReader* state_;  // log_'s live state
  std::unique_ptr<Projector> projector_;
  const bool read_only_;
};

absl::Status ProjectedThreadStore::Verify(ProgressFn progress) {
  absl::StatusOr<std::vector<ThreadId>> threads = log_->ListThreads();
  if (!threads.ok()) return threads.status();
  uint64_t done = 0;
  for (const ThreadId& thread : *threads) {
    absl::StatusOr<ThreadProjection> replayed = projector_->FoldFromLog(thread);
    if (!replayed.ok()) return replayed.status();
    absl::StatusOr<std::optional<ThreadProjection>> stored = projector_->Load(thread);
    if (!stored.ok()) return stored.status();
    const std::string id = thread.ToString();
    if (!*stored) return absl::DataLossError(absl::StrCat("thread ", id, ": no projection stored"));
    const std::string want_summary = SummaryStateToJson(replayed->summary);
    const std::string got_summary = SummaryStateToJson((*stored)->summary);
    if (want_summary != got_summary) {
      return absl::DataLossError(absl::StrCat("thread ", id, ": summary differs\n  replayed: ",
                                              want_summary, "\n  stored:   ", got_summary));
    }
    const std::string want_turns = replayed->turns.Serialize();
    const std::string got_turns = (*stored)->turns.Serialize();
    if (want_turns != got_turns) {
      size_t at =
          std::mismatch(want_turns.begin(), want_turns.end(), got_turns.begin(), got_turns.end())
              .first -
          want_turns.begin();
      return absl::DataLossError(
          absl::StrCat("thread ", id, ": turns differ at byte ", at, "\n  replayed: ...",
                       want_turns.substr(at > 60 ? at - 60 : 0, 160), "\n  stored:   ...",
                       got_turns.substr(at > 60 ? at - 60 : 0, 160)));
    }
    const ThreadSummary& s = replayed->summary.summary;
    for (std::string key : {sk::OrderKey('C', s.archived, s.created_at_ms, thread),
                            sk::OrderKey('U', s.archived, s.updated_at_ms, thread)}) {
      absl::StatusOr<std::optional<std::string>> row = state_->Get(sk::kIndex, key);
      if (!row.ok()) return row.status();
      const char* ordering = key[0] == 'C' ? "created" : "updated";
      if (!*row) {
        return absl::DataLossError(
            absl::StrCat("thread ", id, ": missing from the ", ordering, " ordering"));
      }
      if (**row != EncodeListRow(s)) {
        return absl::DataLossError(absl::StrCat("thread ", id, ": its listing row in the ",
                                                ordering,
                                                " ordering differs from the replayed summary's"));
      }
    }
    if (s.name && !s.name->empty()) {
      absl::StatusOr<std::vector<ThreadId>> named = FindByName(*s.name);
      if (!named.ok()) return named.status();
      if (std::find(named->begin(), named->end(), thread) == named->end()) {
        return absl::DataLossError(absl::StrCat("thread ", id, ": missing from the name index"));
      }
    }
    if (progress) progress(++done, threads->size());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<ThreadFileState>> ThreadStore::FileState(const ThreadId& thread) {
  absl::StatusOr<std::optional<ThreadSummary>> summary = GetThread(thread);
  if (!summary.ok()) return summary.status();
  if (!*summary) return std::nullopt;
  const ThreadSummary& s = **summary;
  return ThreadFileState{s.rollout_lines, s.name, s.archived, s.created_at_ms, s.updated_at_ms};
}

StoreOptions ThreadStore::LogOptions(const ThreadStoreOptions& opts) {
  StoreOptions options;
  options.bulk_load = opts.bulk_load;
  options.in_memory = opts.in_memory;
  options.read_only = opts.read_only;
  options.state_families = sk::StateFamilyNames();
  return options;
}

absl::StatusOr<std::unique_ptr<ThreadStore>> ThreadStore::Open(const std::string& dir,
                                                               const ThreadStoreOptions& opts) {
  absl::StatusOr<std::unique_ptr<EventStore>> log = EventStore::Open(dir, LogOptions(opts));
  if (!log.ok()) return log.status();
  return Open(*std::move(log), opts);
}

absl::StatusOr<std::unique_ptr<ThreadStore>> ThreadStore::Open(std::unique_ptr<EventStore> log,
                                                               const ThreadStoreOptions& opts) {
  auto store = std::make_unique<ProjectedThreadStore>(std::move(log), opts.read_only);
  if (absl::Status s = store->CheckVersion(opts.progress); !s.ok()) return s;
  return std::unique_ptr<ThreadStore>(std::move(store));
}

}  // namespace threadlog
