// Importing rollout files: directory walk, streamed parsing on parse-ahead threads, idempotent
// append of what they deliver, in bounded memory.
#include "eventlog/rollout_import.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/json_parse.h"
#include "eventlog/rollout_line.h"
#include "nlohmann/json.hpp"

namespace threadlog {
namespace {

namespace fs = std::filesystem;

// Appends go in chunks so a huge file neither builds one giant batch nor holds the writer
// queue for long; each chunk is atomic, and the count-based resume makes a torn import safe.
constexpr size_t kAppendChunk = 1024;
// A parsing thread hands its events over in batches of at most this many bytes (or
// kAppendChunk events), and runs at most kAheadBytes ahead of the storing thread; it also holds
// at most kAheadBytes of events seen before a file's session_meta. With two files per core in
// flight, an import holds a few tens of MiB of parsed events at most, whatever the files hold.
constexpr size_t kChunkBytes = 2 << 20;
constexpr size_t kAheadBytes = 8 << 20;

bool IsRolloutFileName(const fs::path& p) {
  std::string name = p.filename().string();
  return absl::StartsWith(name, "rollout-") &&
         (absl::EndsWith(name, ".jsonl") || absl::EndsWith(name, ".jsonl.zst"));
}

absl::StatusOr<ThreadId> ThreadIdOfSessionMeta(std::string_view payload) {
  // Only the id is built: a session_meta also carries the (long) base instructions.
  absl::StatusOr<std::optional<nlohmann::json>> id = ParseTopLevelMember(payload, "id");
  if (!id.ok() || !id->has_value() || !(*id)->is_string()) {
    return absl::InvalidArgumentError("session_meta has no string id");
  }
  absl::StatusOr<ThreadId> thread = ThreadId::Parse((*id)->get<std::string>());
  if (thread.ok() && thread->IsNil()) {
    return absl::InvalidArgumentError("session_meta id is the nil UUID");
  }
  return thread;
}

size_t CostOf(const NewEvent& e) {
  return sizeof(NewEvent) + e.payload.size() + e.type.size() + e.timestamp_text.size();
}
size_t CostOf(const ImportProblem& p) {
  return sizeof(ImportProblem) + p.file.size() + p.reason.size();
}

// "PATH: why" -> "why": problems are printed after their file already.
std::string WithoutPath(const std::string& path, const std::string& message) {
  const std::string prefix = path + ": ";
  if (absl::StartsWith(message, prefix)) return message.substr(prefix.size());
  return message;
}

}  // namespace

// One file in flight: its parsing thread pushes batches, the storing thread pops them in order.
class RolloutImporter::FileFeed {
 public:
  struct Batch {
    std::vector<NewEvent> events;
    std::vector<ImportProblem> problems;  // bad lines, in file order
    size_t bytes = 0;
    bool empty() const { return events.empty() && problems.empty(); }
  };
  struct End {
    std::string error;   // why reading failed or stopped early; empty if it did not
    uint64_t bytes = 0;  // bytes read (decompressed)
  };

  explicit FileFeed(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // Parsing side. Push blocks while kAheadBytes wait; false once the feed is cancelled (stop).
  bool Push(Batch batch) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](FileFeed* f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(f->mu_) {
          return f->queued_bytes_ < kAheadBytes || f->cancelled_;
        },
        this));
    if (cancelled_) return false;
    queued_bytes_ += batch.bytes;
    batches_.push_back(std::move(batch));
    return true;
  }
  // Set before the first batch that holds events.
  void SetThread(const ThreadId& thread) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    thread_ = thread;
  }
  void Finish(End end) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    end_ = std::move(end);
    finished_ = true;
  }

  // Storing side. The next batch, or nullopt once the parser finished and all was taken.
  std::optional<Batch> Pop() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](FileFeed* f)
             ABSL_EXCLUSIVE_LOCKS_REQUIRED(f->mu_) { return !f->batches_.empty() || f->finished_; },
        this));
    if (batches_.empty()) return std::nullopt;
    Batch batch = std::move(batches_.front());
    batches_.pop_front();
    queued_bytes_ -= batch.bytes;
    return batch;
  }
  std::optional<ThreadId> thread() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return thread_;
  }
  End end() const ABSL_LOCKS_EXCLUDED(mu_) {  // once Pop() returned nullopt
    absl::MutexLock lock(&mu_);
    return end_;
  }
  void Cancel() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

 private:
  const std::string path_;
  // absl::Mutex wakes the waiters of Push and Pop when their conditions change.
  mutable absl::Mutex mu_;
  std::deque<Batch> batches_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<ThreadId> thread_ ABSL_GUARDED_BY(mu_);
  End end_ ABSL_GUARDED_BY(mu_);
};

namespace {

// A file being parsed ahead, with its parsing thread. Whatever happens (an error, an exception
// from a sink), the thread is stopped and joined before the feed goes away.
template <typename Feed>
struct FileInFlight {
  FileInFlight(std::unique_ptr<Feed> f, std::thread t) : feed(std::move(f)), parser(std::move(t)) {}
  FileInFlight(FileInFlight&&) = default;
  FileInFlight& operator=(FileInFlight&&) = delete;
  ~FileInFlight() {
    if (!parser.joinable()) return;
    feed->Cancel();
    parser.join();
  }
  std::unique_ptr<Feed> feed;
  std::thread parser;
};

}  // namespace

RolloutImporter::RolloutImporter(EventStore* store, ProblemSink on_problem,
                                 ProgressSink on_progress)
    : store_(store), on_problem_(std::move(on_problem)), on_progress_(std::move(on_progress)) {}

absl::Status RolloutImporter::ImportPath(const std::string& path) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  std::vector<std::string> files;
  if (!fs::is_directory(status)) {
    files.push_back(path);
  } else {
    for (auto it = fs::recursive_directory_iterator(
             path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      // Not only regular files: a FIFO or socket under a rollout name is reported (the reader
      // refuses it without waiting), not silently passed over.
      std::error_code type_ec;
      if (IsRolloutFileName(it->path()) && !it->is_directory(type_ec)) {
        files.push_back(it->path());
      }
    }
    if (ec) return absl::PermissionDeniedError(absl::StrCat(path, ": ", ec.message()));
    std::sort(files.begin(), files.end());
  }
  // Reading and parsing (JSON validation: about half of an import's work) runs ahead on worker
  // threads, in parallel with the appends, which are serial anyway. Two files in flight per core
  // keep the cores busy while files of very different sizes finish out of order (measured on 2
  // cores: 1 ahead ~127% CPU, 2 ~145%, 4 ~168%, 8 no better); each file's parser runs at most
  // kAheadBytes ahead, which bounds memory.
  const size_t window = 2 * std::max<size_t>(1, std::thread::hardware_concurrency());
  std::deque<FileInFlight<FileFeed>> ahead;
  size_t next = 0;
  auto refill = [&] {
    while (ahead.size() < window && next < files.size()) {
      auto feed = std::make_unique<FileFeed>(files[next++]);
      FileFeed* raw = feed.get();
      ahead.emplace_back(std::move(feed), std::thread([raw] { ParseInto(raw->path(), raw); }));
    }
  };
  refill();
  while (!ahead.empty()) {
    FileInFlight<FileFeed> current = std::move(ahead.front());
    ahead.pop_front();
    refill();
    if (absl::Status s = StoreFrom(*current.feed); !s.ok()) return s;  // the others stop
  }
  return absl::OkStatus();
}

void RolloutImporter::ParseInto(const std::string& path, FileFeed* feed) {
  FileFeed::End end;
  try {
    // Normally the session_meta is line 1 and one pass does. Events before it are held until it
    // comes (the thread is not known yet); past kAheadBytes of them they are dropped, and once
    // the session_meta is found the file is read again from the top, so that the thread still
    // gets every event of the file in order. Lines reported in the first pass are not again.
    uint64_t reported_through = 0;
    for (int pass = 1; pass <= 2; ++pass) {
      absl::StatusOr<std::unique_ptr<RolloutReader>> reader = RolloutReader::Open(path);
      if (!reader.ok()) {
        end.error = std::string(reader.status().message());
        break;
      }
      bool known = feed->thread().has_value();
      FileFeed::Batch batch;
      std::vector<NewEvent> held;
      size_t held_bytes = 0;
      bool dropped = false;
      bool again = false;
      auto flush = [&] {
        if (batch.empty()) return true;
        bool pushed = feed->Push(std::move(batch));
        batch = FileFeed::Batch();
        return pushed;
      };
      for (;;) {
        absl::StatusOr<std::optional<RolloutReader::Line>> next = (*reader)->Next();
        if (!next.ok()) {
          end.error = std::string(next.status().message());
          break;
        }
        if (!next->has_value()) break;
        const RolloutReader::Line& line = **next;
        absl::StatusOr<NewEvent> event = absl::InvalidArgumentError(
            absl::StrCat("line longer than ", kMaxRolloutLineBytes >> 20, " MiB"));
        if (!line.too_long) {
          if (line.text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
          event = ParseRolloutLine(line.text);
        }
        if (event.ok() && !known && event->kind == EventKind::kSessionMeta) {
          absl::StatusOr<ThreadId> id = ThreadIdOfSessionMeta(event->payload.view());
          if (!id.ok()) {
            event = id.status();
          } else {
            feed->SetThread(*id);
            known = true;
            if (dropped) {  // read again, from the top
              again = true;
              reported_through = line.number;
              break;
            }
            for (NewEvent& e : held) {
              batch.bytes += CostOf(e);
              batch.events.push_back(std::move(e));
            }
            held.clear();
          }
        }
        if (!event.ok()) {
          if (line.number > reported_through) {
            batch.problems.push_back({path, line.number, std::string(event.status().message())});
            batch.bytes += CostOf(batch.problems.back());
          }
        } else if (known) {
          batch.bytes += CostOf(*event);
          batch.events.push_back(*std::move(event));
        } else if (!dropped) {
          held_bytes += CostOf(*event);
          held.push_back(*std::move(event));
          if (held_bytes > kAheadBytes) {
            dropped = true;
            held = {};
          }
        }
        if ((batch.bytes >= kChunkBytes || batch.events.size() >= kAppendChunk) && !flush()) {
          return feed->Finish(std::move(end));  // cancelled
        }
      }
      end.bytes = (*reader)->bytes_read();
      if (!flush()) break;
      if (!again) break;
    }
  } catch (const std::exception& e) {
    // A bug or no memory: this file is reported, the import goes on.
    end.error = absl::StrCat("internal error while reading: ", e.what());
  }
  feed->Finish(std::move(end));
}

absl::Status RolloutImporter::StoreFrom(FileFeed& feed) {
  const std::string& path = feed.path();
  ++stats_.files;
  std::optional<ThreadId> thread;
  uint64_t stored = 0;  // the thread's lines already in the store
  uint64_t last = 0;    // its last seq
  uint64_t seen = 0;    // this file's events so far
  bool appended = false;
  while (std::optional<FileFeed::Batch> batch = feed.Pop()) {
    stats_.bad_lines += batch->problems.size();
    if (on_problem_) {
      for (const ImportProblem& problem : batch->problems) on_problem_(problem);
    }
    if (batch->events.empty()) continue;
    if (!thread) {
      thread = feed.thread();  // set before any event was handed over
      absl::StatusOr<uint64_t> lines =
          lines_stored_ ? lines_stored_(*thread) : store_->LastSeq(*thread);
      if (!lines.ok()) return lines.status();
      absl::StatusOr<uint64_t> last_seq = store_->LastSeq(*thread);
      if (!last_seq.ok()) return last_seq.status();
      stored = *lines;
      last = *last_seq;
    }
    std::span<const NewEvent> events(batch->events);
    const uint64_t skip = stored > seen ? std::min<uint64_t>(stored - seen, events.size()) : 0;
    seen += events.size();
    events = events.subspan(skip);
    for (size_t begin = 0; begin < events.size(); begin += kAppendChunk) {
      const size_t n = std::min(kAppendChunk, events.size() - begin);
      absl::StatusOr<AppendResult> result =
          store_->Append(*thread, last, events.subspan(begin, n), Durability::kBuffered);
      if (!result.ok()) {
        return absl::Status(result.status().code(),
                            absl::StrCat(path, ": ", result.status().message()));
      }
      last = result->last_seq;
      stats_.events += n;
      appended = true;
    }
  }
  const FileFeed::End end = feed.end();
  stats_.bytes_in += end.bytes;
  if (!end.error.empty() && on_problem_) on_problem_({path, 0, WithoutPath(path, end.error)});
  if (!thread) {
    ++stats_.files_rejected;
    if (end.error.empty() && on_problem_) {
      on_problem_({path, 0, "no session_meta line: not a Codex rollout"});
    }
    return absl::OkStatus();
  }
  if (!appended) {
    ++stats_.files_unchanged;
  } else {
    ++(stored == 0 ? stats_.threads_created : stats_.threads_extended);
  }
  if (on_file_) on_file_(path, *thread);
  if (on_progress_) on_progress_(stats_);
  return absl::OkStatus();
}

}  // namespace threadlog
