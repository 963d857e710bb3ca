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

  // Parses what Codex's UUID parser accepts: 8-4-4-4-12 hex (either case), the 32-digit simple
  // form, `{...}` braces and the `urn:uuid:` prefix. Anything else is kInvalidArgument with that
  // parser's wording ("invalid length: expected length 32 for simple format, found 3"). The nil
  // UUID parses (Codex answers "not found" for it); the store never holds a thread under it.
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
