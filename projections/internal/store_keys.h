// Key encodings of the projection column families (documented in projections/STORE.md).
#ifndef THREADLOG_PROJECTIONS_INTERNAL_STORE_KEYS_H_
#define THREADLOG_PROJECTIONS_INTERNAL_STORE_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eventlog/internal/keys.h"
#include "eventlog/state.h"
#include "eventlog/thread_id.h"

namespace threadlog::store_keys {

constexpr char kThreadIndexFamily[] = "thread_index";
constexpr char kTurnsFamily[] = "turns";
constexpr char kProjectionMetaFamily[] = "projection_meta";
// The state families (StoreOptions::state_families), in this order: StateFamily i is the
// i-th name.
enum : StateFamily { kIndex = 0, kTurns = 1, kProjectionMeta = 2 };
inline std::vector<std::string> StateFamilyNames() {
  return {kThreadIndexFamily, kTurnsFamily, kProjectionMetaFamily};
}
constexpr char kVersionKey[] = "version";

// thread_index: 'S' + id -> summary JSON.
inline std::string SummaryKey(const ThreadId& id) {
  return std::string("S") + std::string(id.bytes());
}

// thread_index orderings, newest first: 'C'/'U' + archived ('0'/'1') + ~time (8 bytes BE) + ~id.
// Inverting the time makes a forward scan go from newest to oldest; inverting the id breaks ties
// the way Codex does, greater uuid first.
inline std::string OrderKey(char which, bool archived, int64_t time_ms, const ThreadId& id) {
  std::string key(1, which);
  key.push_back(archived ? '1' : '0');
  keys::PutBigEndian64(&key, ~static_cast<uint64_t>(time_ms));
  for (char c : id.bytes()) key.push_back(static_cast<char>(~c));
  return key;
}
// The thread of an OrderKey.
inline ThreadId ThreadOfOrderKey(std::string_view key) {
  std::string id(key.substr(key.size() - ThreadId::kSize));
  for (char& c : id) c = static_cast<char>(~c);
  return ThreadId::FromBytes(id);
}
inline std::string OrderPrefix(char which, bool archived) {
  return std::string(1, which) + (archived ? '1' : '0');
}
constexpr size_t kOrderKeySize = 2 + 8 + ThreadId::kSize;

// thread_index name index: 'N' + name + '\0' + ~position of the rename (8 bytes BE) + id, so the
// most recent rename of a name comes first.
inline std::string NamePrefix(std::string_view name) {
  std::string key("N");
  key.append(name);
  key.push_back('\0');
  return key;
}
inline std::string NameKey(std::string_view name, uint64_t position, const ThreadId& id) {
  std::string key = NamePrefix(name);
  keys::PutBigEndian64(&key, ~position);
  key.append(id.bytes());
  return key;
}

// turns: 'T' + id + turn index (4 bytes BE) -> v2 Turn JSON; 'K' + id -> checkpoint JSON;
// 'F' + parent id + child id -> "" (the forks that read the parent's turns through).
inline std::string TurnKey(const ThreadId& id, uint32_t index) {
  std::string key("T");
  key.append(id.bytes());
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(index >> shift));
  return key;
}
inline std::string TurnPrefix(const ThreadId& id) {
  return std::string("T") + std::string(id.bytes());
}
inline std::string CheckpointKey(const ThreadId& id) {
  return std::string("K") + std::string(id.bytes());
}
inline std::string ChildKey(const ThreadId& parent, const ThreadId& child) {
  return std::string("F") + std::string(parent.bytes()) + std::string(child.bytes());
}
inline std::string ChildPrefix(const ThreadId& parent) {
  return std::string("F") + std::string(parent.bytes());
}

}  // namespace threadlog::store_keys

#endif  // THREADLOG_PROJECTIONS_INTERNAL_STORE_KEYS_H_
