// Shell commands as Codex 0.117.0 sees them: the plain-script parser, the safety rules, the
// commandActions summary and shlex. See shell_command.h.
#include "api/agent/shell_command.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "projections/internal/shell_join.h"

namespace threadlog::agent {
namespace {

using Words = std::vector<std::string>;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool AllDigits(std::string_view s) { return std::all_of(s.begin(), s.end(), IsDigit); }
bool StartsWith(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }
bool OneOf(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}
bool AnyOf(const Words& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

// =============================================================================================
// The plain-script parser
// =============================================================================================

// A control character other than tab and newline: tree-sitter-bash takes \r \v \f for blanks
// where bash does not, so a script holding one is not judged.
bool IsRefusedControl(unsigned char c) { return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f; }

// Words that start something other than a simple command at a command's position.
bool IsReservedCommandWord(std::string_view w) {
  return OneOf(w, {"if",      "then",    "elif",   "else",     "fi",    "case",  "esac",
                   "for",     "select",  "while",  "until",    "do",    "done",  "function",
                   "declare", "typeset", "export", "readonly", "local", "unset", "unsetenv"}) ||
         StartsWith(w, "!");
}

// NAME= or NAME+= at the start of a word: a variable assignment before a command.
bool LooksLikeAssignment(std::string_view w) {
  if (w.empty() || !(IsAlpha(w[0]) || w[0] == '_')) return false;
  size_t i = 1;
  while (i < w.size() && (IsAlpha(w[i]) || IsDigit(w[i]) || w[i] == '_')) ++i;
  if (i < w.size() && w[i] == '+') ++i;
  return i < w.size() && w[i] == '=';
}

// tree-sitter-bash's number token, matched whole: -?(0x)?[0-9]+(#[0-9A-Za-z@_]+)?
bool IsNumberToken(std::string_view w) {
  size_t i = 0;
  if (i < w.size() && w[i] == '-') ++i;
  if (w.substr(i).starts_with("0x") && i + 2 < w.size() && IsDigit(w[i + 2])) i += 2;
  size_t digits = i;
  while (i < w.size() && IsDigit(w[i])) ++i;
  if (i == digits) return false;
  if (i == w.size()) return true;
  if (w[i] != '#' || i + 1 == w.size()) return false;
  for (++i; i < w.size(); ++i) {
    if (!(IsAlpha(w[i]) || IsDigit(w[i]) || w[i] == '@' || w[i] == '_')) return false;
  }
  return true;
}

// {N..M}: tree-sitter-bash's brace range, which Codex refuses.
bool IsBraceRangeAt(std::string_view s, size_t p) {
  size_t i = p + 1;
  size_t start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == start || s.substr(i, 2) != "..") return false;
  i += 2;
  start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i > start && i < s.size() && s[i] == '}';
}

// A part of a word as tree-sitter-bash sees it.
struct Piece {
  enum class Kind { kRun, kSingleQuoted, kDoubleQuoted, kBracket };
  Kind kind;
  std::string text;  // without the quotes
};

// One of Codex's words: its pieces in order.
struct CodexWord {
  std::vector<Piece> pieces;

  std::string Text() const {
    std::string out;
    for (const Piece& p : pieces) out += p.text;
    return out;
  }
  // One unquoted run: what a command name must be.
  bool Plain() const { return pieces.size() == 1 && pieces[0].kind == Piece::Kind::kRun; }
  size_t LeadingBrackets() const {
    size_t n = 0;
    while (n < pieces.size() && pieces[n].kind == Piece::Kind::kBracket) ++n;
    return n;
  }
  bool StartsWithRun() const { return !pieces.empty() && pieces[0].kind == Piece::Kind::kRun; }
};

// Bash's value of the inside of a double-quoted string: \ before $ ` " \ or a newline escapes
// it (\newline disappears); any other backslash stays.
std::string UnescapeDoubleQuoted(std::string_view inner) {
  std::string out;
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '\\' && i + 1 < inner.size() &&
        (inner[i + 1] == '$' || inner[i + 1] == '`' || inner[i + 1] == '"' ||
         inner[i + 1] == '\\' || inner[i + 1] == '\n')) {
      if (inner[i + 1] != '\n') out.push_back(inner[i + 1]);
      ++i;
      continue;
    }
    out.push_back(inner[i]);
  }
  return out;
}

bool IsBracket(char c) { return c == '{' || c == '}' || c == '[' || c == ']'; }

// Ends an unquoted run (tree-sitter-bash's special characters).
bool EndsRun(char c) {
  return std::string_view(" \t\n'\"<>{}[]()`$|&;").find(c) != std::string_view::npos;
}

class PlainScriptParser {
 public:
  explicit PlainScriptParser(std::string_view s) : s_(s) {}

  std::optional<PlainScript> Parse() {
    for (unsigned char c : s_) {
      if (IsRefusedControl(c)) return std::nullopt;
    }
    while (true) {
      const size_t blank_start = p_;
      bool continuation = false;
      SkipBlanks(&continuation);
      blanks_ = s_.substr(blank_start, p_ - blank_start);
      // A line continuation must come after a word or an operator and lead to something on
      // the next line (tree-sitter-bash joins `ls\n\\\n pwd` into one command).
      if (continuation && (p_ >= s_.size() || s_[p_] == '\n' || after_newline_)) {
        return std::nullopt;
      }
      if (p_ >= s_.size()) break;
      const char c = s_[p_];
      after_newline_ = c == '\n';
      if (c == '\n') {
        ++p_;
        // A newline ends a command; anywhere else (after an operator, between blank lines) it
        // is only a blank.
        if (!current_.argv.empty() && !Finish(ShellOperator::kSequence)) return std::nullopt;
        continue;
      }
      if (c == '&' || c == '|' || c == ';') {
        std::optional<ShellOperator> op = LexOperator();
        if (!op || current_.argv.empty() || !Finish(*op)) return std::nullopt;
        need_command_ = *op != ShellOperator::kSequence;
        continue;
      }
      if (!LexWordInto()) return std::nullopt;
    }
    if (!current_.argv.empty()) {
      if (!Finish(ShellOperator::kSequence)) return std::nullopt;
    } else if (need_command_) {
      return std::nullopt;  // a trailing && || |
    }
    return std::move(out_);
  }

 private:
  void SkipBlanks(bool* continuation) {
    while (p_ < s_.size()) {
      if (s_[p_] == ' ' || s_[p_] == '\t') {
        ++p_;
      } else if (s_[p_] == '\\' && p_ + 1 < s_.size() && s_[p_ + 1] == '\n') {
        p_ += 2;  // a line continuation between words
        *continuation = true;
      } else {
        break;
      }
    }
  }

  std::optional<ShellOperator> LexOperator() {
    const char c = s_[p_];
    const char next = p_ + 1 < s_.size() ? s_[p_ + 1] : '\0';
    if (c == '&') {
      if (next != '&') return std::nullopt;  // & (background) or &> and the like
      p_ += 2;
      return ShellOperator::kAnd;
    }
    if (c == '|') {
      if (next == '|') {
        p_ += 2;
        return ShellOperator::kOr;
      }
      if (next == '&') return std::nullopt;  // |&
      ++p_;
      return ShellOperator::kPipe;
    }
    if (next == ';' || next == '&') return std::nullopt;  // ;; ;& (case terminators)
    ++p_;
    return ShellOperator::kSequence;
  }

  // Ends the current command, which `op` follows. False when the command is not one Codex
  // takes.
  bool Finish(ShellOperator op) {
    const std::string& name = current_.argv.front();
    // tree-sitter-bash reads `a#b`, `x%`, `a@b`, `a?b` at a command's start as the beginnings
    // of something else, and NAME=... as an assignment.
    if (!first_plain_ || IsReservedCommandWord(name) || LooksLikeAssignment(name) ||
        IsNumberToken(name) || name.find_first_of("#%@=?") != std::string::npos ||
        name.starts_with("-")) {
      return false;
    }
    if (!out_.commands.empty()) out_.operators.push_back(pending_);
    out_.commands.push_back(std::move(current_));
    current_ = PlainCommand();
    pending_ = op;
    need_command_ = false;
    bracket_run_open_ = false;
    return true;
  }

  // One shell word (a concatenation of quoted and unquoted parts) into the current command:
  // one entry of shell_argv, one or more of argv. tree-sitter-bash ends its word before an
  // escape that follows a quoted part or a bracket unless the escape is \' \" or \\ (so
  // `'a'\;` is two words to Codex, one to bash), and skips an escaped blank there.
  bool LexWordInto() {
    if (s_[p_] == '#') return false;  // a comment
    std::vector<CodexWord> words(1);
    std::string value;
    while (p_ < s_.size()) {
      const char c = s_[p_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '|' || c == '&' || c == ';') break;
      if (c == '<' || c == '>' || c == '(' || c == ')' || c == '`' || c == '$') return false;
      CodexWord* w = &words.back();
      if (c == '\'') {
        const size_t end = s_.find('\'', p_ + 1);
        if (end == std::string_view::npos) return false;
        const std::string_view inner = s_.substr(p_ + 1, end - p_ - 1);
        w->pieces.push_back({Piece::Kind::kSingleQuoted, std::string(inner)});
        value.append(inner);
        p_ = end + 1;
        continue;
      }
      if (c == '"') {
        size_t q = p_ + 1;
        while (q < s_.size() && s_[q] != '"') {
          if (s_[q] == '$' || s_[q] == '`') return false;
          q += s_[q] == '\\' ? 2 : 1;
        }
        if (q >= s_.size()) return false;
        const std::string_view inner = s_.substr(p_ + 1, q - p_ - 1);
        w->pieces.push_back({Piece::Kind::kDoubleQuoted, std::string(inner)});
        value.append(UnescapeDoubleQuoted(inner));
        p_ = q + 1;
        continue;
      }
      if (IsBracket(c)) {
        if (c == '{' && (IsBraceRangeAt(s_, p_) || s_.substr(p_, 2) == "{{")) return false;
        w->pieces.push_back({Piece::Kind::kBracket, std::string(1, c)});
        value.push_back(c);
        ++p_;
        continue;
      }
      if (c == '\\' && !w->pieces.empty()) {
        const char e = p_ + 1 < s_.size() ? s_[p_ + 1] : '\0';
        if (e == ' ') {
          // Skipped like a blank; a word must follow.
          if (p_ + 2 >= s_.size() ||
              std::string_view(" \t\n|&;").find(s_[p_ + 2]) != std::string_view::npos) {
            return false;
          }
          value.push_back(' ');
          p_ += 2;
          words.emplace_back();
          continue;
        }
        if (e != '\'' && e != '"' && e != '\\') {
          words.emplace_back();
          w = &words.back();
        }
      }
      // An unquoted run: up to a special character; a backslash takes the next character,
      // except that a run cannot start with an escaped blank and never holds an escaped tab or
      // newline.
      Piece run{Piece::Kind::kRun, ""};
      const size_t run_start = p_;
      while (p_ < s_.size()) {
        const char r = s_[p_];
        if (r == '\\') {
          if (p_ + 1 >= s_.size()) return false;
          const char e = s_[p_ + 1];
          if (e == '\t' || e == '\n' || (e == ' ' && p_ == run_start)) return false;
          run.text.push_back('\\');
          run.text.push_back(e);
          value.push_back(e);
          p_ += 2;
          continue;
        }
        if (EndsRun(r)) break;
        run.text.push_back(r);
        value.push_back(r);
        ++p_;
      }
      w->pieces.push_back(std::move(run));
    }
    for (CodexWord& w : words) {
      if (w.pieces.empty()) continue;  // an escaped blank ended the word
      if (!AddCodexWord(std::move(w))) return false;
    }
    current_.shell_argv.push_back(std::move(value));
    return true;
  }

  bool AddCodexWord(CodexWord w) {
    // A word of one bracket alone takes in the brackets of the words after it, blanks and all
    // (`{ }` is one word to Codex, `{} }` two).
    if (bracket_run_open_ && w.LeadingBrackets() > 0) {
      std::string& previous = current_.argv.back();
      previous.append(blanks_);
      const size_t n = w.LeadingBrackets();
      for (size_t i = 0; i < n; ++i) previous += w.pieces[i].text;
      w.pieces.erase(w.pieces.begin(), w.pieces.begin() + static_cast<std::ptrdiff_t>(n));
      if (w.pieces.empty()) return true;  // the run goes on
    }
    bracket_run_open_ = w.pieces.size() == 1 && w.pieces[0].kind == Piece::Kind::kBracket;
    const std::string text = w.Text();
    if (w.pieces.size() > 1 && text.empty()) return false;  // ''"" and the like
    if (w.StartsWithRun()) {
      const std::string& first = w.pieces[0].text;
      // `==` and `=~` as arguments are test operators.
      if (!current_.argv.empty() && (first.starts_with("==") || first.starts_with("=~")) &&
          (first == "==" || first == "=~" || !w.Plain())) {
        return false;
      }
      // A number-like start before `#` (`7#`, `7z#`) is misread.
      const bool starts_number =
          IsDigit(first[0]) || (first[0] == '-' && first.size() > 1 && IsDigit(first[1]));
      if (starts_number && text.find('#') != std::string::npos && !IsNumberToken(text)) {
        return false;
      }
    }
    if (current_.argv.empty()) first_plain_ = w.Plain();
    current_.argv.push_back(text);
    return true;
  }

  std::string_view s_;
  size_t p_ = 0;
  std::string_view blanks_;  // what separated the word being lexed from the one before
  PlainScript out_;
  PlainCommand current_;
  bool first_plain_ = false;
  bool bracket_run_open_ = false;  // the last word is brackets that the next ones may join
  ShellOperator pending_ = ShellOperator::kSequence;
  bool need_command_ = false;
  bool after_newline_ = true;  // nothing but blank lines since the start or the last newline
};

// Rust's Path::file_name on a Unix path: the last normal component (`.` components and
// trailing slashes ignored); none when the path ends in `..` or has no component.
std::optional<std::string> FileName(std::string_view path) {
  std::optional<std::string> last;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const std::string_view comp = path.substr(i, j - i);
    if (!comp.empty() && comp != ".") {
      last = comp == ".." ? std::nullopt : std::optional<std::string>(std::string(comp));
    }
    i = j + 1;
  }
  return last;
}

// Rust's Path::file_stem: the file name without its last extension (a leading dot is part of
// the name).
std::optional<std::string> FileStem(std::string_view path) {
  std::optional<std::string> name = FileName(path);
  if (!name) return std::nullopt;
  const size_t dot = name->rfind('.');
  if (dot == std::string::npos || dot == 0) return name;
  return name->substr(0, dot);
}

// Codex 0.117.0's detect_shell_type for bash, zsh and sh: the exact name, else the file stem,
// again and again while it changes.
bool IsPosixShell(std::string shell) {
  while (true) {
    if (shell == "bash" || shell == "zsh" || shell == "sh") return true;
    if (OneOf(shell, {"cmd", "pwsh", "powershell"})) return false;
    std::optional<std::string> stem = FileStem(shell);
    if (!stem || *stem == shell) return false;
    shell = std::move(*stem);
  }
}

}  // namespace

std::optional<PlainScript> ParsePlainScript(std::string_view script) {
  return PlainScriptParser(script).Parse();
}

std::optional<std::vector<std::vector<std::string>>> ParsePlainCommands(std::string_view script) {
  std::optional<PlainScript> parsed = ParsePlainScript(script);
  if (!parsed) return std::nullopt;
  std::vector<Words> out;
  out.reserve(parsed->commands.size());
  for (PlainCommand& c : parsed->commands) out.push_back(std::move(c.argv));
  return out;
}

std::optional<std::string_view> ShellWrappedScript(const std::vector<std::string>& argv) {
  if (argv.size() != 3 || (argv[1] != "-lc" && argv[1] != "-c") || !IsPosixShell(argv[0])) {
    return std::nullopt;
  }
  return std::string_view(argv[2]);
}

std::optional<std::vector<std::vector<std::string>>> ParseShellWrappedPlainCommands(
    const std::vector<std::string>& argv) {
  std::optional<std::string_view> script = ShellWrappedScript(argv);
  if (!script) return std::nullopt;
  return ParsePlainCommands(*script);
}

namespace {

// A plain unquoted word of a heredoc command's first line: no quotes, brackets, escapes or
// expansions.
bool IsLiteralWord(std::string_view w) {
  if (w.empty() || w[0] == '#') return false;
  for (char c : w) {
    if (std::string_view("'\"<>{}[]()`$|&;\\").find(c) != std::string_view::npos) return false;
  }
  return true;
}

// The redirection operator at the start of `tok` ([N]> >> < >& <& &> &>> >|), or 0.
size_t RedirectOperatorLength(std::string_view tok) {
  size_t i = 0;
  while (i < tok.size() && IsDigit(tok[i])) ++i;
  for (std::string_view op : {"&>>", ">>", ">&", "<&", "&>", ">|", ">", "<"}) {
    if (tok.substr(i).starts_with(op)) {
      if (op[0] == '&' && i > 0) return 0;
      if (op == "<" && tok.substr(i).starts_with("<<")) return 0;
      return i + op.size();
    }
  }
  return 0;
}

// The delimiter word of a heredoc (`EOF`, `'EOF'`, `"EOF"`), unquoted; nullopt when it is not
// one of those plain forms.
std::optional<std::string> HeredocDelimiter(std::string_view d) {
  if (d.size() >= 2 && (d.front() == '\'' || d.front() == '"') && d.back() == d.front()) {
    d = d.substr(1, d.size() - 2);
  }
  if (d.empty() || !IsLiteralWord(d)) return std::nullopt;
  return std::string(d);
}

}  // namespace

std::optional<std::vector<std::string>> ParseShellWrappedHeredocPrefix(
    const std::vector<std::string>& argv) {
  std::optional<std::string_view> wrapped = ShellWrappedScript(argv);
  if (!wrapped) return std::nullopt;
  const std::string_view script = *wrapped;
  const size_t eol = script.find('\n');
  if (eol == std::string_view::npos) return std::nullopt;
  for (unsigned char c : script) {
    if (IsRefusedControl(c)) return std::nullopt;
  }
  // The first line: words, redirections and exactly one heredoc.
  std::vector<std::string_view> tokens;
  const std::string_view line = script.substr(0, eol);
  for (size_t i = 0; i < line.size();) {
    if (line[i] == ' ' || line[i] == '\t') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    std::string_view tok = line.substr(i, j - i);
    // A redirection written against the word before it (`cat<<EOF`, `ls>out`) is its own
    // token; a file descriptor number before it (`2>&1`) stays with it.
    const size_t op = tok.find_first_of("<>");
    if (op != std::string_view::npos && op > 0 && !AllDigits(tok.substr(0, op))) {
      size_t cut = op;
      if (tok[cut - 1] == '&') --cut;  // &>
      if (cut > 0) {
        tokens.push_back(tok.substr(0, cut));
        tok.remove_prefix(cut);
      }
    }
    tokens.push_back(tok);
    i = j;
  }
  Words words;
  std::optional<std::string> delimiter;
  bool strip_tabs = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string_view tok = tokens[i];
    if (tok.starts_with("<<")) {
      if (delimiter || tok.starts_with("<<<")) return std::nullopt;
      tok.remove_prefix(2);
      if (tok.starts_with("-")) {
        strip_tabs = true;
        tok.remove_prefix(1);
      }
      if (tok.empty()) {
        if (++i >= tokens.size()) return std::nullopt;
        tok = tokens[i];
      }
      delimiter = HeredocDelimiter(tok);
      if (!delimiter) return std::nullopt;
      continue;
    }
    if (size_t op = RedirectOperatorLength(tok); op > 0) {
      tok.remove_prefix(op);
      if (tok.empty()) {
        if (++i >= tokens.size()) return std::nullopt;
        tok = tokens[i];
      }
      if (!IsLiteralWord(tok)) return std::nullopt;
      continue;
    }
    // Assignments before the command (`FOO=1 python3 - <<EOF`) are passed over.
    if (words.empty() && LooksLikeAssignment(tok)) {
      if (tok.find_first_of("`$") != std::string_view::npos) return std::nullopt;
      continue;
    }
    if (!IsLiteralWord(tok) || (words.empty() && IsReservedCommandWord(tok))) {
      return std::nullopt;
    }
    words.emplace_back(tok);
  }
  if (!delimiter || words.empty()) return std::nullopt;
  // The body, up to the delimiter's line; after it only blank lines.
  size_t pos = eol + 1;
  bool ended = false;
  while (pos <= script.size() && !ended) {
    size_t next = script.find('\n', pos);
    if (next == std::string_view::npos) next = script.size();
    std::string_view body_line = script.substr(pos, next - pos);
    if (strip_tabs) {
      while (body_line.starts_with("\t")) body_line.remove_prefix(1);
    }
    if (body_line == *delimiter) ended = true;
    pos = next + 1;
  }
  if (!ended) return std::nullopt;
  if (pos < script.size() &&
      script.substr(pos).find_first_not_of(" \t\n") != std::string_view::npos) {
    return std::nullopt;
  }
  return words;
}

// =============================================================================================
// Safety
// =============================================================================================

namespace {

bool IsValidSedNArg(const std::string* arg) {
  if (arg == nullptr || !arg->ends_with('p')) return false;
  const std::string_view core = std::string_view(*arg).substr(0, arg->size() - 1);
  const size_t comma = core.find(',');
  if (comma == std::string_view::npos) return !core.empty() && AllDigits(core);
  const std::string_view a = core.substr(0, comma);
  const std::string_view b = core.substr(comma + 1);
  return !a.empty() && !b.empty() && AllDigits(a) && AllDigits(b);
}

const std::string* At(const Words& words, size_t i) {
  return i < words.size() ? &words[i] : nullptr;
}

// Global options that take a value, which Codex skips to find git's subcommand.
bool IsGitGlobalOptionWithValue(std::string_view a) {
  return OneOf(a, {"-C", "-c", "--config-env", "--exec-path", "--git-dir", "--namespace",
                   "--super-prefix", "--work-tree"});
}

bool IsGitGlobalOptionWithInlineValue(std::string_view a) {
  for (std::string_view p : {"--config-env=", "--exec-path=", "--git-dir=", "--namespace=",
                             "--super-prefix=", "--work-tree="}) {
    if (a.starts_with(p)) return true;
  }
  return (a.starts_with("-C") || a.starts_with("-c")) && a.size() > 2;
}

// Options that redirect git's config, repository or helpers: never auto-approved, wherever
// they stand (-C is not one of them in Codex 0.117.0).
bool GitOptionRequiresPrompt(std::string_view a) {
  if (OneOf(a, {"-c", "--config-env", "--exec-path", "--git-dir", "--namespace", "--super-prefix",
                "--work-tree"})) {
    return true;
  }
  if (a.starts_with("-c") && a.size() > 2) return true;
  for (std::string_view p : {"--config-env=", "--exec-path=", "--git-dir=", "--namespace=",
                             "--super-prefix=", "--work-tree="}) {
    if (a.starts_with(p)) return true;
  }
  return false;
}

// The index of git's subcommand when it is one of `wanted`: the first word that is not an
// option (or an option's value); nullopt when that word is another one.
std::optional<size_t> FindGitSubcommand(const Words& argv,
                                        std::initializer_list<std::string_view> wanted) {
  if (argv.empty() || FileName(argv[0]) != std::optional<std::string>("git")) return std::nullopt;
  bool skip_next = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (skip_next) {
      skip_next = false;
      continue;
    }
    const std::string_view a = argv[i];
    if (IsGitGlobalOptionWithInlineValue(a)) continue;
    if (IsGitGlobalOptionWithValue(a)) {
      skip_next = true;
      continue;
    }
    if (a.starts_with("-")) continue;
    if (OneOf(a, wanted)) return i;
    return std::nullopt;
  }
  return std::nullopt;
}

bool GitSubcommandArgsAreReadOnly(const Words& argv, size_t from) {
  for (size_t i = from; i < argv.size(); ++i) {
    const std::string_view a = argv[i];
    if (OneOf(a, {"--output", "--ext-diff", "--textconv", "--exec", "--paginate"}) ||
        a.starts_with("--output=") || a.starts_with("--exec=")) {
      return false;
    }
  }
  return true;
}

// `git branch` lists branches only with no arguments or read-only flags alone.
bool GitBranchIsReadOnly(const Words& argv, size_t from) {
  if (from >= argv.size()) return true;
  for (size_t i = from; i < argv.size(); ++i) {
    const std::string_view a = argv[i];
    if (!OneOf(a, {"--list", "-l", "--show-current", "-a", "--all", "-r", "--remotes", "-v", "-vv",
                   "--verbose"}) &&
        !a.starts_with("--format=")) {
      return false;
    }
  }
  return true;
}

bool IsSafeGitCommand(const Words& argv) {
  for (size_t i = 1; i < argv.size(); ++i) {
    if (GitOptionRequiresPrompt(argv[i])) return false;
  }
  std::optional<size_t> sub = FindGitSubcommand(argv, {"status", "log", "diff", "show", "branch"});
  if (!sub) return false;
  if (!GitSubcommandArgsAreReadOnly(argv, *sub + 1)) return false;
  return argv[*sub] != "branch" || GitBranchIsReadOnly(argv, *sub + 1);
}

// is_safe_to_call_with_exec: one command, judged by its words alone.
bool IsSafeToCallWithExec(const Words& argv) {
  if (argv.empty()) return false;
  const std::optional<std::string> name = FileName(argv[0]);
  if (!name) return false;
  const std::string_view cmd = *name;
  if (OneOf(cmd, {"numfmt", "tac", "cat",  "cd",    "cut",   "echo", "expr",  "false", "grep",
                  "head",   "id",  "ls",   "nl",    "paste", "pwd",  "rev",   "seq",   "stat",
                  "tail",   "tr",  "true", "uname", "uniq",  "wc",   "which", "whoami"})) {
    return true;
  }
  if (cmd == "base64") {
    for (size_t i = 1; i < argv.size(); ++i) {
      const std::string_view a = argv[i];
      if (a == "-o" || a == "--output" || a.starts_with("--output=") ||
          (a.starts_with("-o") && a != "-o")) {
        return false;
      }
    }
    return true;
  }
  if (cmd == "find") {
    for (const std::string& a : argv) {
      if (OneOf(a, {"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0",
                    "-fprintf"})) {
        return false;
      }
    }
    return true;
  }
  if (cmd == "rg") {
    for (const std::string& a : argv) {
      if (a == "--search-zip" || a == "-z" || a == "--pre" || a.starts_with("--pre=") ||
          a == "--hostname-bin" || a.starts_with("--hostname-bin=")) {
        return false;
      }
    }
    return true;
  }
  if (cmd == "git") return IsSafeGitCommand(argv);
  if (cmd == "sed") {
    return argv.size() <= 4 && argv.size() >= 2 && argv[1] == "-n" && IsValidSedNArg(At(argv, 2));
  }
  return false;
}

}  // namespace

bool IsKnownSafeCommand(const std::vector<std::string>& argv) {
  Words command = argv;
  for (std::string& w : command) {
    if (w == "zsh") w = "bash";
  }
  if (IsSafeToCallWithExec(command)) return true;
  std::optional<std::vector<Words>> plain = ParseShellWrappedPlainCommands(command);
  return plain && !plain->empty() &&
         std::all_of(plain->begin(), plain->end(), IsSafeToCallWithExec);
}

UntrustedVerdict JudgeUntrusted(const std::vector<std::string>& argv) {
  std::vector<Words> commands;
  bool heredoc = false;
  if (std::optional<std::vector<Words>> plain = ParseShellWrappedPlainCommands(argv);
      plain && !plain->empty()) {
    commands = std::move(*plain);
  } else if (std::optional<Words> prefix = ParseShellWrappedHeredocPrefix(argv)) {
    commands.push_back(std::move(*prefix));
    heredoc = true;
  } else {
    commands.push_back(argv);
  }
  UntrustedVerdict verdict;
  for (Words& c : commands) {
    if (!heredoc && IsKnownSafeCommand(c)) continue;
    verdict.ask = true;
    if (!heredoc && !verdict.proposed_amendment) verdict.proposed_amendment = std::move(c);
  }
  return verdict;
}

nlohmann::json ApprovalAvailableDecisions(
    const std::optional<std::vector<std::string>>& proposed_amendment) {
  nlohmann::json out = nlohmann::json::array({"accept"});
  if (proposed_amendment) {
    out.push_back(
        {{"acceptWithExecpolicyAmendment", {{"execpolicy_amendment", *proposed_amendment}}}});
  }
  out.push_back("cancel");
  return out;
}

// =============================================================================================
// shlex
// =============================================================================================

std::optional<std::vector<std::string>> ShlexSplit(std::string_view s) {
  Words out;
  size_t i = 0;
  const size_t n = s.size();
  while (true) {
    // Blanks and comments before a word.
    while (i < n) {
      if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
        ++i;
      } else if (s[i] == '#') {
        while (i < n && s[i] != '\n') ++i;
      } else {
        break;
      }
    }
    if (i >= n) return out;
    std::string word;
    while (i < n) {
      const char c = s[i];
      if (c == ' ' || c == '\t' || c == '\n') break;
      ++i;
      if (c == '"') {
        while (true) {
          if (i >= n) return std::nullopt;
          const char d = s[i++];
          if (d == '"') break;
          if (d == '\\') {
            if (i >= n) return std::nullopt;
            const char e = s[i++];
            if (e == '$' || e == '`' || e == '"' || e == '\\') {
              word.push_back(e);
            } else if (e != '\n') {
              word.push_back('\\');
              word.push_back(e);
            }
            continue;
          }
          word.push_back(d);
        }
      } else if (c == '\'') {
        const size_t end = s.find('\'', i);
        if (end == std::string_view::npos) return std::nullopt;
        word.append(s.substr(i, end - i));
        i = end + 1;
      } else if (c == '\\') {
        if (i >= n) return std::nullopt;
        const char e = s[i++];
        if (e != '\n') word.push_back(e);
      } else {
        word.push_back(c);
      }
    }
    out.push_back(std::move(word));
  }
}

std::string ShlexJoin(const std::vector<std::string>& words) {
  // The quoting is the one Codex's items use (projections' ShellJoin); only the NUL case
  // differs: parse_command names it instead of falling back to a plain join.
  for (const std::string& w : words) {
    if (w.find('\0') != std::string::npos) return "<command included NUL byte>";
  }
  return internal::ShellJoin(words);
}

// =============================================================================================
// commandActions (parse_command)
// =============================================================================================

namespace {

using Type = CommandAction::Type;

CommandAction Unknown(std::string cmd) {
  CommandAction a;
  a.type = Type::kUnknown;
  a.command = std::move(cmd);
  return a;
}
CommandAction Read(std::string cmd, std::string name, std::string path) {
  CommandAction a;
  a.type = Type::kRead;
  a.command = std::move(cmd);
  a.name = std::move(name);
  a.path = std::move(path);
  return a;
}
CommandAction ListFiles(std::string cmd, std::optional<std::string> path) {
  CommandAction a;
  a.type = Type::kListFiles;
  a.command = std::move(cmd);
  a.path = std::move(path);
  return a;
}
CommandAction Search(std::string cmd, std::optional<std::string> query,
                     std::optional<std::string> path) {
  CommandAction a;
  a.type = Type::kSearch;
  a.command = std::move(cmd);
  a.query = std::move(query);
  a.path = std::move(path);
  return a;
}

bool IsConnector(std::string_view t) { return t == "&&" || t == "||" || t == "|" || t == ";"; }

Words TrimAtConnector(const Words& tokens) {
  auto it = std::find_if(tokens.begin(), tokens.end(),
                         [](const std::string& t) { return IsConnector(t); });
  return Words(tokens.begin(), it);
}

// The last useful component of a path for display: trailing slashes dropped, build, dist,
// node_modules and src skipped (webview/src -> webview).
std::string ShortDisplayPath(std::string_view path) {
  std::string normalized(path);
  std::replace(normalized.begin(), normalized.end(), '\\', '/');
  while (!normalized.empty() && normalized.back() == '/') normalized.pop_back();
  size_t end = normalized.size();
  while (true) {
    const size_t slash = end == 0 ? std::string::npos : normalized.rfind('/', end - 1);
    const size_t start = slash == std::string::npos ? 0 : slash + 1;
    const std::string_view part = std::string_view(normalized).substr(start, end - start);
    if (!part.empty() && !OneOf(part, {"build", "dist", "node_modules", "src"})) {
      return std::string(part);
    }
    if (slash == std::string::npos) break;
    end = slash;
  }
  return normalized;
}

// The arguments left once values of `flags_with_values` and --flag=value forms are skipped;
// everything after `--` is kept.
Words SkipFlagValues(const Words& args, std::initializer_list<std::string_view> flags) {
  Words out;
  bool skip_next = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (skip_next) {
      skip_next = false;
      continue;
    }
    const std::string& a = args[i];
    if (a == "--") {
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (a.starts_with("--") && a.find('=') != std::string::npos) continue;
    if (OneOf(a, flags)) {
      if (i + 1 < args.size()) skip_next = true;
      continue;
    }
    out.push_back(a);
  }
  return out;
}

Words NonFlags(const Words& words) {
  Words out;
  for (const std::string& w : words) {
    if (!w.starts_with("-")) out.push_back(w);
  }
  return out;
}

Words PositionalOperands(const Words& args, std::initializer_list<std::string_view> flags) {
  Words out;
  bool after_double_dash = false;
  bool skip_next = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (skip_next) {
      skip_next = false;
      continue;
    }
    const std::string& a = args[i];
    if (after_double_dash) {
      out.push_back(a);
      continue;
    }
    if (a == "--") {
      after_double_dash = true;
      continue;
    }
    if (a.starts_with("--") && a.find('=') != std::string::npos) continue;
    if (OneOf(a, flags)) {
      if (i + 1 < args.size()) skip_next = true;
      continue;
    }
    if (a.starts_with("-")) continue;
    out.push_back(a);
  }
  return out;
}

std::optional<std::string> FirstNonFlagOperand(const Words& args,
                                               std::initializer_list<std::string_view> flags) {
  Words ops = PositionalOperands(args, flags);
  if (ops.empty()) return std::nullopt;
  return ops.front();
}

std::optional<std::string> SingleNonFlagOperand(const Words& args,
                                                std::initializer_list<std::string_view> flags) {
  Words ops = PositionalOperands(args, flags);
  if (ops.size() != 1) return std::nullopt;
  return ops.front();
}

std::optional<std::string> MaybeShort(const std::optional<std::string>& p) {
  if (!p) return std::nullopt;
  return ShortDisplayPath(*p);
}

Words Tail(const Words& w, size_t from = 1) {
  return from < w.size() ? Words(w.begin() + static_cast<std::ptrdiff_t>(from), w.end()) : Words();
}

CommandAction ParseGrepLike(const Words& main_cmd, const Words& args) {
  const Words a = TrimAtConnector(args);
  Words operands;
  std::optional<std::string> pattern;
  bool after_double_dash = false;
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string& arg = a[i];
    if (after_double_dash) {
      operands.push_back(arg);
      continue;
    }
    if (arg == "--") {
      after_double_dash = true;
      continue;
    }
    if (OneOf(arg, {"-e", "--regexp", "-f", "--file"})) {
      if (i + 1 < a.size()) {
        ++i;
        if (!pattern) pattern = a[i];
      }
      continue;
    }
    if (OneOf(arg, {"-m", "--max-count", "-C", "--context", "-A", "--after-context", "-B",
                    "--before-context"})) {
      ++i;
      continue;
    }
    if (arg.starts_with("-")) continue;
    operands.push_back(arg);
  }
  const bool has_pattern = pattern.has_value();
  std::optional<std::string> query = pattern;
  if (!query && !operands.empty()) query = operands.front();
  const size_t path_index = has_pattern ? 0 : 1;
  std::optional<std::string> path;
  if (path_index < operands.size()) path = ShortDisplayPath(operands[path_index]);
  return Search(ShlexJoin(main_cmd), std::move(query), std::move(path));
}

std::optional<std::string> AwkDataFileOperand(const Words& args) {
  if (args.empty()) return std::nullopt;
  const Words a = TrimAtConnector(args);
  const bool has_script_file = AnyOf(a, "-f") || AnyOf(a, "--file");
  const Words non_flags =
      NonFlags(SkipFlagValues(a, {"-F", "-v", "-f", "--field-separator", "--assign", "--file"}));
  if (has_script_file) {
    if (non_flags.empty()) return std::nullopt;
    return non_flags.front();
  }
  if (non_flags.size() >= 2) return non_flags[1];
  return std::nullopt;
}

bool PythonWalksFiles(const Words& args) {
  const Words a = TrimAtConnector(args);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "-c" && i + 1 < a.size()) {
      const std::string& script = a[i + 1];
      for (std::string_view needle : {"os.walk", "os.listdir", "os.scandir", "glob.glob",
                                      "glob.iglob", "pathlib.Path", ".rglob("}) {
        if (script.find(needle) != std::string::npos) return true;
      }
      return false;
    }
  }
  return false;
}

bool IsPythonCommand(std::string_view cmd) {
  return cmd == "python" || cmd == "python2" || cmd == "python3" || cmd.starts_with("python2.") ||
         cmd.starts_with("python3.");
}

std::optional<std::string> CdTarget(const Words& args) {
  std::optional<std::string> target;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      if (i + 1 < args.size()) return args[i + 1];
      return std::nullopt;
    }
    if (a.starts_with("-")) continue;
    target = a;
  }
  return target;
}

bool IsPathish(std::string_view s) {
  return s == "." || s == ".." || s.starts_with("./") || s.starts_with("../") ||
         s.find('/') != std::string_view::npos || s.find('\\') != std::string_view::npos;
}

std::pair<std::optional<std::string>, std::optional<std::string>> ParseFdQueryAndPath(
    const Words& tail) {
  const Words non_flags =
      NonFlags(SkipFlagValues(TrimAtConnector(tail), {"-t", "--type", "-e", "--extension", "-E",
                                                      "--exclude", "--search-path"}));
  if (non_flags.size() == 1) {
    if (IsPathish(non_flags[0])) return {std::nullopt, ShortDisplayPath(non_flags[0])};
    return {non_flags[0], std::nullopt};
  }
  if (non_flags.size() >= 2) return {non_flags[0], ShortDisplayPath(non_flags[1])};
  return {std::nullopt, std::nullopt};
}

std::pair<std::optional<std::string>, std::optional<std::string>> ParseFindQueryAndPath(
    const Words& tail) {
  const Words a = TrimAtConnector(tail);
  std::optional<std::string> path;
  for (const std::string& w : a) {
    if (!w.starts_with("-") && w != "!" && w != "(" && w != ")") {
      path = ShortDisplayPath(w);
      break;
    }
  }
  std::optional<std::string> query;
  for (size_t i = 0; i < a.size(); ++i) {
    if (OneOf(a[i], {"-name", "-iname", "-path", "-regex"})) {
      if (i + 1 < a.size()) query = a[i + 1];
      break;
    }
  }
  return {query, path};
}

std::optional<std::string> SedReadPath(const Words& args) {
  const Words a = TrimAtConnector(args);
  if (!AnyOf(a, "-n")) return std::nullopt;
  bool has_range_script = false;
  for (size_t i = 0; i < a.size();) {
    if (a[i] == "-e" || a[i] == "--expression") {
      if (IsValidSedNArg(At(a, i + 1))) has_range_script = true;
      i += 2;
    } else if (a[i] == "-f" || a[i] == "--file") {
      i += 2;
    } else {
      ++i;
    }
  }
  if (!has_range_script) {
    has_range_script = std::any_of(a.begin(), a.end(), [](const std::string& w) {
      return !w.starts_with("-") && IsValidSedNArg(&w);
    });
  }
  if (!has_range_script) return std::nullopt;
  const Words non_flags = NonFlags(SkipFlagValues(a, {"-e", "-f", "--expression", "--file"}));
  if (non_flags.empty()) return std::nullopt;
  if (IsValidSedNArg(&non_flags[0])) {
    if (non_flags.size() < 2) return std::nullopt;
    return non_flags[1];
  }
  return non_flags[0];
}

// The tokens of xargs' command, when it has one.
std::optional<Words> XargsSubcommand(const Words& tokens) {
  if (tokens.empty() || tokens[0] != "xargs") return std::nullopt;
  size_t i = 1;
  while (i < tokens.size()) {
    const std::string& t = tokens[i];
    if (t == "--") {
      if (i + 1 < tokens.size()) return Tail(tokens, i + 1);
      return std::nullopt;
    }
    if (!t.starts_with("-")) return Tail(tokens, i);
    const bool takes_value = OneOf(t, {"-E", "-e", "-I", "-L", "-n", "-P", "-s"});
    i += takes_value && t.size() == 2 ? 2 : 1;
  }
  return std::nullopt;
}

bool XargsHasInPlaceFlag(const Words& tokens, size_t from) {
  for (size_t i = from; i < tokens.size(); ++i) {
    if (tokens[i].starts_with("-i") || tokens[i].starts_with("-pi")) return true;
  }
  return false;
}

bool IsMutatingXargsCommand(const Words& tokens) {
  std::optional<Words> sub = XargsSubcommand(tokens);
  if (!sub || sub->empty()) return false;
  const std::string& head = (*sub)[0];
  if (head == "perl" || head == "ruby") return XargsHasInPlaceFlag(*sub, 1);
  if (head == "sed") return XargsHasInPlaceFlag(*sub, 1) || AnyOf(Tail(*sub), "--in-place");
  if (head == "rg") return AnyOf(Tail(*sub), "--replace");
  return false;
}

bool IsCount(std::string_view count, bool allow_plus) {
  if (allow_plus && count.starts_with("+")) count.remove_prefix(1);
  return AllDigits(count);
}

// A pipeline helper that only shapes output (head -n 40, wc -l, sed without a file to read ...).
bool IsSmallFormattingCommand(const Words& tokens) {
  if (tokens.empty()) return false;
  const std::string& cmd = tokens[0];
  if (OneOf(cmd, {"wc", "tr", "cut", "sort", "uniq", "tee", "column", "yes", "printf"})) {
    return true;
  }
  if (cmd == "xargs") return !IsMutatingXargsCommand(tokens);
  if (cmd == "awk") return !AwkDataFileOperand(Tail(tokens)).has_value();
  if (cmd == "head" || cmd == "tail") {
    if (tokens.size() == 1) return true;
    if (tokens.size() == 2) return tokens[1].starts_with("-");
    if (tokens.size() == 3) {
      const bool tail = cmd == "tail";
      return (tokens[1] == "-n" || tokens[1] == "-c") && IsCount(tokens[2], tail);
    }
    return false;
  }
  if (cmd == "sed") return !SedReadPath(Tail(tokens)).has_value();
  return false;
}

// head/tail FILE with -n N (or -nN; +N for tail): the file read, if any.
std::optional<std::string> HeadTailReadPath(const Words& tail, bool allow_plus) {
  auto valid = [&](std::string_view n) {
    if (allow_plus && n.starts_with("+")) n.remove_prefix(1);
    return (allow_plus ? !n.empty() : true) && AllDigits(n);
  };
  bool has_valid_n = false;
  if (!tail.empty()) {
    if (tail[0] == "-n") {
      has_valid_n = tail.size() > 1 && valid(tail[1]);
    } else if (tail[0].starts_with("-n")) {
      has_valid_n = valid(std::string_view(tail[0]).substr(2));
    }
  }
  if (has_valid_n) {
    for (size_t i = 0; i < tail.size(); ++i) {
      if (i == 0 && tail[0] == "-n" && tail.size() > 1 && valid(tail[1])) {
        ++i;
        continue;
      }
      if (!tail[i].starts_with("-")) return tail[i];
    }
  }
  if (tail.size() == 1 && !tail[0].starts_with("-")) return tail[0];
  return std::nullopt;
}

CommandAction ReadOrUnknown(const Words& main_cmd, const std::optional<std::string>& path) {
  if (!path) return Unknown(ShlexJoin(main_cmd));
  return Read(ShlexJoin(main_cmd), ShortDisplayPath(*path), *path);
}

// One command (no connectors) as an action.
CommandAction SummarizeMainTokens(const Words& main_cmd) {
  if (main_cmd.empty()) return Unknown(ShlexJoin(main_cmd));
  const std::string& head = main_cmd[0];
  const Words tail = Tail(main_cmd);
  const std::string cmd = ShlexJoin(main_cmd);
  if (head == "ls") {
    return ListFiles(
        cmd, MaybeShort(FirstNonFlagOperand(tail, {"-I", "-w", "--block-size", "--format",
                                                   "--time-style", "--color", "--quoting-style"})));
  }
  if (head == "eza" || head == "exa") {
    return ListFiles(
        cmd, MaybeShort(FirstNonFlagOperand(
                 tail, {"-I", "--ignore-glob", "--color", "--sort", "--time-style", "--time"})));
  }
  if (head == "tree") {
    return ListFiles(cmd, MaybeShort(FirstNonFlagOperand(
                              tail, {"-L", "-P", "-I", "--charset", "--filelimit", "--sort"})));
  }
  if (head == "du") {
    return ListFiles(
        cmd, MaybeShort(FirstNonFlagOperand(
                 tail, {"-d", "--max-depth", "-B", "--block-size", "--exclude", "--time-style"})));
  }
  if (head == "rg" || head == "rga" || head == "ripgrep-all") {
    const Words a = TrimAtConnector(tail);
    const Words non_flags = NonFlags(
        SkipFlagValues(a, {"-g", "--glob", "--iglob", "-t", "--type", "--type-add", "--type-not",
                           "-m", "--max-count", "-A", "-B", "-C", "--context", "--max-depth"}));
    if (AnyOf(a, "--files")) {
      std::optional<std::string> path;
      if (!non_flags.empty()) path = ShortDisplayPath(non_flags[0]);
      return ListFiles(cmd, std::move(path));
    }
    std::optional<std::string> query, path;
    if (!non_flags.empty()) query = non_flags[0];
    if (non_flags.size() > 1) path = ShortDisplayPath(non_flags[1]);
    return Search(cmd, std::move(query), std::move(path));
  }
  if (head == "git") {
    if (!tail.empty() && tail[0] == "grep") return ParseGrepLike(main_cmd, Tail(tail));
    if (!tail.empty() && tail[0] == "ls-files") {
      return ListFiles(cmd,
                       MaybeShort(FirstNonFlagOperand(
                           Tail(tail), {"--exclude", "--exclude-from", "--pathspec-from-file"})));
    }
    return Unknown(cmd);
  }
  if (head == "fd" || head == "find") {
    auto [query, path] = head == "fd" ? ParseFdQueryAndPath(tail) : ParseFindQueryAndPath(tail);
    if (query) return Search(cmd, std::move(query), std::move(path));
    return ListFiles(cmd, std::move(path));
  }
  if (head == "grep" || head == "egrep" || head == "fgrep") return ParseGrepLike(main_cmd, tail);
  if (head == "ag" || head == "ack" || head == "pt") {
    const Words non_flags = NonFlags(SkipFlagValues(
        TrimAtConnector(tail),
        {"-G", "-g", "--file-search-regex", "--ignore-dir", "--ignore-file", "--path-to-ignore"}));
    std::optional<std::string> query, path;
    if (!non_flags.empty()) query = non_flags[0];
    if (non_flags.size() > 1) path = ShortDisplayPath(non_flags[1]);
    return Search(cmd, std::move(query), std::move(path));
  }
  if (head == "cat" || head == "more")
    return ReadOrUnknown(main_cmd, SingleNonFlagOperand(tail, {}));
  if (head == "bat" || head == "batcat") {
    return ReadOrUnknown(main_cmd, SingleNonFlagOperand(tail, {"--theme", "--language", "--style",
                                                               "--terminal-width", "--tabs",
                                                               "--line-range", "--map-syntax"}));
  }
  if (head == "less") {
    return ReadOrUnknown(
        main_cmd, SingleNonFlagOperand(tail, {"-p", "-P", "-x", "-y", "-z", "-j", "--pattern",
                                              "--prompt", "--tabs", "--shift", "--jump-target"}));
  }
  if (head == "head") return ReadOrUnknown(main_cmd, HeadTailReadPath(tail, false));
  if (head == "tail") return ReadOrUnknown(main_cmd, HeadTailReadPath(tail, true));
  if (head == "awk") return ReadOrUnknown(main_cmd, AwkDataFileOperand(tail));
  if (head == "nl") {
    std::optional<std::string> path;
    for (const std::string& w : SkipFlagValues(tail, {"-s", "-w", "-v", "-i", "-b"})) {
      if (!w.starts_with("-")) {
        path = w;
        break;
      }
    }
    return ReadOrUnknown(main_cmd, path);
  }
  if (head == "sed") return ReadOrUnknown(main_cmd, SedReadPath(tail));
  if (IsPythonCommand(head) && PythonWalksFiles(tail)) return ListFiles(cmd, std::nullopt);
  return Unknown(cmd);
}

bool IsAbsLike(std::string_view path) {
  if (path.starts_with("/")) return true;
  if (path.size() >= 3 && IsAlpha(path[0]) && path[1] == ':' && path[2] == '\\') return true;
  return path.starts_with("\\\\");
}

// Rust's PathBuf::push of a relative path onto base.
std::string JoinPaths(std::string_view base, std::string_view rel) {
  if (IsAbsLike(rel) || base.empty()) return std::string(rel);
  std::string out(base);
  if (out.back() != '/') out.push_back('/');
  out.append(rel);
  return out;
}

std::optional<std::string> FirstShlexWord(const std::string& cmd) {
  std::optional<Words> t = ShlexSplit(cmd);
  if (!t || t->empty()) return std::nullopt;
  return t->front();
}

// One simplification of a summary (echo first, a cd before something, `true`, `nl -FLAGS`
// dropped), or nullopt when there is none left.
std::optional<std::vector<CommandAction>> SimplifyOnce(const std::vector<CommandAction>& cmds) {
  if (cmds.size() <= 1) return std::nullopt;
  auto without = [&](size_t idx) {
    std::vector<CommandAction> out;
    for (size_t i = 0; i < cmds.size(); ++i) {
      if (i != idx) out.push_back(cmds[i]);
    }
    return out;
  };
  if (cmds[0].type == Type::kUnknown && FirstShlexWord(cmds[0].command) == "echo") {
    return std::vector<CommandAction>(cmds.begin() + 1, cmds.end());
  }
  for (size_t i = 0; i < cmds.size(); ++i) {
    if (cmds[i].type == Type::kUnknown && FirstShlexWord(cmds[i].command) == "cd") {
      if (cmds.size() > i + 1) return without(i);
      break;
    }
  }
  for (size_t i = 0; i < cmds.size(); ++i) {
    if (cmds[i].type == Type::kUnknown && cmds[i].command == "true") return without(i);
  }
  for (size_t i = 0; i < cmds.size(); ++i) {
    if (cmds[i].type != Type::kUnknown) continue;
    std::optional<Words> t = ShlexSplit(cmds[i].command);
    if (t && !t->empty() && (*t)[0] == "nl" &&
        std::all_of(t->begin() + 1, t->end(),
                    [](const std::string& w) { return w.starts_with("-"); })) {
      return without(i);
    }
  }
  return std::nullopt;
}

// The summaries of `parts` in order, a `cd DIR` folded into the paths read after it.
std::vector<CommandAction> SummarizeParts(const std::vector<Words>& parts) {
  std::vector<CommandAction> out;
  std::optional<std::string> cwd;
  for (const Words& tokens : parts) {
    if (!tokens.empty() && tokens[0] == "cd") {
      if (std::optional<std::string> dir = CdTarget(Tail(tokens))) {
        cwd = cwd ? JoinPaths(*cwd, *dir) : *dir;
      }
      continue;
    }
    CommandAction a = SummarizeMainTokens(tokens);
    if (a.type == Type::kRead && cwd) a.path = JoinPaths(*cwd, *a.path);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<CommandAction> ParseShellScriptImpl(std::string_view script) {
  std::optional<std::vector<Words>> all = ParsePlainCommands(script);
  if (!all || all->empty()) return {Unknown(std::string(script))};
  const Words script_tokens = ShlexSplit(script).value_or(Words{std::string(script)});
  const bool had_multiple_commands = all->size() > 1;
  std::vector<Words> filtered;
  for (Words& c : *all) {
    if (!IsSmallFormattingCommand(c)) filtered.push_back(std::move(c));
  }
  if (filtered.empty()) return {Unknown(std::string(script))};
  std::vector<CommandAction> commands = SummarizeParts(filtered);
  if (commands.size() > 1) {
    std::erase_if(commands, [](const CommandAction& a) {
      return a.type == Type::kUnknown && a.command == "true";
    });
    while (std::optional<std::vector<CommandAction>> next = SimplifyOnce(commands)) {
      commands = std::move(*next);
    }
  }
  if (commands.size() == 1) {
    const bool had_connectors =
        had_multiple_commands || std::any_of(script_tokens.begin(), script_tokens.end(),
                                             [](const std::string& t) { return IsConnector(t); });
    CommandAction& a = commands[0];
    if (a.type == Type::kRead) {
      if (had_connectors) {
        const bool has_pipe = AnyOf(script_tokens, "|");
        bool has_sed_n = false;
        for (size_t i = 0; i + 1 < script_tokens.size(); ++i) {
          if (script_tokens[i] == "sed" && script_tokens[i + 1] == "-n") has_sed_n = true;
        }
        if (has_pipe && has_sed_n) a.command = std::string(script);
      } else {
        a.command = ShlexJoin(script_tokens);
      }
    } else if ((a.type == Type::kListFiles || a.type == Type::kSearch) && !had_connectors) {
      a.command = ShlexJoin(script_tokens);
    }
  }
  return commands;
}

// normalize_tokens for an argv that is no shell wrapper: a `yes |` / `no |` prefix dropped, a
// `bash -c SCRIPT` split with shlex.
Words NormalizeTokens(const Words& cmd) {
  if (cmd.size() >= 2 && cmd[1] == "|" &&
      (cmd[0] == "yes" || cmd[0] == "y" || cmd[0] == "no" || cmd[0] == "n")) {
    return Tail(cmd, 2);
  }
  if (cmd.size() == 3 && (cmd[0] == "bash" || cmd[0] == "zsh") &&
      (cmd[1] == "-c" || cmd[1] == "-lc")) {
    return ShlexSplit(cmd[2]).value_or(cmd);
  }
  return cmd;
}

std::vector<CommandAction> ParseCommandImpl(const Words& command) {
  if (std::optional<std::string_view> script = ShellWrappedScript(command)) {
    return ParseShellScriptImpl(*script);
  }
  const Words normalized = NormalizeTokens(command);
  std::vector<Words> parts;
  if (std::any_of(normalized.begin(), normalized.end(),
                  [](const std::string& t) { return IsConnector(t); })) {
    Words cur;
    for (const std::string& t : normalized) {
      if (IsConnector(t)) {
        if (!cur.empty()) parts.push_back(std::move(cur));
        cur.clear();
      } else {
        cur.push_back(t);
      }
    }
    if (!cur.empty()) parts.push_back(std::move(cur));
  } else {
    parts.push_back(normalized);
  }
  std::vector<CommandAction> commands = SummarizeParts(parts);
  while (std::optional<std::vector<CommandAction>> next = SimplifyOnce(commands)) {
    commands = std::move(*next);
  }
  return commands;
}

// Consecutive duplicates collapsed; a single unknown for everything once any part is unknown.
std::vector<CommandAction> Finalize(std::vector<CommandAction> parsed, std::string whole) {
  std::vector<CommandAction> deduped;
  for (CommandAction& a : parsed) {
    if (!deduped.empty() && deduped.back() == a) continue;
    deduped.push_back(std::move(a));
  }
  if (std::any_of(deduped.begin(), deduped.end(),
                  [](const CommandAction& a) { return a.type == Type::kUnknown; })) {
    return {Unknown(std::move(whole))};
  }
  return deduped;
}

}  // namespace

std::vector<CommandAction> ParseCommandActions(const std::vector<std::string>& argv) {
  std::optional<std::string_view> script = ShellWrappedScript(argv);
  return Finalize(ParseCommandImpl(argv), script ? std::string(*script) : ShlexJoin(argv));
}

std::vector<CommandAction> ParseScriptCommandActions(std::string_view script) {
  return Finalize(ParseShellScriptImpl(script), std::string(script));
}

nlohmann::json CommandActionsJson(const std::vector<CommandAction>& actions) {
  nlohmann::json out = nlohmann::json::array();
  auto opt = [](const std::optional<std::string>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  for (const CommandAction& a : actions) {
    switch (a.type) {
      case Type::kRead:
        out.push_back({{"type", "read"},
                       {"command", a.command},
                       {"name", a.name},
                       {"path", a.path.value_or("")}});
        break;
      case Type::kListFiles:
        out.push_back({{"type", "listFiles"}, {"command", a.command}, {"path", opt(a.path)}});
        break;
      case Type::kSearch:
        out.push_back({{"type", "search"},
                       {"command", a.command},
                       {"query", opt(a.query)},
                       {"path", opt(a.path)}});
        break;
      case Type::kUnknown:
        out.push_back({{"type", "unknown"}, {"command", a.command}});
        break;
    }
  }
  return out;
}

nlohmann::json ParsedCommandJson(const nlohmann::json& command_actions) {
  nlohmann::json out = nlohmann::json::array();
  for (const nlohmann::json& a : command_actions) {
    nlohmann::json core = a;
    const std::string type = a.value("type", "");
    core["type"] = type == "listFiles" ? "list_files" : type;
    core["cmd"] = a.value("command", "");
    core.erase("command");
    out.push_back(std::move(core));
  }
  return out;
}

}  // namespace threadlog::agent
