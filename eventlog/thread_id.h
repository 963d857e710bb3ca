// ThreadId: a thread's UUID, held as the 16 bytes that prefix its keys in the store.
#ifndef THREADLOG_EVENTLOG_THREAD_ID_H_
#define THREADLOG_EVENTLOG_THREAD_ID_H_

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace threadlog {

class ThreadId {
 public:
  static constexpr size_t kSize = 16;

  // The nil UUID; never a valid thread (Append refuses it).
  ThreadId() : bytes_{} {}
  explicit ThreadId(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}

  // Parses the canonical 8-4-4-4-12 hex form (either case). Anything else, including the
  // empty string and the nil UUID, is kInvalidArgument with the offending text in the message.
  static absl::StatusOr<ThreadId> Parse(std::string_view text);
  // Reads the 16-byte binary form; requires bytes.size() >= kSize.
  static ThreadId FromBytes(std::string_view bytes);
  // A fresh UUIDv7 (time-ordered, as Codex creates them).
  static ThreadId NewV7();

  bool IsNil() const;
  std::string ToString() const;  // lowercase canonical form
  std::string_view bytes() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

  auto operator<=>(const ThreadId&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_;
};

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_THREAD_ID_H_
