// Tests for EventStore: ordering, contiguity, conflicts, reopen, bad input, format and corruption.
#include "eventlog/event_store.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "eventlog/envelope_generated.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog {
namespace {

using ::threadlog::testing::ScratchDir;

NewEvent Msg(const std::string& text) {
  NewEvent e;
  e.kind = EventKind::kEventMsg;
  e.type = "agent_message";
  e.payload =
      *JsonText::Parse(absl::StrCat(R"({"type":"agent_message","message":")", text, R"("})"));
  return e;
}

std::vector<NewEvent> Msgs(int n, const std::string& prefix) {
  std::vector<NewEvent> v;
  for (int i = 0; i < n; ++i) v.push_back(Msg(absl::StrCat(prefix, i)));
  return v;
}

std::vector<std::string> Payloads(EventIterator& it, std::vector<uint64_t>* seqs = nullptr) {
  std::vector<std::string> out;
  for (; it.Valid(); it.Next()) {
    out.emplace_back(it.event().payload);
    if (seqs) seqs->push_back(it.event().seq);
  }
  EXPECT_TRUE(it.status().ok()) << it.status();
  return out;
}

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<EventStore>> s = EventStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  ScratchDir dir_;
  std::unique_ptr<EventStore> store_;
  ThreadId a_ = ThreadId::NewV7();
  ThreadId b_ = ThreadId::NewV7();
};

TEST_F(EventStoreTest, AssignsContiguousSeqsAndIncreasingPositions) {
  auto r1 = store_->Append(a_, 0, Msgs(3, "a"), Durability::kBuffered);
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_EQ(r1->first_seq, 1u);
  EXPECT_EQ(r1->last_seq, 3u);
  auto r2 = store_->Append(b_, 0, Msgs(2, "b"), Durability::kSync);
  ASSERT_TRUE(r2.ok());
  auto r3 = store_->Append(a_, 3, Msgs(2, "c"), Durability::kBuffered);
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3->first_seq, 4u);
  EXPECT_EQ(r3->last_seq, 5u);
  EXPECT_EQ(r3->first_position, 6u);

  std::vector<uint64_t> seqs;
  auto it = store_->ReadThread(a_);
  std::vector<std::string> payloads = Payloads(*it, &seqs);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(payloads[3], Msg("c0").payload.str());

  auto from = store_->ReadThread(a_, 4);
  EXPECT_EQ(Payloads(*from).size(), 2u);

  auto all = store_->ReadAll();
  std::vector<uint64_t> positions;
  std::vector<ThreadId> owners;
  for (; all->Valid(); all->Next()) {
    positions.push_back(all->event().position);
    owners.push_back(all->event().thread);
  }
  EXPECT_EQ(positions, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(owners[3], b_);
  EXPECT_EQ(owners[5], a_);
  EXPECT_EQ(*store_->LastSeq(a_), 5u);
  EXPECT_EQ(*store_->LastSeq(ThreadId::NewV7()), 0u);

  // Reading from inside a run, at a run's start, and past the end.
  for (uint64_t from : {1, 2, 4, 5, 6, 7, 8, 100}) {
    std::vector<uint64_t> got;
    auto tail = store_->ReadAll(from);
    for (; tail->Valid(); tail->Next()) got.push_back(tail->event().position);
    ASSERT_TRUE(tail->status().ok()) << tail->status();
    std::vector<uint64_t> want;
    for (uint64_t p = from; p <= 7; ++p) want.push_back(p);
    EXPECT_EQ(got, want) << "from " << from;
  }
}

TEST_F(EventStoreTest, StaleExpectedSeqIsAbortedAndWritesNothing) {
  ASSERT_TRUE(store_->Append(a_, 0, Msgs(2, "x"), Durability::kBuffered).ok());
  auto stale = store_->Append(a_, 1, Msgs(3, "y"), Durability::kBuffered);
  ASSERT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE(stale.status().message().find("expected last seq 1"), std::string_view::npos);
  EXPECT_NE(stale.status().message().find("at seq 2"), std::string_view::npos);
  auto again = store_->Append(a_, 0, Msgs(1, "z"), Durability::kBuffered);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(*store_->LastSeq(a_), 2u);
  auto it = store_->ReadAll();
  EXPECT_EQ(Payloads(*it).size(), 2u);
}

TEST_F(EventStoreTest, ReopenKeepsEventsSeqsAndPositions) {
  ASSERT_TRUE(store_->Append(a_, 0, Msgs(4, "p"), Durability::kBuffered).ok());
  ASSERT_TRUE(store_->Close().ok());
  Reopen();
  EXPECT_EQ(*store_->LastSeq(a_), 4u);
  auto r = store_->Append(b_, 0, Msgs(1, "q"), Durability::kBuffered);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_position, 5u);
  auto threads = store_->ListThreads();
  ASSERT_TRUE(threads.ok());
  EXPECT_EQ(threads->size(), 2u);
  auto it = store_->ReadThread(a_);
  EXPECT_EQ(Payloads(*it).back(), Msg("p3").payload.str());
}

TEST_F(EventStoreTest, BulkLoadedAppendsAreThereAfterCloseAndTheStoreOpensNormally) {
  ASSERT_TRUE(store_->Append(a_, 0, Msgs(2, "wal"), Durability::kBuffered).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  StoreOptions bulk;
  bulk.bulk_load = true;
  absl::StatusOr<std::unique_ptr<EventStore>> loaded = EventStore::Open(dir_.Sub("store"), bulk);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto r = (*loaded)->Append(a_, 2, Msgs(3, "bulk"), Durability::kBuffered);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first_position, 3u);
  ASSERT_TRUE((*loaded)->Append(b_, 0, Msgs(1, "b"), Durability::kSync).ok());
  ASSERT_TRUE((*loaded)->Close().ok());
  loaded->reset();

  Reopen();  // without bulk_load: the WAL is back for what follows
  std::vector<uint64_t> seqs;
  auto it = store_->ReadThread(a_);
  EXPECT_EQ(Payloads(*it, &seqs).back(), Msg("bulk2").payload.str());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(*store_->LastSeq(b_), 1u);
  auto next = store_->Append(b_, 1, Msgs(1, "after"), Durability::kBuffered);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->first_position, 7u);
}

TEST_F(EventStoreTest, BadInputIsRefusedAndNothingIsWritten) {
  // Text that is not JSON cannot even become a payload: JsonText is the only way in.
  for (const char* bad : {"{\"type\": broken", "", "{} {}", "[1,", "nul"}) {
    auto payload = JsonText::Parse(bad);
    EXPECT_EQ(payload.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(payload.status().message().find("not valid JSON"), std::string_view::npos);
  }
  EXPECT_EQ(store_->Append(ThreadId(), 0, Msgs(1, "n"), Durability::kBuffered).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Append(a_, 0, {}, Durability::kBuffered).status().code(),
            absl::StatusCode::kInvalidArgument);
  NewEvent bad_kind = Msg("k");
  bad_kind.kind = static_cast<EventKind>(42);
  EXPECT_EQ(
      store_->Append(a_, 0, std::vector<NewEvent>{bad_kind}, Durability::kBuffered).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->LastSeq(a_), 0u);
  auto all = store_->ReadAll();
  EXPECT_FALSE(all->Valid());
}

TEST_F(EventStoreTest, SeqOverflowIsOutOfRange) {
  auto r = store_->Append(a_, std::numeric_limits<uint64_t>::max() - 1, Msgs(2, "o"),
                          Durability::kBuffered);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kOutOfRange) << r.status();
  EXPECT_NE(r.status().message().find("overflow"), std::string_view::npos);
  EXPECT_EQ(*store_->LastSeq(a_), 0u);
}

TEST_F(EventStoreTest, ConcurrentAppendersKeepEveryThreadContiguous) {
  constexpr int kWriters = 8, kBatches = 50;
  std::vector<ThreadId> threads;
  for (int w = 0; w < kWriters; ++w) threads.push_back(ThreadId::NewV7());
  std::vector<std::thread> workers;
  for (int w = 0; w < kWriters; ++w) {
    workers.emplace_back([&, w] {
      uint64_t last = 0;
      for (int b = 0; b < kBatches; ++b) {
        auto r = store_->Append(threads[w], last, Msgs(1 + b % 3, absl::StrCat(w, "-", b, "-")),
                                b % 2 ? Durability::kSync : Durability::kBuffered);
        ASSERT_TRUE(r.ok()) << r.status();
        last = r->last_seq;
      }
    });
  }
  // A second appender racing on thread 0 with a stale seq must get conflicts, never interleave.
  while (*store_->LastSeq(threads[0]) == 0) std::this_thread::yield();
  int conflicts = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = store_->Append(threads[0], 0, Msgs(1, "racer"), Durability::kBuffered);
    if (r.status().code() == absl::StatusCode::kAborted) ++conflicts;
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(conflicts, 20);
  uint64_t previous_position = 0;
  auto all = store_->ReadAll();
  for (; all->Valid(); all->Next()) {
    EXPECT_GT(all->event().position, previous_position);
    previous_position = all->event().position;
  }
  for (const ThreadId& t : threads) {
    std::vector<uint64_t> seqs;
    auto it = store_->ReadThread(t);
    Payloads(*it, &seqs);
    for (size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i + 1);
  }
}

TEST_F(EventStoreTest, RefusesNewerFormatWithoutTouchingIt) {
  ASSERT_TRUE(store_->Append(a_, 0, Msgs(1, "f"), Durability::kBuffered).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  {
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    std::vector<std::string> names;
    ASSERT_TRUE(
        rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_.Sub("store"), &names).ok());
    for (const auto& n : names) families.push_back({n, rocksdb::ColumnFamilyOptions()});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(
        rocksdb::DB::Open(rocksdb::DBOptions(), dir_.Sub("store"), families, &handles, &db).ok());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "meta") {
        ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[i], "format_version", "99").ok());
      }
    }
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto s = EventStore::Open(dir_.Sub("store"));
  ASSERT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("format version 99"), std::string_view::npos) << s.status();
  EXPECT_NE(s.status().message().find("newer threadlog"), std::string_view::npos);
}

TEST_F(EventStoreTest, CorruptedDataFileGivesAClearError) {
  std::vector<NewEvent> many;
  for (int i = 0; i < 2000; ++i)
    many.push_back(Msg(absl::StrCat("corrupt me ", i, " ", std::string(200, 'x' + i % 3))));
  ASSERT_TRUE(store_->Append(a_, 0, many, Durability::kSync).ok());
  ASSERT_TRUE(store_->CompactAll().ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  std::string biggest;
  uintmax_t biggest_size = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir_.Sub("store"))) {
    if (f.path().extension() == ".sst" && f.file_size() > biggest_size) {
      biggest = f.path();
      biggest_size = f.file_size();
    }
  }
  ASSERT_FALSE(biggest.empty());
  {
    std::fstream f(biggest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(biggest_size / 3));
    std::string garbage(512, '\x5a');
    f.write(garbage.data(), garbage.size());
  }
  auto reopened = EventStore::Open(dir_.Sub("store"));
  if (!reopened.ok()) {
    EXPECT_EQ(reopened.status().code(), absl::StatusCode::kDataLoss) << reopened.status();
    return;
  }
  auto it = (*reopened)->ReadThread(a_);
  size_t read = 0;
  for (; it->Valid(); it->Next()) ++read;
  EXPECT_LT(read, many.size());
  EXPECT_EQ(it->status().code(), absl::StatusCode::kDataLoss) << it->status();
  EXPECT_NE(it->status().message().find("orrupt"), std::string_view::npos) << it->status();
}

TEST_F(EventStoreTest, KeepsTimestampsAndOriginalTimestampText) {
  NewEvent e = Msg("t");
  e.timestamp_ms = 1771846829279;
  e.timestamp_text = "2026-02-23T11:40:29.279123Z";
  ASSERT_TRUE(
      store_->Append(a_, 0, std::vector<NewEvent>{e, Msg("now")}, Durability::kBuffered).ok());
  auto it = store_->ReadThread(a_);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->event().timestamp_ms, 1771846829279);
  EXPECT_EQ(it->event().timestamp_text, "2026-02-23T11:40:29.279123Z");
  it->Next();
  ASSERT_TRUE(it->Valid());
  EXPECT_GT(it->event().timestamp_ms, 1771846829279);  // "now"
  EXPECT_TRUE(it->event().timestamp_text.empty());
}

}  // namespace
}  // namespace threadlog
