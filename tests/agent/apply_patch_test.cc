// The apply_patch engine against Codex 0.117.0 (golden/codex_117_apply_patch.json, recorded by
// capture_codex_apply_patch.py): every `cli` case (the reference binary run as apply_patch) and
// every `app_server` call (the apply_patch tool through the app-server) replayed in a scratch
// folder and compared — output texts, fileChange changes and diffs, the files afterwards — with
// the differences made on purpose listed; then the edge cases the golden file does not cover.
#include "api/agent/apply_patch.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const json& Golden() {
  static const json* golden = [] {
    std::ifstream in(std::string(THREADLOG_SOURCE_DIR) +
                     "/tests/agent/golden/codex_117_apply_patch.json");
    std::stringstream text;
    text << in.rdbuf();
    return new json(json::parse(text.str()));
  }();
  return *golden;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }
template <typename T>
std::string Message(const absl::StatusOr<T>& value) {
  return Message(value.status());
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// A scratch folder laid out as the capture's: <root>, with the patch's cwd <root>/work.
class World {
 public:
  World() : root_(fs::canonical(dir_.path()).string()), cwd_(root_ + "/work") {
    fs::create_directories(cwd_);
  }

  const std::string& root() const { return root_; }
  const std::string& cwd() const { return cwd_; }

  void Fill(const json& files, const json& dirs = json::array()) {
    for (const auto& d : dirs) fs::create_directories(cwd_ + "/" + d.get<std::string>());
    for (const auto& [rel, text] : files.items()) {
      const fs::path path = fs::path(cwd_ + "/" + rel).lexically_normal();
      fs::create_directories(path.parent_path());
      testing::WriteFileOrDie(path.string(), text.get<std::string>());
    }
  }

  // Every file under <root>, by its path relative to <cwd>, as the capture lists them.
  json Files() const {
    json files = json::object();
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      if (!entry.is_regular_file()) continue;
      files[fs::relative(entry.path(), cwd_).string()] = testing::ReadFileOrDie(entry.path());
    }
    return files;
  }

  std::string In(const std::string& text) const {
    return Replace(Replace(text, "<cwd>", cwd_), "<root>", root_);
  }
  std::string Out(const std::string& text) const {
    return Replace(Replace(text, cwd_, "<cwd>"), root_, "<root>");
  }

 private:
  testing::ScratchDir dir_;
  std::string root_;
  std::string cwd_;
};

// ------------------------------------------------------------------------------------------
// The reference binary run as apply_patch
// ------------------------------------------------------------------------------------------

// What the apply_patch process prints for an error of this engine. Codex's process words the
// parse errors its own way, and names paths as written where the engine joins them to the cwd.
std::string CliStderr(const absl::Status& error, const World& world) {
  std::string message = Message(error);
  const std::string invalid_patch = "invalid patch: ";
  const std::string invalid_hunk = "invalid hunk at line ";
  if (message.starts_with(invalid_patch)) {
    return "Invalid patch: " + message.substr(invalid_patch.size()) + "\n";
  }
  if (message.starts_with(invalid_hunk)) {
    const size_t comma = message.find(", ");
    return "Invalid patch hunk on line " +
           message.substr(invalid_hunk.size(), comma - invalid_hunk.size()) + ": " +
           message.substr(comma + 2) + "\n";
  }
  if (message == kEmptyPatchRefusal) return "No files were modified.\n";
  return world.Out(Replace(message, world.cwd() + "/", "")) + "\n";
}

struct CliDeviation {
  const char* why;
  int exit_code;
  const char* stderr_text;
  json files_after;  // null: the files before
};

// Where the engine does not do what Codex's apply_patch process does, on purpose. The tool
// behaves as the app-server does, which checks every hunk against the files as they are before
// the process runs (see the app_server cases named), and writes nothing unless all of it works.
const std::map<std::string, CliDeviation>& CliDeviations() {
  static const auto* deviations = new std::map<std::string, CliDeviation>{
      {"partial_failure",
       {"nothing is written when a hunk fails (app_server failures/add_then_fail)", 1,
        "Failed to find expected lines in a.txt:\nzzz\n", nullptr}},
      {"update_same_file_twice",
       {"each hunk must apply to the file as it is (app_server apply_stage/add_then_update)", 1,
        "Failed to find expected lines in a.txt:\nA\n", nullptr}},
      {"update_after_add",
       {"each hunk must apply to the files as they are (app_server apply_stage/add_then_update)", 1,
        "Failed to read file to update n.txt: No such file or directory (os error 2)\n", nullptr}},
      {"delete_missing",
       {"a deleted file is read first (app_server failures/delete_missing)", 1,
        "Failed to read nope.txt: No such file or directory (os error 2)\n", nullptr}},
      {"delete_directory",
       {"a deleted file is read first (app_server apply_stage/delete_directory)", 1,
        "Failed to read d: Is a directory (os error 21)\n", nullptr}},
      {"move_to_same_path",
       {"a file moved onto itself is updated, not lost", 0, "", json{{"a.txt", "A\n"}}}},
  };
  return *deviations;
}

TEST(ApplyPatchCliGoldenTest, EveryCaseAsCodexAppliesIt) {
  ASSERT_GT(Golden()["cli"].size(), 60u);
  for (const auto& [name, c] : Golden()["cli"].items()) {
    SCOPED_TRACE("cli case " + name + ": " + c["about"].get<std::string>());
    std::string text;
    if (c.contains("patch")) {
      text = c["patch"];
    } else if (c.contains("stdin")) {
      text = c["stdin"];
    } else if (c["argv"].size() == 1) {
      text = c["argv"][0];
    } else {
      continue;  // the binary's own usage error (two arguments): not the engine's
    }
    World world;
    world.Fill(c["files_before"], c.value("dirs_before", json::array()));
    ASSERT_EQ(world.Files(), c["files_before"]);

    int exit_code = 0;
    std::string out, err;
    absl::StatusOr<Patch> patch = ParsePatch(world.In(text));
    if (!patch.ok()) {
      exit_code = 1;
      err = CliStderr(patch.status(), world);
    } else {
      absl::StatusOr<AppliedPatch> applied = ApplyPatch(*patch, world.cwd());
      if (applied.ok()) {
        out = world.Out(applied->summary);
      } else {
        exit_code = 1;
        err = CliStderr(applied.status(), world);
      }
    }

    json files_after = c["files_after"];
    int want_exit = c["exit_code"];
    std::string want_err = c["stderr"];
    std::string want_out = c["stdout"];
    if (auto it = CliDeviations().find(name); it != CliDeviations().end()) {
      SCOPED_TRACE(std::string("differs on purpose: ") + it->second.why);
      want_exit = it->second.exit_code;
      want_err = it->second.stderr_text;
      if (want_exit != 0) want_out = "";
      files_after = it->second.files_after.is_null() ? c["files_before"] : it->second.files_after;
    }
    EXPECT_EQ(exit_code, want_exit);
    EXPECT_EQ(out, want_out);
    EXPECT_EQ(err, want_err);
    EXPECT_EQ(world.Files(), files_after);
  }
}

// ------------------------------------------------------------------------------------------
// The apply_patch tool through the app-server
// ------------------------------------------------------------------------------------------

json ChangeJson(const FileChange& change, const World& world) {
  json kind;
  switch (change.kind) {
    case FileChange::Kind::kAdd:
      kind = {{"type", "add"}};
      break;
    case FileChange::Kind::kDelete:
      kind = {{"type", "delete"}};
      break;
    case FileChange::Kind::kUpdate:
      kind = {{"type", "update"},
              {"move_path", change.move_path ? json(world.Out(*change.move_path)) : json()}};
      break;
  }
  return {{"path", world.Out(change.path)}, {"kind", kind}, {"diff", world.Out(change.diff)}};
}

// What the model and the client are told of one call, worked out by the engine.
struct ToolRun {
  bool not_apply_patch = false;  // an ordinary command
  std::optional<std::string> refusal;
  json changes;                     // the fileChange item's, when there is one
  std::optional<std::string> text;  // the apply_patch process's output (summary or error)
  bool failed = false;
};

ToolRun RunTool(const json& call, const World& world) {
  ToolRun run;
  std::string text;
  std::string cwd = world.cwd();
  if (call.is_string()) {
    text = world.In(call.get<std::string>());
  } else if (call["function_call"]["name"] == "apply_patch") {
    text = world.In(call["function_call"]["arguments"]["input"].get<std::string>());
  } else {
    const std::string cmd = world.In(call["function_call"]["arguments"]["cmd"].get<std::string>());
    absl::StatusOr<std::optional<ShellPatch>> found = ExtractShellPatch({"/bin/bash", "-lc", cmd});
    if (!found.ok()) {
      run.refusal = world.Out(std::string(kVerificationFailedPrefix) + Message(found));
      return run;
    }
    if (!found->has_value()) {
      run.not_apply_patch = true;
      return run;
    }
    text = (*found)->patch;
    if ((*found)->workdir) cwd = cwd + "/" + *(*found)->workdir;
  }
  // The tool's own run (what the turn engine calls), its texts shown with the placeholders.
  const PatchToolRun planned = PlanPatchTool(text, cwd);
  if (planned.refusal) {
    run.refusal = world.Out(*planned.refusal);
    return run;
  }
  run.changes = json::array();
  for (const FileChange& change : planned.plan.changes) {
    run.changes.push_back(ChangeJson(change, world));
  }
  const PatchToolResult done = WritePatchTool(planned);
  run.failed = done.failed;
  run.text = done.text;
  return run;
}

struct AppDeviation {
  const char* why;
  json files_changed;  // the files before, with these changed
};

const std::map<std::string, AppDeviation>& AppDeviations() {
  static const auto* deviations = new std::map<std::string, AppDeviation>{
      {"same_file_conflict",
       {"nothing is written when a hunk fails (Codex wrote the first)", json::object()}},
      {"move_onto_itself",
       {"a file moved onto itself is updated, not lost", json{{"self.txt", "S\n"}}}},
  };
  return *deviations;
}

TEST(ApplyPatchAppServerGoldenTest, EveryCallAsTheToolReportsIt) {
  size_t calls = 0;
  for (const auto& [scenario, sc] : Golden()["app_server"].items()) {
    for (const json& c : sc["calls"]) {
      const std::string id = c["call_id"];
      SCOPED_TRACE("app_server " + scenario + "/" + id);
      ++calls;
      World world;
      world.Fill(c["files_before"]);
      const ToolRun run = RunTool(c["call"], world);

      // The golden notifications of this call.
      std::optional<json> started, completed;
      std::string deltas;
      bool command = false;
      for (const json& m : c["notifications"]) {
        const std::string method = m["method"];
        if (method == "item/fileChange/outputDelta") deltas += m["params"]["delta"];
        if (method != "item/started" && method != "item/completed") continue;
        if (m["params"]["item"]["type"] == "commandExecution") command = true;
        if (m["params"]["item"]["type"] != "fileChange") continue;
        (method == "item/started" ? started : completed) = m["params"]["item"];
      }
      const std::string output = c["tool_output"]["output"];
      if (command) {
        EXPECT_TRUE(run.not_apply_patch) << "Codex ran it as a command";
        continue;
      }
      ASSERT_FALSE(run.not_apply_patch);
      if (!completed.has_value()) {  // refused before any item
        EXPECT_FALSE(started.has_value());
        EXPECT_EQ(run.refusal.value_or("(applied)"), output);
        EXPECT_EQ(world.Files(), c["files_before"]) << "a refused patch changes nothing";
        continue;
      }
      ASSERT_FALSE(run.refusal.has_value()) << *run.refusal;
      ASSERT_TRUE(started.has_value());
      EXPECT_EQ(run.changes, (*started)["changes"]);
      EXPECT_EQ(run.changes, (*completed)["changes"]);
      EXPECT_EQ((*started)["status"], "inProgress");
      EXPECT_EQ((*completed)["status"], run.failed ? "failed" : "completed");
      ASSERT_TRUE(run.text.has_value());
      EXPECT_EQ(world.Out(*run.text), deltas) << "the process's output, streamed";
      // The model's text: the process's output, in the exec output formats.
      if (c["call"].is_object() && c["call"]["function_call"]["name"] == "exec_command") {
        const std::string prefix = "Wall time: <s> seconds\nOutput:\n";
        ASSERT_TRUE(output.starts_with(prefix)) << output;
        const json inner = json::parse(output.substr(prefix.size()));
        EXPECT_EQ(inner["output"], world.Out(*run.text));
        EXPECT_EQ(inner["metadata"]["exit_code"], run.failed ? 1 : 0);
      } else {
        EXPECT_EQ(output, std::string("Exit code: ") + (run.failed ? "1" : "0") +
                              "\nWall time: <s> seconds\nOutput:\n" + world.Out(*run.text));
      }
      json files_after = c["files_after"];
      if (auto it = AppDeviations().find(id); it != AppDeviations().end()) {
        SCOPED_TRACE(std::string("differs on purpose: ") + it->second.why);
        files_after = c["files_before"];
        files_after.update(it->second.files_changed);
      }
      EXPECT_EQ(world.Files(), files_after);
    }
  }
  EXPECT_GT(calls, 35u);
}

// ------------------------------------------------------------------------------------------
// The grammar
// ------------------------------------------------------------------------------------------

TEST(ParsePatchTest, EveryHunkKind) {
  absl::StatusOr<Patch> patch = ParsePatch(
      "*** Begin Patch\n"
      "*** Add File: a/new.txt\n+one\n+\n"
      "*** Delete File: old.txt\n"
      "*** Update File: src/x.py\n"
      "*** Move to: src/y.py\n"
      "@@ def f():\n-    return 1\n+    return 2\n"
      "@@\n context\n\n-gone\n*** End of File\n"
      "*** End Patch\n");
  ASSERT_TRUE(patch.ok()) << patch.status();
  ASSERT_EQ(patch->hunks.size(), 3u);
  EXPECT_EQ(patch->hunks[0],
            (PatchHunk{PatchHunk::Kind::kAdd, "a/new.txt", "one\n\n", std::nullopt, {}}));
  EXPECT_EQ(patch->hunks[1],
            (PatchHunk{PatchHunk::Kind::kDelete, "old.txt", "", std::nullopt, {}}));
  const PatchHunk& update = patch->hunks[2];
  EXPECT_EQ(update.kind, PatchHunk::Kind::kUpdate);
  EXPECT_EQ(update.move_path, "src/y.py");
  ASSERT_EQ(update.chunks.size(), 2u);
  EXPECT_EQ(update.chunks[0], (PatchChunk{"def f():", {"    return 1"}, {"    return 2"}, false}));
  EXPECT_EQ(update.chunks[1],
            (PatchChunk{std::nullopt, {"context", "", "gone"}, {"context", ""}, true}));
}

TEST(ParsePatchTest, LenientForms) {
  // A heredoc given as the argument, CRLF line ends, padding around the markers.
  for (const std::string text :
       {"<<'EOF'\n*** Begin Patch\n*** Delete File: a\n*** End Patch\nEOF\n",
        "<<\"EOF\"\n*** Begin Patch\n*** Delete File: a\n*** End Patch\nEOF",
        "*** Begin Patch\r\n*** Delete File: a\r\n*** End Patch\r\n",
        "\n \t*** Begin Patch \n   *** Delete File: a  \n*** End Patch\t\n\n"}) {
    SCOPED_TRACE(text);
    absl::StatusOr<Patch> patch = ParsePatch(text);
    ASSERT_TRUE(patch.ok()) << patch.status();
    ASSERT_EQ(patch->hunks.size(), 1u);
    EXPECT_EQ(patch->hunks[0].path, "a");
  }
  // Only a heredoc of four lines at least, and only around a valid patch.
  EXPECT_EQ(Message(ParsePatch("<<EOF\n*** Begin Patch\nEOF")),
            "invalid patch: The first line of the patch must be '*** Begin Patch'");
  EXPECT_EQ(Message(ParsePatch("<<EOF\n*** Begin Patch\n*** Delete File: a\nEOF")),
            "invalid patch: The last line of the patch must be '*** End Patch'");
  // A patch without hunks parses; planning it is refused.
  absl::StatusOr<Patch> empty = ParsePatch("*** Begin Patch\n*** End Patch");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->hunks.empty());
  absl::StatusOr<PatchPlan> plan = PlanPatch(*empty, "/");
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(plan), kEmptyPatchRefusal);
}

TEST(ParsePatchTest, ErrorsNameTheLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"*** Begin Patch\n*** Update File: a\n*** End Patch",
       "invalid hunk at line 2, Update file hunk for path 'a' is empty"},
      // Codex counts one past the "@@" here.
      {"*** Begin Patch\n*** Add File: a\n+x\n*** Update File: b\n@@\n*** End Patch",
       "invalid hunk at line 6, Update hunk does not contain any lines"},
      {"*** Begin Patch\n*** Update File: b\n@@\n-x\nzzz\n*** End Patch",
       "invalid hunk at line 5, Expected update hunk to start with a @@ context marker, got: "
       "'zzz'"},
      {"*** Begin Patch\nnonsense\n*** End Patch",
       "invalid hunk at line 2, 'nonsense' is not a valid hunk header. Valid hunk headers: '*** "
       "Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    absl::StatusOr<Patch> patch = ParsePatch(text);
    EXPECT_EQ(patch.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(patch), message);
  }
}

// ------------------------------------------------------------------------------------------
// The shell forms
// ------------------------------------------------------------------------------------------

constexpr char kBody[] = "*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch";

std::optional<ShellPatch> Found(const std::vector<std::string>& argv) {
  absl::StatusOr<std::optional<ShellPatch>> found = ExtractShellPatch(argv);
  EXPECT_TRUE(found.ok()) << found.status();
  return found.ok() ? *found : std::nullopt;
}

std::string Heredoc(const std::string& prefix, const std::string& suffix = "") {
  return prefix + "apply_patch <<'PATCH'\n" + kBody + "\nPATCH" + suffix;
}

TEST(ExtractShellPatchTest, TheFormsCodexRecognizes) {
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"apply_patch", kBody},
           {"applypatch", kBody},
           {"bash", "-lc", Heredoc("")},
           {"/bin/bash", "-c", Heredoc("")},
           {"zsh", "-lc", Heredoc("", "\n")},
           {"/usr/bin/sh", "-c", "\n  " + Heredoc("", "\n\n")},
           {"pwsh", "-NoProfile", "-Command", Heredoc("")},
           {"powershell.exe", "-Command", Heredoc("")},
           {"cmd.exe", "/c", Heredoc("")},
           {"bash", "-lc", std::string("applypatch <<EOF\n") + kBody + "\nEOF"},
           {"bash", "-lc", std::string("apply_patch<<\"X\"\n") + kBody + "\nX\n"},
           {"bash", "-lc", std::string("apply_patch <<-EOF\n") + kBody + "\n\t\tEOF"},
       }) {
    SCOPED_TRACE(argv.back());
    std::optional<ShellPatch> found = Found(argv);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->patch, kBody);
    EXPECT_FALSE(found->workdir.has_value());
  }
  const std::vector<std::pair<std::string, std::string>> cds = {
      {"cd foo && ", "foo"},           {"cd ../a/b && ", "../a/b"},
      {"cd 'foo bar' && ", "foo bar"}, {"cd \"foo bar\" && ", "foo bar"},
      {"cd /abs&&", "/abs"},
  };
  for (const auto& [prefix, dir] : cds) {
    SCOPED_TRACE(prefix);
    std::optional<ShellPatch> found = Found({"bash", "-lc", Heredoc(prefix)});
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->workdir, dir);
    EXPECT_EQ(found->patch, kBody);
  }
}

TEST(ExtractShellPatchTest, AnythingElseIsACommand) {
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"bash", "-lc", Heredoc("cd foo; ")},
           {"bash", "-lc", Heredoc("cd bar || ")},
           {"bash", "-lc", Heredoc("cd bar | ")},
           {"bash", "-lc", Heredoc("echo foo && ")},
           {"bash", "-lc", Heredoc("cd foo && cd bar && ")},
           {"bash", "-lc", Heredoc("cd foo bar && ")},
           {"bash", "-lc", Heredoc("cd \"$HOME\" && ")},
           {"bash", "-lc", Heredoc("cd bar && ", " && echo done")},
           {"bash", "-lc", Heredoc("", "\necho done")},
           {"bash", "-lc", Heredoc("echo foo; cd bar && ")},
           {"bash", "-lc", std::string("apply_patch foo <<'PATCH'\n") + kBody + "\nPATCH"},
           {"bash", "-lc", std::string("apply_patch <<'PATCH'\n") + kBody},  // no end line
           {"bash", "-lc", "apply_patch <<'PATCH'\nPATCH"},                  // nothing in it
           {"bash", "-lc", std::string("apply_patch <<<'") + kBody + "'"},
           {"bash", "-x", Heredoc("")},
           {"fish", "-c", Heredoc("")},
           {"bash", "-lc", "ls -la"},
           {"apply_patch"},
           {"apply_patch", kBody, "extra"},
           {"Apply_Patch", kBody},
       }) {
    SCOPED_TRACE(argv.back());
    EXPECT_FALSE(Found(argv).has_value());
  }
}

TEST(ExtractShellPatchTest, ABarePatchIsRefused) {
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {kBody}, {"bash", "-lc", kBody}, {"pwsh", "-NoProfile", "-Command", kBody}}) {
    absl::StatusOr<std::optional<ShellPatch>> found = ExtractShellPatch(argv);
    EXPECT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(found),
              "patch detected without explicit call to apply_patch. Rerun as [\"apply_patch\", "
              "\"<patch>\"]");
  }
  // Not a patch: an ordinary command.
  EXPECT_FALSE(Found({"*** Begin Patch"}).has_value());
}

// ------------------------------------------------------------------------------------------
// The line diff
// ------------------------------------------------------------------------------------------

TEST(UnifiedLineDiffTest, Shapes) {
  EXPECT_EQ(UnifiedLineDiff("a\nb\n", "a\nb\n", 1), "");
  EXPECT_EQ(UnifiedLineDiff("", "x\n", 1), "@@ -0,0 +1 @@\n+x\n");
  EXPECT_EQ(UnifiedLineDiff("x\n", "", 3), "@@ -1 +0,0 @@\n-x\n");
  // Both sides without a final newline.
  EXPECT_EQ(UnifiedLineDiff("a\nb", "a\nc", 1),
            "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of "
            "file\n");
  // Line ends are part of the line: CRLF against LF differs; a lone CR ends a line.
  EXPECT_EQ(UnifiedLineDiff("a\r\nb\n", "a\nb\n", 1), "@@ -1,2 +1,2 @@\n-a\r\n+a\n b\n");
  EXPECT_EQ(UnifiedLineDiff("a\rb\n", "a\rc\n", 0), "@@ -2 +2 @@\n-b\n+c\n");
  // Context 3: changes 6 equal lines apart share a hunk, 7 apart do not.
  std::string twelve;
  for (int i = 1; i <= 12; ++i) {
    twelve += 'l';
    twelve += std::to_string(i);
    twelve += '\n';
  }
  const std::string near = Replace(Replace(twelve, "l2\n", "B\n"), "l9\n", "I\n");
  EXPECT_EQ(UnifiedLineDiff(twelve, near, 3),
            "@@ -1,12 +1,12 @@\n l1\n-l2\n+B\n l3\n l4\n l5\n l6\n l7\n l8\n-l9\n+I\n l10\n "
            "l11\n l12\n");
  const std::string far = Replace(Replace(twelve, "l2\n", "B\n"), "l10\n", "J\n");
  EXPECT_EQ(UnifiedLineDiff(twelve, far, 3),
            "@@ -1,5 +1,5 @@\n l1\n-l2\n+B\n l3\n l4\n l5\n@@ -7,6 +7,6 @@\n l7\n l8\n l9\n-l10\n"
            "+J\n l11\n l12\n");
}

TEST(UnifiedLineDiffTest, LargeInputs) {
  std::string a, b;
  for (int i = 0; i < 3000; ++i) {
    a += "line " + std::to_string(i) + "\n";
    b += (i % 100 == 7 ? "changed " : "line ") + std::to_string(i) + "\n";
  }
  const std::string diff = UnifiedLineDiff(a, b, 1);
  EXPECT_EQ(std::count(diff.begin(), diff.end(), '@'), 30 * 4);
  EXPECT_NE(diff.find("@@ -7,3 +7,3 @@\n line 6\n-line 7\n+changed 7\n line 8\n"),
            std::string::npos);
}

// ------------------------------------------------------------------------------------------
// Planning and writing
// ------------------------------------------------------------------------------------------

absl::StatusOr<AppliedPatch> Apply(const std::string& text, const std::string& cwd) {
  absl::StatusOr<Patch> patch = ParsePatch(text);
  if (!patch.ok()) return patch.status();
  return ApplyPatch(*patch, cwd);
}

TEST(ApplyPatchTest, MatchingEdgeCases) {
  World w;
  w.Fill({{"short.txt", "x\n"}, {"blank_end.txt", "a\n\n"}, {"ctx.txt", "f\nx\ng\nx\n"}});
  // An EOF chunk longer than the file; a chunk before its @@ line.
  EXPECT_EQ(Message(Apply("*** Begin Patch\n*** Update File: short.txt\n@@\n-x\n-y\n+z\n*** End of "
                          "File\n*** End Patch",
                          w.cwd())),
            "Failed to find expected lines in " + w.cwd() + "/short.txt:\nx\ny");
  EXPECT_EQ(Message(Apply("*** Begin Patch\n*** Update File: ctx.txt\n@@ g\n-f\n+F\n*** End Patch",
                          w.cwd())),
            "Failed to find expected lines in " + w.cwd() + "/ctx.txt:\nf");
  // The @@ line picks the x after g.
  ASSERT_TRUE(
      Apply("*** Begin Patch\n*** Update File: ctx.txt\n@@ g\n-x\n+X\n*** End Patch", w.cwd())
          .ok());
  EXPECT_EQ(testing::ReadFileOrDie(w.cwd() + "/ctx.txt"), "f\nx\ng\nX\n");
  // A pure addition goes before a final empty line.
  ASSERT_TRUE(
      Apply("*** Begin Patch\n*** Update File: blank_end.txt\n@@\n+b\n*** End Patch", w.cwd())
          .ok());
  EXPECT_EQ(testing::ReadFileOrDie(w.cwd() + "/blank_end.txt"), "a\nb\n");
}

TEST(ApplyPatchTest, NothingIsWrittenUnlessAllOfItWorks) {
  World w;
  w.Fill({{"keep.txt", "k\n"}, {"dir/inside.txt", "i\n"}});
  // The second file cannot be written (a folder is there): the first is not created either.
  absl::StatusOr<AppliedPatch> applied = Apply(
      "*** Begin Patch\n*** Add File: new.txt\n+n\n*** Delete File: keep.txt\n*** Add File: dir\n"
      "+x\n*** End Patch",
      w.cwd());
  EXPECT_EQ(Message(applied), "Failed to write file dir");
  EXPECT_EQ(w.Files(), (json{{"keep.txt", "k\n"}, {"dir/inside.txt", "i\n"}}));
  // Nor temporary files left behind, whatever failed.
  for (const auto& entry : fs::recursive_directory_iterator(w.root())) {
    EXPECT_EQ(entry.path().filename().string().find(".tl-"), std::string::npos) << entry.path();
  }
}

TEST(ApplyPatchTest, PlanWritesNothing) {
  World w;
  w.Fill({{"a.txt", "a\n"}});
  absl::StatusOr<Patch> patch = ParsePatch(
      "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b/c.txt\n@@\n-a\n+A\n*** Add File: "
      "n.txt\n+n\n*** End Patch");
  ASSERT_TRUE(patch.ok());
  absl::StatusOr<PatchPlan> plan = PlanPatch(*patch, w.cwd());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(w.Files(), (json{{"a.txt", "a\n"}}));
  ASSERT_TRUE(plan->outcome.ok());
  EXPECT_EQ(plan->summary, "Success. Updated the following files:\nA n.txt\nM b/c.txt\n");
  ASSERT_EQ(plan->changes.size(), 2u);
  EXPECT_EQ(plan->changes[0].path, w.cwd() + "/a.txt");
  EXPECT_EQ(plan->changes[0].move_path, w.cwd() + "/b/c.txt");
  EXPECT_EQ(plan->changes[0].diff, "@@ -1 +1 @@\n-a\n+A\n\n\nMoved to: " + w.cwd() + "/b/c.txt");
  EXPECT_EQ(plan->changes[1].kind, FileChange::Kind::kAdd);
  ASSERT_TRUE(WritePatch(*plan).ok());
  EXPECT_EQ(w.Files(), (json{{"b/c.txt", "A\n"}, {"n.txt", "n\n"}}));
}

TEST(ApplyPatchTest, PermissionsAndSymlinks) {
  World w;
  w.Fill({{"run.sh", "echo a\n"}, {"real.txt", "r\n"}});
  ASSERT_EQ(::chmod((w.cwd() + "/run.sh").c_str(), 0751), 0);
  fs::create_symlink("real.txt", w.cwd() + "/link.txt");
  ASSERT_TRUE(Apply("*** Begin Patch\n*** Update File: run.sh\n@@\n-echo a\n+echo b\n*** Update "
                    "File: link.txt\n@@\n-r\n+R\n*** End Patch",
                    w.cwd())
                  .ok());
  struct stat st;
  ASSERT_EQ(::stat((w.cwd() + "/run.sh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0751u);
  EXPECT_TRUE(fs::is_symlink(w.cwd() + "/link.txt")) << "written through, not replaced";
  EXPECT_EQ(testing::ReadFileOrDie(w.cwd() + "/real.txt"), "R\n");
  // Deleting a symlink removes the link.
  ASSERT_TRUE(Apply("*** Begin Patch\n*** Delete File: link.txt\n*** End Patch", w.cwd()).ok());
  EXPECT_FALSE(fs::exists(fs::symlink_status(w.cwd() + "/link.txt")));
  EXPECT_TRUE(fs::exists(w.cwd() + "/real.txt"));
}

TEST(ApplyPatchTest, ReadErrors) {
  World w;
  testing::WriteFileOrDie(w.cwd() + "/bin.txt", std::string("a\xff\n"));
  EXPECT_EQ(
      Message(
          Apply("*** Begin Patch\n*** Update File: bin.txt\n@@\n-a\n+b\n*** End Patch", w.cwd())),
      "Failed to read file to update " + w.cwd() + "/bin.txt: stream did not contain valid UTF-8");
  testing::WriteFileOrDie(w.cwd() + "/plain", "p\n");
  EXPECT_EQ(
      Message(Apply("*** Begin Patch\n*** Add File: plain/x.txt\n+x\n*** End Patch", w.cwd())),
      "Failed to create parent directories for plain/x.txt");
  EXPECT_EQ(Message(Apply(
                "*** Begin Patch\n*** Delete File: plain\n*** Delete File: plain\n*** End Patch",
                w.cwd())),
            "Failed to delete file plain");
  EXPECT_TRUE(fs::exists(w.cwd() + "/plain"));
}

TEST(ApplyPatchTest, OneChangePerPathSortedBytewise) {
  World w;
  w.Fill({{"t.txt", "a\nb\n"}});
  absl::StatusOr<Patch> patch = ParsePatch(
      "*** Begin Patch\n*** Add File: z\n+z\n*** Update File: t.txt\n@@\n-a\n+A\n*** Update File: "
      "./t.txt\n@@\n-b\n+B\n*** Add File: a-b\n+1\n*** Add File: a/b\n+2\n*** End Patch");
  ASSERT_TRUE(patch.ok());
  absl::StatusOr<PatchPlan> plan = PlanPatch(*patch, w.cwd());
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::vector<std::string> paths;
  for (const FileChange& c : plan->changes) paths.push_back(w.Out(c.path));
  EXPECT_EQ(paths, (std::vector<std::string>{"<cwd>/a-b", "<cwd>/a/b", "<cwd>/t.txt", "<cwd>/z"}));
  // t.txt keeps the first spelling of its path and shows the last hunk, against the file on disk.
  EXPECT_EQ(plan->changes[2].diff, "@@ -1,2 +1,2 @@\n a\n-b\n+B\n");
  ASSERT_TRUE(WritePatch(*plan).ok());
  EXPECT_EQ(testing::ReadFileOrDie(w.cwd() + "/t.txt"), "A\nB\n");
}

}  // namespace
}  // namespace threadlog::agent
