// SseParser: the server-sent events rules, every split of a stream, the bound on an event.
#include "api/agent/sse_parser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace threadlog::agent {
namespace {

std::vector<SseEvent> ParseAll(std::string_view body) {
  SseParser parser;
  std::vector<SseEvent> events;
  EXPECT_TRUE(parser.Feed(body, &events).ok());
  parser.Finish();
  return events;
}

// The events of `body` fed in pieces cut at `cuts` (sorted offsets).
std::vector<SseEvent> ParseSplit(std::string_view body, const std::vector<size_t>& cuts) {
  SseParser parser;
  std::vector<SseEvent> events;
  size_t from = 0;
  for (size_t cut : cuts) {
    EXPECT_TRUE(parser.Feed(body.substr(from, cut - from), &events).ok());
    from = cut;
  }
  EXPECT_TRUE(parser.Feed(body.substr(from), &events).ok());
  parser.Finish();
  return events;
}

const std::string kBody =
    "\xEF\xBB\xBF: keep-alive\r\n\r\n"
    "event: response.created\r\n"
    "data: {\"type\":\"response.created\"}\r\n\r\n"
    ":ping\n\n"
    "event: response.output_item.done\n"
    "data: {\"a\":\n"
    "data:  1}\n"
    "id: 7\n"
    "retry: 100\n"
    "\n"
    "event:response.completed\r"
    "data:{\"type\":\"response.completed\"}\r\r";

const std::vector<SseEvent> kExpected = {
    {"response.created", "{\"type\":\"response.created\"}"},
    {"response.output_item.done", "{\"a\":\n 1}"},
    {"response.completed", "{\"type\":\"response.completed\"}"},
};

TEST(SseParserTest, ParsesFieldsCommentsAndEveryLineEnd) { EXPECT_EQ(ParseAll(kBody), kExpected); }

TEST(SseParserTest, SameEventsAtEveryByteBoundary) {
  for (size_t cut = 0; cut <= kBody.size(); ++cut) {
    EXPECT_EQ(ParseSplit(kBody, {cut}), kExpected) << "cut at " << cut;
  }
}

TEST(SseParserTest, SameEventsFedOneByteAtATime) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < kBody.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(ParseSplit(kBody, cuts), kExpected);
}

TEST(SseParserTest, SameEventsAtEveryPairOfBoundaries) {
  for (size_t a = 0; a <= kBody.size(); a += 3) {
    for (size_t b = a; b <= kBody.size(); b += 5) {
      ASSERT_EQ(ParseSplit(kBody, {a, b}), kExpected) << "cuts at " << a << ", " << b;
    }
  }
}

TEST(SseParserTest, CrlfSplitAcrossFeedsIsOneLineEnd) {
  // "\r" then "\n" in the next call must not make an empty line (which would dispatch early).
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.Feed("data: a\r", &events).ok());
  ASSERT_TRUE(parser.Feed("\ndata: b\r", &events).ok());
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(parser.Feed("\n\r\n", &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb");
}

TEST(SseParserTest, DefaultsAndEdgeFields) {
  // No event field: "message". A data line with nothing after the colon: empty data, still an
  // event. A field without a colon: the whole line is the name. One space is removed, not two.
  EXPECT_EQ(ParseAll("data: x\n\n"), (std::vector<SseEvent>{{"message", "x"}}));
  EXPECT_EQ(ParseAll("data:\n\n"), (std::vector<SseEvent>{{"message", ""}}));
  EXPECT_EQ(ParseAll("data\n\n"), (std::vector<SseEvent>{{"message", ""}}));
  EXPECT_EQ(ParseAll("data:  two\n\n"), (std::vector<SseEvent>{{"message", " two"}}));
  EXPECT_EQ(ParseAll("data: a:b\n\n"), (std::vector<SseEvent>{{"message", "a:b"}}));
  // An event with no data line is not dispatched, and its name does not leak into the next.
  EXPECT_EQ(ParseAll("event: lonely\n\ndata: y\n\n"), (std::vector<SseEvent>{{"message", "y"}}));
  // Unknown fields and a field named with different case are ignored.
  EXPECT_EQ(ParseAll("Data: no\nfoo: bar\ndata: yes\n\n"),
            (std::vector<SseEvent>{{"message", "yes"}}));
  // Only keep-alives: nothing.
  EXPECT_TRUE(ParseAll(":\n\n: ping\r\n\r\n:\r\r").empty());
}

TEST(SseParserTest, ByteOrderMarkOnlyAtTheStart) {
  EXPECT_EQ(ParseAll("\xEF\xBB\xBF"
                     "data: x\n\n"),
            (std::vector<SseEvent>{{"message", "x"}}));
  // A mark later is text; an incomplete mark at the start is text too.
  EXPECT_EQ(ParseAll("data: x\n\n\xEF\xBB\xBF"
                     "data: y\n\n"),
            (std::vector<SseEvent>{{"message", "x"}}));
  EXPECT_EQ(ParseAll("\xEF\xBB"
                     "data: z\n\n"),
            (std::vector<SseEvent>{}));
  EXPECT_EQ(ParseAll("\xEF\xBB\n"
                     "data: z\n\n"),
            (std::vector<SseEvent>{{"message", "z"}}));
}

TEST(SseParserTest, UnterminatedEventAtTheEndIsDropped) {
  SseParser parser;
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.Feed("data: done\n\ndata: partial\n", &events).ok());
  parser.Finish();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "done");
  // Finish resets: the parser reads a new stream from its start.
  events.clear();
  ASSERT_TRUE(parser
                  .Feed("\xEF\xBB\xBF"
                        "data: again\n\n",
                        &events)
                  .ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "again");
}

TEST(SseParserTest, OversizedEventIsRefusedAndTheParserStaysSpent) {
  SseParser parser(64);
  std::vector<SseEvent> events;
  ASSERT_TRUE(parser.Feed("data: small\n\n", &events).ok());
  ASSERT_EQ(events.size(), 1u);
  // Many short data lines add up; the bound counts the event, not the line.
  absl::Status status;
  for (int i = 0; i < 20 && status.ok(); ++i) status = parser.Feed("data: 0123456789\n", &events);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(), "server-sent event larger than 64 bytes");
  EXPECT_LE(parser.buffered_bytes(), 64u);
  EXPECT_EQ(parser.Feed("\n\ndata: later\n\n", &events).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(events.size(), 1u);
}

TEST(SseParserTest, OverlongLineWithoutEndIsRefused) {
  SseParser parser(1000);
  std::vector<SseEvent> events;
  std::string chunk(300, 'x');
  absl::Status status;
  for (int i = 0; i < 10 && status.ok(); ++i) status = parser.Feed(chunk, &events);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_LE(parser.buffered_bytes(), 1000u);
}

TEST(SseParserTest, EventsUpToTheBoundAreFine) {
  SseParser parser(32);
  std::vector<SseEvent> events;
  // data (23 bytes incl. the kept "\n") + event name: within 32.
  ASSERT_TRUE(parser.Feed("event: e\ndata: 0123456789012345678901\n\n", &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

}  // namespace
}  // namespace threadlog::agent
