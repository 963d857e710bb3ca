// CodexHomeAdoption: `threadlog serve --codex-home DIR` importing, in the background, the
// Codex rollouts the store does not hold yet.
#ifndef THREADLOG_API_THREAD_IMPORT_H_
#define THREADLOG_API_THREAD_IMPORT_H_

#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "projections/thread_store.h"

namespace threadlog::api {

// Only threads absent from the store are imported: a thread already there may have been
// renamed, archived or continued through the server since, and re-reading Codex's view of it
// (its folder, its session_index.jsonl name) would undo that. Picking up lines Codex appended
// to a known thread is `threadlog import`'s job. Progress and problems go to stderr.
class CodexHomeAdoption {
 public:
  CodexHomeAdoption() = default;
  ~CodexHomeAdoption() { Stop(); }
  CodexHomeAdoption(const CodexHomeAdoption&) = delete;
  CodexHomeAdoption& operator=(const CodexHomeAdoption&) = delete;

  // Starts the import of `codex_home` (its sessions/ and archived_sessions/, then names from
  // its session_index.jsonl) on a thread of its own. `store` must outlive Stop().
  void Start(ThreadStore& store, std::string codex_home);
  // Asks the import to stop after the batch of files in progress (what is imported stays, and
  // the next start resumes with the rest), then waits for it. Idempotent.
  void Stop();

 private:
  void Run(ThreadStore& store, const std::string& codex_home);

  std::atomic<bool> stop_{false};
  std::thread worker_;
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_THREAD_IMPORT_H_
