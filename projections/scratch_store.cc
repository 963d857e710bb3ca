// ScratchStore: a temporary ThreadStore filled by ImportCodex, removed when done.
#include "projections/scratch_store.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"

namespace threadlog {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> MakeTempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/threadlog-scratch-XXXXXX");
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (mkdtemp(name.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a scratch directory ", pattern));
  }
  return std::string(name.data());
}

}  // namespace

absl::StatusOr<std::unique_ptr<ScratchStore>> ScratchStore::Import(
    const std::vector<std::string>& paths, RolloutImporter::ProblemSink on_problem) {
  absl::StatusOr<std::string> dir = MakeTempDir();
  if (!dir.ok()) return dir.status();
  std::unique_ptr<ScratchStore> scratch(new ScratchStore());
  scratch->dir_ = *dir;
  absl::StatusOr<std::unique_ptr<ThreadStore>> store = ThreadStore::Open(*dir + "/store");
  if (!store.ok()) return store.status();
  scratch->store_ = std::move(*store);
  if (absl::Status s =
          ImportCodex(*scratch->store_, paths, std::move(on_problem), {}, &scratch->stats_);
      !s.ok()) {
    return s;
  }
  return scratch;
}

ScratchStore::~ScratchStore() {
  if (store_ != nullptr) store_->Close().IgnoreError();
  store_.reset();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

}  // namespace threadlog
