// libFuzzer target: the JSON-RPC decoder must never throw, crash or accept a non-message, and
// what it decodes must re-encode to something it decodes again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/jsonrpc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<threadlog::api::Message> message = threadlog::api::DecodeMessage(text);
  (void)threadlog::api::SalvageRequestId(text);
  if (!message.ok()) return 0;
  std::string encoded = threadlog::api::Encode(*message);
  absl::StatusOr<threadlog::api::Message> again = threadlog::api::DecodeMessage(encoded);
  if (!again.ok() || again->index() != message->index()) std::abort();
  return 0;
}
