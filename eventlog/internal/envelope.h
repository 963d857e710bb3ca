// Decoding a stored event (its events-family key and FlatBuffers envelope) into an EventView.
#ifndef THREADLOG_EVENTLOG_INTERNAL_ENVELOPE_H_
#define THREADLOG_EVENTLOG_INTERNAL_ENVELOPE_H_

#include <string_view>

#include "absl/status/status.h"
#include "eventlog/event.h"

namespace threadlog {

// Verifies the envelope and fills `view`, whose string_views point into `value`. kDataLoss for
// a key or envelope that does not verify, or a seq that disagrees with the key's.
absl::Status DecodeEnvelope(std::string_view key, std::string_view value, EventView* view);

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_INTERNAL_ENVELOPE_H_
