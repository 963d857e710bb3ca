// Shell commands as Codex 0.117.0 sees them before it runs one: the plain commands of a
// `bash -lc` script, which commands are known safe (run without asking under approval policy
// "untrusted"), what such an approval request proposes, and the commandActions of a
// commandExecution item. Pure functions of their arguments: no file system, no process.
#ifndef THREADLOG_API_AGENT_SHELL_COMMAND_H_
#define THREADLOG_API_AGENT_SHELL_COMMAND_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"

namespace threadlog::agent {

// ---------------------------------------------------------------------------------------------
// Parsing a script
// ---------------------------------------------------------------------------------------------

// How two simple commands of a script are joined. A newline between two commands is kSequence.
enum class ShellOperator { kAnd, kOr, kSequence, kPipe };  // && || ; |

// One simple command of a plain script.
struct PlainCommand {
  // The words as Codex 0.117.0 takes them (from tree-sitter-bash's nodes): quotes around single-
  // and double-quoted parts removed, everything else as written, backslashes included
  // (`foo\ bar` is `foo\ bar`, "a\"b" is `a\"b`). What the safety rules and commandActions use.
  // Where tree-sitter-bash splits or joins words differently from bash, so does this: `'a'\;`
  // is two words (an escape other than \' \" \\ after a quoted part or a bracket starts a
  // new word, an escaped blank there is dropped), and a lone bracket joins the brackets of the
  // words after it, blanks included (`{ }` is one word, `{} }` two).
  std::vector<std::string> argv;
  // The words bash itself passes: backslash escapes resolved as POSIX sh resolves them outside
  // and inside double quotes (`foo\ bar` is `foo bar`, "a\"b" is `a"b`, `'a'\;` is `a;`). Not
  // always as many as argv.
  std::vector<std::string> shell_argv;
  bool operator==(const PlainCommand&) const = default;
};

struct PlainScript {
  std::vector<PlainCommand> commands;
  std::vector<ShellOperator> operators;  // operators[i] joins commands[i] and commands[i + 1]
  bool operator==(const PlainScript&) const = default;
};

// The script as plain commands joined by `&&`, `||`, `;`, `|` and newlines — the only form Codex
// 0.117.0 accepts (its word-only command sequence over tree-sitter-bash) — or nullopt when the
// script is anything else or is not plainly parseable: a syntax error, an empty command between
// operators, a trailing `&&`/`||`/`|`, `&`, `;;`, `|&`, redirections and heredocs (`>`, `>>`,
// `<`, `2>&1`, `<<`), subshells and groups (`( )`, `{ }` as commands), substitutions (`$( )`,
// backticks), any `$` outside single quotes (expansions), comments, a variable assignment
// before a command, keywords (if, for, while, case, function, export, !, [, [[ ...), a command
// name that is quoted, concatenated or a number, a concatenation of quoted parts that is empty
// (`''""`), brace ranges (`{1..3}`), and control characters other than tab and newline. Where
// tree-sitter-bash's reading is unusual and hard to follow (a command name holding # % @ = ?
// or starting with -, an argument `==`, `7#`, `{{`, escapes of blanks at a word's start, a
// line continuation not followed by a word) this refuses rather than guesses, which Codex may
// not. A trailing `;` and blank lines are fine. Words are otherwise taken literally: globs, `~`,
// and braces or brackets inside arguments (`{a,b}`, `[ab]`) are text, as they are to Codex. An
// empty or blank script gives no commands (Codex counts that as not parsed wherever it matters).
std::optional<PlainScript> ParsePlainScript(std::string_view script);

// The argv words of every command of ParsePlainScript(script), in order.
std::optional<std::vector<std::vector<std::string>>> ParsePlainCommands(std::string_view script);

// The script of `[shell, "-c" | "-lc", script]` (exactly three words) when shell is bash, zsh
// or sh: the name itself, or any path whose file name, stripped of extensions one at a time,
// comes to one of them (`/bin/bash`, `/tmp/bash`, `bash.exe`), as Codex 0.117.0 detects it.
std::optional<std::string_view> ShellWrappedScript(const std::vector<std::string>& argv);

// ParsePlainCommands of ShellWrappedScript(argv); nullopt when argv is no such wrapper.
std::optional<std::vector<std::vector<std::string>>> ParseShellWrappedPlainCommands(
    const std::vector<std::string>& argv);

// The literal words of a wrapper whose script is one command with a heredoc (`python3 - <<'EOF'
// ... EOF`): its plain unquoted words before and between the redirections (assignments before
// the command passed over), which Codex 0.117.0 matches against its rules but never approves by
// itself. nullopt for anything else, and for what this does not recognize as such a command
// (quoted words, more than one heredoc, a delimiter line that never comes).
std::optional<std::vector<std::string>> ParseShellWrappedHeredocPrefix(
    const std::vector<std::string>& argv);

// ---------------------------------------------------------------------------------------------
// Safety
// ---------------------------------------------------------------------------------------------

// Whether Codex 0.117.0 thinks argv cannot change anything (is_known_safe_command): argv[0]'s
// file name is on its allowlist (cat cd cut echo expr false grep head id ls nl paste pwd rev seq
// stat tail tr true uname uniq wc which whoami, and numfmt tac on Linux), or one of base64 (no
// -o/--output), find (no -exec -execdir -ok -okdir -delete -fls -fprint -fprint0 -fprintf), rg
// (no --pre, --hostname-bin, --search-zip, -z), `sed -n N[,M]p [FILE]`, git status/log/diff/show
// and read-only git branch (no -c/--config-env/--exec-path/--git-dir/--namespace/
// --super-prefix/--work-tree anywhere; no --output, --ext-diff, --textconv, --exec, --paginate
// after the subcommand); or argv is a bash/zsh/sh wrapper whose script is plain commands that
// are each on that list (one level: a wrapper inside the script is not unwrapped again). An
// argument that is exactly "zsh" is read as "bash".
bool IsKnownSafeCommand(const std::vector<std::string>& argv);

// What Codex 0.117.0 does with argv under approval policy "untrusted" (and no exec-policy
// rules): each plain command of a wrapper's script judged on its own by IsKnownSafeCommand (the
// whole argv when the script is not plain; a heredoc command is never approved by itself).
struct UntrustedVerdict {
  bool ask = false;  // false: runs without item/commandExecution/requestApproval
  // The request's proposedExecpolicyAmendment: the first command that was not known safe (the
  // whole argv when the script did not parse); none for a heredoc command.
  std::optional<std::vector<std::string>> proposed_amendment;
  bool operator==(const UntrustedVerdict&) const = default;
};
UntrustedVerdict JudgeUntrusted(const std::vector<std::string>& argv);

// The request's availableDecisions for a proposed amendment: "accept", then
// {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": [...]}} when there is one, then
// "cancel".
nlohmann::json ApprovalAvailableDecisions(
    const std::optional<std::vector<std::string>>& proposed_amendment);

// ---------------------------------------------------------------------------------------------
// commandActions
// ---------------------------------------------------------------------------------------------

struct CommandAction {
  enum class Type { kRead, kListFiles, kSearch, kUnknown };
  Type type = Type::kUnknown;
  std::string command;               // the (part of the) command it describes
  std::string name;                  // kRead: the file's short name
  std::optional<std::string> path;   // kRead (always set), kListFiles, kSearch
  std::optional<std::string> query;  // kSearch
  bool operator==(const CommandAction&) const = default;
};

// The commandActions Codex 0.117.0 reports for argv (parse_command): for a bash/zsh/sh wrapper
// the plain commands of its script, pipeline helpers (head, tail, wc, sed, nl, sort, xargs ...)
// dropped, leading `cd DIR` folded into the paths read after it, `echo`/`true` dropped, each
// summarized as a read (cat, head, tail, sed -n, nl, awk, bat, less, more), a listing (ls, rg
// --files, find, fd, tree, du, eza, git ls-files, python walking files), a search (grep, rg,
// git grep, ag, ack, pt, fd/find with a pattern) or unknown — and a single unknown for the whole
// script (or the shlex-joined argv) as soon as any part is unknown or the script is not plain.
// Paths are reported as written (relative to the command's cwd, as Codex reports them).
std::vector<CommandAction> ParseCommandActions(const std::vector<std::string>& argv);

// ParseCommandActions of a script run by a shell wrapper (Codex's parse_shell_script).
std::vector<CommandAction> ParseScriptCommandActions(std::string_view script);

// The v2 CommandAction objects: {"type": "read", command, name, path} /
// {"type": "listFiles", command, path} / {"type": "search", command, query, path} /
// {"type": "unknown", command}, absent paths and queries as null.
nlohmann::json CommandActionsJson(const std::vector<CommandAction>& actions);
// The same actions as the rollout's exec events keep them (`parsed_cmd`): `cmd` for `command`,
// "list_files" for "listFiles". Takes CommandActionsJson's output.
nlohmann::json ParsedCommandJson(const nlohmann::json& command_actions);

// ---------------------------------------------------------------------------------------------
// shlex, as Codex uses it (the Rust shlex crate 1.3)
// ---------------------------------------------------------------------------------------------

// Splits like shlex::split: whitespace (space, tab, newline) separates words, `#` at the start
// of a word comments out the rest of the line, single quotes are literal, double quotes
// resolve \$ \` \" \\ and drop \newline, a backslash outside quotes takes the next character
// (\newline is dropped). nullopt on an unterminated quote or a trailing backslash.
std::optional<std::vector<std::string>> ShlexSplit(std::string_view s);

// Joins like shlex::try_join: each word as is when it only has [A-Za-z0-9+-./:@]_], else quoted
// in the fewest chunks of single quotes or double quotes (with \ before $ ` " \) that cover it;
// an empty word is ''. A word holding a NUL makes the whole result
// "<command included NUL byte>", as Codex's shlex_join does.
std::string ShlexJoin(const std::vector<std::string>& words);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_SHELL_COMMAND_H_
