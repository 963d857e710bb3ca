// What a turn sends to the model: every permissions text, the AGENTS.md and skills parts, the
// settings-change messages and the request body, compared with what Codex 0.117.0 sent in the
// same situations (golden/codex_117_context.json, golden/codex_117_turns.json).
#include "api/agent/prompt.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json Load(const std::string& name) {
  std::ifstream in(std::string(THREADLOG_SOURCE_DIR) + "/tests/agent/golden/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

const json& Context() {
  static const json* golden = new json(Load("codex_117_context.json"));
  return *golden;
}

const json& Scenario(const std::string& name) { return Context()["scenarios"][name]; }

// The text of part `part` of message `message` of a scenario's first request.
std::string FirstInputText(const std::string& scenario, size_t message, size_t part) {
  return Scenario(scenario)["requests"][0]["input"][message]["content"][part]["text"];
}

TEST(PermissionsTextTest, EverySandboxAndApprovalCodexWrites) {
  const json& parts = Context()["permissions_composition"];
  struct Mode {
    const char* key;
    const char* mode;
    bool network;
  };
  const Mode modes[] = {{"read-only, network restricted", "read-only", false},
                        {"read-only, network enabled", "read-only", true},
                        {"workspace-write, network restricted", "workspace-write", false},
                        {"workspace-write, network enabled", "workspace-write", true},
                        {"danger-full-access, network enabled", "danger-full-access", true},
                        {"danger-full-access, network restricted", "danger-full-access", false}};
  int checked = 0;
  for (const Mode& m : modes) {
    for (const char* policy : {"untrusted", "on-failure", "on-request", "never"}) {
      Permissions p;
      p.sandbox_mode = m.mode;
      p.network_access = m.network;
      p.approval_policy = policy;
      const std::string expected = parts["PERM_OPEN"].get<std::string>() +
                                   parts["sandbox"][m.key].get<std::string>() + "\n" +
                                   parts["approval"][policy].get<std::string>() + "\n" +
                                   parts["PERM_CLOSE"].get<std::string>();
      EXPECT_EQ(PermissionsText(p), expected) << m.key << " / " << policy;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 24);
}

TEST(PermissionsTextTest, WritableRootsGuardianAndGranularAsCodexSentThem) {
  // workspace-write + on-request with the roots Codex listed (its memories folder included).
  Permissions p;
  p.sandbox_mode = "workspace-write";
  p.approval_policy = "on-request";
  p.writable_roots = {"/tmp/extra", "<home>/memories", "<cwd>", "/tmp"};
  EXPECT_EQ(PermissionsText(p), FirstInputText("A_ws_writable_roots_config_param", 0, 0));

  Permissions guardian;
  guardian.sandbox_mode = "workspace-write";
  guardian.approval_policy = "on-request";
  guardian.approvals_reviewer = "guardian_subagent";
  guardian.writable_roots = {"<home>/memories", "<cwd>", "/tmp"};
  EXPECT_EQ(PermissionsText(guardian), FirstInputText("A_guardian_on-request", 0, 0));

  Permissions granular;
  granular.sandbox_mode = "workspace-write";
  granular.approval_policy = {{"granular",
                               {{"sandbox_approval", true},
                                {"rules", false},
                                {"mcp_elicitations", false},
                                {"request_permissions", false},
                                {"skill_approval", false}}}};
  granular.writable_roots = {"<home>/memories", "<cwd>", "/tmp"};
  EXPECT_EQ(PermissionsText(granular),
            FirstInputText("A_granular_sandbox_only_workspace-write", 0, 0));

  // One root is "root", not "roots".
  Permissions one;
  one.sandbox_mode = "workspace-write";
  one.approval_policy = "never";
  one.writable_roots = {"/only"};
  EXPECT_NE(PermissionsText(one).find(" The writable root is `/only`.\n"), std::string::npos);
}

TEST(SkillsTextTest, ListsTheSkillsInOrderAndIsAbsentWithoutAny) {
  EXPECT_EQ(SkillsText({}), std::nullopt);
  const std::optional<std::string> text =
      SkillsText({{"demo", "Demo skill.", "<home>/skills/demo/SKILL.md"}});
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, FirstInputText("C_bundled_disabled_home_skill", 0, 1));
}

// Lays out a scenario's files (placeholders <cwd>, <home>, <root>) under `dir`, runs
// UserInstructions + AgentsMdText, and compares with the AGENTS.md part Codex sent.
void ExpectAgentsMdAsCodex(const std::string& scenario, const std::string& cwd_rel) {
  testing::ScratchDir dir;
  const std::string root = dir.path();
  const std::string home = root + "/home";
  const std::string cwd = root + "/" + cwd_rel;
  fs::create_directories(home);
  fs::create_directories(cwd);
  for (const auto& [where, what] : Scenario(scenario)["setup"]["files"].items()) {
    std::string path = where;
    // "<cwd> = <root>/repo/sub; <cwd>/AGENTS.md": a note on where cwd is, then the file.
    if (size_t note = path.find("; "); note != std::string::npos) path = path.substr(note + 2);
    if (path.find(" = ") != std::string::npos || path.find(',') != std::string::npos) continue;
    path = absl::StrReplaceAll(path, {{"<cwd>", cwd}, {"<home>", home}, {"<root>", root}});
    const std::string text = what.get<std::string>();
    if (text == "git init") {
      fs::create_directories(path + "/.git");
      continue;
    }
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
  }
  std::string expected;
  for (const json& part : Scenario(scenario)["requests"][0]["input"][1]["content"]) {
    const std::string text = part["text"];
    if (text.starts_with("# AGENTS.md")) expected = text;
  }
  ASSERT_FALSE(expected.empty()) << scenario;
  const std::optional<std::string> instructions = UserInstructions(home, cwd);
  ASSERT_TRUE(instructions) << scenario;
  EXPECT_EQ(AgentsMdText(cwd, *instructions),
            absl::StrReplaceAll(expected, {{"<cwd>", cwd}, {"<home>", home}, {"<root>", root}}))
      << scenario;
}

TEST(AgentsMdTextTest, CombinesHomeAndProjectDocsAsCodexDoes) {
  ExpectAgentsMdAsCodex("B_cwd_agents", "work");
  ExpectAgentsMdAsCodex("B_home_agents", "work");
  ExpectAgentsMdAsCodex("B_home_and_cwd_agents", "work");
  ExpectAgentsMdAsCodex("B_whitespace_agents", "work");
  ExpectAgentsMdAsCodex("B_blank_cwd_agents_home_agents", "work");
  ExpectAgentsMdAsCodex("B_repo_root_sub_cwd_home", "repo/sub");
  ExpectAgentsMdAsCodex("B_repo_root_sub_cwd_no_agents_in_cwd", "repo/sub");
}

TEST(AgentsMdTextTest, NoneWithoutAnyFile) {
  testing::ScratchDir dir;
  EXPECT_EQ(UserInstructions(dir.Sub("home"), dir.path()), std::nullopt);
}

TEST(InitialContextTest, DeveloperThenUserMessageAsInCodexsFirstRequest) {
  InitialContext c;
  c.permissions.sandbox_mode = "danger-full-access";
  c.permissions.network_access = true;
  c.permissions.approval_policy = "never";
  c.developer_instructions = "Be brief.";
  c.cwd = "/w";
  c.shell = "bash";
  c.current_date = "2026-12-01";
  c.timezone = "Etc/UTC";
  const std::vector<json> messages = InitialContextMessages(c);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0]["role"], "developer");
  ASSERT_EQ(messages[0]["content"].size(), 2u);
  EXPECT_EQ(messages[0]["content"][1]["text"], "Be brief.");
  EXPECT_EQ(messages[1]["role"], "user");
  EXPECT_EQ(messages[1]["content"][0]["text"],
            "<environment_context>\n  <cwd>/w</cwd>\n  <shell>bash</shell>\n  "
            "<current_date>2026-12-01</current_date>\n  <timezone>Etc/UTC</timezone>\n"
            "</environment_context>");
}

TEST(SettingsChangeTest, ModelSwitchPermissionsAndPersonalityAsCodexAddsThem) {
  const json& requests = Scenario("F_one_change_per_turn")["requests"];
  // Turn 6 switched the model to gpt-5.2-codex: a developer message with <model_switch>.
  const json& model_switch = requests[5]["input_new"][1];
  ModelFamily family = ModelFamilies::Bundled().Find("gpt-5.2-codex");
  SettingsChange change;
  change.new_model_instructions = family.Instructions(std::nullopt);
  std::vector<json> messages = SettingsChangeMessages(change);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], model_switch);
  // Turn 7 changed the personality to friendly.
  SettingsChange personality;
  personality.new_personality_text = family.personality_friendly;
  messages = SettingsChangeMessages(personality);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], requests[6]["input_new"][1]);
  // A model switch says the personality itself: no <personality_spec> beside it.
  change.new_personality_text = family.personality_friendly;
  EXPECT_EQ(SettingsChangeMessages(change).size(), 1u);
  EXPECT_EQ(SettingsChangeMessages(change)[0]["content"].size(), 1u);
  // The cwd: a new environment message after the developer one.
  SettingsChange cwd;
  cwd.new_environment = "<environment_context>x</environment_context>";
  messages = SettingsChangeMessages(cwd);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["role"], "user");
  EXPECT_TRUE(SettingsChangeMessages({}).empty());
}

TEST(RequestBodyTest, MatchesCodexsFirstRequestOfAPlainTurn) {
  const json golden = Load("codex_117_turns.json");
  const json& scenario = golden["scenarios"]["plain_text"];
  json body = scenario["http"][0]["body"];
  RequestSpec spec;
  spec.model = body["model"];
  spec.instructions = "INSTRUCTIONS";
  std::vector<json> input;
  for (const json& item : body["input"]) input.push_back(item);
  input.push_back({{"type", "ghost_snapshot"}, {"ghost_commit", nullptr}});  // never sent
  spec.input = input;
  spec.tools = json::array({UpdatePlanToolSpec()});
  spec.family = ModelFamilies::Bundled().Find(spec.model);
  spec.prompt_cache_key = body["prompt_cache_key"];
  json ours = BuildRequestBody(spec);
  // Codex also offers tools threadlog does not run yet; update_plan must be the same spec.
  json update_plan;
  for (const json& tool : body["tools"]) {
    if (tool.is_object() && tool.value("name", "") == "update_plan") update_plan = tool;
    if (tool.is_string()) {  // "<shared:tool:update_plan>"
      const std::string ref = tool;
      if (ref.find("update_plan") != std::string::npos) {
        update_plan = golden["shared"][ref.substr(8, ref.size() - 9)];
      }
    }
  }
  ASSERT_FALSE(update_plan.is_null());
  EXPECT_EQ(ours["tools"][0], update_plan);
  body.erase("tools");
  ours.erase("tools");
  body["instructions"] = "INSTRUCTIONS";
  EXPECT_EQ(ours, body);
  // The text a turn sends is that body, serialized the same way.
  EXPECT_EQ(RequestBodyText(spec), BuildRequestBody(spec).dump());
}

TEST(RequestBodyTest, OutputSchemaAndVerbosityGoInText) {
  RequestSpec spec;
  spec.model = "gpt-5.3-codex";
  spec.family = ModelFamilies::Bundled().Find(spec.model);
  spec.output_schema = {{"type", "object"}};
  const json body = BuildRequestBody(spec);
  EXPECT_EQ(body["text"]["verbosity"], "low");
  EXPECT_EQ(body["text"]["format"], json({{"type", "json_schema"},
                                          {"strict", true},
                                          {"schema", {{"type", "object"}}},
                                          {"name", "codex_output_schema"}}));
  EXPECT_EQ(body["reasoning"], json({{"effort", "medium"}}));  // summary "none" is left out
  RequestSpec unknown;
  unknown.family = ModelFamilies::Bundled().Find("acme-coder");
  EXPECT_TRUE(BuildRequestBody(unknown)["reasoning"].is_null());
  EXPECT_EQ(BuildRequestBody(unknown)["include"], json::array());
  EXPECT_FALSE(BuildRequestBody(unknown).contains("text"));
}

TEST(NormalizeResponseItemTest, KeepsOnlyWhatCodexsResponseItemHas) {
  EXPECT_EQ(NormalizeResponseItem(
                {{"type", "message"},
                 {"id", "msg_1"},
                 {"status", "completed"},
                 {"role", "assistant"},
                 {"content",
                  {{{"type", "output_text"}, {"text", "Hi"}, {"annotations", json::array()}}}}}),
            json({{"type", "message"},
                  {"role", "assistant"},
                  {"content", {{{"type", "output_text"}, {"text", "Hi"}}}}}));
  EXPECT_EQ(NormalizeResponseItem({{"type", "reasoning"},
                                   {"id", "rs_1"},
                                   {"summary", {{{"type", "summary_text"}, {"text", "S"}}}},
                                   {"encrypted_content", "enc"}}),
            json({{"type", "reasoning"},
                  {"summary", {{{"type", "summary_text"}, {"text", "S"}}}},
                  {"content", nullptr},
                  {"encrypted_content", "enc"}}));
  EXPECT_EQ(NormalizeResponseItem({{"type", "function_call"},
                                   {"id", "fc_1"},
                                   {"name", "update_plan"},
                                   {"arguments", "{}"},
                                   {"call_id", "c1"},
                                   {"status", "completed"}}),
            json({{"type", "function_call"},
                  {"name", "update_plan"},
                  {"arguments", "{}"},
                  {"call_id", "c1"}}));
}

}  // namespace
}  // namespace threadlog::agent
