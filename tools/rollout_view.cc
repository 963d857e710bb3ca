// RolloutView: an in-memory ThreadStore filled by ImportCodex.
#include "tools/rollout_view.h"

namespace threadlog {

absl::StatusOr<RolloutView> ViewRollouts(const std::vector<std::string>& paths,
                                         RolloutImporter::ProblemSink on_problem) {
  ThreadStoreOptions options;
  options.in_memory = true;
  absl::StatusOr<std::unique_ptr<ThreadStore>> store = ThreadStore::Open("/rollout-view", options);
  if (!store.ok()) return store.status();
  RolloutView view;
  view.store = *std::move(store);
  if (absl::Status s = ImportCodex(*view.store, paths, std::move(on_problem), {}, &view.stats);
      !s.ok()) {
    return s;
  }
  return view;
}

}  // namespace threadlog
