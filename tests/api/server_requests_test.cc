// ServerRequests: requests to clients numbered from 0, answers routed to their callbacks only
// from the connection asked, and every request settled once (answer, disconnect, shutdown).
#include "api/server_requests.h"

#include <optional>

#include "gtest/gtest.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

class FakeConnection : public Connection {
 public:
  void Send(std::string text) override { sent.push_back(std::move(text)); }
  std::string Describe() const override { return "fake"; }
  std::vector<std::string> sent;
};

struct Outcome {
  int calls = 0;
  absl::StatusOr<json> result = absl::UnknownError("none");
};

std::function<void(absl::StatusOr<json>)> Record(Outcome& o) {
  return [&o](absl::StatusOr<json> r) {
    ++o.calls;
    o.result = std::move(r);
  };
}

class ServerRequestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(a_->session().Initialize("a", true, {}));
    ASSERT_TRUE(b_->session().Initialize("b", true, {}));
    clients_.Add(a_);
    clients_.Add(b_);
  }
  ConnectionDirectory clients_;
  std::shared_ptr<FakeConnection> a_ = std::make_shared<FakeConnection>();
  std::shared_ptr<FakeConnection> b_ = std::make_shared<FakeConnection>();
};

TEST_F(ServerRequestsTest, TheAnswerOfTheConnectionAskedReachesTheCallback) {
  ServerRequests requests(clients_);
  Outcome first;
  Outcome second;
  requests.Send(a_->id(), "item/tool/call", {{"callId", "c1"}}, Record(first));
  requests.Send(a_->id(), "item/tool/call", {{"callId", "c2"}}, Record(second));
  ASSERT_EQ(a_->sent.size(), 2u);
  EXPECT_EQ(a_->sent[0], R"({"id":0,"method":"item/tool/call","params":{"callId":"c1"}})");
  EXPECT_EQ(json::parse(a_->sent[1])["id"], 1);
  // Another connection cannot answer it; an unknown id answers nothing.
  EXPECT_FALSE(requests.OnAnswer(b_->id(), Response{int64_t{0}, json{{"success", true}}}));
  EXPECT_FALSE(requests.OnAnswer(a_->id(), Response{int64_t{7}, json::object()}));
  EXPECT_FALSE(requests.OnAnswer(a_->id(), Response{std::string("0"), json::object()}));
  EXPECT_EQ(first.calls, 0);
  EXPECT_TRUE(requests.OnAnswer(a_->id(), Response{int64_t{0}, json{{"success", true}}}));
  ASSERT_EQ(first.calls, 1);
  ASSERT_TRUE(first.result.ok());
  EXPECT_EQ((*first.result)["success"], true);
  // Once answered, the id is spent.
  EXPECT_FALSE(requests.OnAnswer(a_->id(), Response{int64_t{0}, json::object()}));
  // An error answer settles with an error naming it.
  RpcError error;
  error.code = -32000;
  error.message = "no such tool";
  EXPECT_TRUE(requests.OnAnswer(a_->id(), ErrorResponse{int64_t{1}, error}));
  ASSERT_EQ(second.calls, 1);
  EXPECT_FALSE(second.result.ok());
  EXPECT_NE(second.result.status().message().find("no such tool"), std::string::npos);
}

TEST_F(ServerRequestsTest, ADisconnectOrShutdownSettlesWhatIsPending) {
  Outcome pending_a;
  Outcome pending_b;
  {
    ServerRequests requests(clients_);
    requests.Send(a_->id(), "item/tool/call", json::object(), Record(pending_a));
    requests.Send(b_->id(), "item/tool/call", json::object(), Record(pending_b));
    requests.ConnectionClosed(a_->id());
    ASSERT_EQ(pending_a.calls, 1);
    EXPECT_EQ(pending_a.result.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(pending_b.calls, 0);
  }
  ASSERT_EQ(pending_b.calls, 1);  // the destructor
  EXPECT_EQ(pending_b.result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pending_a.calls, 1);
}

TEST_F(ServerRequestsTest, AClientThatIsNotConnectedIsAnErrorAtOnce) {
  ServerRequests requests(clients_);
  Outcome o;
  requests.Send(999999, "item/tool/call", json::object(), Record(o));
  ASSERT_EQ(o.calls, 1);
  EXPECT_EQ(o.result.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ServerRequestsTest, AnApprovalRefusesAWrongAnswerAndTellsResolvedOnceAnswered) {
  ServerRequests requests(clients_);
  Outcome asked;
  requests.Ask(
      a_->id(), "item/commandExecution/requestApproval", {{"itemId", "c1"}}, "thread-1",
      [](const json& answer) {
        return answer.value("decision", "") == "accept"
                   ? absl::OkStatus()
                   : absl::InvalidArgumentError("not a decision");
      },
      Record(asked));
  ASSERT_EQ(a_->sent.size(), 1u);
  EXPECT_EQ(json::parse(a_->sent[0])["method"], "item/commandExecution/requestApproval");
  // A wrong shape is refused: nothing settles, nothing is told, and it can be answered again.
  EXPECT_TRUE(requests.OnAnswer(a_->id(), Response{int64_t{0}, json{{"decision", "maybe"}}}));
  EXPECT_EQ(asked.calls, 0);
  EXPECT_EQ(a_->sent.size(), 1u);
  // Not from another connection either.
  EXPECT_FALSE(requests.OnAnswer(b_->id(), Response{int64_t{0}, json{{"decision", "accept"}}}));
  EXPECT_TRUE(requests.OnAnswer(a_->id(), Response{int64_t{0}, json{{"decision", "accept"}}}));
  ASSERT_EQ(a_->sent.size(), 2u);
  EXPECT_EQ(json::parse(a_->sent[1]), json::parse(R"({"method":"serverRequest/resolved",
                           "params":{"threadId":"thread-1","requestId":0}})"));
  EXPECT_EQ(asked.calls, 1);
  EXPECT_EQ(*asked.result, (json{{"decision", "accept"}}));
  // Settled: a second answer reaches nothing.
  EXPECT_FALSE(requests.OnAnswer(a_->id(), Response{int64_t{0}, json{{"decision", "accept"}}}));
  EXPECT_EQ(asked.calls, 1);
}

TEST_F(ServerRequestsTest, AnApprovalWhoseClientLeavesSettlesUnavailable) {
  ServerRequests requests(clients_);
  Outcome asked;
  requests.Ask(
      a_->id(), "item/fileChange/requestApproval", json::object(), "t",
      [](const json&) { return absl::OkStatus(); }, Record(asked));
  requests.ConnectionClosed(a_->id());
  EXPECT_EQ(asked.calls, 1);
  EXPECT_EQ(asked.result.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ServerRequestsTest, AWithdrawnApprovalIsResolvedOnceAndALateAnswerReachesNothing) {
  ServerRequests requests(clients_);
  Outcome asked;
  std::function<void()> withdraw = requests.Ask(
      a_->id(), "item/commandExecution/requestApproval", json::object(), "thread-1",
      [](const json&) { return absl::OkStatus(); }, Record(asked));
  withdraw();
  EXPECT_EQ(asked.calls, 1);
  EXPECT_EQ(asked.result.status().code(), absl::StatusCode::kCancelled);
  ASSERT_EQ(a_->sent.size(), 2u);
  EXPECT_EQ(json::parse(a_->sent[1]), json::parse(R"({"method":"serverRequest/resolved",
                           "params":{"threadId":"thread-1","requestId":0}})"));
  EXPECT_FALSE(requests.OnAnswer(a_->id(), Response{int64_t{0}, json{{"decision", "accept"}}}));
  withdraw();  // settled already: nothing more
  EXPECT_EQ(asked.calls, 1);
  EXPECT_EQ(a_->sent.size(), 2u);
  // One answered first is not withdrawn.
  Outcome answered;
  std::function<void()> late = requests.Ask(
      a_->id(), "item/fileChange/requestApproval", json::object(), "thread-1",
      [](const json&) { return absl::OkStatus(); }, Record(answered));
  EXPECT_TRUE(requests.OnAnswer(a_->id(), Response{int64_t{1}, json{{"decision", "accept"}}}));
  late();
  EXPECT_EQ(answered.calls, 1);
  EXPECT_TRUE(answered.result.ok());
}

}  // namespace
}  // namespace threadlog::api
