// ToolDispatcher on a real store with a follower: the tools offered, update_plan (told, refused
// in plan mode, bad arguments), unknown tools, dynamic tools asked of the client (answered,
// failed, timed out, cancelled) and the outputs and events they leave in the history and log.
#include "api/agent/tool_dispatch.h"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "api/agent/prompt.h"
#include "api/session/thread_service.h"
#include "gtest/gtest.h"
#include "tests/testutil/recording_sink.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;
using session::ClientId;

using testing::RecordingSink;
using testing::Sent;

// Records the requests; the test answers them (from any thread) when it wants.
class FakeClientRequests final : public ClientRequests {
 public:
  struct Asked {
    ClientId client;
    std::string method;
    json params;
    std::function<void(absl::StatusOr<json>)> done;
  };
  void Send(ClientId client, std::string method, json params,
            std::function<void(absl::StatusOr<json>)> done) override {
    std::lock_guard lock(mu_);
    asked_.push_back({client, std::move(method), std::move(params), std::move(done)});
  }
  // Answers the i-th request (each at most once).
  void Answer(size_t i, absl::StatusOr<json> result) {
    std::function<void(absl::StatusOr<json>)> done;
    {
      std::lock_guard lock(mu_);
      done = std::move(asked_.at(i).done);
      asked_.at(i).done = nullptr;
    }
    ASSERT_TRUE(done) << "request " << i << " answered twice";
    done(std::move(result));
  }
  std::vector<Asked> asked() {
    std::lock_guard lock(mu_);
    return asked_;
  }
  ~FakeClientRequests() override {
    for (Asked& a : asked_) {
      if (a.done) a.done(absl::UnavailableError("gone"));
    }
  }

 private:
  std::mutex mu_;
  std::vector<Asked> asked_;
};

json FunctionCall(const std::string& name, const std::string& call_id, const std::string& args) {
  return {{"type", "function_call"}, {"name", name}, {"arguments", args}, {"call_id", call_id}};
}

json TextAnswer(std::vector<std::string> texts, bool success = true) {
  json items = json::array();
  for (const std::string& t : texts) items.push_back({{"type", "inputText"}, {"text", t}});
  return {{"contentItems", items}, {"success", success}};
}

const json kTools = json::parse(R"([
    {"name": "get_weather", "description": "Weather.",
     "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}}},
    {"name": "lookup", "description": "Looks up.",
     "inputSchema": {"type": "object", "properties": {}}}])");

class ToolDispatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ThreadStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    threads_ = std::make_unique<session::ThreadService>(*store_, session::SettingsDefaults{});
  }

  // A thread followed by kFollower, its writer and a dispatcher for one of its turns.
  void Begin(bool extended = true, bool plan_mode = false,
             absl::Duration timeout = absl::Seconds(20)) {
    session::StartRequest request;
    request.settings.cwd = dir_.path();
    request.settings.persist_extended = extended;
    request.dynamic_tools = kTools;
    request.originator = "test";
    auto opened = threads_->Start(request, kFollower, sink_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    thread_ = opened->summary.id;
    sink_.Clear();
    notifier_ = std::make_unique<TurnNotifier>(thread_.ToString(), kTurn);
    writer_ = std::make_unique<TurnWriter>(*threads_, sink_, *notifier_, thread_);
    ToolTurn turn;
    turn.thread_id = thread_.ToString();
    turn.turn_id = kTurn;
    turn.caller = kCaller;
    turn.plan_mode = plan_mode;
    turn.dynamic_tools = kTools;
    turn.dynamic_tool_timeout = timeout;
    dispatcher_ = std::make_unique<ToolDispatcher>(std::move(turn), *writer_, requests_);
  }

  // The thread's stored events after its creation, as "kind:type".
  std::vector<std::string> Stored() {
    std::vector<std::string> out;
    for (auto it = store_->log().ReadThread(thread_); it->Valid(); it->Next()) {
      const EventView& e = it->event();
      if (e.kind == EventKind::kResponseItem) out.push_back("item:" + std::string(e.type));
      if (e.kind == EventKind::kEventMsg) out.push_back("msg:" + std::string(e.type));
    }
    return out;
  }
  // The stored event_msg payloads of `type`.
  std::vector<json> StoredMsgs(const std::string& type) {
    std::vector<json> out;
    for (auto it = store_->log().ReadThread(thread_); it->Valid(); it->Next()) {
      const EventView& e = it->event();
      if (e.kind == EventKind::kEventMsg && e.type == type) out.push_back(json::parse(e.payload));
    }
    return out;
  }
  std::vector<json> StoredItems() {
    std::vector<json> out;
    for (auto it = store_->log().ReadThread(thread_); it->Valid(); it->Next()) {
      const EventView& e = it->event();
      if (e.kind == EventKind::kResponseItem) out.push_back(json::parse(e.payload));
    }
    return out;
  }

  absl::Status AnswerAll() {
    CancelToken cancel;
    return dispatcher_->AnswerAll(cancel, history_);
  }

  static constexpr ClientId kFollower = 5;
  static constexpr ClientId kCaller = 9;
  static constexpr const char* kTurn = "turn-1";
  testing::ScratchDir dir_;
  std::unique_ptr<ThreadStore> store_;
  std::unique_ptr<session::ThreadService> threads_;
  RecordingSink sink_;
  FakeClientRequests requests_;
  ThreadId thread_;
  std::unique_ptr<TurnNotifier> notifier_;
  std::unique_ptr<TurnWriter> writer_;
  std::unique_ptr<ToolDispatcher> dispatcher_;
  ModelHistoryBuilder history_;
};

TEST_F(ToolDispatchTest, SpecsOfferUpdatePlanThenTheDynamicTools) {
  Begin();
  const json& specs = dispatcher_->Specs();
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0], UpdatePlanToolSpec());
  EXPECT_EQ(specs[1]["name"], "get_weather");
  EXPECT_EQ(specs[1]["type"], "function");
  EXPECT_EQ(specs[1]["description"], "Weather.");
  EXPECT_EQ(specs[2]["name"], "lookup");
  EXPECT_FALSE(dispatcher_->HasPending());
}

TEST_F(ToolDispatchTest, UpdatePlanTellsThePlanAndAnswersPlanUpdated) {
  Begin();
  ASSERT_TRUE(dispatcher_
                  ->Begin(FunctionCall("update_plan", "call_plan",
                                       R"({"explanation": "why", "plan": [
                                           {"step": "a", "status": "in_progress"},
                                           {"step": "b", "status": "pending"}]})"))
                  .ok());
  // Told at once, to the thread's followers.
  const std::vector<Sent> told = sink_.All();
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].method, "turn/plan/updated");
  EXPECT_EQ(told[0].to, std::vector<ClientId>{kFollower});
  EXPECT_EQ(told[0].params, json::parse(R"({"threadId": ")" + thread_.ToString() +
                                        R"(", "turnId": "turn-1", "explanation": "why",
                                        "plan": [{"step": "a", "status": "inProgress"},
                                                 {"step": "b", "status": "pending"}]})"));
  EXPECT_TRUE(dispatcher_->HasPending());
  // The output joins the history once answered; the plan update itself is never stored.
  EXPECT_TRUE(Stored().empty());
  ASSERT_TRUE(AnswerAll().ok());
  EXPECT_FALSE(dispatcher_->HasPending());
  const json output = {
      {"type", "function_call_output"}, {"call_id", "call_plan"}, {"output", "Plan updated"}};
  EXPECT_EQ(history_.items(), std::vector<json>{output});
  EXPECT_EQ(StoredItems(), std::vector<json>{output});
  EXPECT_EQ(Stored(), std::vector<std::string>{"item:function_call_output"});
}

TEST_F(ToolDispatchTest, UpdatePlanIsRefusedInPlanModeAndTellsNothing) {
  Begin(/*extended=*/true, /*plan_mode=*/true);
  ASSERT_TRUE(dispatcher_
                  ->Begin(FunctionCall("update_plan", "call_plan",
                                       R"({"plan": [{"step": "a", "status": "pending"}]})"))
                  .ok());
  ASSERT_TRUE(AnswerAll().ok());
  ASSERT_EQ(history_.items().size(), 1u);
  EXPECT_EQ(history_.items()[0]["output"],
            "update_plan is a TODO/checklist tool and is not allowed in Plan mode");
  EXPECT_TRUE(sink_.Of("turn/plan/updated").empty());
  EXPECT_TRUE(sink_.All().empty());
}

TEST_F(ToolDispatchTest, BadUpdatePlanArgumentsFailToParse) {
  Begin();
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("update_plan", "c1", "not json")).ok());
  ASSERT_TRUE(
      dispatcher_->Begin(FunctionCall("update_plan", "c2", R"({"explanation": "x"})")).ok());
  ASSERT_TRUE(AnswerAll().ok());
  ASSERT_EQ(history_.items().size(), 2u);
  EXPECT_EQ(history_.items()[0]["call_id"], "c1");
  const std::string first = history_.items()[0]["output"];
  EXPECT_TRUE(absl::StartsWith(first, "failed to parse function arguments: ")) << first;
  EXPECT_GT(first.size(), std::string("failed to parse function arguments: ").size());
  EXPECT_EQ(history_.items()[1]["output"],
            "failed to parse function arguments: missing field `plan`");
  EXPECT_TRUE(sink_.Of("turn/plan/updated").empty());
}

TEST_F(ToolDispatchTest, AToolTheTurnDoesNotOfferIsUnsupported) {
  Begin();
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("shell", "c1", "{}")).ok());
  ASSERT_TRUE(dispatcher_
                  ->Begin({{"type", "custom_tool_call"},
                           {"name", "apply_patch"},
                           {"input", "*** Begin Patch"},
                           {"call_id", "c2"}})
                  .ok());
  ASSERT_TRUE(AnswerAll().ok());
  EXPECT_EQ(history_.items(), (std::vector<json>{{{"type", "function_call_output"},
                                                  {"call_id", "c1"},
                                                  {"output", "unsupported call: shell"}},
                                                 {{"type", "custom_tool_call_output"},
                                                  {"call_id", "c2"},
                                                  {"output", "unsupported call: apply_patch"}}}));
  EXPECT_EQ(StoredItems(), history_.items());
  EXPECT_TRUE(requests_.asked().empty());
}

TEST_F(ToolDispatchTest, ADynamicToolIsAskedOfTheCallerAndItsAnswerJoinsTheHistory) {
  Begin(/*extended=*/true);
  ASSERT_TRUE(
      dispatcher_->Begin(FunctionCall("get_weather", "call_dyn", R"({"city": "Paris"})")).ok());
  // The client is asked at once, and the call's start is told.
  std::vector<FakeClientRequests::Asked> asked = requests_.asked();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].client, kCaller);
  EXPECT_EQ(asked[0].method, "item/tool/call");
  EXPECT_EQ(asked[0].params, (json{{"threadId", thread_.ToString()},
                                   {"turnId", kTurn},
                                   {"callId", "call_dyn"},
                                   {"tool", "get_weather"},
                                   {"arguments", {{"city", "Paris"}}}}));
  std::vector<Sent> started = sink_.Of("item/started");
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].to, std::vector<ClientId>{kFollower});
  EXPECT_EQ(started[0].params["item"]["type"], "dynamicToolCall");
  EXPECT_EQ(started[0].params["item"]["id"], "call_dyn");
  EXPECT_EQ(started[0].params["item"]["status"], "inProgress");
  EXPECT_TRUE(Stored().empty());  // stored with the output, not before

  // The answer comes later, on another thread, while AnswerAll waits.
  std::thread client([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    requests_.Answer(0, TextAnswer({"sunny", "22 C"}));
  });
  absl::Status s = AnswerAll();
  client.join();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_FALSE(dispatcher_->HasPending());
  const json output = {
      {"type", "function_call_output"}, {"call_id", "call_dyn"}, {"output", "sunny\n22 C"}};
  EXPECT_EQ(history_.items(), std::vector<json>{output});
  EXPECT_EQ(Stored(), (std::vector<std::string>{"msg:dynamic_tool_call_request",
                                                "msg:dynamic_tool_call_response",
                                                "item:function_call_output"}));
  EXPECT_EQ(StoredItems(), std::vector<json>{output});
  const std::vector<json> requests = StoredMsgs("dynamic_tool_call_request");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["callId"], "call_dyn");
  EXPECT_EQ(requests[0]["turnId"], kTurn);
  EXPECT_EQ(requests[0]["tool"], "get_weather");
  EXPECT_EQ(requests[0]["arguments"], (json{{"city", "Paris"}}));
  const std::vector<json> responses = StoredMsgs("dynamic_tool_call_response");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0]["call_id"], "call_dyn");
  EXPECT_EQ(responses[0]["turn_id"], kTurn);
  EXPECT_EQ(responses[0]["success"], true);
  EXPECT_TRUE(responses[0]["error"].is_null());
  EXPECT_EQ(responses[0]["content_items"], TextAnswer({"sunny", "22 C"})["contentItems"]);
  // The answer is told once, completed.
  std::vector<Sent> completed = sink_.Of("item/completed");
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].params["item"]["type"], "dynamicToolCall");
  EXPECT_EQ(completed[0].params["item"]["id"], "call_dyn");
  EXPECT_EQ(completed[0].params["item"]["status"], "completed");
  EXPECT_EQ(completed[0].params["item"]["success"], true);
  EXPECT_EQ(completed[0].params["turnId"], kTurn);
}

TEST_F(ToolDispatchTest, ALimitedThreadKeepsOnlyTheDynamicToolsOutput) {
  Begin(/*extended=*/false);
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("lookup", "c1", "{}")).ok());
  requests_.Answer(0, TextAnswer({"found"}));
  ASSERT_TRUE(AnswerAll().ok());
  EXPECT_EQ(Stored(), std::vector<std::string>{"item:function_call_output"});
  EXPECT_EQ(history_.items()[0]["output"], "found");
}

TEST_F(ToolDispatchTest, TellAnsweredTellsEachAnswerOnce) {
  Begin();
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("get_weather", "c1", R"({"city": "Oslo"})")).ok());
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("lookup", "c2", "{}")).ok());
  dispatcher_->TellAnswered();
  EXPECT_TRUE(sink_.Of("item/completed").empty());  // nothing answered yet
  requests_.Answer(1, TextAnswer({"second"}));
  dispatcher_->TellAnswered();
  dispatcher_->TellAnswered();
  std::vector<Sent> completed = sink_.Of("item/completed");
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].params["item"]["id"], "c2");
  requests_.Answer(0, TextAnswer({"first"}));
  ASSERT_TRUE(AnswerAll().ok());
  dispatcher_->TellAnswered();
  completed = sink_.Of("item/completed");
  ASSERT_EQ(completed.size(), 2u);
  EXPECT_EQ(completed[1].params["item"]["id"], "c1");
  // Answered in history in the order begun, whatever order the answers came in.
  ASSERT_EQ(history_.items().size(), 2u);
  EXPECT_EQ(history_.items()[0]["call_id"], "c1");
  EXPECT_EQ(history_.items()[0]["output"], "first");
  EXPECT_EQ(history_.items()[1]["call_id"], "c2");
  EXPECT_EQ(history_.items()[1]["output"], "second");
}

TEST_F(ToolDispatchTest, AnAnswerWithAnImageIsGivenAsItems) {
  Begin();
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("lookup", "c1", "{}")).ok());
  requests_.Answer(0, json::parse(R"({"success": true, "contentItems": [
      {"type": "inputText", "text": "a chart"},
      {"type": "inputImage", "imageUrl": "data:image/png;base64,AAAA"}]})"));
  ASSERT_TRUE(AnswerAll().ok());
  ASSERT_EQ(history_.items().size(), 1u);
  EXPECT_EQ(history_.items()[0]["output"], json::parse(R"([
      {"type": "input_text", "text": "a chart"},
      {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}])"));
}

TEST_F(ToolDispatchTest, AClientThatAnswersWithAnErrorFailsTheCall) {
  Begin();
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("lookup", "c1", "{}")).ok());
  requests_.Answer(0, absl::InternalError("the tool crashed"));
  ASSERT_TRUE(AnswerAll().ok());
  ASSERT_EQ(history_.items().size(), 1u);
  EXPECT_EQ(history_.items()[0]["output"], "the tool crashed");
  const std::vector<json> responses = StoredMsgs("dynamic_tool_call_response");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0]["success"], false);
  EXPECT_EQ(responses[0]["error"], "the tool crashed");
  std::vector<Sent> completed = sink_.Of("item/completed");
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].params["item"]["status"], "failed");
  EXPECT_EQ(completed[0].params["item"]["success"], false);
}

TEST_F(ToolDispatchTest, AnUnsuccessfulAnswerIsAFailedCallWithTheClientsText) {
  Begin();
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("lookup", "c1", "{}")).ok());
  requests_.Answer(0, TextAnswer({"no such thing"}, /*success=*/false));
  ASSERT_TRUE(AnswerAll().ok());
  EXPECT_EQ(history_.items()[0]["output"], "no such thing");
  const std::vector<json> responses = StoredMsgs("dynamic_tool_call_response");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0]["success"], false);
  EXPECT_TRUE(responses[0]["error"].is_null());
}

TEST_F(ToolDispatchTest, AClientThatNeverAnswersTimesOutAndALateAnswerChangesNothing) {
  Begin(/*extended=*/true, /*plan_mode=*/false, absl::Milliseconds(100));
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("lookup", "c1", "{}")).ok());
  const auto start = std::chrono::steady_clock::now();
  absl::Status s = AnswerAll();
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_GE(waited, std::chrono::milliseconds(100));
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_FALSE(dispatcher_->HasPending());
  ASSERT_EQ(history_.items().size(), 1u);
  const std::string output = history_.items()[0]["output"];
  EXPECT_TRUE(absl::StrContains(output, "did not answer")) << output;
  std::vector<json> responses = StoredMsgs("dynamic_tool_call_response");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0]["success"], false);
  EXPECT_EQ(responses[0]["error"], output);
  ASSERT_EQ(sink_.Of("item/completed").size(), 1u);
  EXPECT_EQ(sink_.Of("item/completed")[0].params["item"]["status"], "failed");

  // The client answers at last: nothing more is told, stored or answered.
  const std::vector<std::string> stored = Stored();
  requests_.Answer(0, TextAnswer({"too late"}));
  dispatcher_->TellAnswered();
  ASSERT_TRUE(AnswerAll().ok());
  EXPECT_EQ(sink_.Of("item/completed").size(), 1u);
  EXPECT_EQ(Stored(), stored);
  EXPECT_EQ(history_.items().size(), 1u);
}

TEST_F(ToolDispatchTest, ACancelWhileWaitingLeavesTheCallsPendingAndAbortAnswersThemInOrder) {
  Begin();
  ASSERT_TRUE(dispatcher_
                  ->Begin(FunctionCall("update_plan", "c1",
                                       R"({"plan": [{"step": "a", "status": "pending"}]})"))
                  .ok());
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("get_weather", "c2", R"({"city": "Rome"})")).ok());
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("lookup", "c3", "{}")).ok());
  ASSERT_TRUE(dispatcher_
                  ->Begin({{"type", "custom_tool_call"},
                           {"name", "freeform"},
                           {"input", "x"},
                           {"call_id", "c4"}})
                  .ok());
  CancelToken cancel;
  std::thread interrupter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    cancel.Cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  absl::Status s = dispatcher_->AnswerAll(cancel, history_);
  const auto waited = std::chrono::steady_clock::now() - start;
  interrupter.join();
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled) << s;
  EXPECT_LT(waited, std::chrono::seconds(5));
  // The plan call, answered before the wait, is in the history; the rest still pending.
  ASSERT_EQ(history_.items().size(), 1u);
  EXPECT_EQ(history_.items()[0]["call_id"], "c1");
  EXPECT_TRUE(dispatcher_->HasPending());
  EXPECT_EQ(StoredItems(), history_.items());

  const std::vector<TurnEvent> aborted = dispatcher_->AbortPending();
  EXPECT_FALSE(dispatcher_->HasPending());
  ASSERT_EQ(aborted.size(), 3u);
  const char* want[][2] = {{"c2", "function_call_output"},
                           {"c3", "function_call_output"},
                           {"c4", "custom_tool_call_output"}};
  for (size_t i = 0; i < aborted.size(); ++i) {
    EXPECT_EQ(aborted[i].kind, EventKind::kResponseItem);
    EXPECT_EQ(aborted[i].payload,
              (json{{"type", want[i][1]}, {"call_id", want[i][0]}, {"output", "aborted"}}));
  }
  // Nothing left to answer; answers arriving now are forgotten.
  requests_.Answer(0, TextAnswer({"late"}));
  ASSERT_TRUE(AnswerAll().ok());
  EXPECT_EQ(history_.items().size(), 1u);
  EXPECT_TRUE(sink_.Of("item/completed").empty());
}

TEST_F(ToolDispatchTest, AnAlreadyCancelledTokenStillAnswersWhatNeedsNoWaiting) {
  Begin();
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("nope", "c1", "{}")).ok());
  ASSERT_TRUE(dispatcher_->Begin(FunctionCall("lookup", "c2", "{}")).ok());
  CancelToken cancel;
  cancel.Cancel();
  EXPECT_EQ(dispatcher_->AnswerAll(cancel, history_).code(), absl::StatusCode::kCancelled);
  ASSERT_EQ(history_.items().size(), 1u);
  EXPECT_EQ(history_.items()[0]["output"], "unsupported call: nope");
  const std::vector<TurnEvent> aborted = dispatcher_->AbortPending();
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0].payload["call_id"], "c2");
}

}  // namespace
}  // namespace threadlog::agent
