// Decoding a stored event (its events-family key and FlatBuffers envelope) into an EventView.
#ifndef THREADLOG_EVENTLOG_INTERNAL_ENVELOPE_H_
#define THREADLOG_EVENTLOG_INTERNAL_ENVELOPE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "eventlog/event.h"

namespace threadlog {

// FlatBuffers are read in place and their scalars loaded at their natural alignment; RocksDB
// hands out values at any address. Returns `value` itself when it is aligned for the widest
// scalar, else a copy in `*scratch` (a std::string's heap buffer is aligned for any scalar).
inline std::string_view AlignedForFlatBuffers(std::string_view value, std::string* scratch) {
  if (reinterpret_cast<uintptr_t>(value.data()) % alignof(uint64_t) == 0) return value;
  scratch->assign(value.data(), value.size());
  scratch->reserve(16);  // never the small-string buffer inside the object
  return *scratch;
}

// Verifies the envelope and fills `view`, whose string_views point into `value` or, when
// `value` is misaligned, into `*scratch` (valid until its next use). kDataLoss for a key or
// envelope that does not verify, or a seq that disagrees with the key's.
absl::Status DecodeEnvelope(std::string_view key, std::string_view value, EventView* view,
                            std::string* scratch);

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_INTERNAL_ENVELOPE_H_
