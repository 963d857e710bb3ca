// The background Codex home adoption of `threadlog serve`: new rollouts in batches, then names.
#include "api/thread_import.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "eventlog/codex_import.h"

namespace threadlog::api {
namespace {

namespace fs = std::filesystem;

// Files per ImportCodex call: small enough that Stop() is prompt, large enough to amortize.
constexpr size_t kBatch = 64;

void Log(const std::string& text) { std::cerr << "threadlog serve: " << text << std::endl; }

// The thread id Codex puts at the end of a rollout file name
// (rollout-2026-11-24T18-40-57-<uuid>.jsonl[.zst]), if it has one.
std::optional<ThreadId> IdFromName(const fs::path& file) {
  std::string name = file.filename().string();
  for (const char* ext : {".zst", ".jsonl"}) {
    if (name.size() > strlen(ext) && name.ends_with(ext)) name.resize(name.size() - strlen(ext));
  }
  constexpr size_t kUuidChars = 36;
  if (name.size() < kUuidChars) return std::nullopt;
  absl::StatusOr<ThreadId> id = ThreadId::Parse(name.substr(name.size() - kUuidChars));
  return id.ok() ? std::optional<ThreadId>(*id) : std::nullopt;
}

bool IsRolloutFile(const fs::path& file) {
  const std::string name = file.filename().string();
  return name.starts_with("rollout-") && (name.ends_with(".jsonl") || name.ends_with(".jsonl.zst"));
}

}  // namespace

void CodexHomeAdoption::Start(ThreadStore& store, std::string codex_home) {
  stop_ = false;
  worker_ = std::thread([this, &store, home = std::move(codex_home)] {
    // The server goes on without its Codex history rather than terminate with the thread.
    try {
      Run(store, home);
    } catch (const std::exception& e) {
      Log(absl::StrCat("Codex home import stopped: internal error: ", e.what()));
    } catch (...) {
      Log("Codex home import stopped: internal error: unknown exception");
    }
  });
}

void CodexHomeAdoption::Stop() {
  stop_ = true;
  if (worker_.joinable()) worker_.join();
}

void CodexHomeAdoption::Run(ThreadStore& store, const std::string& codex_home) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code home_ec;
  if (!fs::is_directory(codex_home, home_ec)) {
    // Not fatal: the server works without it; but a mistyped path should not look like an
    // empty history.
    Log(absl::StrFormat("warning: Codex home %s is not a directory; nothing to adopt", codex_home));
    return;
  }
  std::vector<std::string> files;
  std::set<ThreadId> adopted;
  size_t known = 0;
  for (const char* folder : {"sessions", "archived_sessions"}) {
    std::error_code ec;
    fs::path root = fs::path(codex_home) / folder;
    if (!fs::is_directory(root, ec)) continue;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      // A rollout-named FIFO or socket is handed to the import too, which refuses it without
      // waiting on it and says so; only folders are passed over.
      if (!IsRolloutFile(it->path()) || it->is_directory(ec)) continue;
      std::optional<ThreadId> id = IdFromName(it->path());
      if (id) {
        absl::StatusOr<std::optional<ThreadSummary>> summary = store.GetThread(*id);
        if (summary.ok() && *summary) {
          ++known;
          continue;
        }
        adopted.insert(*id);
      }
      files.push_back(it->path().string());
    }
  }
  Log(absl::StrFormat("adopting Codex home %s: %d new rollouts (%d already in the store)",
                      codex_home, files.size(), known));
  CodexImportStats total;
  auto last_report = start;
  for (size_t done = 0; done < files.size() && !stop_; done += kBatch) {
    std::vector<std::string> batch(files.begin() + done,
                                   files.begin() + std::min(files.size(), done + kBatch));
    CodexImportStats stats;
    absl::Status s = ImportCodex(
        store, batch,
        [](const ImportProblem& p) {
          Log(absl::StrFormat("%s:%d: skipped: %s", p.file, p.line, p.reason));
        },
        {}, &stats);
    total.rollouts.files += stats.rollouts.files;
    total.rollouts.events += stats.rollouts.events;
    if (!s.ok()) {
      Log("Codex home import stopped: " + s.ToString());
      return;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::seconds(1)) {
      last_report = now;
      Log(absl::StrFormat("importing Codex home: %d/%d files, %d events",
                          std::min(files.size(), done + kBatch), files.size(),
                          total.rollouts.events));
    }
  }
  if (stop_) {
    Log("Codex home import interrupted; the next start imports the rest");
    return;
  }
  // Names only for the threads adopted now: a known thread may have been renamed through the
  // server since.
  if (absl::Status s = ImportSessionIndex(
          store, (fs::path(codex_home) / "session_index.jsonl").string(), &adopted,
          [](const ImportProblem& p) {
            Log(absl::StrFormat("%s:%d: skipped: %s", p.file, p.line, p.reason));
          },
          &total);
      !s.ok()) {
    Log("naming the adopted threads failed: " + s.ToString());
  }
  Log(absl::StrFormat(
      "Codex home imported: %d files, %d events in %.2f s", total.rollouts.files,
      total.rollouts.events,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
}

}  // namespace threadlog::api
