// `threadlog rebuild` and `threadlog verify` through the real binary: verify passes on an
// imported store, names the thread whose projection was tampered with, and rebuild repairs it.
#include "absl/strings/match.h"
#include "eventlog/thread_id.h"
#include "gtest/gtest.h"
#include "projections/internal/store_keys.h"
#include "rocksdb/db.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

using ::threadlog::testing::CommandResult;
using ::threadlog::testing::RunCommand;
using ::threadlog::testing::ScratchDir;

const std::string kBinary = THREADLOG_BINARY;
const std::string kHome = std::string(THREADLOG_SOURCE_DIR) + "/tests/fixtures/codex-0.113.0/basic";
constexpr char kLimited[] = "01a20edc-6c30-77d2-8ea8-b69792e25b0b";

// Deletes the thread's first stored turn row behind the store's back.
void DropFirstTurn(const std::string& store_dir, const ThreadId& thread) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), store_dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& n : names) families.push_back({n, rocksdb::ColumnFamilyOptions()});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), store_dir, families, &handles, &db).ok());
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == store_keys::kTurnsFamily) {
      ASSERT_TRUE(
          db->Delete(rocksdb::WriteOptions(), handles[i], store_keys::TurnKey(thread, 0)).ok());
    }
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
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
