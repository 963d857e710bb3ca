// Rollout export: store events -> Codex rollout JSONL files and session_index.jsonl.
#include "eventlog/rollout_export.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"
#include "eventlog/rollout_line.h"
#include "eventlog/timestamp.h"
#include "nlohmann/json.hpp"

namespace threadlog {
namespace {

namespace fs = std::filesystem;

absl::Status ErrnoError(std::string_view what, const std::string& path, int err) {
  std::string message = absl::StrCat(ToAbsl(what), " ", path, ": ", std::strerror(err));
  return err == ENOSPC ? absl::ResourceExhaustedError(message) : absl::InternalError(message);
}

// A file written beside its destination and renamed over it only when complete, so a reader
// (or a crash) sees the old file or the new one, never a mix. Removes the temporary unless
// Commit succeeded.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path) : path_(std::move(path)) {}
  ~AtomicFile() {
    if (fd_ >= 0) close(fd_);
    if (!temp_.empty()) unlink(temp_.c_str());
  }

  absl::Status Open() {
    std::string pattern = absl::StrCat(path_, ".tmp-XXXXXX");
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    fd_ = mkstemp(name.data());
    if (fd_ < 0) return ErrnoError("cannot create a temporary file for", path_, errno);
    temp_ = name.data();
    fchmod(fd_, 0644);  // mkstemp makes 0600; Codex's own files are 0644 under the umask
    return absl::OkStatus();
  }

  absl::Status Append(std::string_view data) {
    buffer_.append(data);
    return buffer_.size() >= kFlushBytes ? Flush() : absl::OkStatus();
  }

  // Completes the file; then leaves `path` alone when it already holds the same bytes
  // (*unchanged = true), refuses a different existing file unless `force`, else renames.
  absl::Status Commit(bool force, bool* unchanged) {
    if (absl::Status s = Flush(); !s.ok()) return s;
    if (fsync(fd_) != 0) return ErrnoError("cannot fsync", temp_, errno);
    close(fd_);
    fd_ = -1;
    std::error_code ec;
    *unchanged = false;
    if (fs::exists(path_, ec)) {
      absl::StatusOr<bool> same = SameContent(temp_, path_);
      if (!same.ok()) return same.status();
      if (*same) {
        *unchanged = true;
        return absl::OkStatus();  // the destructor removes the temporary
      }
      if (!force) {
        return absl::AlreadyExistsError(
            absl::StrCat(path_, " exists with different content; pass --force to replace it"));
      }
    }
    if (rename(temp_.c_str(), path_.c_str()) != 0) return ErrnoError("cannot rename", temp_, errno);
    temp_.clear();
    // The rename is durable only once the directory entry is.
    std::string dir = fs::path(path_).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd < 0) return ErrnoError("cannot open directory", dir, errno);
    int rc = fsync(dfd);
    int err = errno;
    close(dfd);
    if (rc != 0) return ErrnoError("cannot fsync directory", dir, err);
    return absl::OkStatus();
  }

 private:
  static constexpr size_t kFlushBytes = 1 << 20;

  absl::Status Flush() {
    size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError("cannot write", temp_, errno);
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
    return absl::OkStatus();
  }

  static absl::StatusOr<bool> SameContent(const std::string& a, const std::string& b) {
    std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
    if (!fa || !fb) return absl::InternalError(absl::StrCat("cannot read ", fa ? b : a));
    std::vector<char> ba(1 << 16), bb(1 << 16);
    while (true) {
      fa.read(ba.data(), ba.size());
      fb.read(bb.data(), bb.size());
      if (fa.gcount() != fb.gcount()) return false;
      if (std::memcmp(ba.data(), bb.data(), fa.gcount()) != 0) return false;
      if (fa.gcount() == 0 || (!fa && !fb)) return true;
    }
  }

  std::string path_;
  std::string temp_;
  int fd_ = -1;
  std::string buffer_;
};

// Feeds every rollout line of `thread` to `sink`; kNotFound when there is none.
template <typename Sink>
absl::Status ForEachLine(RolloutStore& store, const ThreadId& thread, ExportStats* stats,
                         Sink&& sink) {
  std::unique_ptr<EventIterator> it = store.ReadRollout(thread);
  uint64_t lines = 0;
  std::string line;
  for (; it->Valid(); it->Next()) {
    line = FormatRolloutLine(it->event());
    line.push_back('\n');
    if (absl::Status s = sink(line); !s.ok()) return s;
    ++lines;
    if (stats != nullptr) stats->bytes += line.size();
  }
  if (!it->status().ok()) return it->status();
  if (lines == 0) {
    return absl::NotFoundError(absl::StrCat("thread ", thread.ToString(), " has no rollout lines"));
  }
  if (stats != nullptr) {
    stats->lines += lines;
    ++stats->threads;
  }
  return absl::OkStatus();
}

std::tm LocalTime(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  return tm;
}

std::string FormatTm(const std::tm& tm, const char* format) {
  char buffer[64];
  size_t n = std::strftime(buffer, sizeof buffer, format, &tm);
  return std::string(buffer, n);
}

}  // namespace

absl::Status WriteRollout(RolloutStore& store, const ThreadId& thread, std::ostream& out,
                          ExportStats* stats) {
  absl::Status s = ForEachLine(store, thread, stats, [&out](const std::string& line) {
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
    return out ? absl::OkStatus() : absl::InternalError("cannot write the output stream");
  });
  out.flush();
  return s;
}

absl::Status ExportThreadToFile(RolloutStore& store, const ThreadId& thread,
                                const std::string& path, const ExportOptions& options,
                                ExportStats* stats) {
  AtomicFile file(path);
  if (absl::Status s = file.Open(); !s.ok()) return s;
  if (absl::Status s = ForEachLine(store, thread, stats,
                                   [&file](const std::string& line) { return file.Append(line); });
      !s.ok()) {
    return s;
  }
  bool unchanged = false;
  if (absl::Status s = file.Commit(options.force, &unchanged); !s.ok()) return s;
  if (stats != nullptr) ++(unchanged ? stats->files_unchanged : stats->files_written);
  return absl::OkStatus();
}

std::string RolloutFileName(const ThreadId& thread, int64_t created_at_ms) {
  return absl::StrCat("rollout-", FormatTm(LocalTime(created_at_ms), "%Y-%m-%dT%H-%M-%S"), "-",
                      thread.ToString(), ".jsonl");
}

std::string RolloutRelativePath(const ThreadId& thread, const ThreadFileState& state) {
  const std::string name = RolloutFileName(thread, state.created_at_ms);
  if (state.archived) return absl::StrCat("archived_sessions/", name);
  return absl::StrCat("sessions/", FormatTm(LocalTime(state.created_at_ms), "%Y/%m/%d"), "/", name);
}

std::string SessionIndexLine(const ThreadId& thread, const ThreadFileState& state) {
  nlohmann::ordered_json line = {{"id", thread.ToString()},
                                 {"thread_name", state.name.value_or("")},
                                 {"updated_at", FormatTimestampMs(state.updated_at_ms)}};
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<ExportStats> ExportAll(RolloutStore& store, const std::string& codex_home,
                                      const ExportOptions& options,
                                      const std::function<void(const ExportStats&)>& progress) {
  absl::StatusOr<std::vector<ThreadId>> threads = store.log().ListThreads();
  if (!threads.ok()) return threads.status();
  ExportStats stats;
  std::vector<std::pair<ThreadId, ThreadFileState>> named;
  for (const ThreadId& id : *threads) {
    absl::StatusOr<std::optional<ThreadFileState>> state = store.FileState(id);
    if (!state.ok()) return state.status();
    // A thread made only of lifecycle events (no session_meta yet) has no file to write.
    if (!state->has_value() || (*state)->rollout_lines == 0) continue;
    const ThreadFileState& s = **state;
    fs::path path = fs::path(codex_home) / RolloutRelativePath(id, s);
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("cannot create ", path.parent_path().string(), ": ", ec.message()));
    }
    if (absl::Status st = ExportThreadToFile(store, id, path.string(), options, &stats); !st.ok()) {
      return st;
    }
    if (s.name.has_value()) named.emplace_back(id, s);
    if (progress) progress(stats);
  }
  std::stable_sort(named.begin(), named.end(), [](const auto& a, const auto& b) {
    return a.second.updated_at_ms < b.second.updated_at_ms;
  });
  if (!named.empty()) {
    AtomicFile index((fs::path(codex_home) / "session_index.jsonl").string());
    if (absl::Status s = index.Open(); !s.ok()) return s;
    for (const auto& [id, s] : named) {
      if (absl::Status st = index.Append(absl::StrCat(SessionIndexLine(id, s), "\n")); !st.ok()) {
        return st;
      }
    }
    bool unchanged = false;
    if (absl::Status s = index.Commit(options.force, &unchanged); !s.ok()) return s;
    ++(unchanged ? stats.files_unchanged : stats.files_written);
  }
  return stats;
}

}  // namespace threadlog
