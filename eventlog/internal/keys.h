// Key encodings of the event log's column families (see FORMAT.md).
#ifndef THREADLOG_EVENTLOG_INTERNAL_KEYS_H_
#define THREADLOG_EVENTLOG_INTERNAL_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "eventlog/thread_id.h"

namespace threadlog::keys {

inline void PutBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

inline uint64_t GetBigEndian64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(in[i]);
  return v;
}

constexpr size_t kEventKeySize = ThreadId::kSize + 8;
constexpr size_t kPositionKeySize = 8;

// events: thread id (16 bytes) + seq (8 bytes, big-endian), so a thread is one contiguous range
// in seq order.
inline std::string EventKey(const ThreadId& thread, uint64_t seq) {
  std::string key(thread.bytes());
  PutBigEndian64(&key, seq);
  return key;
}

// EventKey appended to `out`, for building many keys in one buffer.
inline void AppendEventKey(std::string* out, const ThreadId& thread, uint64_t seq) {
  out->append(thread.bytes());
  PutBigEndian64(out, seq);
}

// The first key past every event of `thread` (an exclusive upper bound).
inline std::string ThreadUpperBound(const ThreadId& thread) {
  std::string key(thread.bytes());
  key.append(8, '\xff');
  key.push_back('\xff');
  return key;
}

// positions: one entry per run of consecutive positions that one append gave one thread:
//   key   = first position (8 bytes, big-endian)
//   value = thread id (16 bytes) + first seq (8 bytes BE) + event count (8 bytes BE)
// A run's events have positions first_position + i and seqs first_seq + i. One entry per append
// instead of one per event keeps the index about a batch-size times smaller, and lets a global
// scan read each run as one range of the events family.
inline std::string PositionKey(uint64_t position) {
  std::string key;
  PutBigEndian64(&key, position);
  return key;
}

inline std::string PositionRunValue(const ThreadId& thread, uint64_t first_seq, uint64_t count) {
  std::string value(thread.bytes());
  PutBigEndian64(&value, first_seq);
  PutBigEndian64(&value, count);
  return value;
}

struct PositionRun {
  uint64_t first_position = 0;
  ThreadId thread;
  uint64_t first_seq = 0;
  uint64_t count = 0;
};

inline bool DecodePositionRun(std::string_view key, std::string_view value, PositionRun* run) {
  if (key.size() != kPositionKeySize || value.size() != ThreadId::kSize + 16) return false;
  run->first_position = GetBigEndian64(key);
  run->thread = ThreadId::FromBytes(value);
  run->first_seq = GetBigEndian64(value.substr(ThreadId::kSize));
  run->count = GetBigEndian64(value.substr(ThreadId::kSize + 8));
  return run->count > 0;
}

}  // namespace threadlog::keys

#endif  // THREADLOG_EVENTLOG_INTERNAL_KEYS_H_
