// Tests for ThreadId parsing, formatting and UUIDv7 generation.
#include "eventlog/thread_id.h"

#include <set>
#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace threadlog {
namespace {

TEST(ThreadIdTest, ParsesAndFormatsCanonicalForm) {
  absl::StatusOr<ThreadId> id = ThreadId::Parse("019C8A4C-ED82-79a1-aa28-7738fc5ab61a");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->ToString(), "019c8a4c-ed82-79a1-aa28-7738fc5ab61a");
  EXPECT_EQ(ThreadId::FromBytes(id->bytes()), *id);
}

TEST(ThreadIdTest, AcceptsTheFormsCodexAccepts) {
  const std::string canonical = "019c8a4c-ed82-79a1-aa28-7738fc5ab61a";
  for (const char* form :
       {"019c8a4ced8279a1aa287738fc5ab61a", "{019c8a4c-ed82-79a1-aa28-7738fc5ab61a}",
        "urn:uuid:019c8a4c-ed82-79a1-aa28-7738fc5ab61a", "019C8A4C-ED82-79A1-AA28-7738FC5AB61A"}) {
    absl::StatusOr<ThreadId> id = ThreadId::Parse(form);
    ASSERT_TRUE(id.ok()) << form << ": " << id.status();
    EXPECT_EQ(id->ToString(), canonical) << form;
  }
  absl::StatusOr<ThreadId> nil = ThreadId::Parse("00000000-0000-0000-0000-000000000000");
  ASSERT_TRUE(nil.ok());
  EXPECT_TRUE(nil->IsNil());
}

// Each message is the one Codex 0.117.0 answered for the same text (its uuid crate's wording).
TEST(ThreadIdTest, RejectsBadTextInCodexWords) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "invalid length: expected length 32 for simple format, found 0"},
      {"bad", "invalid length: expected length 32 for simple format, found 3"},
      {"019c8a4c-ed82-79a1-aa28-7738fc5ab61",
       "invalid group length in group 4: expected 12, found 11"},
      {"019c8a4c-ed82-79a1-aa28-7738fc5ab61x",
       "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], "
       "found `x` at 36"},
      {"019c8a4c-ed82-79a1-aa287738fc5ab61a", "invalid group count: expected 5, found 4"},
      {"019c8a4c-ed82-79a1-aa28-7738fc5ab61a-", "invalid group count: expected 5, found 6"},
      {"019c8a4c_ed82_79a1_aa28_7738fc5ab61a",
       "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], "
       "found `_` at 9"},
      {"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
       "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], "
       "found `z` at 1"},
      // The crate measures the last group against the whole input, braces and prefix included.
      {"{019c8a4c-ed82-79a1-aa28-7738fc5ab61aa}",
       "invalid group length in group 4: expected 12, found 15"},
      {"urn:uuid:019c8a4c-ed82-79a1-aa28-7738fc5ab61",
       "invalid group length in group 4: expected 12, found 20"},
      {"019c8a4c-ed82-79a1-aa28-7738fc5ab6\xc3\xa9"
       "1",
       "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], "
       "found `\xc3\xa9` at 35"},
      {"019c8a4-ced82-79a1-aa28-7738fc5ab61a",
       "invalid group length in group 0: expected 8, found 7"},
  };
  for (const auto& [text, message] : cases) {
    absl::StatusOr<ThreadId> id = ThreadId::Parse(text);
    ASSERT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(id.status().message(), message) << text;
  }
}

TEST(ThreadIdTest, NewV7IsVersion7AndUnique) {
  std::set<ThreadId> seen;
  for (int i = 0; i < 1000; ++i) {
    ThreadId id = ThreadId::NewV7();
    std::string text = id.ToString();
    EXPECT_EQ(text[14], '7') << text;
    EXPECT_TRUE(text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b') << text;
    EXPECT_TRUE(seen.insert(id).second);
  }
}

}  // namespace
}  // namespace threadlog
