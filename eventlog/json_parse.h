// The one parser for JSON text from outside the process, with a nesting limit on all of it.
#ifndef THREADLOG_EVENTLOG_JSON_PARSE_H_
#define THREADLOG_EVENTLOG_JSON_PARSE_H_

#include <cstddef>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace threadlog {

// The deepest nesting of arrays and objects accepted anywhere JSON enters the process ("[]" is
// one level, "{\"a\":[]}" two). It is Codex's own limit: its serde_json refuses a 128th level, so
// Codex 0.117.0 answers a request nested 127 deep and drops one nested 128 deep ("recursion
// limit exceeded"), and cannot read back a rollout line that is deeper either. Values this
// shallow are safe for nlohmann's recursive copy, comparison and dump on any thread's stack;
// values 150,000 deep are not (SIGSEGV).
inline constexpr int kMaxJsonDepth = 127;

// The most memory a parsed value may take, about (see Limits in json_parse.cc for the costs
// counted). nlohmann's DOM costs 16 bytes a value and more per container, string and object
// member, so small containers ("[{},{},...]") take twenty times their text; a text of strings
// (a Codex rollout line holding a command's output) about its own size. 128 MiB holds any
// rollout line up to kMaxRolloutLineBytes of mostly text and any request up to serve's 8 MiB
// message limit except such container floods.
inline constexpr size_t kMaxJsonDomBytes = 128 << 20;

// The message of every depth refusal: "JSON nested deeper than 127 levels".
std::string_view JsonTooDeepMessage();

// Parses `text` as exactly one JSON value (whitespace around it allowed). Never throws except
// std::bad_alloc. Errors:
//   kInvalidArgument: not JSON. The message is the parser's, e.g. "[json.exception.parse_error.101]
//     parse error at line 1, column 2: syntax error while parsing value - ...". A NUL byte
//     anywhere is refused (nlohmann's lexer alone would take it for the end of the text and
//     accept "{}\0junk").
//   kOutOfRange: the text nests deeper than `max_depth` (message: JsonTooDeepMessage() for the
//     default). The parser stops there: nothing deeper is ever built.
//   kResourceExhausted: the value would take more than kMaxJsonDomBytes ("JSON too big to
//     hold: over 128 MiB once parsed"); the parser stops there.
absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, int max_depth = kMaxJsonDepth);
// The same, keeping the members of each object in their order in the text.
absl::StatusOr<nlohmann::ordered_json> ParseOrderedJson(std::string_view text,
                                                        int max_depth = kMaxJsonDepth);

// Checks `text` as ParseJson would, building nothing (as fast as nlohmann::json::accept).
absl::Status ValidateJson(std::string_view text, int max_depth = kMaxJsonDepth);

// The value of member `key` of the object that `text` is, built alone: the rest of the text is
// only scanned, at any depth (so the id of a request too deep to parse can still be read).
// nullopt when `text` is JSON but not an object or has no such member (the last one wins when
// it has several). Errors: as ParseJson for the text as a whole, except that only the member's
// own value is held to `max_depth` (counting from the member value itself).
absl::StatusOr<std::optional<nlohmann::json>> ParseTopLevelMember(std::string_view text,
                                                                  std::string_view key,
                                                                  int max_depth = kMaxJsonDepth);

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_JSON_PARSE_H_
