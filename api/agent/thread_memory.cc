// ThreadMemory: the rollout lines a turn reads, folded in; ThreadMemories: the cache of them.
#include "api/agent/thread_memory.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "eventlog/json_parse.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

TokenUsage UsageFrom(const json& j) {
  TokenUsage u;
  if (!j.is_object()) return u;
  u.input_tokens = j.value("input_tokens", int64_t{0});
  u.cached_input_tokens = j.value("cached_input_tokens", int64_t{0});
  u.output_tokens = j.value("output_tokens", int64_t{0});
  u.reasoning_output_tokens = j.value("reasoning_output_tokens", int64_t{0});
  u.total_tokens = j.value("total_tokens", int64_t{0});
  return u;
}

absl::Status Fold(ThreadMemory& m, const EventView& e) {
  if (absl::Status s = m.history.Add(e.kind, e.type, e.payload); !s.ok()) return s;
  if (e.kind == EventKind::kResponseItem) m.history_bytes += e.payload.size();
  if (e.kind == EventKind::kCompacted) m.history_bytes = e.payload.size();
  if (e.kind == EventKind::kCompacted) m.compacted_since_context = true;
  if (e.kind == EventKind::kTurnContext) m.compacted_since_context = false;
  const bool wanted = e.kind == EventKind::kSessionMeta || e.kind == EventKind::kTurnContext ||
                      (e.kind == EventKind::kEventMsg && e.type == "token_count");
  if (!wanted) return absl::OkStatus();
  absl::StatusOr<json> payload = ParseJson(e.payload);
  if (!payload.ok() || !payload->is_object()) return absl::OkStatus();
  if (e.kind == EventKind::kSessionMeta) {
    json tools = payload->value("dynamic_tools", json());
    if (tools.is_array()) m.dynamic_tools = std::move(tools);
    json base = payload->value("base_instructions", json());
    if (base.is_object() && base.value("text", json()).is_string()) {
      m.instructions = base["text"].get<std::string>();
    }
  } else if (e.kind == EventKind::kTurnContext) {
    m.last_context = *std::move(payload);
  } else {
    json info = payload->value("info", json());
    if (info.is_object()) {
      m.total = UsageFrom(info.value("total_token_usage", json()));
      m.last = UsageFrom(info.value("last_token_usage", json()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ThreadMemory::CatchUp(ThreadStore& store, const ThreadId& thread) {
  // The first read expands a fork's inherited lines; later ones read the thread's own events
  // after the last one seen (lifecycle kinds among them are not rollout lines).
  std::unique_ptr<EventIterator> it =
      seq == 0 ? store.ReadRollout(thread) : store.log().ReadThread(thread, seq + 1);
  for (; it->Valid(); it->Next()) {
    const EventView& e = it->event();
    if (e.thread == thread) seq = std::max(seq, e.seq);
    if (!IsRolloutKind(e.kind)) continue;
    if (absl::Status s = Fold(*this, e); !s.ok()) return s;
  }
  return it->status();
}

absl::StatusOr<ThreadMemory> ThreadMemories::Recall(ThreadStore& store, const ThreadId& thread) {
  // Taken out while it catches up (one copy goes back, not two): a thread runs one turn at a
  // time, and a second caller meanwhile would only read from the start.
  ThreadMemory memory;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(thread);
    if (it != entries_.end()) {
      memory = std::move(it->second.memory);
      entries_.erase(it);
    }
  }
  if (absl::Status s = memory.CatchUp(store, thread); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  Entry& entry = entries_[thread];
  if (entry.memory.seq <= memory.seq) entry.memory = memory;
  entry.used = ++clock_;
  size_t bytes = 0;
  for (const auto& [id, e] : entries_) bytes += e.memory.history_bytes;
  while (entries_.size() > 1 && (entries_.size() > capacity_ || bytes > byte_budget_)) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
    bytes -= oldest->second.memory.history_bytes;
    entries_.erase(oldest);
  }
  return memory;
}

}  // namespace threadlog::agent
