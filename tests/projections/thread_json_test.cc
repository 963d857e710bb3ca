// Tests of ThreadSummary -> v2 Thread: the mappings observed from the real Codex (0.113.0, then
// 0.117.0), and the schema.
#include "projections/thread_json.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "tests/projections/schema_check.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;

Json Schema() {
  // A copy of ../shared/spec/codex-0.113.0-experimental/, kept in the repository so tests
  // need nothing outside it.
  std::ifstream in(std::string(THREADLOG_SOURCE_DIR) +
                   "/tests/api/schema/codex_app_server_protocol.v2.schemas.json");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return Json::parse(buffer.str(), nullptr, false);
}

ThreadSummary Sample() {
  ThreadSummary s;
  s.id = *ThreadId::Parse("01a20edc-6c30-77d2-8ea8-b69792e25b0b");
  s.preview = "hello there";
  s.created_at_ms = 1795545656999;
  s.updated_at_ms = 1795545657137;
  s.model_provider = "mock";
  s.source = "vscode";
  s.cwd = "/home/dev/project";
  s.cli_version = "0.113.0";
  s.name = "fixture-limited";
  return s;
}

TEST(ThreadJson, MatchesCodexForAPlainThread) {
  // Codex 0.113.0's thread/list answer for this thread (transcript.jsonl), path and status
  // aside.
  Json codex = Json::parse(R"({"id": "01a20edc-6c30-77d2-8ea8-b69792e25b0b",
      "preview": "hello there", "ephemeral": false, "modelProvider": "mock",
      "createdAt": 1795545656, "updatedAt": 1795545657, "status": {"type": "notLoaded"},
      "path": null, "cwd": "/home/dev/project", "cliVersion": "0.113.0", "source": "vscode",
      "agentNickname": null, "agentRole": null, "gitInfo": null, "name": "fixture-limited",
      "turns": []})");
  EXPECT_EQ(ThreadToJson(Sample()), codex);
}

TEST(ThreadJson, SourcesAsCodexMapsThem) {
  EXPECT_EQ(SessionSourceJson("cli"), "cli");
  EXPECT_EQ(SessionSourceJson("vscode"), "vscode");
  EXPECT_EQ(SessionSourceJson("exec"), "exec");
  EXPECT_EQ(SessionSourceJson("mcp"), "appServer");
  EXPECT_EQ(SessionSourceJson("weird"), "unknown");
  EXPECT_EQ(SessionSourceJson(Json::parse(R"({"subagent": "review"})")),
            Json::parse(R"({"subAgent": "review"})"));
  // 0.117.0: a client-named source is kept as it is.
  EXPECT_EQ(SessionSourceJson(Json::parse(R"({"custom": "myclient"})")),
            Json::parse(R"({"custom": "myclient"})"));
  EXPECT_EQ(SessionSourceJson(Json::parse(R"({"custom": 5})")), "unknown");
}

TEST(ThreadJson, ThreadSpawnSourceHasAgentPath) {
  EXPECT_EQ(SessionSourceJson(Json::parse(R"({"subagent": {"thread_spawn": {
                "parent_thread_id": "p", "depth": 2, "agent_path": "/a/b", "extra": 1}}})")),
            Json::parse(R"({"subAgent": {"thread_spawn": {"parent_thread_id": "p", "depth": 2,
                "agent_nickname": null, "agent_role": null, "agent_path": "/a/b"}}})"));
  EXPECT_TRUE(SessionSourceJson(Json::parse(R"({"subagent": {"thread_spawn": {
                  "parent_thread_id": "p", "depth": 1}}})"))["subAgent"]["thread_spawn"]
                                                            ["agent_path"]
                                                                .is_null());
}

TEST(ThreadJson, OpenTurnsReadInterruptedUnlessActive) {
  const Json turns = Json::parse(R"([{"id":"a","items":[],"status":"inProgress","error":null},
      {"id":"b","items":[],"status":"failed","error":null},
      {"id":"c","items":[],"status":"inProgress","error":null}])");
  ThreadJsonOptions options;
  options.turns = turns;
  for (LastStatus status : {LastStatus::kIdle, LastStatus::kSystemError}) {
    options.status = ThreadStatusJson(status);
    const Json thread = ThreadToJson(Sample(), options);
    EXPECT_EQ(thread["turns"][0]["status"], "interrupted");
    EXPECT_EQ(thread["turns"][1]["status"], "failed");
    EXPECT_EQ(thread["turns"][2]["status"], "interrupted");
  }
  options.status = Json{{"type", "notLoaded"}};
  EXPECT_EQ(ThreadToJson(Sample(), options)["turns"][2]["status"], "interrupted");
  options.status = ThreadStatusJson(LastStatus::kActive);  // a live turn is still running
  EXPECT_EQ(ThreadToJson(Sample(), options)["turns"], turns);
}

TEST(ThreadJson, GitAndSubAgentFields) {
  ThreadSummary s = Sample();
  s.git = Json::parse(R"({"branch": "feature"})");
  s.source = Json::parse(R"({"subagent": {"thread_spawn": {"parent_thread_id":
      "01a20edc-1000-7000-8000-000000000006", "depth": 1, "agent_nickname": "Euclid",
      "agent_role": "explorer"}}})");
  s.model_provider.clear();
  Json thread = ThreadToJson(s);
  EXPECT_EQ(thread["gitInfo"], Json::parse(R"({"sha": null, "branch": "feature",
                                               "originUrl": null})"));
  EXPECT_EQ(thread["agentNickname"], "Euclid");
  EXPECT_EQ(thread["agentRole"], "explorer");
  EXPECT_EQ(thread["source"]["subAgent"]["thread_spawn"]["depth"], 1);
  EXPECT_EQ(thread["modelProvider"], "openai");
}

TEST(ThreadJson, ValidAgainstTheV2Schema) {
  Json schema = Schema();
  ASSERT_FALSE(schema.is_discarded());
  ThreadSummary s = Sample();
  for (LastStatus status : {LastStatus::kIdle, LastStatus::kActive, LastStatus::kSystemError}) {
    ThreadJsonOptions options;
    options.status = ThreadStatusJson(status);
    options.path = "/x/rollout.jsonl";
    for (const std::string& error :
         testing::CheckSchema(schema, "Thread", ThreadToJson(s, options)))
      ADD_FAILURE() << error;
  }
  s.git = Json::parse(R"({"commit_hash": "abc", "repository_url": "u"})");
  s.source = Json::parse(R"({"subagent": "compact"})");
  for (const std::string& error : testing::CheckSchema(schema, "Thread", ThreadToJson(s)))
    ADD_FAILURE() << error;
}

}  // namespace
}  // namespace threadlog
