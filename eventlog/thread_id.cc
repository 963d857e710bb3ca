// ThreadId parsing, formatting and UUIDv7 generation.
#include "eventlog/thread_id.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <span>
#include <string>

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

constexpr std::string_view kUrnPrefix = "urn:uuid:";

// Reads 32 hex digits from `text`, which has a hyphen exactly at each of `hyphens` and nowhere
// else.
bool ReadHex(std::string_view text, std::span<const size_t> hyphens,
             std::array<uint8_t, ThreadId::kSize>* bytes) {
  size_t out = 0;
  size_t next_hyphen = 0;
  for (size_t i = 0; i < text.size();) {
    if (next_hyphen < hyphens.size() && i == hyphens[next_hyphen]) {
      if (text[i] != '-') return false;
      ++next_hyphen;
      ++i;
      continue;
    }
    if (i + 1 >= text.size() || out == ThreadId::kSize) return false;
    int hi = HexValue(text[i]);
    int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*bytes)[out++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return out == ThreadId::kSize;
}

// The length of the UTF-8 sequence starting with `lead` (1 for a stray continuation byte).
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

// Why `input` is not a UUID, worded as the uuid crate words it (Codex shows that text): the
// first character that cannot appear (1-based byte position), then the hyphen count, then the
// first group of the wrong length. The crate measures the last group against the whole input,
// braces or prefix included, and so do we.
std::string Diagnose(std::string_view input) {
  std::string_view body = input;
  size_t offset = 0;
  bool simple = true;
  if (body.size() >= 2 && body.front() == '{' && body.back() == '}') {
    body = body.substr(1, body.size() - 2);
    offset = 1;
    simple = false;
  } else if (body.starts_with(kUrnPrefix)) {
    body.remove_prefix(kUrnPrefix.size());
    offset = kUrnPrefix.size();
    simple = false;
  }
  size_t hyphens = 0;
  std::array<size_t, 4> bounds{};
  for (size_t i = 0; i < body.size();) {
    const unsigned char c = static_cast<unsigned char>(body[i]);
    if (c >= 0x80) {
      const size_t n = std::min(Utf8Length(c), body.size() - i);
      return absl::StrCat(
          "invalid character: expected an optional prefix of `urn:uuid:` followed by "
          "[0-9a-fA-F-], found `",
          ToAbsl(body.substr(i, n)), "` at ", i + offset + 1);
    }
    if (c == '-') {
      if (hyphens < bounds.size()) bounds[hyphens] = i;
      ++hyphens;
    } else if (HexValue(static_cast<char>(c)) < 0) {
      return absl::StrCat(
          "invalid character: expected an optional prefix of `urn:uuid:` followed by "
          "[0-9a-fA-F-], found `",
          ToAbsl(body.substr(i, 1)), "` at ", i + offset + 1);
    }
    ++i;
  }
  if (hyphens == 0 && simple) {
    return absl::StrCat("invalid length: expected length 32 for simple format, found ",
                        input.size());
  }
  if (hyphens != 4) return absl::StrCat("invalid group count: expected 5, found ", hyphens + 1);
  static constexpr size_t kGroupStarts[] = {0, 9, 14, 19, 24};
  static constexpr size_t kGroupLengths[] = {8, 4, 4, 4, 12};
  for (size_t group = 0; group < 4; ++group) {
    if (bounds[group] != kGroupStarts[group + 1] - 1) {
      return absl::StrCat("invalid group length in group ", group, ": expected ",
                          kGroupLengths[group], ", found ", bounds[group] - kGroupStarts[group]);
    }
  }
  return absl::StrCat("invalid group length in group 4: expected 12, found ",
                      input.size() - kGroupStarts[4]);
}

}  // namespace

absl::StatusOr<ThreadId> ThreadId::Parse(std::string_view text) {
  static constexpr size_t kHyphens[] = {8, 13, 18, 23};
  std::array<uint8_t, kSize> bytes{};
  bool parsed = false;
  if (text.size() == 32) {
    parsed = ReadHex(text, {}, &bytes);
  } else if (text.size() == 36) {
    parsed = ReadHex(text, kHyphens, &bytes);
  } else if (text.size() == 38 && text.front() == '{' && text.back() == '}') {
    parsed = ReadHex(text.substr(1, 36), kHyphens, &bytes);
  } else if (text.size() == 45 && text.starts_with(kUrnPrefix)) {
    parsed = ReadHex(text.substr(kUrnPrefix.size()), kHyphens, &bytes);
  }
  if (!parsed) return absl::InvalidArgumentError(Diagnose(text));
  return ThreadId(bytes);
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
