// SseParser: line splitting (CRLF, LF, CR), field parsing and event dispatch.
#include "api/agent/sse_parser.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace threadlog::agent {

namespace {
constexpr char kByteOrderMark[] = "\xEF\xBB\xBF";
}  // namespace

SseParser::SseParser(size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

absl::Status SseParser::CheckBound() {
  if (buffered_bytes() > max_event_bytes_) {
    error_ = absl::ResourceExhaustedError(
        absl::StrCat("server-sent event larger than ", max_event_bytes_, " bytes"));
    line_.clear();
    data_.clear();
    event_.clear();
  }
  return error_;
}

absl::Status SseParser::Feed(std::string_view bytes, std::vector<SseEvent>* events) {
  if (!error_.ok()) return error_;
  size_t i = 0;
  // A byte order mark may arrive split over calls: hold its bytes until it is whole or broken.
  while (at_stream_start_ && i < bytes.size()) {
    if (bytes[i] == kByteOrderMark[bom_matched_]) {
      ++i;
      if (++bom_matched_ == 3) at_stream_start_ = false;
      continue;
    }
    at_stream_start_ = false;
    line_.append(kByteOrderMark, bom_matched_);  // not a mark after all: those bytes are text
  }
  while (i < bytes.size()) {
    const char c = bytes[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') {  // the LF of a CRLF
        ++i;
        continue;
      }
    }
    if (c == '\r' || c == '\n') {
      EndLine(events);
      if (!error_.ok()) return error_;
      after_cr_ = c == '\r';
      ++i;
      continue;
    }
    size_t end = bytes.find_first_of("\r\n", i);
    if (end == std::string_view::npos) end = bytes.size();
    line_.append(bytes.substr(i, end - i));
    if (!CheckBound().ok()) return error_;
    i = end;
  }
  return absl::OkStatus();
}

void SseParser::EndLine(std::vector<SseEvent>* events) {
  std::string line;
  line.swap(line_);
  if (line.empty()) {
    Dispatch(events);
    return;
  }
  if (line[0] == ':') return;  // a comment
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = field.find(':'); colon != std::string_view::npos) {
    value = field.substr(colon + 1);
    field = field.substr(0, colon);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    event_ = std::string(value);
  } else if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  }
  // `id`, `retry` and any other field: nothing the Responses API needs.
  CheckBound().IgnoreError();
}

void SseParser::Dispatch(std::vector<SseEvent>* events) {
  if (has_data_) {
    data_.pop_back();  // the "\n" after the last data line
    events->push_back({event_.empty() ? "message" : std::move(event_), std::move(data_)});
  }
  event_.clear();
  data_.clear();
  has_data_ = false;
}

void SseParser::Finish() {
  line_.clear();
  event_.clear();
  data_.clear();
  has_data_ = false;
  after_cr_ = false;
  bom_matched_ = 0;
  at_stream_start_ = true;
  error_ = absl::OkStatus();
}

}  // namespace threadlog::agent
