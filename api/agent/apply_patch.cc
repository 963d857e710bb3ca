// apply_patch: the grammar, the shell forms, Codex's line matching, the line diff, the plan and
// the atomic writes.
#include "api/agent/apply_patch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/random/random.h"

namespace threadlog::agent {
namespace {

namespace fs = std::filesystem;

// (absl's string functions take absl::string_view, which is not std::string_view here.)
void AppendPart(std::string* out, std::string_view part) { out->append(part); }
void AppendPart(std::string* out, const char* part) { out->append(part); }
void AppendPart(std::string* out, const std::string& part) { out->append(part); }
void AppendPart(std::string* out, absl::string_view part) { out->append(part.data(), part.size()); }
template <std::integral N>
void AppendPart(std::string* out, N part) {
  out->append(std::to_string(part));
}
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  (AppendPart(&out, parts), ...);
  return out;
}
template <typename... Parts>
void Append(std::string* out, const Parts&... parts) {
  (AppendPart(out, parts), ...);
}

template <typename Strings>
std::string Join(const Strings& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (&part != &*std::begin(parts)) out.append(separator);
    out.append(part);
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t at = s.find(separator);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// ------------------------------------------------------------------------------------------
// Text as Rust sees it: UTF-8 code points, Unicode White_Space, `str::lines`.
// ------------------------------------------------------------------------------------------

// The code point at s[i] and its length; an invalid byte is U+FFFD of length 1 (it is then
// neither whitespace nor punctuation, which is all the callers ask).
char32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  const auto b = static_cast<unsigned char>(s[i]);
  int n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    *len = 1;
    return 0xFFFD;
  }
  char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (int k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c >> 6) != 0x2) {
      *len = 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  *len = n;
  return cp;
}

// Rust's char::is_whitespace (the Unicode White_Space property).
bool IsWhitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

std::string_view TrimStart(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t len;
    if (!IsWhitespace(DecodeAt(s, i, &len))) break;
    i += len;
  }
  return s.substr(i);
}

std::string_view TrimEnd(std::string_view s) {
  size_t end = 0;  // just past the last code point that is not whitespace
  for (size_t i = 0; i < s.size();) {
    size_t len;
    if (!IsWhitespace(DecodeAt(s, i, &len))) end = i + len;
    i += len;
  }
  return s.substr(0, end);
}

std::string_view Trim(std::string_view s) { return TrimEnd(TrimStart(s)); }

// Rust's str::lines: split at '\n', a "\r\n" counting as one line end, no empty last line.
std::vector<std::string_view> Lines(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const size_t nl = s.find('\n');
    std::string_view line = s.substr(0, nl);
    if (nl != std::string_view::npos && std::string_view(line).ends_with("\r"))
      line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

// A line trimmed, with typographic dashes, quotes and spaces read as their ASCII forms.
std::string Normalized(std::string_view line) {
  line = Trim(line);
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size();) {
    size_t len;
    const char32_t c = DecodeAt(line, i, &len);
    if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212) {
      out.push_back('-');
    } else if (c >= 0x2018 && c <= 0x201B) {
      out.push_back('\'');
    } else if (c >= 0x201C && c <= 0x201F) {
      out.push_back('"');
    } else if (c == 0xA0 || (c >= 0x2002 && c <= 0x200A) || c == 0x202F || c == 0x205F ||
               c == 0x3000) {
      out.push_back(' ');
    } else {
      out.append(line.substr(i, len));
    }
    i += len;
  }
  return out;
}

// Whether `s` is UTF-8 as Rust's str accepts it (no overlong forms, surrogates or code points
// past U+10FFFF).
bool IsUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    int n;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      n = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (int k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (c < lo || c > hi) : (c >> 6) != 0x2) return false;
    }
    i += n;
  }
  return true;
}

// An OS error as Rust's io::Error displays it.
std::string OsErrorText(int err) {
  char buf[256];
  const char* text = strerror_r(err, buf, sizeof(buf));
  return Cat(text, " (os error ", err, ")");
}

// std::fs::read_to_string: the error text, or the contents.
absl::StatusOr<std::string> ReadText(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::Status(absl::ErrnoToStatus(errno, "").code(), OsErrorText(errno));
  std::string data;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return absl::Status(absl::ErrnoToStatus(err, "").code(), OsErrorText(err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!IsUtf8(data)) return absl::InvalidArgumentError("stream did not contain valid UTF-8");
  return data;
}

// Path::join: an absolute path replaces the base.
std::string JoinPath(const std::string& base, const std::string& path) {
  if (std::string_view(path).starts_with("/") || base.empty()) return path;
  if (std::string_view(base).ends_with("/")) return base + path;
  return Cat(base, "/", path);
}

// What makes two paths the same one for Rust's Path equality: its components (empty and "."
// ones dropped; ".." kept).
std::string PathKey(std::string_view path) {
  std::vector<std::string_view> parts;
  for (std::string_view part : Split(path, '/')) {
    if (!part.empty() && part != ".") parts.push_back(part);
  }
  return Cat(std::string_view(path).starts_with("/") ? "/" : "", Join(parts, "/"));
}

// ------------------------------------------------------------------------------------------
// The grammar
// ------------------------------------------------------------------------------------------

constexpr std::string_view kBeginPatch = "*** Begin Patch";
constexpr std::string_view kEndPatch = "*** End Patch";
constexpr std::string_view kAddFile = "*** Add File: ";
constexpr std::string_view kDeleteFile = "*** Delete File: ";
constexpr std::string_view kUpdateFile = "*** Update File: ";
constexpr std::string_view kMoveTo = "*** Move to: ";
constexpr std::string_view kEndOfFile = "*** End of File";
constexpr std::string_view kContextMarker = "@@ ";
constexpr std::string_view kEmptyContextMarker = "@@";
constexpr std::string_view kNoLines = "Update hunk does not contain any lines";

using LineSpan = std::vector<std::string_view>;

absl::Status InvalidPatch(std::string_view message) {
  return absl::InvalidArgumentError(Cat("invalid patch: ", message));
}

absl::Status InvalidHunk(std::string_view message, size_t line_number) {
  return absl::InvalidArgumentError(Cat("invalid hunk at line ", line_number, ", ", message));
}

// The body between the markers, when `lines` starts and ends with them (trimmed).
absl::StatusOr<LineSpan> StrictBody(const LineSpan& lines) {
  const bool has = !lines.empty();
  const std::string_view first = has ? Trim(lines.front()) : "";
  const std::string_view last = has ? Trim(lines.back()) : "";
  if (has && first == kBeginPatch && last == kEndPatch) {
    // One line cannot be both markers, so there are two at least.
    return LineSpan(lines.begin() + 1, lines.end() - 1);
  }
  if (has && first != kBeginPatch) {
    return InvalidPatch("The first line of the patch must be '*** Begin Patch'");
  }
  return InvalidPatch("The last line of the patch must be '*** End Patch'");
}

absl::StatusOr<LineSpan> PatchBody(const LineSpan& lines) {
  absl::StatusOr<LineSpan> strict = StrictBody(lines);
  if (strict.ok()) return strict;
  if (lines.size() >= 4) {
    const std::string_view first = lines.front();
    if ((first == "<<EOF" || first == "<<'EOF'" || first == "<<\"EOF\"") &&
        std::string_view(lines.back()).ends_with("EOF")) {
      return StrictBody(LineSpan(lines.begin() + 1, lines.end() - 1));
    }
  }
  return strict.status();
}

// One chunk from the start of `lines`; the number of lines it took.
absl::StatusOr<size_t> ParseChunk(const std::string_view* lines, size_t count, size_t line_number,
                                  bool allow_missing_context, PatchChunk* chunk) {
  if (count == 0) return InvalidHunk(kNoLines, line_number);
  size_t start = 0;
  if (lines[0] == kEmptyContextMarker) {
    start = 1;
  } else if (std::string_view(lines[0]).starts_with(kContextMarker)) {
    chunk->context = std::string(lines[0].substr(kContextMarker.size()));
    start = 1;
  } else if (!allow_missing_context) {
    return InvalidHunk(
        Cat("Expected update hunk to start with a @@ context marker, got: '", lines[0], "'"),
        line_number);
  }
  if (start >= count) return InvalidHunk(kNoLines, line_number + 1);
  size_t parsed = 0;
  for (size_t i = start; i < count; ++i) {
    const std::string_view line = lines[i];
    if (line == kEndOfFile) {
      if (parsed == 0) return InvalidHunk(kNoLines, line_number + 1);
      chunk->end_of_file = true;
      ++parsed;
      break;
    }
    if (line.empty()) {
      chunk->old_lines.emplace_back();
      chunk->new_lines.emplace_back();
    } else if (line[0] == ' ') {
      chunk->old_lines.emplace_back(line.substr(1));
      chunk->new_lines.emplace_back(line.substr(1));
    } else if (line[0] == '+') {
      chunk->new_lines.emplace_back(line.substr(1));
    } else if (line[0] == '-') {
      chunk->old_lines.emplace_back(line.substr(1));
    } else {
      if (parsed == 0) {
        return InvalidHunk(Cat("Unexpected line found in update hunk: '", line,
                               "'. Every line should start with ' ' (context line), "
                               "'+' (added line), or '-' (removed line)"),
                           line_number + 1);
      }
      break;  // the start of the next chunk, or of the next hunk
    }
    ++parsed;
  }
  return parsed + start;
}

// One hunk from the start of `lines`; the number of lines it took.
absl::StatusOr<size_t> ParseHunk(const std::string_view* lines, size_t count, size_t line_number,
                                 PatchHunk* hunk) {
  const std::string_view first = Trim(lines[0]);
  if (std::string_view(first).starts_with(kAddFile)) {
    hunk->kind = PatchHunk::Kind::kAdd;
    hunk->path = std::string(first.substr(kAddFile.size()));
    size_t parsed = 1;
    for (; parsed < count && std::string_view(lines[parsed]).starts_with("+"); ++parsed) {
      Append(&hunk->contents, lines[parsed].substr(1), "\n");
    }
    return parsed;
  }
  if (std::string_view(first).starts_with(kDeleteFile)) {
    hunk->kind = PatchHunk::Kind::kDelete;
    hunk->path = std::string(first.substr(kDeleteFile.size()));
    return 1;
  }
  if (std::string_view(first).starts_with(kUpdateFile)) {
    hunk->kind = PatchHunk::Kind::kUpdate;
    hunk->path = std::string(first.substr(kUpdateFile.size()));
    size_t parsed = 1;
    if (parsed < count && std::string_view(lines[parsed]).starts_with(kMoveTo)) {
      hunk->move_path = std::string(lines[parsed].substr(kMoveTo.size()));
      ++parsed;
    }
    while (parsed < count) {
      if (Trim(lines[parsed]).empty()) {  // blank lines between chunks
        ++parsed;
        continue;
      }
      if (std::string_view(lines[parsed]).starts_with("*")) break;
      PatchChunk chunk;
      absl::StatusOr<size_t> taken = ParseChunk(lines + parsed, count - parsed,
                                                line_number + parsed, hunk->chunks.empty(), &chunk);
      if (!taken.ok()) return taken.status();
      hunk->chunks.push_back(std::move(chunk));
      parsed += *taken;
    }
    if (hunk->chunks.empty()) {
      return InvalidHunk(Cat("Update file hunk for path '", hunk->path, "' is empty"), line_number);
    }
    return parsed;
  }
  return InvalidHunk(
      Cat("'", first,
          "' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', "
          "'*** Delete File: {path}', '*** Update File: {path}'"),
      line_number);
}

// ------------------------------------------------------------------------------------------
// The shell forms
// ------------------------------------------------------------------------------------------

constexpr std::string_view kImplicitInvocation =
    "patch detected without explicit call to apply_patch. Rerun as [\"apply_patch\", "
    "\"<patch>\"]";

// Path::file_stem, lowercased.
std::string ShellName(std::string_view shell) {
  const size_t slash = shell.rfind('/');
  std::string_view name = slash == std::string_view::npos ? shell : shell.substr(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

bool IsScriptShell(std::string_view shell, std::string_view flag) {
  const std::string name = ShellName(shell);
  if (name == "bash" || name == "zsh" || name == "sh") return flag == "-lc" || flag == "-c";
  if (name == "pwsh" || name == "powershell") return EqualsIgnoreCase(flag, "-command");
  if (name == "cmd") return EqualsIgnoreCase(flag, "/c");
  return false;
}

// The script of [SHELL, FLAG, SCRIPT] (or pwsh [-NoProfile] -Command SCRIPT).
std::optional<std::string_view> ShellScript(const std::vector<std::string>& argv) {
  if (argv.size() == 3 && IsScriptShell(argv[0], argv[1])) return argv[2];
  if (argv.size() == 4 && EqualsIgnoreCase(argv[1], "-noprofile")) {
    const std::string name = ShellName(argv[0]);
    if ((name == "pwsh" || name == "powershell") && IsScriptShell(argv[0], argv[2])) {
      return argv[3];
    }
  }
  return std::nullopt;
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsSpace(char c) { return IsBlank(c) || c == '\n' || c == '\r'; }

// A character that ends a plain shell word (or makes it more than a word).
bool IsWordBreak(char c) {
  return IsSpace(c) || std::string_view(";&|<>()`$\"'\\").find(c) != std::string_view::npos;
}

// A lone `cd` argument at s[*pos]: a plain word, '...' or "..." without expansions.
std::optional<std::string> ShellArgument(std::string_view s, size_t* pos) {
  size_t i = *pos;
  if (i >= s.size()) return std::nullopt;
  if (s[i] == '\'' || s[i] == '"') {
    const char quote = s[i];
    const size_t end = s.find(quote, i + 1);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view inner = s.substr(i + 1, end - i - 1);
    if (quote == '"' && (inner.empty() || inner.find_first_of("$`\\") != std::string_view::npos)) {
      return std::nullopt;
    }
    *pos = end + 1;
    return std::string(inner);
  }
  const size_t start = i;
  while (i < s.size() && !IsWordBreak(s[i])) ++i;
  if (i == start) return std::nullopt;
  *pos = i;
  return std::string(s.substr(start, i - start));
}

void SkipBlanks(std::string_view s, size_t* pos) {
  while (*pos < s.size() && IsBlank(s[*pos])) ++*pos;
}
void SkipSpaces(std::string_view s, size_t* pos) {
  while (*pos < s.size() && IsSpace(s[*pos])) ++*pos;
}

// The only statement of `script`: [cd DIR &&] apply_patch <<DELIM, its here-document, DELIM.
std::optional<ShellPatch> HeredocInvocation(std::string_view script) {
  size_t pos = 0;
  SkipSpaces(script, &pos);
  ShellPatch found;
  if (script.substr(pos, 2) == "cd" && pos + 2 < script.size() && IsBlank(script[pos + 2])) {
    pos += 2;
    SkipBlanks(script, &pos);
    std::optional<std::string> dir = ShellArgument(script, &pos);
    if (!dir.has_value()) return std::nullopt;
    SkipBlanks(script, &pos);
    if (script.substr(pos, 2) != "&&") return std::nullopt;
    pos += 2;
    SkipSpaces(script, &pos);
    found.workdir = std::move(dir);
  }
  const size_t name_start = pos;
  while (pos < script.size() && !IsWordBreak(script[pos])) ++pos;
  const std::string_view name = script.substr(name_start, pos - name_start);
  if (name != "apply_patch" && name != "applypatch") return std::nullopt;
  SkipBlanks(script, &pos);
  if (script.substr(pos, 2) != "<<" || script.substr(pos, 3) == "<<<") return std::nullopt;
  pos += 2;
  const bool strip_tabs = pos < script.size() && script[pos] == '-';
  if (strip_tabs) ++pos;
  SkipBlanks(script, &pos);
  std::string delimiter;
  if (pos < script.size() && (script[pos] == '\'' || script[pos] == '"')) {
    const char quote = script[pos];
    const size_t end = script.find(quote, pos + 1);
    if (end == std::string_view::npos) return std::nullopt;
    delimiter = std::string(script.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  } else {
    const size_t start = pos;
    while (pos < script.size() && !IsWordBreak(script[pos])) ++pos;
    delimiter = std::string(script.substr(start, pos - start));
  }
  if (delimiter.empty() || delimiter.find('\n') != std::string::npos) return std::nullopt;
  SkipBlanks(script, &pos);
  if (pos >= script.size() || script[pos] != '\n') return std::nullopt;
  const size_t body_start = ++pos;
  // The here-document runs to the first line that is the delimiter.
  while (pos < script.size()) {
    const size_t nl = script.find('\n', pos);
    std::string_view line = script.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    if (strip_tabs) line.remove_prefix(std::min(line.find_first_not_of('\t'), line.size()));
    if (line == delimiter) {
      if (pos == body_start) return std::nullopt;  // an empty here-document
      std::string_view body = script.substr(body_start, pos - body_start);
      while (std::string_view(body).ends_with("\n")) body.remove_suffix(1);
      size_t rest = nl == std::string_view::npos ? script.size() : nl;
      SkipSpaces(script, &rest);
      if (rest != script.size()) return std::nullopt;  // more than the one statement
      found.patch = std::string(body);
      return found;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return std::nullopt;  // no end line
}

// ------------------------------------------------------------------------------------------
// Matching and new contents (Codex's seek_sequence and compute_replacements)
// ------------------------------------------------------------------------------------------

std::optional<size_t> SeekSequence(const std::vector<std::string>& lines,
                                   const std::vector<std::string>& pattern, size_t start,
                                   bool eof) {
  if (pattern.empty()) return start;
  if (pattern.size() > lines.size()) return std::nullopt;
  const size_t last = lines.size() - pattern.size();
  const size_t from = eof ? last : start;
  auto scan = [&](auto equal) -> std::optional<size_t> {
    for (size_t i = from; i <= last; ++i) {
      bool all = true;
      for (size_t j = 0; j < pattern.size() && all; ++j) all = equal(lines[i + j], pattern[j]);
      if (all) return i;
    }
    return std::nullopt;
  };
  if (auto i = scan([](const std::string& a, const std::string& b) { return a == b; })) return i;
  if (auto i = scan(
          [](const std::string& a, const std::string& b) { return TrimEnd(a) == TrimEnd(b); })) {
    return i;
  }
  if (auto i =
          scan([](const std::string& a, const std::string& b) { return Trim(a) == Trim(b); })) {
    return i;
  }
  return scan(
      [](const std::string& a, const std::string& b) { return Normalized(a) == Normalized(b); });
}

// The file's new contents once `chunks` are applied to `original`. Errors name `display`.
absl::StatusOr<std::string> NewContents(std::string_view original,
                                        const std::vector<PatchChunk>& chunks,
                                        const std::string& display) {
  std::vector<std::string> lines;
  for (std::string_view line : Split(original, '\n')) lines.emplace_back(line);
  if (!lines.empty() && lines.back().empty()) lines.pop_back();

  struct Replacement {
    size_t start;
    size_t old_len;
    std::vector<std::string> new_lines;
  };
  std::vector<Replacement> replacements;
  size_t line_index = 0;
  for (const PatchChunk& chunk : chunks) {
    if (chunk.context.has_value()) {
      std::optional<size_t> at = SeekSequence(lines, {*chunk.context}, line_index, false);
      if (!at.has_value()) {
        return absl::FailedPreconditionError(
            Cat("Failed to find context '", *chunk.context, "' in ", display));
      }
      line_index = *at + 1;
    }
    if (chunk.old_lines.empty()) {  // a pure addition: at the end, before a final empty line
      const size_t at = !lines.empty() && lines.back().empty() ? lines.size() - 1 : lines.size();
      replacements.push_back({at, 0, chunk.new_lines});
      continue;
    }
    std::vector<std::string> pattern = chunk.old_lines;
    std::vector<std::string> new_lines = chunk.new_lines;
    std::optional<size_t> found = SeekSequence(lines, pattern, line_index, chunk.end_of_file);
    if (!found.has_value() && pattern.back().empty()) {
      // The last empty old line stands for the file's final newline, which `lines` lacks.
      pattern.pop_back();
      if (!new_lines.empty() && new_lines.back().empty()) new_lines.pop_back();
      found = SeekSequence(lines, pattern, line_index, chunk.end_of_file);
    }
    if (!found.has_value()) {
      return absl::FailedPreconditionError(
          Cat("Failed to find expected lines in ", display, ":\n", Join(chunk.old_lines, "\n")));
    }
    replacements.push_back({*found, pattern.size(), std::move(new_lines)});
    line_index = *found + pattern.size();
  }
  std::stable_sort(replacements.begin(), replacements.end(),
                   [](const Replacement& a, const Replacement& b) { return a.start < b.start; });
  for (auto it = replacements.rbegin(); it != replacements.rend(); ++it) {
    if (it->start < lines.size()) {
      lines.erase(lines.begin() + it->start,
                  lines.begin() + std::min(lines.size(), it->start + it->old_len));
    }
    lines.insert(lines.begin() + std::min(it->start, lines.size()), it->new_lines.begin(),
                 it->new_lines.end());
  }
  if (lines.empty() || !lines.back().empty()) lines.emplace_back();
  return Join(lines, "\n");
}

// ------------------------------------------------------------------------------------------
// The line diff (Myers' divide and conquer, as the `similar` crate runs it)
// ------------------------------------------------------------------------------------------

// Lines with their line ends: after "\n", "\r\n" or a lone "\r".
std::vector<std::string_view> DiffLines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      out.push_back(s.substr(start, i + 1 - start));
      start = i + 1;
    } else if (s[i] == '\n') {
      out.push_back(s.substr(start, i + 1 - start));
      start = i + 1;
    }
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

// One step of an edit script over line indexes: equal lines (old_len == new_len), lines
// deleted (new_len 0) or inserted (old_len 0), as the diff algorithm reports them.
struct EditOp {
  enum class Tag { kEqual, kDelete, kInsert };
  Tag tag;
  int64_t old_index, old_len, new_index, new_len;

  bool Empty() const { return old_len == 0 && new_len == 0; }
  // Moves the start by `offset` and the length by `len` (both positions move together; the
  // length is the one the tag has).
  void Adjust(int64_t offset, int64_t len) {
    old_index += offset;
    new_index += offset;
    if (tag != Tag::kInsert) old_len += len;
    if (tag != Tag::kDelete) new_len += len;
  }
};

// A run of the final diff: equal lines, or a change (old lines replaced by new ones; either
// side may be empty).
struct DiffOp {
  bool equal;
  int64_t old_index, old_len, new_index, new_len;
};

class LineDiffer {
 public:
  LineDiffer(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b)
      : a_(a), b_(b) {
    const int64_t max_d = MaxD(static_cast<int64_t>(a.size()), static_cast<int64_t>(b.size()));
    offset_ = max_d;
    vf_.assign(2 * max_d, 0);
    vb_.assign(2 * max_d, 0);
  }

  // The diff as similar 2.7 reports it for text: Myers' edit script, compacted (inserted runs
  // slid up and down to meet their neighbours), then merged into alternating runs.
  std::vector<DiffOp> Run() {
    Conquer(0, static_cast<int64_t>(a_.size()), 0, static_cast<int64_t>(b_.size()));
    Compact();
    return Merged();
  }

 private:
  using Tag = EditOp::Tag;

  static int64_t MaxD(int64_t n, int64_t m) { return (n + m + 1) / 2 + 1; }
  int64_t& F(int64_t k) { return vf_[k + offset_]; }
  int64_t& B(int64_t k) { return vb_[k + offset_]; }

  // Equal lines at the start (end) of a[a0,a1) and b[b0,b1); 0 when either is empty.
  int64_t PrefixLen(int64_t a0, int64_t a1, int64_t b0, int64_t b1) const {
    int64_t n = 0;
    while (a0 + n < a1 && b0 + n < b1 && a_[a0 + n] == b_[b0 + n]) ++n;
    return n;
  }
  int64_t SuffixLen(int64_t a0, int64_t a1, int64_t b0, int64_t b1) const {
    int64_t n = 0;
    while (a1 - n > a0 && b1 - n > b0 && a_[a1 - n - 1] == b_[b1 - n - 1]) ++n;
    return n;
  }

  // The start of the middle snake of an optimal path through a[a0,a1) x b[b0,b1).
  std::pair<int64_t, int64_t> MiddleSnake(int64_t a0, int64_t a1, int64_t b0, int64_t b1) {
    const int64_t n = a1 - a0, m = b1 - b0;
    const int64_t delta = n - m;
    const bool odd = (delta & 1) == 1;
    F(1) = 0;
    B(1) = 0;
    const int64_t d_max = MaxD(n, m);
    for (int64_t d = 0; d < d_max; ++d) {
      for (int64_t k = d; k >= -d; k -= 2) {
        int64_t x = (k == -d || (k != d && F(k - 1) < F(k + 1))) ? F(k + 1) : F(k - 1) + 1;
        const int64_t y = x - k;
        const int64_t x0 = x, y0 = y;
        if (x < n && y >= 0 && y < m) x += PrefixLen(a0 + x, a1, b0 + y, b1);
        F(k) = x;
        if (odd && std::abs(k - delta) <= d - 1 && F(k) + B(-(k - delta)) >= n) {
          return {x0 + a0, y0 + b0};
        }
      }
      for (int64_t k = d; k >= -d; k -= 2) {
        int64_t x = (k == -d || (k != d && B(k - 1) < B(k + 1))) ? B(k + 1) : B(k - 1) + 1;
        int64_t y = x - k;
        if (x < n && y >= 0 && y < m) {
          const int64_t advance = SuffixLen(a0, a0 + n - x, b0, b0 + m - y);
          x += advance;
          y += advance;
        }
        B(k) = x;
        if (!odd && std::abs(k - delta) <= d && B(k) + F(-(k - delta)) >= n) {
          return {n - x + a0, m - y + b0};
        }
      }
    }
    return {a0 + n / 2, b0 + m / 2};  // not reached: a middle snake always exists
  }

  void Conquer(int64_t a0, int64_t a1, int64_t b0, int64_t b1) {
    const int64_t prefix = PrefixLen(a0, a1, b0, b1);
    if (prefix > 0) ops_.push_back({Tag::kEqual, a0, prefix, b0, prefix});
    a0 += prefix;
    b0 += prefix;
    const int64_t suffix = SuffixLen(a0, a1, b0, b1);
    a1 -= suffix;
    b1 -= suffix;
    if (a0 == a1 && b0 == b1) {
      // nothing between
    } else if (b0 == b1) {
      ops_.push_back({Tag::kDelete, a0, a1 - a0, b0, 0});
    } else if (a0 == a1) {
      ops_.push_back({Tag::kInsert, a0, 0, b0, b1 - b0});
    } else {
      const auto [x, y] = MiddleSnake(a0, a1, b0, b1);
      Conquer(a0, x, b0, y);
      Conquer(x, a1, y, b1);
    }
    if (suffix > 0) ops_.push_back({Tag::kEqual, a1, suffix, b1, suffix});
  }

  // similar's Compact hook: every delete, then every insert, is shifted up, then down, where
  // the equal lines beside it allow, merging with the edits it meets.
  void Compact() {
    for (const Tag tag : {Tag::kDelete, Tag::kInsert}) {
      for (size_t p = 0; p < ops_.size(); ++p) {
        if (ops_[p].tag != tag) continue;
        p = ShiftUp(p);
        p = ShiftDown(p);
      }
    }
  }

  size_t ShiftUp(size_t p) {
    while (p >= 1) {
      const EditOp prev = ops_[p - 1];
      const EditOp cur = ops_[p];
      if (prev.tag == Tag::kEqual) {
        // How many of the equal lines end as the edit's new lines end (none for a delete).
        const int64_t s = SuffixLen(prev.old_index, prev.old_index + prev.old_len, cur.new_index,
                                    cur.new_index + cur.new_len);
        if (s > 0) {
          if (p + 1 < ops_.size() && ops_[p + 1].tag == Tag::kEqual) {
            ops_[p + 1].Adjust(-s, s);
          } else {
            const int64_t len = cur.tag == Tag::kInsert ? s : prev.old_len - s;
            ops_.insert(ops_.begin() + p + 1, {Tag::kEqual, prev.old_index + prev.old_len - s, len,
                                               cur.new_index + cur.new_len - s, len});
          }
          ops_[p].Adjust(-s, 0);
          ops_[p - 1].Adjust(0, -s);
          if (ops_[p - 1].Empty()) {
            ops_.erase(ops_.begin() + p - 1);
            --p;
          }
        } else if (prev.Empty()) {
          ops_.erase(ops_.begin() + p - 1);
          --p;
        } else {
          break;
        }
      } else if (prev.tag != cur.tag) {
        std::swap(ops_[p - 1], ops_[p]);
        --p;
      } else {
        ops_[p - 1].Adjust(0, cur.tag == Tag::kInsert ? cur.new_len : cur.old_len);
        ops_.erase(ops_.begin() + p);
        --p;
      }
    }
    return p;
  }

  size_t ShiftDown(size_t p) {
    while (p + 1 < ops_.size()) {
      const EditOp next = ops_[p + 1];
      const EditOp cur = ops_[p];
      if (next.tag == Tag::kEqual) {
        // How many of the equal lines start as the edit's new lines start (none for a delete).
        const int64_t s = PrefixLen(next.old_index, next.old_index + next.old_len, cur.new_index,
                                    cur.new_index + cur.new_len);
        if (s > 0) {
          if (p >= 1 && ops_[p - 1].tag == Tag::kEqual) {
            ops_[p - 1].Adjust(0, s);
          } else {
            ops_.insert(ops_.begin() + p, {Tag::kEqual, next.old_index, s, cur.new_index, s});
            ++p;
          }
          ops_[p].Adjust(s, 0);
          ops_[p + 1].Adjust(s, -s);
          if (ops_[p + 1].Empty()) ops_.erase(ops_.begin() + p + 1);
        } else if (next.Empty()) {
          ops_.erase(ops_.begin() + p + 1);
        } else {
          break;
        }
      } else if (next.tag != cur.tag) {
        std::swap(ops_[p], ops_[p + 1]);
        ++p;
      } else {
        ops_[p].Adjust(0, next.tag == Tag::kInsert ? next.new_len : next.old_len);
        ops_.erase(ops_.begin() + p + 1);
      }
    }
    return p;
  }

  // similar's Replace hook: equal runs merged; the deletes and inserts between two equal runs
  // become one change at the first delete's old index and the first insert's new index.
  std::vector<DiffOp> Merged() const {
    std::vector<DiffOp> out;
    std::optional<EditOp> del, ins;
    auto flush = [&] {
      if (del.has_value()) {
        out.push_back({false, del->old_index, del->old_len,
                       ins.has_value() ? ins->new_index : del->new_index,
                       ins.has_value() ? ins->new_len : 0});
      } else if (ins.has_value()) {
        out.push_back({false, ins->old_index, 0, ins->new_index, ins->new_len});
      }
      del.reset();
      ins.reset();
    };
    for (const EditOp& op : ops_) {
      if (op.tag == Tag::kEqual) {
        flush();
        if (!out.empty() && out.back().equal) {
          out.back().old_len += op.old_len;
          out.back().new_len += op.new_len;
        } else {
          out.push_back({true, op.old_index, op.old_len, op.new_index, op.new_len});
        }
        continue;
      }
      std::optional<EditOp>& pending = op.tag == Tag::kDelete ? del : ins;
      if (pending.has_value()) {
        pending->old_len += op.old_len;
        pending->new_len += op.new_len;
      } else {
        pending = op;
      }
    }
    flush();
    return out;
  }

  const std::vector<std::string_view>& a_;
  const std::vector<std::string_view>& b_;
  std::vector<int64_t> vf_, vb_;
  int64_t offset_ = 0;
  std::vector<EditOp> ops_;
};

// similar's group_diff_ops: the changes with `n` equal lines around them, a group ending where
// more than 2n equal lines follow.
std::vector<std::vector<DiffOp>> GroupOps(std::vector<DiffOp> ops, int64_t n) {
  std::vector<std::vector<DiffOp>> groups;
  if (ops.empty()) return groups;
  if (ops.front().equal) {
    const int64_t cut = std::max<int64_t>(ops.front().old_len - n, 0);
    ops.front().old_index += cut;
    ops.front().new_index += cut;
    ops.front().old_len -= cut;
    ops.front().new_len -= cut;
  }
  if (ops.back().equal) {
    const int64_t cut = std::max<int64_t>(ops.back().old_len - n, 0);
    ops.back().old_len -= cut;
    ops.back().new_len -= cut;
  }
  std::vector<DiffOp> pending;
  for (const DiffOp& op : ops) {
    if (op.equal && op.old_len > 2 * n) {
      pending.push_back({true, op.old_index, n, op.new_index, n});
      groups.push_back(std::move(pending));
      const int64_t cut = op.old_len - n;
      pending = {
          {true, op.old_index + cut, op.old_len - cut, op.new_index + cut, op.new_len - cut}};
      continue;
    }
    pending.push_back(op);
  }
  if (!(pending.empty() || (pending.size() == 1 && pending.front().equal))) {
    groups.push_back(std::move(pending));
  }
  return groups;
}

std::string HunkRange(int64_t start, int64_t end) {
  const int64_t len = std::max<int64_t>(end - start, 0);
  if (len == 1) return Cat(start + 1);
  return Cat(len == 0 ? start : start + 1, ",", len);
}

void AppendDiffLine(char tag, std::string_view line, std::string* out) {
  out->push_back(tag);
  out->append(line);
  if (!std::string_view(line).ends_with("\n") && !std::string_view(line).ends_with("\r")) {
    out->append("\n\\ No newline at end of file\n");
  }
}

// ------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------

absl::Status WriteError(int err, std::string message) {
  return absl::Status(
      err == 0 ? absl::StatusCode::kFailedPrecondition : absl::ErrnoToStatus(err, "").code(),
      std::move(message));
}

// Where writing `path` lands: through its symlinks (a dangling one to where it points).
std::string WriteTarget(const std::string& path) {
  std::string target = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st;
    if (::lstat(target.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) break;
    std::error_code ec;
    const fs::path link = fs::read_symlink(target, ec);
    if (ec) break;
    target = link.is_absolute() ? link.string() : (fs::path(target).parent_path() / link).string();
  }
  return target;
}

struct TempFile {
  std::string path;
  std::string target;
};

// Writes `contents` to a new file beside `target`, with `target`'s permissions if it exists.
absl::StatusOr<std::string> WriteTemp(const std::string& target, const std::string& contents) {
  const fs::path t(target);
  const std::string dir = t.has_parent_path() ? t.parent_path().string() : ".";
  const std::string name = t.filename().string().substr(0, 200);
  absl::BitGen gen;
  for (int attempt = 0; attempt < 16; ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof(suffix), "%08x", absl::Uniform<uint32_t>(gen));
    const std::string temp = Cat(dir, "/.", name, ".tl-", std::string_view(suffix));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      return absl::ErrnoToStatus(errno, "open");
    }
    int err = 0;
    struct stat st;
    if (::stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::fchmod(fd, st.st_mode & 07777) != 0) {
      err = errno;
    }
    for (size_t done = 0; err == 0 && done < contents.size();) {
      const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = errno;
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (err == 0 && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err != 0) {
      ::unlink(temp.c_str());
      return absl::ErrnoToStatus(err, "write");
    }
    return temp;
  }
  return absl::AlreadyExistsError("no free temporary name");
}

}  // namespace

absl::StatusOr<Patch> ParsePatch(std::string_view text) {
  const LineSpan lines = Lines(Trim(text));
  absl::StatusOr<LineSpan> body = PatchBody(lines);
  if (!body.ok()) return body.status();
  Patch patch;
  size_t line_number = 2;
  for (size_t at = 0; at < body->size();) {
    PatchHunk hunk;
    absl::StatusOr<size_t> taken =
        ParseHunk(body->data() + at, body->size() - at, line_number, &hunk);
    if (!taken.ok()) return taken.status();
    patch.hunks.push_back(std::move(hunk));
    at += *taken;
    line_number += *taken;
  }
  return patch;
}

absl::StatusOr<std::optional<ShellPatch>> ExtractShellPatch(const std::vector<std::string>& argv) {
  const std::optional<std::string_view> script = ShellScript(argv);
  if ((argv.size() == 1 && ParsePatch(argv[0]).ok()) ||
      (script.has_value() && ParsePatch(*script).ok())) {
    return absl::InvalidArgumentError(std::string(kImplicitInvocation));
  }
  if (argv.size() == 2 && (argv[0] == "apply_patch" || argv[0] == "applypatch")) {
    return ShellPatch{argv[1], std::nullopt};
  }
  if (script.has_value()) return HeredocInvocation(*script);
  return std::nullopt;
}

std::string UnifiedLineDiff(std::string_view old_text, std::string_view new_text, int context) {
  const std::vector<std::string_view> a = DiffLines(old_text);
  const std::vector<std::string_view> b = DiffLines(new_text);
  std::string out;
  for (const std::vector<DiffOp>& group : GroupOps(LineDiffer(a, b).Run(), context)) {
    const DiffOp& first = group.front();
    const DiffOp& last = group.back();
    Append(&out, "@@ -", HunkRange(first.old_index, last.old_index + last.old_len), " +",
           HunkRange(first.new_index, last.new_index + last.new_len), " @@\n");
    for (const DiffOp& op : group) {
      if (op.equal) {
        for (int64_t i = 0; i < op.old_len; ++i) AppendDiffLine(' ', a[op.old_index + i], &out);
        continue;
      }
      for (int64_t i = 0; i < op.old_len; ++i) AppendDiffLine('-', a[op.old_index + i], &out);
      for (int64_t i = 0; i < op.new_len; ++i) AppendDiffLine('+', b[op.new_index + i], &out);
    }
  }
  return out;
}

absl::StatusOr<PatchPlan> PlanPatch(const Patch& patch, const std::string& cwd) {
  if (patch.hunks.empty()) return absl::InvalidArgumentError(std::string(kEmptyPatchRefusal));
  PatchPlan plan;

  // Every hunk against the files as they are (Codex's verification, which makes the item).
  std::map<std::string, size_t> change_of;  // PathKey -> index in plan.changes
  for (const PatchHunk& hunk : patch.hunks) {
    FileChange change;
    change.path = JoinPath(cwd, hunk.path);
    switch (hunk.kind) {
      case PatchHunk::Kind::kAdd:
        change.kind = FileChange::Kind::kAdd;
        change.diff = hunk.contents;
        break;
      case PatchHunk::Kind::kDelete: {
        change.kind = FileChange::Kind::kDelete;
        absl::StatusOr<std::string> old = ReadText(change.path);
        if (!old.ok()) {
          return absl::FailedPreconditionError(
              Cat("Failed to read ", change.path, ": ", old.status().message()));
        }
        change.diff = *std::move(old);
        break;
      }
      case PatchHunk::Kind::kUpdate: {
        change.kind = FileChange::Kind::kUpdate;
        absl::StatusOr<std::string> old = ReadText(change.path);
        if (!old.ok()) {
          return absl::FailedPreconditionError(
              Cat("Failed to read file to update ", change.path, ": ", old.status().message()));
        }
        absl::StatusOr<std::string> now = NewContents(*old, hunk.chunks, change.path);
        if (!now.ok()) return now.status();
        change.diff = UnifiedLineDiff(*old, *now, 1);
        if (hunk.move_path.has_value()) {
          change.move_path = JoinPath(cwd, *hunk.move_path);
          Append(&change.diff, "\n\nMoved to: ", *change.move_path);
        }
        break;
      }
    }
    const auto [it, inserted] = change_of.emplace(PathKey(change.path), plan.changes.size());
    if (inserted) {
      plan.changes.push_back(std::move(change));
    } else {  // a map insert: the first path, the last change
      change.path = plan.changes[it->second].path;
      plan.changes[it->second] = std::move(change);
    }
  }
  std::stable_sort(plan.changes.begin(), plan.changes.end(),
                   [](const FileChange& a, const FileChange& b) { return a.path < b.path; });

  // The hunks one after another, as the apply_patch process applies them, in memory.
  struct State {
    std::optional<std::string> contents;
    std::string path, display;
    bool move_source = false;
  };
  std::map<std::string, size_t> state_of;  // PathKey -> index in `states`
  std::vector<State> states;
  auto touch = [&](const std::string& path, const std::string& display) -> State& {
    const auto [it, inserted] = state_of.emplace(PathKey(path), states.size());
    if (inserted) states.push_back({std::nullopt, path, display});
    State& state = states[it->second];
    state.display = display;
    state.move_source = false;
    return state;
  };
  auto current = [&](const std::string& path) -> const State* {
    const auto it = state_of.find(PathKey(path));
    return it == state_of.end() ? nullptr : &states[it->second];
  };
  std::vector<std::string> added, modified, deleted;
  for (const PatchHunk& hunk : patch.hunks) {
    const std::string path = JoinPath(cwd, hunk.path);
    if (hunk.kind == PatchHunk::Kind::kAdd) {
      touch(path, hunk.path).contents = hunk.contents;
      added.push_back(hunk.path);
      continue;
    }
    const State* known = current(path);
    if (hunk.kind == PatchHunk::Kind::kDelete) {
      struct stat st;
      const bool exists = known != nullptr
                              ? known->contents.has_value()
                              : ::lstat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
      if (!exists) {
        plan.outcome = absl::FailedPreconditionError(Cat("Failed to delete file ", hunk.path));
        break;
      }
      touch(path, hunk.path).contents.reset();
      deleted.push_back(hunk.path);
      continue;
    }
    absl::StatusOr<std::string> old =
        known == nullptr ? ReadText(path)
        : known->contents.has_value()
            ? absl::StatusOr<std::string>(*known->contents)
            : absl::StatusOr<std::string>(absl::NotFoundError(OsErrorText(ENOENT)));
    if (!old.ok()) {
      plan.outcome = absl::FailedPreconditionError(
          Cat("Failed to read file to update ", hunk.path, ": ", old.status().message()));
      break;
    }
    absl::StatusOr<std::string> now = NewContents(*old, hunk.chunks, hunk.path);
    if (!now.ok()) {
      plan.outcome = now.status();
      break;
    }
    if (hunk.move_path.has_value()) {
      const std::string dest = JoinPath(cwd, *hunk.move_path);
      // Codex writes the destination, then removes the source, which loses a file moved onto
      // itself; here it is only updated.
      touch(dest, *hunk.move_path).contents = *std::move(now);
      if (PathKey(dest) != PathKey(path)) {
        State& source = touch(path, hunk.path);
        source.contents.reset();
        source.move_source = true;
      }
      modified.push_back(*hunk.move_path);
    } else {
      touch(path, hunk.path).contents = *std::move(now);
      modified.push_back(hunk.path);
    }
  }
  if (!plan.outcome.ok()) return plan;

  plan.summary = "Success. Updated the following files:\n";
  for (const std::string& p : added) Append(&plan.summary, "A ", p, "\n");
  for (const std::string& p : modified) Append(&plan.summary, "M ", p, "\n");
  for (const std::string& p : deleted) Append(&plan.summary, "D ", p, "\n");
  for (State& state : states) {
    struct stat st;
    if (!state.contents.has_value() && ::lstat(state.path.c_str(), &st) != 0) {
      continue;  // added and removed again by the patch
    }
    plan.writes.push_back(
        {state.path, state.display, std::move(state.contents), state.move_source});
  }
  return plan;
}

absl::Status WritePatch(const PatchPlan& plan) {
  if (!plan.outcome.ok()) return plan.outcome;
  // Folders first, and no target that is one.
  std::vector<std::string> targets(plan.writes.size());
  for (size_t i = 0; i < plan.writes.size(); ++i) {
    const PatchPlan::Write& w = plan.writes[i];
    if (!w.contents.has_value()) continue;
    targets[i] = WriteTarget(w.path);
    struct stat st;
    if (::stat(targets[i].c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return WriteError(EISDIR, Cat("Failed to write file ", w.display));
    }
    const fs::path parent = fs::path(targets[i]).parent_path();
    std::error_code ec;
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
      fs::create_directories(parent, ec);
      if (ec) {
        return WriteError(ec.value(), Cat("Failed to create parent directories for ", w.display));
      }
    }
  }
  // Every new contents beside its target; any failure here changes no file.
  std::vector<std::string> temps(plan.writes.size());
  auto drop_temps = [&temps] {
    for (const std::string& t : temps) {
      if (!t.empty()) ::unlink(t.c_str());
    }
  };
  for (size_t i = 0; i < plan.writes.size(); ++i) {
    const PatchPlan::Write& w = plan.writes[i];
    if (!w.contents.has_value()) continue;
    absl::StatusOr<std::string> temp = WriteTemp(targets[i], *w.contents);
    if (!temp.ok()) {
      drop_temps();
      return absl::Status(temp.status().code(), Cat("Failed to write file ", w.display));
    }
    temps[i] = *std::move(temp);
  }
  // Then in place: the writes, then the removals (a move's source after its destination).
  for (size_t i = 0; i < plan.writes.size(); ++i) {
    if (temps[i].empty()) continue;
    if (::rename(temps[i].c_str(), targets[i].c_str()) != 0) {
      const int err = errno;
      drop_temps();
      return WriteError(err, Cat("Failed to write file ", plan.writes[i].display));
    }
    temps[i].clear();
  }
  for (const PatchPlan::Write& w : plan.writes) {
    if (w.contents.has_value()) continue;
    if (::unlink(w.path.c_str()) != 0) {
      return WriteError(
          errno,
          Cat(w.move_source ? "Failed to remove original " : "Failed to delete file ", w.display));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<AppliedPatch> ApplyPatch(const Patch& patch, const std::string& cwd) {
  absl::StatusOr<PatchPlan> plan = PlanPatch(patch, cwd);
  if (!plan.ok()) return plan.status();
  if (!plan->outcome.ok()) return plan->outcome;
  if (absl::Status written = WritePatch(*plan); !written.ok()) return written;
  return AppliedPatch{std::move(plan->changes), std::move(plan->summary)};
}

PatchToolRun PlanPatchTool(std::string_view patch_text, const std::string& cwd) {
  PatchToolRun run;
  absl::StatusOr<Patch> patch = ParsePatch(patch_text);
  if (!patch.ok()) {
    run.refusal = std::string(kVerificationFailedPrefix) + std::string(patch.status().message());
    return run;
  }
  absl::StatusOr<PatchPlan> plan = PlanPatch(*patch, cwd);
  if (!plan.ok()) {
    const std::string why(plan.status().message());
    run.refusal = why == kEmptyPatchRefusal ? why : std::string(kVerificationFailedPrefix) + why;
    return run;
  }
  run.plan = *std::move(plan);
  return run;
}

PatchToolResult WritePatchTool(const PatchToolRun& run) {
  const absl::Status done = run.plan.outcome.ok() ? WritePatch(run.plan) : run.plan.outcome;
  if (done.ok()) return {run.plan.summary, false};
  return {std::string(done.message()) + "\n", true};
}

}  // namespace threadlog::agent
