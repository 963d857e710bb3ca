// SplitLines: a text's lines, each keeping its '\n', shared by the TOML merge and the diff.
#ifndef THREADLOG_MIGRATE_INTERNAL_LINES_H_
#define THREADLOG_MIGRATE_INTERNAL_LINES_H_

#include <string_view>
#include <vector>

namespace threadlog::migrate::internal {

// The views point into `text`; the last line lacks its '\n' when the text does not end in one,
// so joining the lines gives the text back byte for byte.
inline std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

}  // namespace threadlog::migrate::internal

#endif  // THREADLOG_MIGRATE_INTERNAL_LINES_H_
