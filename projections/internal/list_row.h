// The stored thread-listing row (list_row.fbs): encoding from a ThreadSummary, verified
// decoding, and the thread/list filters evaluated on it.
#ifndef THREADLOG_PROJECTIONS_INTERNAL_LIST_ROW_H_
#define THREADLOG_PROJECTIONS_INTERNAL_LIST_ROW_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "projections/thread_store.h"

namespace threadlog {

// A decoded row; the views point into the stored value.
struct ListRowView {
  bool has_user_message = false;
  std::string_view model_provider;
  std::string_view source_kind;
  std::string_view cwd;
  std::string_view thread_json;
  size_t status_offset = 0;
  size_t status_size = 0;
};

// The row for `summary` (deterministic: equal summaries give equal bytes).
std::string EncodeListRow(const ThreadSummary& summary);

// kDataLoss when `value` is not a well-formed row. The views point into `value` or, when it is
// misaligned for FlatBuffers, into `*scratch` (valid until its next use).
absl::StatusOr<ListRowView> DecodeListRow(std::string_view value, std::string* scratch);

// Whether the row passes the query's filters (the archived flag and the ordering are the key's).
// query.cwd must be in PathComponentsForm.
bool RowMatches(const ListRowView& row, const ListQuery& query);

// `path` as Codex compares cwds (Rust's Path equality): by components, so repeated and trailing
// slashes and "." components do not matter; ".." is kept as written.
std::string PathComponentsForm(std::string_view path);

}  // namespace threadlog

#endif  // THREADLOG_PROJECTIONS_INTERNAL_LIST_ROW_H_
