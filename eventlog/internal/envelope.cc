// DecodeEnvelope: the verified read of a stored event.
#include "eventlog/internal/envelope.h"

#include "absl/strings/str_cat.h"
#include "eventlog/envelope_generated.h"
#include "eventlog/internal/keys.h"

namespace threadlog {

absl::Status DecodeEnvelope(std::string_view key, std::string_view value, EventView* view,
                            std::string* scratch) {
  value = AlignedForFlatBuffers(value, scratch);
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  if (key.size() != keys::kEventKeySize || !fb::VerifyEnvelopeBuffer(verifier)) {
    return absl::DataLossError(absl::StrCat("stored event ",
                                            key.size() >= ThreadId::kSize
                                                ? ThreadId::FromBytes(key).ToString()
                                                : std::string("<bad key>"),
                                            " fails envelope verification"));
  }
  const fb::Envelope* env = fb::GetEnvelope(value.data());
  view->thread = ThreadId::FromBytes(key);
  view->seq = env->seq();
  view->position = env->position();
  view->timestamp_ms = env->timestamp_ms();
  view->kind = static_cast<EventKind>(env->kind());
  view->type =
      env->type() ? std::string_view(env->type()->data(), env->type()->size()) : std::string_view();
  view->payload = env->payload()
                      ? std::string_view(reinterpret_cast<const char*>(env->payload()->data()),
                                         env->payload()->size())
                      : std::string_view();
  view->timestamp_text = env->timestamp_text() ? std::string_view(env->timestamp_text()->data(),
                                                                  env->timestamp_text()->size())
                                               : std::string_view();
  if (view->seq != keys::GetBigEndian64(key.substr(ThreadId::kSize))) {
    return absl::DataLossError(absl::StrCat("stored event ", view->thread.ToString(), " seq ",
                                            view->seq, " is stored under another seq's key"));
  }
  return absl::OkStatus();
}

}  // namespace threadlog
