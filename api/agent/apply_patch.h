// apply_patch: Codex's patch envelope (*** Begin Patch ... *** End Patch) parsed, found in a
// shell command, matched against the files and written, with the fileChange diffs and the texts
// the model gets, as Codex 0.117.0 has them (tests/agent/golden/codex_117_apply_patch.json).
#ifndef THREADLOG_API_AGENT_APPLY_PATCH_H_
#define THREADLOG_API_AGENT_APPLY_PATCH_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threadlog::agent {

// One `@@` section of an Update hunk. `old_lines` (context and '-' lines) are replaced by
// `new_lines` (context and '+' lines); the one-character prefixes are gone.
struct PatchChunk {
  std::optional<std::string> context;  // the text after "@@ " (may be empty); none for "@@"
  std::vector<std::string> old_lines;
  std::vector<std::string> new_lines;
  bool end_of_file = false;  // ended by "*** End of File": old_lines must end the file
  bool operator==(const PatchChunk&) const = default;
};

struct PatchHunk {
  enum class Kind { kAdd, kDelete, kUpdate };
  Kind kind = Kind::kAdd;
  std::string path;                      // as written: relative to the cwd, or absolute
  std::string contents;                  // kAdd: the '+' lines, each ending with '\n'
  std::optional<std::string> move_path;  // kUpdate: "*** Move to:", as written
  std::vector<PatchChunk> chunks;        // kUpdate: one at least
  bool operator==(const PatchHunk&) const = default;
};

struct Patch {
  std::vector<PatchHunk> hunks;  // in the patch's order; may be empty
};

// Parses `text` as Codex does, leniently: the text is trimmed; the first and last lines, trimmed,
// must be "*** Begin Patch" and "*** End Patch", or else the first "<<EOF", "<<'EOF'" or
// "<<\"EOF\"" and the last end with "EOF" around such a patch (a heredoc passed as the argument);
// CRLF line ends are LF; hunk headers are matched trimmed ("*** Move to: " is not); the first
// chunk of an Update may omit its "@@"; blank lines between chunks are skipped. kInvalidArgument
// with Codex's words: "invalid patch: The first line of the patch must be '*** Begin Patch'" (or
// "...last line... '*** End Patch'"), or "invalid hunk at line N, MESSAGE" (N counted Codex's
// way, which is sometimes one past the offending line).
absl::StatusOr<Patch> ParsePatch(std::string_view text);

// A patch found in a command the model asked to run (shell argv, or exec_command's command run
// through the user's shell as [shell, "-lc", cmd]).
struct ShellPatch {
  std::string patch;                   // for ParsePatch
  std::optional<std::string> workdir;  // "cd DIR &&": DIR as written, relative to the cwd or not
};

// Codex's recognition of an apply_patch invocation in `argv`:
// - ["apply_patch" | "applypatch", PATCH] (the lenient ParsePatch handles a heredoc in PATCH);
// - [SHELL, FLAG, SCRIPT] with SHELL's file stem bash, zsh or sh and FLAG -lc or -c (also
//   pwsh/powershell [-NoProfile] -Command and cmd /c), SCRIPT being nothing but
//   `apply_patch <<'EOF'` (or applypatch; any delimiter, quoted or not) and its here-document,
//   optionally after `cd DIR &&` (DIR one word, or one quoted string without expansions).
// nullopt when `argv` is not one of these (it is then an ordinary command). kInvalidArgument
// "patch detected without explicit call to apply_patch. Rerun as [\"apply_patch\", \"<patch>\"]"
// when `argv` is a bare patch: [PATCH], or [SHELL, FLAG, PATCH] (any text ParsePatch accepts).
absl::StatusOr<std::optional<ShellPatch>> ExtractShellPatch(const std::vector<std::string>& argv);

// One file of a fileChange item (v2 FileUpdateChange).
struct FileChange {
  enum class Kind { kAdd, kDelete, kUpdate };
  Kind kind = Kind::kAdd;
  std::string path;                      // the hunk's path joined to the cwd (not normalized)
  std::optional<std::string> move_path;  // kUpdate with a move: joined likewise
  // changes[].diff: kAdd the new contents, kDelete the old ones, kUpdate the unified diff of the
  // file as it is and as the hunk makes it (UnifiedLineDiff, context 1), followed by
  // "\n\nMoved to: " + move_path when it moves.
  std::string diff;
  bool operator==(const FileChange&) const = default;
};

// What a patch will do, worked out without writing anything.
struct PatchPlan {
  // The fileChange item's changes: one per path (a path several hunks touch shows the last one,
  // each computed from the file as it is on disk, as Codex does), sorted by path bytewise.
  std::vector<FileChange> changes;
  // Whether the hunks, applied one after another as Codex's apply_patch process applies them,
  // succeed. When not: its error, e.g. "Failed to find expected lines in PATH:\nLINES" (paths as
  // written), which Codex reports as a failed fileChange item: "Exit code: 1" and that text. Then
  // nothing is to be written (Codex would have written the hunks before the failing one).
  absl::Status outcome;
  // When `outcome` is OK, what the process prints: "Success. Updated the following files:\n"
  // then "A PATH\n" for each added file, "M PATH\n" for each updated one (its destination when
  // it moves), "D PATH\n" for each deleted one, in the patch's order within each letter, PATH as
  // written, repeated when several hunks touch a file.
  std::string summary;

  // The files to write, in order: each path's final contents, or nullopt to remove it.
  struct Write {
    std::string path;     // as in `changes`
    std::string display;  // as written in the patch, for errors
    std::optional<std::string> contents;
    bool move_source = false;  // removed because it moved
  };
  std::vector<Write> writes;
};

// The model gets these instead of a fileChange item when a patch is refused before anything is
// written: "apply_patch verification failed: " + a ParsePatch, ExtractShellPatch or PlanPatch
// error (kFailedPrecondition), or, for a patch without hunks, kEmptyPatchRefusal as it is.
inline constexpr std::string_view kVerificationFailedPrefix = "apply_patch verification failed: ";
inline constexpr std::string_view kEmptyPatchRefusal = "patch rejected: empty patch";

// Plans `patch` against the files under `cwd` (absolute; a hunk's absolute path is used as it
// is, a relative one, `..` included, is joined to `cwd` — Codex confines nothing; whoever calls
// this decides what may be written). Every hunk must apply to the files as they are now, each on
// its own: an Update's file is read and its chunks located in order with Codex's fallbacks (the
// lines exactly, then ignoring trailing whitespace, then ignoring whitespace at both ends, then
// also with typographic dashes, quotes and spaces read as ASCII; an "@@ header" line is found
// first and the chunk searched after it; an end_of_file chunk only at the file's end; a chunk of
// '+' lines only is appended at the end), a Delete's file read. Errors, with Codex's texts and
// `path` as in FileChange: kFailedPrecondition "Failed to find expected lines in PATH:\nLINES",
// "Failed to find context 'CTX' in PATH", "Failed to read file to update PATH: ERR", "Failed to
// read PATH: ERR" (ERR as Rust words an OS error, e.g. "No such file or directory (os error
// 2)"); kInvalidArgument kEmptyPatchRefusal for a patch without hunks.
absl::StatusOr<PatchPlan> PlanPatch(const Patch& patch, const std::string& cwd);

// Writes `plan` (its outcome OK): missing parent folders first, then every new contents into a
// temporary file beside its target, then each renamed over its target and the removals done; a
// symlink is written through. A file keeps its permission bits (a new one gets 0666 less the
// umask). A target that is a folder, or a failure before the renames, leaves every file as it
// was (new empty folders may stay). Errors as Codex words them, paths as written: "Failed to
// create parent directories for PATH", "Failed to write file PATH", "Failed to delete file PATH",
// "Failed to remove original PATH" (kFailedPrecondition, or the errno's code).
absl::Status WritePatch(const PatchPlan& plan);

struct AppliedPatch {
  std::vector<FileChange> changes;
  std::string summary;
};

// PlanPatch, then WritePatch when the outcome is OK. Errors: PlanPatch's, the outcome's, or
// WritePatch's.
absl::StatusOr<AppliedPatch> ApplyPatch(const Patch& patch, const std::string& cwd);

// The apply_patch tool's run of one patch text (the freeform tool's input, the function form's
// `input`, or what ExtractShellPatch found) in `cwd`, as the model and clients are told of it.
struct PatchToolRun {
  // Refused before anything was written (no fileChange item): the whole output the model gets,
  // "apply_patch verification failed: ..." or kEmptyPatchRefusal.
  std::optional<std::string> refusal;
  PatchPlan plan;  // when not refused: the item's changes, and what is to be written
};
// Parses and plans; writes nothing.
PatchToolRun PlanPatchTool(std::string_view patch_text, const std::string& cwd);
// Writes a planned run: the text the apply_patch process prints (the summary, or the error and
// "\n"), and whether it failed (the item's status failed, exit code 1).
struct PatchToolResult {
  std::string text;
  bool failed = false;
};
PatchToolResult WritePatchTool(const PatchToolRun& run);

// A unified diff of two texts by lines, as Codex prints one (Rust's `similar` crate: Myers' diff,
// lines compared with their line ends, hunks with `context` lines around each change and merged
// when closer than twice that; "@@ -A,B +C,D @@" with ",1" left out; "\ No newline at end of
// file" after a line without one). No file header; "" when the texts are equal.
std::string UnifiedLineDiff(std::string_view old_text, std::string_view new_text, int context);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_APPLY_PATCH_H_
