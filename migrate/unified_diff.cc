// Unified diffs (diff -u style) of planned file changes, for `threadlog migrate import --dry-run`.
#include "migrate/unified_diff.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "migrate/file_io.h"
#include "migrate/internal/absl_sv.h"
#include "migrate/internal/lines.h"

namespace threadlog::migrate {

using internal::Sv;
namespace {

struct Op {
  char kind;  // ' ', '-', '+'
  std::string_view line;
};

// Edit script by longest common subsequence; files here are small config and Markdown files, so
// the quadratic table is fine. Past the cap the whole file is shown as replaced.
std::vector<Op> EditScript(const std::vector<std::string_view>& a,
                           const std::vector<std::string_view>& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<Op> ops;
  if (n * m > 16'000'000) {
    for (auto l : a) ops.push_back({'-', l});
    for (auto l : b) ops.push_back({'+', l});
    return ops;
  }
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ops.push_back({' ', a[i++]});
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push_back({'-', a[i++]});  // deletions before insertions, as diff -u prints them
    } else {
      ops.push_back({'+', b[j++]});
    }
  }
  return ops;
}

void AppendLine(std::string* out, char kind, std::string_view line) {
  out->push_back(kind);
  out->append(line);
  if (line.empty() || line.back() != '\n') out->append("\n\\ No newline at end of file\n");
}

}  // namespace

std::string UnifiedDiff(std::string_view old_text, std::string_view new_text,
                        std::string_view old_label, std::string_view new_label, int context) {
  const bool is_new = old_label == "/dev/null";
  if (old_text == new_text && !is_new) return "";
  std::string out = absl::StrCat("--- ", Sv(old_label), "\n+++ ", Sv(new_label), "\n");
  auto binary = [](std::string_view t) {
    return t.find('\0') != std::string_view::npos || !IsValidUtf8(t);
  };
  if (binary(old_text) || binary(new_text)) {
    return absl::StrCat("Binary files ", Sv(old_label), " and ", Sv(new_label), " differ\n");
  }
  std::vector<Op> ops = EditScript(internal::SplitLines(old_text), internal::SplitLines(new_text));
  const size_t ctx = static_cast<size_t>(context);
  size_t k = 0;
  while (k < ops.size()) {
    // Find the next change, then grow the hunk while changes are within 2*context lines.
    while (k < ops.size() && ops[k].kind == ' ') ++k;
    if (k == ops.size()) break;
    size_t start = k >= ctx ? k - ctx : 0;
    size_t end = k;
    while (end < ops.size()) {
      if (ops[end].kind != ' ') {
        ++end;
        continue;
      }
      size_t run = end;
      while (run < ops.size() && ops[run].kind == ' ') ++run;
      if (run == ops.size() || run - end > 2 * ctx) {
        end = std::min(end + ctx, ops.size());
        break;
      }
      end = run;
    }
    // Line numbers: count old/new lines before `start`.
    size_t old_line = 1, new_line = 1, old_count = 0, new_count = 0;
    for (size_t q = 0; q < start; ++q) {
      if (ops[q].kind != '+') ++old_line;
      if (ops[q].kind != '-') ++new_line;
    }
    for (size_t q = start; q < end; ++q) {
      if (ops[q].kind != '+') ++old_count;
      if (ops[q].kind != '-') ++new_count;
    }
    // GNU diff leaves out a count of 1.
    auto range = [](size_t line, size_t count) {
      return count == 1 ? absl::StrCat(line) : absl::StrCat(count ? line : line - 1, ",", count);
    };
    absl::StrAppend(&out, "@@ -", range(old_line, old_count), " +", range(new_line, new_count),
                    " @@\n");
    for (size_t q = start; q < end; ++q) AppendLine(&out, ops[q].kind, ops[q].line);
    k = end;
  }
  return out;
}

}  // namespace threadlog::migrate
