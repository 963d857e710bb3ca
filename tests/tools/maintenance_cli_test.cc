// `threadlog rebuild` and `threadlog verify` through the real binary: verify passes on an
// imported store, names the thread whose projection was tampered with, and rebuild repairs it.
#include "absl/strings/match.h"
#include "eventlog/thread_id.h"
#include "gtest/gtest.h"
#include "projections/internal/store_keys.h"
#include "projections/thread_store.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

using ::threadlog::testing::CommandResult;
using ::threadlog::testing::RunCommand;
using ::threadlog::testing::ScratchDir;

const std::string kBinary = THREADLOG_BINARY;
const std::string kHome = std::string(THREADLOG_SOURCE_DIR) + "/tests/fixtures/codex-0.113.0/basic";
constexpr char kLimited[] = "01a20edc-6c30-77d2-8ea8-b69792e25b0b";

// Deletes the thread's first stored turn row behind the projections' back.
void DropFirstTurn(const std::string& store_dir, const ThreadId& thread) {
  auto store = ThreadStore::Open(store_dir);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)
                  ->log()
                  .WriteState([&](StateWriter& state) {
                    state.Delete(store_keys::kTurns, store_keys::TurnKey(thread, 0));
                  })
                  .ok());
  ASSERT_TRUE((*store)->Close().ok());
}

TEST(MaintenanceCli, VerifyCatchesTamperingAndRebuildRepairsIt) {
  ScratchDir dir;
  const std::string store = dir.Sub("store");
  ASSERT_EQ(RunCommand({kBinary, "--home", store, "import", kHome}).exit_code, 0);
  CommandResult ok = RunCommand({kBinary, "--home", store, "verify"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(absl::StrContains(ok.out, "every projection matches the log")) << ok.out;

  DropFirstTurn(store, *ThreadId::Parse(kLimited));
  CommandResult bad = RunCommand({kBinary, "--home", store, "verify"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(bad.err, kLimited)) << bad.err;

  CommandResult rebuilt = RunCommand({kBinary, "--home", store, "rebuild"});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  // 157 rollout lines, plus the archive flag and two names the home's index gave.
  EXPECT_TRUE(absl::StrContains(rebuilt.out, "rebuilt projections from 160 events")) << rebuilt.out;
  EXPECT_EQ(RunCommand({kBinary, "--home", store, "verify"}).exit_code, 0);
}

}  // namespace
}  // namespace threadlog
