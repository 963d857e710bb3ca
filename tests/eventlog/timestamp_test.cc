// Tests for rollout timestamps: the canonical fast path agrees with the general parser.
#include "eventlog/timestamp.h"

#include <random>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace threadlog {
namespace {

TEST(TimestampTest, CanonicalFormRoundTripsAndAgreesWithAbsl) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    // 1900 .. 2300, both sides of every leap rule.
    int64_t ms = static_cast<int64_t>(rng() % 12'622'780'800'000ULL) - 2'208'988'800'000LL;
    std::string text = FormatTimestampMs(ms);
    ASSERT_TRUE(IsCanonicalTimestamp(text)) << text;
    absl::StatusOr<int64_t> parsed = ParseTimestampMs(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(*parsed, ms) << text;
    absl::Time t;
    std::string err;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &t, &err));
    EXPECT_EQ(absl::ToUnixMillis(t), ms) << text;
  }
}

TEST(TimestampTest, OtherFormsGoThroughTheGeneralParser) {
  EXPECT_EQ(*ParseTimestampMs("2026-02-23T11:40:29.279123Z"), 1771846829279);
  EXPECT_EQ(*ParseTimestampMs("2026-02-23T12:40:29.279+01:00"), 1771846829279);
  EXPECT_FALSE(IsCanonicalTimestamp("2026-02-23T11:40:29.279123Z"));
  EXPECT_EQ(*ParseTimestampMs("2024-02-29T00:00:00.000Z"), 1709164800000);
  EXPECT_FALSE(ParseTimestampMs("2025-02-29T00:00:00.000Z").ok());
  EXPECT_FALSE(ParseTimestampMs("2026-13-01T00:00:00.000Z").ok());
  EXPECT_FALSE(ParseTimestampMs("yesterday").ok());
}

}  // namespace
}  // namespace threadlog
