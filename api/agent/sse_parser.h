// SseParser: turns the bytes of a text/event-stream body, split however the network split
// them, into complete events, by the rules of the HTML standard's "server-sent events".
#ifndef THREADLOG_API_AGENT_SSE_PARSER_H_
#define THREADLOG_API_AGENT_SSE_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace threadlog::agent {

struct SseEvent {
  std::string event;  // the `event:` field; "message" when the event named none
  std::string data;   // the `data:` lines joined with "\n"

  bool operator==(const SseEvent&) const = default;
};

// The rules applied: lines end with CRLF, LF or CR (a CRLF split between two Feed calls is
// still one line end); a blank line dispatches the event, unless it has no data line; a line
// starting with ':' is a comment (keep-alives); `field: value` loses one space after the colon;
// a line without a colon is a field with an empty value; `event` and `data` are kept, `id`,
// `retry` and unknown fields are ignored; one UTF-8 byte order mark at the start is skipped; at
// the end of the stream an event that no blank line ended is dropped.
//
// Memory is bounded: the event being built plus the line being read may hold at most
// `max_event_bytes`. Not thread-safe: one parser per stream, fed from one thread at a time.
class SseParser {
 public:
  static constexpr size_t kDefaultMaxEventBytes = size_t{32} << 20;

  explicit SseParser(size_t max_event_bytes = kDefaultMaxEventBytes);

  // Consumes the next `bytes` of the stream and appends every event they complete to *events,
  // in order. kResourceExhausted ("server-sent event larger than N bytes") once an event
  // outgrows the bound; the parser is then spent and returns that error from every later call
  // (events completed before the oversized one were appended).
  absl::Status Feed(std::string_view bytes, std::vector<SseEvent>* events);

  // The end of the stream: drops a partial event and line and resets, ready for a new stream.
  void Finish();

  // Bytes held for the event under construction and the line being read.
  size_t buffered_bytes() const { return line_.size() + data_.size() + event_.size(); }

 private:
  void EndLine(std::vector<SseEvent>* events);
  void Dispatch(std::vector<SseEvent>* events);
  absl::Status CheckBound();

  const size_t max_event_bytes_;
  std::string line_;        // the line read so far, without its end
  std::string event_;       // the event type buffer
  std::string data_;        // the data buffer, each line followed by "\n"
  bool has_data_ = false;   // a data line was seen (the buffer may still be "")
  bool after_cr_ = false;   // the last byte was CR: an LF next belongs to the same line end
  size_t bom_matched_ = 0;  // bytes of a leading byte order mark matched so far
  bool at_stream_start_ = true;
  absl::Status error_;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_SSE_PARSER_H_
