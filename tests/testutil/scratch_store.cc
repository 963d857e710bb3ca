// ScratchStore: ThreadStore::Open in a ScratchDir, then ImportCodex.
#include "tests/testutil/scratch_store.h"

namespace threadlog::testing {

absl::StatusOr<std::unique_ptr<ScratchStore>> ScratchStore::Import(
    const std::vector<std::string>& paths, RolloutImporter::ProblemSink on_problem) {
  std::unique_ptr<ScratchStore> scratch(new ScratchStore());
  absl::StatusOr<std::unique_ptr<ThreadStore>> store = ThreadStore::Open(scratch->store_dir());
  if (!store.ok()) return store.status();
  scratch->store_ = *std::move(store);
  if (absl::Status s =
          ImportCodex(*scratch->store_, paths, std::move(on_problem), {}, &scratch->stats_);
      !s.ok()) {
    return s;
  }
  return scratch;
}

ScratchStore::~ScratchStore() {
  if (store_ != nullptr) store_->Close().IgnoreError();
}

}  // namespace threadlog::testing
