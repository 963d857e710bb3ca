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
#include "api/thread_events.h"
#include "eventlog/timestamp.h"
#include "migrate/toml_merge.h"
#include "projections/codex_import.h"

namespace threadlog::api {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

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

// session_index.jsonl's newest name of each of `threads` (the last line of a thread wins, as
// Codex reads it), appended as thread_renamed with the entry's time.
void ImportNames(ThreadStore& store, const fs::path& index, const std::set<ThreadId>& threads) {
  std::ifstream in(index);
  if (!in) return;
  std::map<ThreadId, std::pair<std::string, std::string>> newest;
  std::string line;
  while (std::getline(in, line)) {
    json entry = json::parse(line, nullptr, false);
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string() ||
        !entry.contains("thread_name") || !entry["thread_name"].is_string()) {
      continue;
    }
    absl::StatusOr<ThreadId> id = ThreadId::Parse(entry["id"].get<std::string>());
    if (!id.ok() || !threads.count(*id)) continue;
    newest[*id] = {entry["thread_name"].get<std::string>(), entry.value("updated_at", "")};
  }
  for (const auto& [thread, named] : newest) {
    absl::StatusOr<std::optional<ThreadSummary>> summary = store.GetThread(thread);
    if (!summary.ok() || !*summary || named.first.empty() || (*summary)->name == named.first) {
      continue;
    }
    NewEvent event = LifecycleEvent(EventKind::kThreadRenamed, {{"name", named.first}});
    if (absl::StatusOr<int64_t> ms = ParseTimestampMs(named.second); ms.ok()) {
      event.timestamp_ms = *ms;
      if (FormatTimestampMs(*ms) != named.second) event.timestamp_text = named.second;
    }
    if (absl::StatusOr<AppendResult> a = AppendDurably(store, thread, {event}); !a.ok()) {
      Log(absl::StrFormat("naming %s failed: %s", thread.ToString(), a.status().ToString()));
    }
  }
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
      if (!it->is_regular_file(ec) || !IsRolloutFile(it->path())) continue;
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
  ImportNames(store, fs::path(codex_home) / "session_index.jsonl", adopted);
  Log(absl::StrFormat(
      "Codex home imported: %d files, %d events in %.2f s", total.rollouts.files,
      total.rollouts.events,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
}

absl::StatusOr<std::optional<std::string>> ConfiguredModelProvider(const std::string& codex_home) {
  const fs::path path = fs::path(codex_home) / "config.toml";
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;  // Codex runs on its defaults without one
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StatusOr<toml::table> config = migrate::ParseExistingToml(text);
  if (!config.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": ", config.status().message()));
  }
  const toml::node* provider = config->get("model_provider");
  if (provider == nullptr) return std::nullopt;
  if (!provider->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": model_provider is not a string"));
  }
  return std::string(*provider->value<std::string>());
}

}  // namespace threadlog::api
