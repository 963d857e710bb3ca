// Tests for ThreadId parsing, formatting and UUIDv7 generation.
#include "eventlog/thread_id.h"

#include <set>

#include "gtest/gtest.h"

namespace threadlog {
namespace {

TEST(ThreadIdTest, ParsesAndFormatsCanonicalForm) {
  absl::StatusOr<ThreadId> id = ThreadId::Parse("019C8A4C-ED82-79a1-aa28-7738fc5ab61a");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->ToString(), "019c8a4c-ed82-79a1-aa28-7738fc5ab61a");
  EXPECT_EQ(ThreadId::FromBytes(id->bytes()), *id);
}

TEST(ThreadIdTest, RejectsBadText) {
  for (const char* bad :
       {"", "019c8a4c", "019c8a4c-ed82-79a1-aa28-7738fc5ab61",
        "019c8a4c_ed82-79a1-aa28-7738fc5ab61a", "g19c8a4c-ed82-79a1-aa28-7738fc5ab61a",
        "00000000-0000-0000-0000-000000000000"}) {
    absl::StatusOr<ThreadId> id = ThreadId::Parse(bad);
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(ThreadId::Parse("").status().message().find("empty"), std::string_view::npos);
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
