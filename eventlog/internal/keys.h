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

// The first key past every event of `thread` (an exclusive upper bound).
inline std::string ThreadUpperBound(const ThreadId& thread) {
  std::string key(thread.bytes());
  key.append(8, '\xff');
  key.push_back('\xff');
  return key;
}

// positions: position (8 bytes, big-endian) -> the event's key in events.
inline std::string PositionKey(uint64_t position) {
  std::string key;
  PutBigEndian64(&key, position);
  return key;
}

}  // namespace threadlog::keys

#endif  // THREADLOG_EVENTLOG_INTERNAL_KEYS_H_
