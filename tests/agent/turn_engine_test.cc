// TurnEngine on a real store against the scripted model: a turn from start to completion, what
// the log keeps in each persistence mode, steering, interrupting a stalled stream and a pending
// client tool call, failures, one turn per thread, many threads at once.
#include "api/agent/turn_engine.h"

#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "projections/model_history.h"
#include "tests/agent/mock_server.h"
#include "tests/testutil/recording_sink.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;
using session::ClientId;

using testing::RecordingSink;
using testing::Sent;

// Answers item/tool/call from a test-given function (or never, when it returns nullopt).
class FakeClientRequests final : public ClientRequests {
 public:
  std::function<std::optional<json>(const std::string&, const json&)> answer;
  void Send(ClientId, std::string method, json params,
            std::function<void(absl::StatusOr<json>)> done) override {
    {
      std::lock_guard lock(mu_);
      asked.push_back({method, params});
    }
    std::optional<json> a = answer ? answer(method, params) : std::nullopt;
    if (a) {
      done(*a);
    } else {
      std::lock_guard lock(mu_);
      unanswered.push_back(std::move(done));
    }
  }
  ~FakeClientRequests() override {
    for (auto& done : unanswered) done(absl::UnavailableError("gone"));
  }
  std::mutex mu_;
  std::vector<std::pair<std::string, json>> asked;
  std::vector<std::function<void(absl::StatusOr<json>)>> unanswered;
};

std::vector<std::string> Methods(const std::vector<Sent>& sent, const std::string& turn) {
  std::vector<std::string> out;
  for (const Sent& s : sent) {
    const bool about = (s.params.contains("turnId") && s.params["turnId"] == turn) ||
                       (s.params.contains("turn") && s.params["turn"]["id"] == turn) ||
                       s.method == "thread/status/changed" ||
                       s.method == "account/rateLimits/updated";
    if (!about) continue;
    // Item types and statuses appended ("item/started:userMessage", "turn/completed:failed").
    const json* detail = nullptr;
    if (s.method == "item/started" || s.method == "item/completed")
      detail = &s.params["item"]["type"];
    if (s.method == "thread/status/changed") detail = &s.params["status"]["type"];
    if (s.method == "turn/completed") detail = &s.params["turn"]["status"];
    out.push_back(detail == nullptr ? s.method
                                    : absl::StrCat(s.method, ":", detail->get<std::string>()));
  }
  return out;
}

class TurnEngineTest : public ::testing::Test {
 protected:
  void Begin(const json& steps, const std::string& extra_config = "") {
    std::filesystem::create_directories(dir_.Sub("mock"));
    mock_ = std::make_unique<testing::MockServer>(dir_.Sub("mock"), steps);
    const std::string home = dir_.Sub("codex");
    std::filesystem::create_directories(home);
    std::ofstream(home + "/config.toml")
        << "model = \"gpt-5.1-codex\"\nmodel_provider = \"mock\"\n"
        << extra_config << "\n[model_providers.mock]\nname = \"mock\"\nbase_url = \""
        << mock_->base_url() << "\"\nwire_api = \"responses\"\nenv_key = \"MOCK_API_KEY\"\n"
        << "request_max_retries = 0\nstream_max_retries = 1\n";
    auto store = ThreadStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    session::SettingsDefaults defaults;
    defaults.model = "gpt-5.1-codex";
    defaults.model_provider = "mock";
    defaults.approval_policy = "never";
    defaults.sandbox_mode = "danger-full-access";
    threads_ = std::make_unique<session::ThreadService>(*store_, defaults);
    TurnEngineOptions options;
    options.codex_home = home;
    options.env = [](const std::string& name) -> std::optional<std::string> {
      if (name == "MOCK_API_KEY") return "test-key";
      return std::nullopt;
    };
    options.client.retry_base_delay = absl::Milliseconds(1);
    engine_ = std::make_unique<TurnEngine>(*threads_, sink_, requests_, std::move(options));
    threads_->SetTurnStopper([this](const ThreadId& thread) { engine_->StopTurn(thread); });
  }

  ThreadId StartThread(bool extended = false, json dynamic_tools = nullptr) {
    session::StartRequest request;
    request.settings.cwd = dir_.path();
    request.settings.persist_extended = extended;
    request.dynamic_tools = std::move(dynamic_tools);
    request.originator = "test";
    auto opened = threads_->Start(request, kClient, sink_);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened->summary.id;
  }

  std::string Turn(const ThreadId& thread, const std::string& text, TurnOverrides o = {}) {
    TurnStartRequest request;
    request.input = json::array({{{"type", "text"}, {"text", text}}});
    request.overrides = std::move(o);
    request.originator = "test";
    absl::StatusOr<StartedTurn> started = engine_->StartTurn(thread, request, kClient, sink_);
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok()) return "";
    started->release();
    return started->turn["id"];
  }

  std::vector<std::string> StoredTypes(const ThreadId& thread) {
    std::vector<std::string> out;
    for (auto it = store_->log().ReadThread(thread); it->Valid(); it->Next()) {
      const EventView& e = it->event();
      if (e.kind == EventKind::kResponseItem) out.push_back("response_item:" + std::string(e.type));
      if (e.kind == EventKind::kEventMsg) out.push_back(std::string(e.type));
      if (e.kind == EventKind::kTurnContext) out.push_back("turn_context");
    }
    return out;
  }

  static constexpr ClientId kClient = 7;
  testing::ScratchDir dir_;
  std::unique_ptr<testing::MockServer> mock_;
  std::unique_ptr<ThreadStore> store_;
  std::unique_ptr<session::ThreadService> threads_;
  RecordingSink sink_;
  FakeClientRequests requests_;
  std::unique_ptr<TurnEngine> engine_;
};

TEST_F(TurnEngineTest, APlainTurnInCodexsOrderAndItsRollout) {
  Begin(json::array({{{"text", "Hello! How can I help?"}}}));
  const ThreadId thread = StartThread();
  const std::string turn = Turn(thread, "Say hello.");
  const std::vector<Sent> sent = sink_.WaitFor("turn/completed", turn);
  EXPECT_EQ(
      Methods(sent, turn),
      (std::vector<std::string>{
          "thread/status/changed:active", "turn/started", "item/started:userMessage",
          "item/completed:userMessage", "account/rateLimits/updated", "item/started:agentMessage",
          "item/agentMessage/delta", "item/completed:agentMessage", "thread/tokenUsage/updated",
          "account/rateLimits/updated", "thread/status/changed:idle", "turn/completed:completed"}));
  // What Codex 0.117.0 writes for the same turn (tests/replay/v117_plain_text), Limited mode.
  EXPECT_EQ(StoredTypes(thread),
            (std::vector<std::string>{
                "task_started", "response_item:message", "response_item:message", "turn_context",
                "response_item:message", "user_message", "token_count", "agent_message",
                "response_item:message", "token_count", "task_complete"}));
  // The projections read the turn back.
  absl::StatusOr<json> turns = store_->ReadTurns(thread);
  ASSERT_TRUE(turns.ok());
  ASSERT_EQ(turns->size(), 1u);
  EXPECT_EQ((*turns)[0]["id"], turn);
  EXPECT_EQ((*turns)[0]["status"], "completed");
  EXPECT_EQ((*turns)[0]["items"][1]["text"], "Hello! How can I help?");
  for (int i = 0; i < 200 && engine_->ActiveTurn(thread); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(engine_->ActiveTurn(thread));
  // Loaded and idle again.
  EXPECT_EQ(threads_->Status(thread), json({{"type", "idle"}}));
}

TEST_F(TurnEngineTest, TheNextTurnSendsTheWholeHistoryWithoutRepeatingTheContext) {
  Begin(json::array({{{"text", "One."}}, {{"text", "Two."}}}));
  const ThreadId thread = StartThread();
  sink_.WaitFor("turn/completed", Turn(thread, "Turn one."));
  sink_.WaitFor("turn/completed", Turn(thread, "Turn two."));
  const std::vector<json> requests = mock_->Requests();
  ASSERT_EQ(requests.size(), 2u);
  const json input = requests[1]["body"]["input"];
  ASSERT_EQ(input.size(), 5u);  // developer, environment, one, its answer, two
  EXPECT_EQ(input[0]["role"], "developer");
  EXPECT_EQ(input[3], json::parse(R"({"type": "message", "role": "assistant",
                                      "content": [{"type": "output_text", "text": "One."}]})"));
  EXPECT_EQ(input[4]["content"][0]["text"], "Turn two.");
  // Usage adds up across turns.
  const std::vector<Sent> sent = sink_.All();
  json last_usage;
  for (const Sent& s : sent) {
    if (s.method == "thread/tokenUsage/updated") last_usage = s.params["tokenUsage"];
  }
  EXPECT_EQ(last_usage["total"]["totalTokens"], 220);
  EXPECT_EQ(last_usage["last"]["totalTokens"], 110);
}

TEST_F(TurnEngineTest, ASecondTurnOnTheSameThreadJoinsTheRunningOne) {
  Begin(json::array(
      {{{"text", "Once upon a time"}, {"stall", true}, {"after_release", json::array()}},
       {{"text", "Short version."}}}));
  const ThreadId thread = StartThread();
  const std::string turn = Turn(thread, "Write a long essay.");
  mock_->WaitState([](const json& s) { return s["stalled"].get<int>() > 0; });
  // turn/start while it runs: the input is steered in and the running turn named.
  TurnStartRequest again;
  again.input = json::array({{{"type", "text"}, {"text", "Make it short."}}});
  absl::StatusOr<StartedTurn> joined = engine_->StartTurn(thread, again, kClient, sink_);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->turn["id"], turn);
  // turn/steer with the wrong id is refused in Codex's words.
  EXPECT_EQ(engine_->SteerTurn(thread, "nope", again.input).status().message(),
            "expected active turn id `nope` but found `" + turn + "`");
  EXPECT_EQ(engine_->SteerTurn(thread, turn, json::array()).status().message(),
            "input must not be empty");
  mock_->Release();
  const std::vector<Sent> sent = sink_.WaitFor("turn/completed", turn);
  const std::vector<json> requests = mock_->Requests();
  ASSERT_EQ(requests.size(), 2u);
  const json input = requests[1]["body"]["input"];
  EXPECT_EQ(input.back()["content"][0]["text"], "Make it short.");
  EXPECT_EQ(input[input.size() - 2]["role"], "assistant");
  EXPECT_EQ(engine_->SteerTurn(thread, turn, again.input).status().message(),
            "no active turn to steer");
}

TEST_F(TurnEngineTest, AnInterruptStopsAStalledStreamAndTheNextTurnKnows) {
  Begin(json::array({{{"reasoning", "Starting."}, {"stall", true}}, {{"text", "Quick answer."}}}));
  const ThreadId thread = StartThread();
  const std::string turn = Turn(thread, "Start something slow.");
  mock_->WaitState([](const json& s) { return s["stalled"].get<int>() > 0; });
  EXPECT_EQ(engine_->InterruptTurn(thread, "not-this-one").code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(engine_->InterruptTurn(thread, turn).ok());
  std::vector<Sent> sent = sink_.WaitFor("turn/completed", turn);
  const std::vector<std::string> methods = Methods(sent, turn);
  ASSERT_GE(methods.size(), 2u);
  EXPECT_EQ(methods[methods.size() - 2], "thread/status/changed:idle");
  EXPECT_EQ(methods.back(), "turn/completed:interrupted");
  // The stream was closed at once: the mock saw the client hang up.
  EXPECT_FALSE(
      mock_->WaitState([](const json& s) { return !s["hangups"].empty(); })["hangups"].empty());
  // An interrupt of a thread with nothing running is an error at once (the turn leaves the
  // running ones right after turn/completed is told: waited for, a slow machine may lag).
  for (int i = 0; i < 500 && engine_->ActiveTurn(thread); ++i)
    absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(engine_->InterruptTurn(thread, turn).code(), absl::StatusCode::kInvalidArgument);
  const std::string next = Turn(thread, "Now something quick.");
  sink_.WaitFor("turn/completed", next);
  const json input = mock_->Requests()[1]["body"]["input"];
  bool aborted_marker = false;
  for (const json& item : input) {
    if (item.value("role", "") == "user" &&
        item["content"][0]["text"].get<std::string>().starts_with("<turn_aborted>")) {
      aborted_marker = true;
    }
  }
  EXPECT_TRUE(aborted_marker);
  const std::vector<std::string> stored = StoredTypes(thread);
  EXPECT_NE(std::find(stored.begin(), stored.end(), "turn_aborted"), stored.end());
}

TEST_F(TurnEngineTest, UpdatePlanAndADynamicToolAnsweredByTheClient) {
  const json tools = json::parse(R"([{"name": "get_weather", "description": "Weather.",
      "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}}}])");
  Begin(json::array(
      {{{"function_call",
         {{"name", "update_plan"},
          {"arguments", {{"plan", {{{"step", "a"}, {"status", "in_progress"}}}}}},
          {"call_id", "call_plan"}}}},
       {{"function_call",
         {{"name", "get_weather"}, {"arguments", {{"city", "Paris"}}}, {"call_id", "call_dyn"}}}},
       {{"text", "It is sunny in Paris."}}}));
  requests_.answer = [](const std::string&, const json& params) -> std::optional<json> {
    return json{{"contentItems",
                 {{{"type", "inputText"},
                   {"text", "weather in " + params["arguments"]["city"].get<std::string>()}}}},
                {"success", true}};
  };
  const ThreadId thread = StartThread(/*extended=*/true, tools);
  const std::string turn = Turn(thread, "What is the weather in Paris?");
  const std::vector<Sent> sent = sink_.WaitFor("turn/completed", turn);
  const std::vector<std::string> methods = Methods(sent, turn);
  EXPECT_NE(std::find(methods.begin(), methods.end(), "turn/plan/updated"), methods.end());
  EXPECT_NE(std::find(methods.begin(), methods.end(), "item/completed:dynamicToolCall"),
            methods.end());
  EXPECT_EQ(methods.back(), "turn/completed:completed");
  ASSERT_EQ(requests_.asked.size(), 1u);
  EXPECT_EQ(requests_.asked[0].first, "item/tool/call");
  EXPECT_EQ(requests_.asked[0].second["tool"], "get_weather");
  const std::vector<json> requests = mock_->Requests();
  ASSERT_EQ(requests.size(), 3u);
  // The model saw the tool offered and each output.
  bool offered = false;
  for (const json& t : requests[0]["body"]["tools"]) offered |= t["name"] == "get_weather";
  EXPECT_TRUE(offered);
  EXPECT_EQ(requests[1]["body"]["input"].back(),
            json::parse(R"({"type": "function_call_output", "call_id": "call_plan",
                            "output": "Plan updated"})"));
  EXPECT_EQ(requests[2]["body"]["input"].back(),
            json::parse(R"({"type": "function_call_output", "call_id": "call_dyn",
                            "output": "weather in Paris"})"));
  // Extended keeps the dynamic tool's events.
  const std::vector<std::string> stored = StoredTypes(thread);
  EXPECT_NE(std::find(stored.begin(), stored.end(), "dynamic_tool_call_response"), stored.end());
}

TEST_F(TurnEngineTest, AnInterruptWhileTheClientHoldsAToolCallAnswersItAborted) {
  const json tools = json::parse(R"([{"name": "slow", "description": "Never answers.",
      "inputSchema": {"type": "object", "properties": {}}}])");
  Begin(
      json::array({{{"function_call",
                     {{"name", "slow"}, {"arguments", json::object()}, {"call_id", "call_slow"}}}},
                   {{"text", "after"}}}));
  const ThreadId thread = StartThread(false, tools);
  const std::string turn = Turn(thread, "Call it.");
  sink_.WaitFor("item/started", turn);
  for (int i = 0; i < 200 && requests_.unanswered.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(engine_->InterruptTurn(thread, turn).ok());
  sink_.WaitFor("turn/completed", turn);
  sink_.WaitFor("turn/completed", Turn(thread, "Next."));
  // The next request keeps the history valid: the call has its output.
  const json input = mock_->Requests()[1]["body"]["input"];
  bool answered = false;
  for (const json& item : input) {
    if (item["type"] == "function_call_output" && item["call_id"] == "call_slow") {
      answered = item["output"] == "aborted";
    }
  }
  EXPECT_TRUE(answered);
}

TEST_F(TurnEngineTest, AFailedResponseFailsTheTurnWithCodexsError) {
  Begin(json::array({{{"text", "Partial"},
                      {"failed", {{"code", "insufficient_quota"}, {"message", "no money"}}}}}));
  const ThreadId thread = StartThread(true);
  const std::string turn = Turn(thread, "This one fails.");
  const std::vector<Sent> sent = sink_.WaitFor("turn/completed", turn);
  const std::vector<std::string> methods = Methods(sent, turn);
  ASSERT_GE(methods.size(), 3u);
  EXPECT_EQ(methods[methods.size() - 3], "thread/status/changed:systemError");
  EXPECT_EQ(methods[methods.size() - 2], "error");
  EXPECT_EQ(methods.back(), "turn/completed:failed");
  json error;
  for (const Sent& s : sent) {
    if (s.method == "turn/completed") error = s.params["turn"]["error"];
  }
  EXPECT_EQ(error,
            json::parse(R"({"message": "Quota exceeded. Check your plan and billing details.",
                                   "codexErrorInfo": "usageLimitExceeded",
                                   "additionalDetails": null})"));
  absl::StatusOr<json> turns = store_->ReadTurns(thread);
  ASSERT_TRUE(turns.ok());
  EXPECT_EQ((*turns)[0]["status"], "failed");
}

TEST_F(TurnEngineTest, AnUnreachableModelFailsTheTurnItDoesNotHang) {
  Begin(json::array());
  // Point the provider at a port nothing listens on.
  std::ofstream(dir_.Sub("codex") + "/config.toml")
      << "model = \"gpt-5.1-codex\"\nmodel_provider = \"mock\"\n[model_providers.mock]\n"
      << "name = \"mock\"\nbase_url = \"http://127.0.0.1:" << testing::ClosedPort() << "/v1\"\n"
      << "wire_api = \"responses\"\nenv_key = \"MOCK_API_KEY\"\nrequest_max_retries = 0\n"
      << "stream_max_retries = 0\n";
  const ThreadId thread = StartThread();
  const std::string turn = Turn(thread, "Hello?");
  const std::vector<Sent> sent = sink_.WaitFor("turn/completed", turn);
  EXPECT_EQ(Methods(sent, turn).back(), "turn/completed:failed");
}

TEST_F(TurnEngineTest, UnloadedThreadsAndEmptyInputAreRefused) {
  Begin(json::array());
  TurnStartRequest request;
  request.input = json::array({{{"type", "text"}, {"text", "hi"}}});
  const ThreadId stranger = ThreadId::NewV7();
  EXPECT_EQ(engine_->StartTurn(stranger, request, kClient, sink_).status().message(),
            "thread not found: " + stranger.ToString());
  const ThreadId thread = StartThread();
  request.input = json::array();
  EXPECT_EQ(engine_->StartTurn(thread, request, kClient, sink_).status().message(),
            "input must not be empty");
  EXPECT_EQ(engine_->SteerTurn(thread, "x", json::array()).status().message(),
            "no active turn to steer");
}

TEST_F(TurnEngineTest, ThreadsRunTheirTurnsAtTheSameTime) {
  // Each stream stalls until released: both turns must be running at once.
  Begin(json::array({{{"text", "A"}, {"stall", true}, {"after_release", json::array()}},
                     {{"text", "B"}, {"stall", true}, {"after_release", json::array()}}}));
  const ThreadId a = StartThread();
  const ThreadId b = StartThread();
  const std::string ta = Turn(a, "first");
  const std::string tb = Turn(b, "second");
  const json state =
      mock_->WaitState([](const json& s) { return s["stalled"].get<int>() >= 2; }, 10000);
  EXPECT_EQ(state["stalled"], 2);
  EXPECT_TRUE(engine_->ActiveTurn(a));
  EXPECT_TRUE(engine_->ActiveTurn(b));
  mock_->Release();
  sink_.WaitFor("turn/completed", ta);
  sink_.WaitFor("turn/completed", tb);
  // Each turn leaves the running set right after it told turn/completed.
  for (int i = 0; i < 200 && (engine_->ActiveTurn(a) || engine_->ActiveTurn(b)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(engine_->ActiveTurn(a));
  EXPECT_FALSE(engine_->ActiveTurn(b));
}

TEST_F(TurnEngineTest, ShuttingDownInterruptsRunningTurns) {
  Begin(json::array({{{"text", "A"}, {"stall", true}}}));
  const ThreadId thread = StartThread();
  const std::string turn = Turn(thread, "first");
  mock_->WaitState([](const json& s) { return s["stalled"].get<int>() > 0; });
  engine_.reset();  // joins the interrupted turn
  const std::vector<std::string> methods = Methods(sink_.All(), turn);
  EXPECT_EQ(methods.back(), "turn/completed:interrupted");
}

TEST_F(TurnEngineTest, AClientThatLeavesDoesNotStopItsTurnAndOneThatResumesHearsTheRest) {
  Begin(json::array(
      {{{"text", "A long answer"}, {"stall", true}, {"after_release", json::array()}}}));
  const ThreadId thread = StartThread();
  const std::string turn = Turn(thread, "first");
  mock_->WaitState([](const json& s) { return s["stalled"].get<int>() > 0; });
  threads_->ClientGone(kClient);            // the only client disconnects
  EXPECT_TRUE(threads_->IsLoaded(thread));  // kept while its turn runs
  // Another client resumes the thread and hears the rest.
  constexpr ClientId kLater = 8;
  ASSERT_TRUE(threads_->Resume(thread, {}, kLater, sink_).ok());
  EXPECT_EQ(threads_->Status(thread), json({{"type", "active"}, {"activeFlags", json::array()}}));
  mock_->Release();
  const std::vector<Sent> sent = sink_.WaitFor("turn/completed", turn);
  bool later_heard = false;
  for (const Sent& s : sent) {
    if (s.method == "turn/completed") later_heard = s.to == std::vector<ClientId>{kLater};
  }
  EXPECT_TRUE(later_heard);
  absl::StatusOr<json> turns = store_->ReadTurns(thread);
  ASSERT_TRUE(turns.ok());
  EXPECT_EQ((*turns)[0]["status"], "completed");
  // With nobody left once it is over, the thread unloads.
  threads_->ClientGone(kLater);
  EXPECT_FALSE(threads_->IsLoaded(thread));
}

// thread/compact/start as Codex 0.117.0 ran it (tests/replay/v117_compact): the summary
// replaces the history, and the next turn starts from the users' messages, the summary and the
// thread's context given again.
TEST_F(TurnEngineTest, ACompactionReplacesTheHistoryWithTheSummary) {
  Begin(json::array({{{"text", "A is a letter."}},
                     {{"text", "B follows A."}},
                     {{"text", "Summary: we discussed A and B."}},
                     {{"text", "C follows B."}}}));
  const ThreadId thread = StartThread();
  sink_.WaitFor("turn/completed", Turn(thread, "Tell me about A."));
  sink_.WaitFor("turn/completed", Turn(thread, "Tell me about B."));
  TurnStartRequest compact;
  compact.compact = true;
  absl::StatusOr<StartedTurn> started = engine_->StartTurn(thread, compact, kClient, sink_);
  ASSERT_TRUE(started.ok()) << started.status();
  started->release();
  const std::string turn = started->turn["id"];
  const std::vector<Sent> sent = sink_.WaitFor("turn/completed", turn);
  const std::vector<std::string> methods = Methods(sent, turn);
  for (const char* m :
       {"turn/started", "item/started:contextCompaction", "item/completed:contextCompaction",
        "thread/compacted", "turn/completed:completed"}) {
    EXPECT_NE(std::find(methods.begin(), methods.end(), m), methods.end()) << m;
  }
  EXPECT_EQ(std::find(methods.begin(), methods.end(), "item/started:userMessage"), methods.end());
  sink_.WaitFor("turn/completed", Turn(thread, "And C?"));
  const std::vector<json> requests = mock_->Requests();
  ASSERT_EQ(requests.size(), 4u);
  const json& summarize = requests[2]["body"];
  EXPECT_EQ(summarize["tools"], json::array());
  EXPECT_TRUE(summarize["input"].back()["content"][0]["text"].get<std::string>().starts_with(
      "You are performing a CONTEXT CHECKPOINT COMPACTION."));
  // Codex's next request: [user A, user B, summary, developer, environment, user C].
  const json& next = requests[3]["body"]["input"];
  std::vector<std::string> roles;
  for (const json& item : next) roles.push_back(item["role"]);
  EXPECT_EQ(roles, (std::vector<std::string>{"user", "user", "user", "developer", "user", "user"}));
  EXPECT_TRUE(next[2]["content"][0]["text"].get<std::string>().ends_with(
      "\nSummary: we discussed A and B."));
  EXPECT_EQ(next[5]["content"][0]["text"], "And C?");
  // While a turn runs, a compaction is refused.
}

// The threshold the reference binary showed: a last response of 244,800 tokens (9/10 of
// gpt-5.1-codex's 272,000) compacts before the next turn, 244,799 does not.
class AutoCompactTest : public TurnEngineTest {
 protected:
  // Runs a turn whose response used `used` tokens, then another; whether the second compacted.
  bool SecondTurnCompacts(int64_t used) {
    Begin(json::array(
        {{{"text", "A"},
          {"usage", {{"input_tokens", used - 10}, {"output_tokens", 10}, {"total_tokens", used}}}},
         {{"text", "Summary: s."}},
         {{"text", "B"}}}));
    const ThreadId thread = StartThread();
    sink_.WaitFor("turn/completed", Turn(thread, "one"));
    const std::string second = Turn(thread, "two");
    const std::vector<std::string> methods =
        Methods(sink_.WaitFor("turn/completed", second), second);
    EXPECT_EQ(methods.back(), "turn/completed:completed");
    const auto at = [&](const std::string& m) {
      return std::find(methods.begin(), methods.end(), m) - methods.begin();
    };
    const bool compacted = at("thread/compacted") < static_cast<long>(methods.size());
    if (compacted) {
      // Within the turn: the compaction, then the user's input, then the answer.
      EXPECT_LT(at("thread/compacted"), at("item/started:userMessage"));
      EXPECT_EQ(mock_->Requests().back()["body"]["input"].back()["content"][0]["text"], "two");
    }
    return compacted;
  }
};

TEST_F(AutoCompactTest, NotBelowNineTenthsOfTheWindow) { EXPECT_FALSE(SecondTurnCompacts(244799)); }

TEST_F(AutoCompactTest, AtNineTenthsOfTheWindowTheNextTurnCompactsFirst) {
  EXPECT_TRUE(SecondTurnCompacts(244800));
}

// What the reference binary does to a running turn's thread: thread/rollback is refused in its
// words; thread/archive shuts the session down, so the turn stops.
TEST_F(TurnEngineTest, RollbackIsRefusedAndArchiveStopsTheRunningTurn) {
  Begin(json::array({{{"text", "A"}, {"stall", true}}}));
  const ThreadId thread = StartThread();
  const std::string turn = Turn(thread, "first");
  mock_->WaitState([](const json& s) { return s["stalled"].get<int>() > 0; });
  EXPECT_EQ(threads_->Rollback(thread, 1, kClient, sink_).status().message(),
            "Cannot rollback while a turn is in progress.");
  ASSERT_TRUE(threads_->Archive(thread, kClient, sink_).ok());
  // The turn ended (and its followers heard it) before the archive unloaded the thread.
  const std::vector<std::string> methods = Methods(sink_.All(), turn);
  const auto at = [&](const std::string& m) {
    return std::find(methods.begin(), methods.end(), m) - methods.begin();
  };
  ASSERT_LT(at("turn/completed:interrupted"), static_cast<long>(methods.size()));
  EXPECT_LT(at("turn/completed:interrupted"), at("thread/status/changed:notLoaded"));
}

}  // namespace
}  // namespace threadlog::agent
