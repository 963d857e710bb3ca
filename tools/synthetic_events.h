// Synthetic Codex-shaped workloads for benchmarks, made from real rollout files as templates.
#ifndef THREADLOG_TOOLS_SYNTHETIC_EVENTS_H_
#define THREADLOG_TOOLS_SYNTHETIC_EVENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "eventlog/event.h"

namespace threadlog::bench {

// One synthetic thread: its id, its events, and the rollout JSONL those events would be.
struct SyntheticThread {
  ThreadId id;
  std::vector<NewEvent> events;
  uint64_t jsonl_bytes = 0;
};

// Loads every rollout-*.jsonl below `fixtures_dir` as templates, then makes threads totalling
// at least `min_events` events: each is a template replayed with fresh UUIDs, shifted
// timestamps, varied numbers and lightly varied texts (so ids, texts and outputs differ between
// threads while the shapes stay Codex's). Deterministic for a given seed.
// `max_events_per_thread` (0: no limit) cuts each thread to its first events, for workloads of
// many small threads.
absl::StatusOr<std::vector<SyntheticThread>> MakeSyntheticThreads(
    const std::string& fixtures_dir, uint64_t min_events, uint64_t seed,
    uint64_t max_events_per_thread = 0);

// One thread of at least `min_events` events: a synthetic thread followed by the events (less
// the session_meta) of further ones, so turns keep coming with fresh ids.
absl::StatusOr<SyntheticThread> MakeLongThread(const std::string& fixtures_dir, uint64_t min_events,
                                               uint64_t seed);

}  // namespace threadlog::bench

#endif  // THREADLOG_TOOLS_SYNTHETIC_EVENTS_H_
