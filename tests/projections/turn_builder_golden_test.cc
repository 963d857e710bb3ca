// Golden tests: TurnBuilder over real rollouts must equal Codex 0.117.0's own thread/read turns.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "eventlog/rollout_line.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "projections/thread_json.h"
#include "projections/turn_builder.h"
#include "tests/projections/schema_check.h"

namespace threadlog {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const fs::path kSource = THREADLOG_SOURCE_DIR;
const fs::path kGolden = kSource / "tests/projections/golden";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Folded {
  Json turns;
  int skipped = 0;  // lines Codex would also skip (unparseable or rejected)
};

// Folds a rollout file line by line, skipping lines that do not parse, as Codex does.
Folded FoldRollout(const fs::path& path) {
  TurnBuilder builder;
  Folded out;
  std::istringstream lines(ReadFile(path));
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::StatusOr<NewEvent> event = ParseRolloutLine(line);
    if (!event.ok() || !builder.Apply(event->kind, event->type, event->payload.view()).ok()) {
      ++out.skipped;
    }
  }
  out.turns = builder.Turns();
  // Every answer here is Codex's read of a thread it had not loaded (or loaded idle), which
  // reports a turn left open as interrupted.
  InterruptStaleTurns(out.turns);
  return out;
}

// Ids Codex generates at random (UUIDv7 for turns no task_started named, UUIDv4 for hook prompts
// without an id) cannot match; every other byte must. Such an id is recognized by not
// occurring in the rollout, and ours must then be our deterministic version-8 id.
void ExpectSameTurns(const Json& ours, const Json& codex, const std::string& rollout_text,
                     const std::string& label) {
  ASSERT_TRUE(ours.is_array());
  ASSERT_EQ(ours.size(), codex.size()) << label << "\nours: " << ours.dump(1);
  static const std::regex kV8(
      "[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  const auto made_up = [&](const Json& id) {
    std::string quoted = id.get<std::string>();
    quoted.insert(quoted.begin(), '"');
    quoted.push_back('"');
    return rollout_text.find(quoted) == std::string::npos;
  };
  for (size_t i = 0; i < codex.size(); ++i) {
    Json expected = codex[i];
    Json actual = ours[i];
    if (made_up(expected["id"])) {
      EXPECT_TRUE(std::regex_match(actual["id"].get<std::string>(), kV8))
          << label << " turn " << i << " id " << actual["id"];
      expected["id"] = actual["id"];
    }
    for (size_t k = 0; k < expected["items"].size() && k < actual["items"].size(); ++k) {
      Json& item = expected["items"][k];
      if (item["type"] == "hookPrompt" && made_up(item["id"])) {
        EXPECT_TRUE(std::regex_match(actual["items"][k]["id"].get<std::string>(), kV8))
            << label << " turn " << i << " item " << k;
        item["id"] = actual["items"][k]["id"];
      }
    }
    EXPECT_EQ(actual, expected) << label << " turn " << i << "\ndiff (ours -> codex): "
                                << Json::diff(actual, expected).dump(1);
  }
}

void ExpectValidTurns(const Json& turns, const std::string& label) {
  static const Json schema = Json::parse(ReadFile(kGolden / "turn.schema.json"));
  for (size_t i = 0; i < turns.size(); ++i) {
    for (const std::string& error : testing::CheckSchema(schema, "Turn", turns[i])) {
      ADD_FAILURE() << label << " turn " << i << error;
    }
  }
}

// Every replay case (tests/replay/*/): the rollout folded must give the turns of Codex 0.117.0's
// thread/read answer stored beside it (for the basic_* cases, the 0.113.0 session's files).
TEST(TurnBuilderGolden, MatchesCodexThreadReadOfReplayCases) {
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "tests/replay")) {
    const fs::path events = entry.path() / "events.jsonl";
    if (!fs::exists(events)) continue;
    const std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    const Json codex = Json::parse(ReadFile(entry.path() / "expected.json"));
    const Folded folded = FoldRollout(events);
    EXPECT_EQ(folded.skipped, 0);
    ExpectSameTurns(folded.turns, codex["turns"], ReadFile(events), name);
    ExpectValidTurns(folded.turns, name);
    ++compared;
  }
  EXPECT_GE(compared, 44);  // 13 from files older Codex wrote, 31 written by 0.117.0
}

// Hand-written rollouts, one per group of rules, with the answer Codex 0.117.0 gave for each.
TEST(TurnBuilderGolden, MatchesCodexOnHandWrittenRollouts) {
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(kGolden)) {
    const std::string name = entry.path().filename().string();
    const std::string suffix = ".rollout.jsonl";
    if (!name.ends_with(suffix)) continue;
    const std::string stem = name.substr(0, name.size() - suffix.size());
    SCOPED_TRACE(stem);
    const Json codex = Json::parse(ReadFile(kGolden / (stem + ".turns.json")));
    const Folded folded = FoldRollout(entry.path());
    ExpectSameTurns(folded.turns, codex, ReadFile(entry.path()), stem);
    ExpectValidTurns(folded.turns, stem);
    // The lines Codex cannot parse, counted by hand in make_rollouts.py.
    const std::map<std::string, int> kSkipped = {{"malformed", 5}, {"strictness", 8}};
    EXPECT_EQ(folded.skipped, kSkipped.contains(stem) ? kSkipped.at(stem) : 0);
    ++compared;
  }
  EXPECT_EQ(compared, 9);  // one per *.rollout.jsonl in golden/
}

// Codex desktop 0.104 rollouts (Limited), read back by Codex 0.117.0.
TEST(TurnBuilderGolden, MatchesCodexOnDesktopRollouts) {
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "tests/fixtures/codex-rollouts")) {
    const std::string stem = entry.path().stem().string();
    SCOPED_TRACE(stem);
    const Json codex = Json::parse(ReadFile(kGolden / "codex-rollouts" / (stem + ".turns.json")));
    const Folded folded = FoldRollout(entry.path());
    EXPECT_EQ(folded.skipped, 0);
    ExpectSameTurns(folded.turns, codex, ReadFile(entry.path()), stem);
    ExpectValidTurns(folded.turns, stem);
    ++compared;
  }
  EXPECT_EQ(compared, 5);
}

// The schema check itself must reject what Codex would never send.
TEST(TurnBuilderGolden, SchemaCheckRejectsBadTurns) {
  const Json schema = Json::parse(ReadFile(kGolden / "turn.schema.json"));
  const Json good = {
      {"id", "t"}, {"items", Json::array()}, {"status", "completed"}, {"error", nullptr}};
  EXPECT_TRUE(testing::CheckSchema(schema, "Turn", good).empty());
  Json bad_status = good;
  bad_status["status"] = "done";
  EXPECT_FALSE(testing::CheckSchema(schema, "Turn", bad_status).empty());
  Json extra_field = good;
  extra_field["items"].push_back(
      {{"type", "agentMessage"}, {"id", "i"}, {"text", "x"}, {"source", "y"}});
  EXPECT_FALSE(testing::CheckSchema(schema, "Turn", extra_field).empty());
  Json missing = good;
  missing["items"].push_back({{"type", "commandExecution"}, {"id", "i"}});
  EXPECT_FALSE(testing::CheckSchema(schema, "Turn", missing).empty());
}

}  // namespace
}  // namespace threadlog
