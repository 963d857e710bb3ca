// Rewriting of Claude Code terms to Codex terms in migrated Markdown (SKILL.md, AGENTS.md).
#include "migrate/term_rewrite.h"

#include <array>
#include <cassert>
#include <utility>

#include "absl/strings/ascii.h"

namespace threadlog::migrate {
namespace {

bool IsWordByte(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool MatchesAt(std::string_view text, size_t pos, std::string_view needle) {
  if (text.size() - pos < needle.size()) return false;
  for (size_t i = 0; i < needle.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(text[pos + i])) != needle[i]) return false;
  }
  return true;
}

}  // namespace

std::string ReplaceBoundedTerm(std::string_view text, std::string_view needle,
                               std::string_view replacement) {
  assert(!needle.empty());
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;  // text[0, copied) is already in `out`
  size_t pos = 0;
  while (pos + needle.size() <= text.size()) {
    const size_t end = pos + needle.size();
    if (MatchesAt(text, pos, needle) && (pos == 0 || !IsWordByte(text[pos - 1])) &&
        (end == text.size() || !IsWordByte(text[end]))) {
      out.append(text.substr(copied, pos - copied));
      out.append(replacement);
      copied = end;
      pos = end;  // none of the needles overlaps itself, so skipping the match loses nothing
    } else {
      ++pos;
    }
  }
  out.append(text.substr(copied));
  return out;
}

std::string RewriteClaudeTerms(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kRules = {{
      {"claude.md", "AGENTS.md"},
      {"claude code", "Codex"},
      {"claude-code", "Codex"},
      {"claude_code", "Codex"},
      {"claudecode", "Codex"},
      {"claude", "Codex"},
  }};
  std::string result(text);
  for (const auto& [needle, replacement] : kRules) {
    result = ReplaceBoundedTerm(result, needle, replacement);
  }
  return result;
}

}  // namespace threadlog::migrate
