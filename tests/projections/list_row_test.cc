// ListRow: the stored thread/list row round-trips, filters like the summary it came from, and a
// damaged row is a kDataLoss error, never an out-of-bounds read.
#include "projections/internal/list_row.h"

#include "flatbuffers/flatbuffers.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "projections/list_row_generated.h"
#include "projections/thread_json.h"

namespace threadlog {
namespace {

ThreadSummary Summary() {
  ThreadSummary s;
  s.id = ThreadId::NewV7();
  s.preview = "the first response_item user message";
  s.has_user_message = true;
  // thread/list shows this one; text that looks like the key must not confuse the status span.
  s.list_preview = "fix the \"status\":{} parser";
  s.name = "a name";
  s.created_at_ms = 1'700'000'000'123;
  s.updated_at_ms = 1'700'000'100'999;
  s.model_provider = "mock";
  s.source = nlohmann::json{{"subagent", "review"}};
  s.cwd = "/work/repo";
  s.cli_version = "0.113.0";
  s.git = {{"commit_hash", "abc"}, {"branch", "main"}};
  return s;
}

TEST(ListRowTest, RoundTripsTheThreadJsonAndItsStatusSpan) {
  std::string scratch;  // where a misaligned row is decoded
  const ThreadSummary s = Summary();
  const std::string stored = EncodeListRow(s);
  absl::StatusOr<ListRowView> row = DecodeListRow(stored, &scratch);
  ASSERT_TRUE(row.ok()) << row.status();
  ThreadSummary listed = s;
  listed.preview = *s.list_preview;
  EXPECT_EQ(nlohmann::json::parse(row->thread_json), ThreadToJson(listed));
  EXPECT_EQ(row->thread_json.substr(row->status_offset, row->status_size),
            R"({"type":"notLoaded"})");
  EXPECT_TRUE(row->has_user_message);
  EXPECT_EQ(row->model_provider, "mock");
  EXPECT_EQ(row->source_kind, "subAgentReview");
  EXPECT_EQ(row->cwd, "/work/repo");
  EXPECT_EQ(EncodeListRow(s), stored) << "equal summaries give equal rows";

  ThreadSummary unlisted = s;
  unlisted.list_preview.reset();  // no user_message event yet: Codex does not list it
  const std::string unlisted_row = EncodeListRow(unlisted);
  EXPECT_FALSE(DecodeListRow(unlisted_row, &scratch)->has_user_message);
}

TEST(ListRowTest, FiltersLikeTheSummary) {
  std::string scratch;  // where a misaligned row is decoded
  const std::string stored = EncodeListRow(Summary());
  const ListRowView row = *DecodeListRow(stored, &scratch);
  ListQuery q;
  EXPECT_TRUE(RowMatches(row, q));
  q.require_user_message = true;
  q.model_providers = {"openai", "mock"};
  q.source_kinds = {"subAgentReview"};
  q.cwd = "/work/repo";
  EXPECT_TRUE(RowMatches(row, q));
  q.cwd = "/work";
  EXPECT_FALSE(RowMatches(row, q));
  q.cwd.reset();
  q.source_kinds = {"cli"};
  EXPECT_FALSE(RowMatches(row, q));
  q.source_kinds.clear();
  q.model_providers = {"openai"};
  EXPECT_FALSE(RowMatches(row, q));
}

TEST(ListRowTest, CwdsCompareByComponentsAsCodexDoes) {
  std::string scratch;  // where a misaligned row is decoded
  EXPECT_EQ(PathComponentsForm("/work/repo"), "/work/repo");
  EXPECT_EQ(PathComponentsForm("/work//repo/"), "/work/repo");
  EXPECT_EQ(PathComponentsForm("/work/./repo/."), "/work/repo");
  EXPECT_EQ(PathComponentsForm("/work/x/../repo"), "/work/x/../repo");  // not resolved
  EXPECT_EQ(PathComponentsForm("/"), "/");
  EXPECT_EQ(PathComponentsForm("./a/./b"), "./a/b");

  ThreadSummary s = Summary();
  s.cwd = "/work/repo/";
  const std::string stored = EncodeListRow(s);
  const ListRowView row = *DecodeListRow(stored, &scratch);
  ListQuery q;
  q.cwd = PathComponentsForm("/work/./repo");
  EXPECT_TRUE(RowMatches(row, q));
  q.cwd = PathComponentsForm("/work/other/../repo");
  EXPECT_FALSE(RowMatches(row, q));
  // What the client sees is the cwd as recorded.
  EXPECT_EQ(nlohmann::json::parse(row.thread_json)["cwd"], "/work/repo/");
}

TEST(ListRowTest, AMisalignedRowIsReadFromAnAlignedCopy) {
  std::string scratch;
  const std::string stored = EncodeListRow(Summary());
  // RocksDB hands values out at any address: decode one that sits one byte off.
  std::string shifted = "x" + stored;
  std::string_view misaligned = std::string_view(shifted).substr(1);
  absl::StatusOr<ListRowView> row = DecodeListRow(misaligned, &scratch);
  ASSERT_TRUE(row.ok()) << row.status();
  std::string other;
  EXPECT_EQ(row->thread_json, DecodeListRow(stored, &other)->thread_json);
  EXPECT_FALSE(scratch.empty());  // it was read from the copy
}

TEST(ListRowTest, DamagedRowsAreDataLoss) {
  std::string scratch;  // where a misaligned row is decoded
  EXPECT_EQ(DecodeListRow("", &scratch).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeListRow("not a flatbuffer at all", &scratch).status().code(),
            absl::StatusCode::kDataLoss);
  std::string stored = EncodeListRow(Summary());
  stored.resize(stored.size() / 2);
  EXPECT_EQ(DecodeListRow(stored, &scratch).status().code(), absl::StatusCode::kDataLoss);

  // Well-formed FlatBuffers whose status span points past the JSON.
  flatbuffers::FlatBufferBuilder fbb;
  auto json = fbb.CreateString("{}");
  fb::ListRowBuilder builder(fbb);
  builder.add_thread_json(json);
  builder.add_status_offset(1);
  builder.add_status_size(5);
  fbb.Finish(builder.Finish());
  const std::string bad(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  EXPECT_EQ(DecodeListRow(bad, &scratch).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace threadlog
