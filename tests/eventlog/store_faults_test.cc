// The log under failure: a full disk and I/O errors (through a fault-injecting file system), a
// crash that drops unsynced data, a write-ahead log damaged in its middle, and its repair.
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "eventlog/event_store.h"
#include "eventlog/internal/rocks_db.h"
#include "eventlog/internal/wal_scan.h"
#include "eventlog/store_repair.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "tests/testutil/fault_fs.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

namespace fs = std::filesystem;
using ::threadlog::testing::FaultFileSystem;
using ::threadlog::testing::FaultStorage;
using ::threadlog::testing::ScratchDir;

NewEvent Msg(const std::string& text) {
  NewEvent e;
  e.kind = EventKind::kEventMsg;
  e.type = "agent_message";
  e.payload =
      *JsonText::Parse(absl::StrCat(R"({"type":"agent_message","message":")", text, R"("})"));
  return e;
}

absl::StatusOr<AppendResult> AppendOne(EventStore& store, const ThreadId& thread,
                                       const std::string& text,
                                       Durability durability = Durability::kSync) {
  absl::StatusOr<uint64_t> last = store.LastSeq(thread);
  if (!last.ok()) return last.status();
  std::vector<NewEvent> events = {Msg(text)};
  return store.Append(thread, *last, events, durability);
}

std::vector<std::string> Messages(EventStore& store, const ThreadId& thread) {
  std::vector<std::string> out;
  uint64_t expected_seq = 1;
  for (auto it = store.ReadThread(thread); it->Valid(); it->Next(), ++expected_seq) {
    EXPECT_EQ(it->event().seq, expected_seq) << "seqs have a gap";
    out.push_back(nlohmann::json::parse(it->event().payload)["message"]);
  }
  return out;
}

class StoreFaultsTest : public ::testing::Test {
 protected:
  void OpenFaulty() {
    store_.reset();
    auto s = rocks::OpenEventStoreOnEnv(dir_.Sub("store"), {}, storage_.env.get());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
  }
  void OpenPlain() {
    store_.reset();
    auto s = EventStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
  }

  ScratchDir dir_;
  FaultStorage storage_;
  FaultFileSystem* fs_ = storage_.fs.get();
  std::unique_ptr<EventStore> store_;
  ThreadId a_ = ThreadId::NewV7();
  ThreadId b_ = ThreadId::NewV7();
};

// The recovery after a failed write is tried at most every half second.
void WaitForRecoveryWindow() { std::this_thread::sleep_for(std::chrono::milliseconds(600)); }

TEST_F(StoreFaultsTest, AFullDiskFailsTheAppendReadsGoOnAndWritesResumeOnceHealed) {
  OpenFaulty();
  ASSERT_TRUE(AppendOne(*store_, a_, "before").ok());
  fs_->FailAppends(FaultFileSystem::Fault::kNoSpace, ".log");
  absl::StatusOr<AppendResult> full = AppendOne(*store_, a_, "lost 1");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), absl::StatusCode::kResourceExhausted) << full.status();
  EXPECT_TRUE(absl::StrContains(full.status().message(), "full")) << full.status();
  EXPECT_EQ(Messages(*store_, a_), std::vector<std::string>{"before"});  // reads go on
  WaitForRecoveryWindow();
  EXPECT_FALSE(AppendOne(*store_, a_, "lost 2").ok());  // still full: refused, no crash
  EXPECT_GT(fs_->injected(), 0);
  fs_->Heal();
  WaitForRecoveryWindow();
  absl::StatusOr<AppendResult> after = AppendOne(*store_, a_, "after");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->first_seq, 2u);
  ASSERT_TRUE(store_->Close().ok());
  OpenPlain();
  EXPECT_EQ(Messages(*store_, a_), (std::vector<std::string>{"before", "after"}));
}

TEST_F(StoreFaultsTest, AFailedSyncIsNeverAcknowledgedAndWritesResumeOnceHealed) {
  OpenFaulty();
  ASSERT_TRUE(AppendOne(*store_, a_, "synced").ok());
  fs_->FailSyncs(FaultFileSystem::Fault::kIoError, ".log");
  EXPECT_FALSE(AppendOne(*store_, a_, "not acknowledged").ok());
  fs_->Heal();
  WaitForRecoveryWindow();
  // The failed append's data may have reached the log before its sync failed: then the store,
  // once recovered, is a seq further than the caller thought, and says so (kAborted) rather
  // than appending blindly; the caller reads the seq again.
  absl::StatusOr<AppendResult> after = AppendOne(*store_, a_, "after");
  if (!after.ok()) {
    EXPECT_EQ(after.status().code(), absl::StatusCode::kAborted) << after.status();
    after = AppendOne(*store_, a_, "after");
  }
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_TRUE(store_->Close().ok());
  OpenPlain();
  std::vector<std::string> messages = Messages(*store_, a_);
  // The unacknowledged write may or may not have reached the disk; the acknowledged ones did.
  ASSERT_GE(messages.size(), 2u);
  EXPECT_EQ(messages.front(), "synced");
  EXPECT_EQ(messages.back(), "after");
}

TEST_F(StoreFaultsTest, ACrashKeepsEverySyncedAppendAndNoTornEvent) {
  OpenFaulty();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(AppendOne(*store_, a_, absl::StrCat("s", i)).ok());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(AppendOne(*store_, b_, absl::StrCat("b", i), Durability::kBuffered).ok());
  }
  // The machine dies: nothing after this syncs, and what was not synced is gone.
  fs_->FailSyncs(FaultFileSystem::Fault::kIoError, "");
  fs_->FailAppends(FaultFileSystem::Fault::kIoError, "");
  (void)store_->Close();
  store_.reset();
  fs_->Heal();
  fs_->DropUnsyncedData();
  OpenPlain();
  std::vector<std::string> synced = Messages(*store_, a_);
  ASSERT_EQ(synced.size(), 20u);
  EXPECT_EQ(synced.back(), "s19");
  EXPECT_LE(Messages(*store_, b_).size(), 20u);  // a prefix, seqs checked contiguous
}

// Appends 20 events to each of two threads, one append per record, A's first; closes.
void FillTwoThreads(EventStore& store, const ThreadId& a, const ThreadId& b) {
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(AppendOne(store, a, absl::StrCat("a", i)).ok());
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(AppendOne(store, b, absl::StrCat("b", i)).ok());
  ASSERT_TRUE(store.Close().ok());
}

// Flips a byte inside the `n`-th (1-based) write batch holding an event.
void DamageAppend(const std::string& dir, int n) {
  auto files = rocks::WalFiles(dir);
  ASSERT_TRUE(files.ok() && !files->empty());
  auto scan = rocks::ScanWalFile(dir, files->back());
  ASSERT_TRUE(scan.ok()) << scan.status();
  int seen = 0;
  for (const rocks::WalRecord& record : scan->before) {
    // An append is its event plus its position entry.
    if (rocksdb::WriteBatch(record.batch).Count() != 2 || ++seen != n) continue;
    const fs::path path = fs::path(dir) / files->back();
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(record.offset + 12));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(record.offset + 12));
    f.write(&c, 1);
    return;
  }
  FAIL() << "no append number " << n << " in the log";
}

TEST_F(StoreFaultsTest, DamageInTheMiddleOfTheLogStopsTheOpenNamingFileAndOffset) {
  OpenPlain();
  FillTwoThreads(*store_, a_, b_);
  store_.reset();
  DamageAppend(dir_.Sub("store"), 10);
  auto files_before = rocks::WalFiles(dir_.Sub("store"));
  auto s = EventStore::Open(dir_.Sub("store"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(s.status().message(), files_before->back())) << s.status();
  EXPECT_TRUE(absl::StrContains(s.status().message(), "damaged at byte")) << s.status();
  EXPECT_TRUE(absl::StrContains(s.status().message(), "threadlog repair")) << s.status();
  // Refusing to open changed nothing: the damaged log is still there for repair.
  EXPECT_EQ(*rocks::WalFiles(dir_.Sub("store")), *files_before);
}

TEST_F(StoreFaultsTest, ATornTailIsDroppedQuietly) {
  OpenPlain();
  FillTwoThreads(*store_, a_, b_);
  store_.reset();
  auto files = rocks::WalFiles(dir_.Sub("store"));
  const fs::path log = fs::path(dir_.Sub("store")) / files->back();
  fs::resize_file(log, fs::file_size(log) - 5);  // the last write cut by a crash
  OpenPlain();
  EXPECT_EQ(Messages(*store_, a_).size(), 20u);
  EXPECT_EQ(Messages(*store_, b_).size(), 19u);
}

TEST_F(StoreFaultsTest, RepairKeepsThePrefixRestoresWhatItCanAndNamesTheRest) {
  OpenPlain();
  FillTwoThreads(*store_, a_, b_);
  store_.reset();
  DamageAppend(dir_.Sub("store"), 10);  // a's 10th event
  absl::StatusOr<LogRecovery> recovery = RecoverDamagedLog(dir_.Sub("store"), {});
  ASSERT_TRUE(recovery.ok()) << recovery.status();
  ASSERT_TRUE(recovery->damaged);
  EXPECT_EQ(recovery->unreadable_records, 1u);
  EXPECT_EQ(recovery->after_damage.size(), 30u);  // a11..a20, b1..b20
  EXPECT_TRUE(fs::exists(recovery->backup_dir));
  OpenPlain();
  EXPECT_EQ(Messages(*store_, a_).size(), 9u);  // everything before the damage
  absl::StatusOr<SalvageReport> salvage = SalvageEvents(*store_, recovery->after_damage);
  ASSERT_TRUE(salvage.ok()) << salvage.status();
  EXPECT_EQ(salvage->restored.size(), 20u);  // b: nothing of it was missing
  ASSERT_EQ(salvage->lost.size(), 10u);      // a11..a20: a10 is gone, so they would leave a gap
  EXPECT_EQ(salvage->lost.front().thread, a_);
  EXPECT_EQ(salvage->lost.front().seq, 11u);
  std::vector<std::string> b = Messages(*store_, b_);
  ASSERT_EQ(b.size(), 20u);
  EXPECT_EQ(b.back(), "b20");
  const std::string saved = dir_.Sub("lost.jsonl");
  ASSERT_TRUE(WriteRecoveredEvents(salvage->lost, saved).ok());
  std::ifstream in(saved);
  std::string first;
  std::getline(in, first);
  EXPECT_TRUE(absl::StrContains(first, "\"message\":\"a11\"")) << first;
  // Repaired: it opens and a second repair finds nothing to do.
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  absl::StatusOr<LogRecovery> again = RecoverDamagedLog(dir_.Sub("store"), {});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->damaged);
}

TEST_F(StoreFaultsTest, AReadOnlyStoreWritesNothingAndRefusesAppends) {
  OpenPlain();
  ASSERT_TRUE(AppendOne(*store_, a_, "x").ok());
  // The writer stays open: a read-only open works beside it.
  StoreOptions read_only;
  read_only.read_only = true;
  std::map<std::string, uintmax_t> before;
  for (const auto& e : fs::directory_iterator(dir_.Sub("store"))) {
    before[e.path().filename()] = e.file_size();
  }
  auto reader = EventStore::Open(dir_.Sub("store"), read_only);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(Messages(**reader, a_), std::vector<std::string>{"x"});
  EXPECT_EQ(AppendOne(**reader, a_, "no").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE((*reader)->Close().ok());
  std::map<std::string, uintmax_t> after;
  for (const auto& e : fs::directory_iterator(dir_.Sub("store"))) {
    after[e.path().filename()] = e.file_size();
  }
  EXPECT_EQ(after, before);
}

}  // namespace
}  // namespace threadlog
