// Dispatcher: where requests run (in place when the connection is idle and the transport says
// so, else queued in arrival order) and how an encoded result is framed.
#include "api/dispatcher.h"

#include <atomic>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/connection_directory.h"
#include "gtest/gtest.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

class RecordingConnection : public Connection {
 public:
  void Send(std::string text) override {
    std::lock_guard lock(mu_);
    sent_.push_back(std::move(text));
  }
  std::string Describe() const override { return "test"; }
  std::vector<std::string> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> sent_;
};

// A registry whose thread/loaded/list answers with the id of the thread that ran it, after
// waiting on `gate` when the request's cursor is "wait".
class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    registry_.Register<std::string, EncodedJson>(
        "thread/loaded/list",
        [](const json& params) -> absl::StatusOr<std::string> {
          return params.value("cursor", std::string());
        },
        [this](const std::string& cursor, RequestContext&) -> absl::StatusOr<EncodedJson> {
          if (cursor == "wait") gate_.wait();
          std::lock_guard lock(mu_);
          ran_on_.push_back(std::this_thread::get_id());
          return EncodedJson{R"({"data":[],"nextCursor":null})"};
        });
    connection_->session().Initialize("t", false, {});
  }

  std::string Request(int id, const std::string& cursor) {
    return json{{"id", id}, {"method", "thread/loaded/list"}, {"params", {{"cursor", cursor}}}}
        .dump();
  }

  MethodRegistry registry_;
  ConnectionDirectory clients_;
  std::shared_ptr<RecordingConnection> connection_ = std::make_shared<RecordingConnection>();
  std::latch gate_{1};
  std::mutex mu_;
  std::vector<std::thread::id> ran_on_;
};

TEST_F(DispatcherTest, AnIdleConnectionsRequestRunsInPlaceWhenTheTransportAllows) {
  Dispatcher dispatcher(registry_, clients_, {});
  dispatcher.OnMessage(connection_, Request(1, ""), Dispatcher::Placement::kHereIfIdle);
  // Already answered when OnMessage returns, on this thread, framed with the encoded result.
  EXPECT_EQ(connection_->sent(),
            std::vector<std::string>{R"({"id":1,"result":{"data":[],"nextCursor":null}})"});
  ASSERT_EQ(ran_on_.size(), 1u);
  EXPECT_EQ(ran_on_[0], std::this_thread::get_id());

  dispatcher.OnMessage(connection_, Request(2, ""));  // kQueue: on the pool
  dispatcher.Drain();
  ASSERT_EQ(ran_on_.size(), 2u);
  EXPECT_NE(ran_on_[1], std::this_thread::get_id());
}

TEST_F(DispatcherTest, ABusyConnectionsRequestsKeepTheirOrder) {
  Dispatcher dispatcher(registry_, clients_, {});
  dispatcher.OnMessage(connection_, Request(1, "wait"));  // queued, blocked on the gate
  // The connection is busy, so this one must queue behind request 1 instead of overtaking it.
  dispatcher.OnMessage(connection_, Request(2, ""), Dispatcher::Placement::kHereIfIdle);
  EXPECT_TRUE(connection_->sent().empty());
  gate_.count_down();
  dispatcher.Drain();
  const std::vector<std::string> sent = connection_->sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(json::parse(sent[0])["id"], 1);
  EXPECT_EQ(json::parse(sent[1])["id"], 2);
  for (std::thread::id id : ran_on_) EXPECT_NE(id, std::this_thread::get_id());
}

TEST_F(DispatcherTest, AParseErrorKeepsItsPlaceBetweenRequests) {
  Dispatcher dispatcher(registry_, clients_, {});
  dispatcher.OnMessage(connection_, Request(1, "wait"));
  dispatcher.OnMessage(connection_, "{not json");
  dispatcher.OnMessage(connection_, Request(3, ""), Dispatcher::Placement::kHereIfIdle);
  gate_.count_down();
  dispatcher.Drain();
  const std::vector<std::string> sent = connection_->sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(json::parse(sent[0])["id"], 1);
  EXPECT_EQ(json::parse(sent[1])["error"]["code"], -32700);
  EXPECT_EQ(json::parse(sent[2])["id"], 3);

  // With nothing pending, the error is answered at once.
  dispatcher.OnMessage(connection_, "{not json either");
  EXPECT_EQ(connection_->sent().size(), 4u);
}

TEST_F(DispatcherTest, ExceptionsInParsersAndAfterResponseCallbacksKillNoThread) {
  // thread/read's parser throws; thread/list answers, then runs two follow-ups of which the
  // first throws: the second still runs and the connection keeps being served.
  registry_.Register<int, EncodedJson>(
      "thread/read",
      [](const json& params) -> absl::StatusOr<int> { return params.at("nope").get<int>(); },
      [](const int&, RequestContext&) -> absl::StatusOr<EncodedJson> { return EncodedJson{"{}"}; });
  std::atomic<int> followed{0};
  registry_.Register<int, EncodedJson>(
      "thread/list", [](const json&) -> absl::StatusOr<int> { return 0; },
      [&followed](const int&, RequestContext& context) -> absl::StatusOr<EncodedJson> {
        context.after_response.push_back([] { throw std::runtime_error("follow-up bug"); });
        context.after_response.push_back([&followed] { ++followed; });
        return EncodedJson{R"({"data":[]})"};
      });
  Dispatcher dispatcher(registry_, clients_, {});
  for (auto placement : {Dispatcher::Placement::kHereIfIdle, Dispatcher::Placement::kQueue}) {
    dispatcher.OnMessage(connection_, R"({"id":1,"method":"thread/read","params":{}})", placement);
    dispatcher.OnMessage(connection_, R"({"id":2,"method":"thread/list","params":{}})", placement);
    dispatcher.OnMessage(connection_, Request(3, ""), placement);
  }
  dispatcher.Drain();
  const std::vector<std::string> sent = connection_->sent();
  ASSERT_EQ(sent.size(), 6u);
  for (size_t i : {0u, 3u}) {
    EXPECT_EQ(json::parse(sent[i])["error"]["code"], -32603) << sent[i];
    EXPECT_NE(sent[i].find("Internal error: "), std::string::npos) << sent[i];
  }
  EXPECT_EQ(json::parse(sent[1])["result"], json::parse(R"({"data":[]})"));
  EXPECT_EQ(json::parse(sent[5])["id"], 3);
  EXPECT_EQ(followed.load(), 2);
}

}  // namespace
}  // namespace threadlog::api
