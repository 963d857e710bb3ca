// Rust shlex 1.3 quoting rules, ported so command strings match Codex byte for byte.
#include "projections/internal/shell_join.h"

#include <cstdint>
#include <string_view>

namespace threadlog::internal {
namespace {

enum Ok : uint8_t { kUnquoted = 1, kSingle = 2, kDouble = 4 };

// ASCII bytes that may appear bare. Bytes >= 0x80 (UTF-8 sequences) never may, but are fine
// inside either kind of quotes, which is why they are not listed here.
bool UnquotedOk(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
  switch (c) {
    case '+':
    case '-':
    case '.':
    case '/':
    case ':':
    case '@':
    case ']':
    case '_':
      return true;
    default:
      return false;
  }
}

// '^' is excluded from both quote kinds because some shells treat it as a history character;
// shlex only lets it through single quotes at the very start of a chunk.
bool SingleQuotedOk(unsigned char c) { return c != '\'' && c != '^' && c != '\\'; }
bool DoubleQuotedOk(unsigned char c) { return c != '`' && c != '$' && c != '!' && c != '^'; }

// The longest prefix of `word` (non-empty) that one strategy covers, preferring bare, then
// single quotes, then double quotes, as shlex's quoting_strategy does.
size_t Strategy(std::string_view word, uint8_t* strategy) {
  uint8_t prev = kUnquoted | kSingle | kDouble;
  size_t i = 0;
  if (static_cast<unsigned char>(word[0]) == '^') {
    prev = kSingle;
    i = 1;
  }
  for (; i < word.size(); ++i) {
    const auto c = static_cast<unsigned char>(word[i]);
    uint8_t cur = prev;
    if (c >= 0x80) {
      cur &= ~kUnquoted;
    } else {
      if (!UnquotedOk(c)) cur &= ~kUnquoted;
      if (!SingleQuotedOk(c)) cur &= ~kSingle;
      if (!DoubleQuotedOk(c)) cur &= ~kDouble;
    }
    if (cur == 0) break;
    prev = cur;
  }
  *strategy = (prev & kUnquoted) ? kUnquoted : (prev & kSingle) ? kSingle : kDouble;
  return i;
}

void AppendQuoted(std::string_view word, std::string* out) {
  if (word.empty()) {
    out->append("''");
    return;
  }
  while (!word.empty()) {
    uint8_t strategy = 0;
    const size_t len = Strategy(word, &strategy);
    const std::string_view chunk = word.substr(0, len);
    word.remove_prefix(len);
    if (strategy == kUnquoted) {
      out->append(chunk);
    } else if (strategy == kSingle) {
      out->push_back('\'');
      out->append(chunk);
      out->push_back('\'');
    } else {
      out->push_back('"');
      for (char c : chunk) {
        if (c == '$' || c == '`' || c == '"' || c == '\\') out->push_back('\\');
        out->push_back(c);
      }
      out->push_back('"');
    }
  }
}

}  // namespace

std::string ShellJoin(const std::vector<std::string>& argv) {
  bool has_nul = false;
  for (const std::string& word : argv) {
    if (word.find('\0') != std::string::npos) has_nul = true;
  }
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out.push_back(' ');
    if (has_nul) {
      out.append(argv[i]);  // Codex: try_join fails on NUL, then `command.join(" ")`.
    } else {
      AppendQuoted(argv[i], &out);
    }
  }
  return out;
}

}  // namespace threadlog::internal
