// TurnDiff: baselines per path, and the git-style diff of each against the file now.
#include "api/agent/turn_diff.h"

#include <openssl/sha.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace threadlog::agent {
namespace {

constexpr char kNoBlob[] = "0000000000000000000000000000000000000000";

// The file's contents, or nullopt when it is not a regular file one can read.
std::optional<std::string> ReadFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IXUSR)) return "100755";
  return "100644";
}

}  // namespace

std::string GitBlobId(std::string_view contents) {
  std::string object = absl::StrCat("blob ", contents.size());
  object.push_back('\0');
  object.append(contents);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(object.data()), object.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), SHA_DIGEST_LENGTH));
}

void TurnDiff::Before(const PatchPlan& plan) {
  for (const FileChange& change : plan.changes) {
    const std::string& path = change.path;
    // A path the turn moved something to is the moved file's: it has its baseline already.
    bool known = files_.count(path) > 0;
    for (const auto& [first, b] : files_) known = known || b.now_path == path;
    if (!known) files_[path] = Baseline{ReadFile(path), ModeOf(path), path};
    if (change.move_path) {
      for (auto& [first, b] : files_) {
        if (b.now_path == path) b.now_path = *change.move_path;
      }
    }
  }
}

std::string TurnDiff::Diff() const {
  std::string out;
  for (const auto& [first, b] : files_) {
    const std::optional<std::string> now = ReadFile(b.now_path);
    if (now == b.contents && first == b.now_path) continue;
    if (!now && !b.contents) continue;
    const std::string old_blob = b.contents ? GitBlobId(*b.contents) : kNoBlob;
    const std::string new_blob = now ? GitBlobId(*now) : kNoBlob;
    absl::StrAppend(&out, "diff --git a/", first, " b/", b.now_path, "\n");
    if (!b.contents) absl::StrAppend(&out, "new file mode ", ModeOf(b.now_path), "\n");
    if (!now) absl::StrAppend(&out, "deleted file mode ", b.mode, "\n");
    absl::StrAppend(&out, "index ", old_blob, "..", new_blob, "\n");
    absl::StrAppend(&out, b.contents ? absl::StrCat("--- a/", first) : "--- /dev/null", "\n");
    absl::StrAppend(&out, now ? absl::StrCat("+++ b/", b.now_path) : "+++ /dev/null", "\n");
    out += UnifiedLineDiff(b.contents.value_or(""), now.value_or(""), 3);
  }
  return out;
}

}  // namespace threadlog::agent
