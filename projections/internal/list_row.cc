// ListRow: one thread/list answer, rendered when the thread's summary changes.
#include "projections/internal/list_row.h"

#include <algorithm>

#include "eventlog/internal/envelope.h"
#include "flatbuffers/flatbuffers.h"
#include "projections/list_row_generated.h"
#include "projections/thread_json.h"
#include "projections/thread_summary.h"

namespace threadlog {
namespace {

std::string_view View(const flatbuffers::String* s) {
  return s == nullptr ? std::string_view() : std::string_view(s->data(), s->size());
}

}  // namespace

std::string EncodeListRow(const ThreadSummary& summary) {
  // Rendered with status notLoaded (what a server that has not loaded the thread answers) and
  // thread/list's own preview. The keys come out sorted and only "turns" (an empty array) and
  // "updatedAt" (a number) follow "status", so the last `,"status":` is the top-level key and
  // never text inside a value.
  ThreadSummary listed = summary;
  listed.preview = summary.list_preview.value_or("");
  const std::string thread_json =
      ThreadToJson(listed).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  constexpr std::string_view kStatusKey = ",\"status\":";
  const size_t key = thread_json.rfind(kStatusKey);
  const size_t value = key + kStatusKey.size();
  const size_t value_end = thread_json.find(",\"turns\":", value);

  flatbuffers::FlatBufferBuilder fbb(thread_json.size() + 256);
  auto provider = fbb.CreateString(summary.model_provider);
  auto source_kind = fbb.CreateString(SourceKindOf(summary.source));
  auto cwd = fbb.CreateString(PathComponentsForm(summary.cwd));
  auto json = fbb.CreateString(thread_json);
  fb::ListRowBuilder row(fbb);
  row.add_has_user_message(summary.list_preview.has_value());
  row.add_model_provider(provider);
  row.add_source_kind(source_kind);
  row.add_cwd(cwd);
  row.add_thread_json(json);
  row.add_status_offset(static_cast<uint32_t>(value));
  row.add_status_size(static_cast<uint32_t>(value_end - value));
  fbb.Finish(row.Finish());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

absl::StatusOr<ListRowView> DecodeListRow(std::string_view value, std::string* scratch) {
  value = AlignedForFlatBuffers(value, scratch);
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  if (!fb::VerifyListRowBuffer(verifier)) {
    return absl::DataLossError("a thread listing row fails verification");
  }
  const fb::ListRow* row = fb::GetListRow(value.data());
  ListRowView view;
  view.has_user_message = row->has_user_message();
  view.model_provider = View(row->model_provider());
  view.source_kind = View(row->source_kind());
  view.cwd = View(row->cwd());
  view.thread_json = View(row->thread_json());
  view.status_offset = row->status_offset();
  view.status_size = row->status_size();
  if (view.status_offset > view.thread_json.size() ||
      view.status_size > view.thread_json.size() - view.status_offset) {
    return absl::DataLossError("a thread listing row has its status outside its JSON");
  }
  return view;
}

std::string PathComponentsForm(std::string_view path) {
  std::string out;
  if (path.starts_with('/')) out.push_back('/');
  bool first = true;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
    // A leading "." of a relative path is a component in Rust; later ones are not.
    if (part.empty() || (part == "." && !(first && out.empty()))) continue;
    if (!out.empty() && out.back() != '/') out.push_back('/');
    out.append(part);
    first = false;
  }
  return out;
}

bool RowMatches(const ListRowView& row, const ListQuery& q) {
  if (q.require_user_message && !row.has_user_message) return false;
  auto contains = [](const std::vector<std::string>& set, std::string_view value) {
    return set.empty() || std::find(set.begin(), set.end(), value) != set.end();
  };
  if (!contains(q.model_providers, row.model_provider)) return false;
  if (!contains(q.source_kinds, row.source_kind)) return false;
  if (q.cwd && row.cwd != *q.cwd) return false;
  return true;
}

}  // namespace threadlog
