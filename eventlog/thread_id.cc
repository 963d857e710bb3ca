// ThreadId parsing, formatting and UUIDv7 generation.
#include "eventlog/thread_id.h"

#include <chrono>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"

namespace threadlog {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<ThreadId> ThreadId::Parse(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("thread id is empty");
  constexpr size_t kCanonicalLength = 36;
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "thread id '", ToAbsl(text), "' is not a UUID (expected 8-4-4-4-12 hex digits)"));
  };
  if (text.size() != kCanonicalLength) return invalid();
  std::array<uint8_t, kSize> bytes{};
  size_t out = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return invalid();
      ++i;
      continue;
    }
    int hi = HexValue(text[i]);
    int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return invalid();
    bytes[out++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  ThreadId id(bytes);
  if (id.IsNil()) return absl::InvalidArgumentError("thread id is the nil UUID");
  return id;
}

ThreadId ThreadId::FromBytes(std::string_view bytes) {
  std::array<uint8_t, kSize> raw{};
  std::memcpy(raw.data(), bytes.data(), kSize);
  return ThreadId(raw);
}

ThreadId ThreadId::NewV7() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::array<uint8_t, kSize> b{};
  uint64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  uint64_t r1 = rng(), r2 = rng();
  for (int i = 6; i < 16; ++i) b[i] = static_cast<uint8_t>((i < 11 ? r1 : r2) >> (8 * (i % 8)));
  b[6] = static_cast<uint8_t>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3f));  // RFC 4122 variant
  return ThreadId(b);
}

bool ThreadId::IsNil() const {
  for (uint8_t b : bytes_) {
    if (b != 0) return false;
  }
  return true;
}

std::string ThreadId::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < kSize; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes_[i] >> 4]);
    out.push_back(kHex[bytes_[i] & 0xf]);
  }
  return out;
}

}  // namespace threadlog
