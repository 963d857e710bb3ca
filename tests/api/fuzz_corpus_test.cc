// Runs the JSON-RPC decoder over the libFuzzer corpus (tests/fuzz/corpus/) in every build, with
// the fuzz target's invariant: decode never throws, and what decodes re-encodes and decodes again.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/jsonrpc.h"
#include "gtest/gtest.h"

namespace threadlog::api {
namespace {

TEST(FuzzCorpusTest, DecoderHoldsOnEveryCorpusInput) {
  const std::filesystem::path dir =
      std::filesystem::path(THREADLOG_SOURCE_DIR) / "tests/fuzz/corpus";
  size_t inputs = 0, decoded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<Message> message = DecodeMessage(text.str());
    (void)SalvageRequestId(text.str());
    ++inputs;
    if (!message.ok()) continue;
    ++decoded;
    absl::StatusOr<Message> again = DecodeMessage(Encode(*message));
    ASSERT_TRUE(again.ok()) << entry.path() << ": " << again.status();
    EXPECT_EQ(again->index(), message->index()) << entry.path();
  }
  EXPECT_GE(inputs, 10u);
  EXPECT_GE(decoded, 1u);
}

}  // namespace
}  // namespace threadlog::api
