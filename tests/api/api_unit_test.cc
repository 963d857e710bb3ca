// Unit tests of api/: decoder, status mapping, experimental gate, notification delivery, WebSocket
// admission and --listen parsing.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "api/answer_ordered_sink.h"
#include "api/connection.h"
#include "api/connection_directory.h"
#include "api/jsonrpc.h"
#include "api/protocol_catalog.h"
#include "api/rpc_error.h"
#include "api/serve.h"
#include "api/ws_policy.h"
#include "gtest/gtest.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

TEST(DecodeTest, RequestWithIntegerAndStringIds) {
  absl::StatusOr<Message> m = DecodeMessage(R"({"id":7,"method":"initialize","params":{}})");
  ASSERT_TRUE(m.ok()) << m.status();
  const Request& r = std::get<Request>(*m);
  EXPECT_EQ(std::get<int64_t>(r.id), 7);
  EXPECT_EQ(r.method, "initialize");
  EXPECT_TRUE(r.has_params);
  m = DecodeMessage(R"({"jsonrpc":"2.0","id":"s8","method":"x"})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(std::get<std::string>(std::get<Request>(*m).id), "s8");
  EXPECT_FALSE(std::get<Request>(*m).has_params);
}

TEST(DecodeTest, NotificationResponseAndError) {
  EXPECT_TRUE(std::holds_alternative<Notification>(*DecodeMessage(R"({"method":"initialized"})")));
  EXPECT_TRUE(std::holds_alternative<Response>(*DecodeMessage(R"({"id":1,"result":{}})")));
  absl::StatusOr<Message> e =
      DecodeMessage(R"({"id":null,"error":{"code":-32600,"message":"m","data":1}})");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_FALSE(std::get<ErrorResponse>(*e).id.has_value());
  EXPECT_EQ(std::get<ErrorResponse>(*e).error.data, 1);
}

TEST(DecodeTest, NotJsonIsAParseError) {
  for (const char* text : {"", "not json", "{", "{\"id\":1,", "\xff\xfe"}) {
    absl::StatusOr<Message> m = DecodeMessage(text);
    ASSERT_FALSE(m.ok()) << text;
    EXPECT_EQ(ErrorFromStatus(m.status()).code, kParseError) << text;
  }
}

TEST(DecodeTest, JsonThatIsNotAMessageIsAnInvalidRequest) {
  for (const char* text :
       {"[]", "1", "null", R"({"foo":1})", R"({"id":1})", R"({"id":1.5,"method":"x"})",
        R"({"id":null,"method":"x"})", R"({"id":{},"result":1})", R"({"method":5})",
        R"({"jsonrpc":"1.0","method":"x"})", R"({"id":1,"error":{"code":"x","message":"m"}})",
        R"({"id":18446744073709551615,"method":"x"})"}) {
    absl::StatusOr<Message> m = DecodeMessage(text);
    ASSERT_FALSE(m.ok()) << text << " decoded as kind " << m->index();
    RpcError e = ErrorFromStatus(m.status());
    EXPECT_EQ(e.code, kInvalidRequest) << text;
    EXPECT_TRUE(e.message.starts_with("Invalid request: ")) << e.message;
  }
}

TEST(DecodeTest, SalvagesTheIdOfAnInvalidMessage) {
  EXPECT_EQ(std::get<int64_t>(*SalvageRequestId(R"({"id":3})")), 3);
  EXPECT_FALSE(SalvageRequestId("nope").has_value());
  EXPECT_FALSE(SalvageRequestId(R"({"id":[1]})").has_value());
}

TEST(EncodeTest, NoJsonrpcMemberAndIdTypeKept) {
  EXPECT_EQ(Encode(Response{RequestId(std::string("s1")), json::object()}),
            R"({"id":"s1","result":{}})");
  EXPECT_EQ(Encode(ErrorResponse{std::nullopt, {kParseError, "Parse error", nullptr}}),
            R"({"error":{"code":-32700,"message":"Parse error"},"id":null})");
  EXPECT_EQ(Encode(Notification{"thread/started", json{{"a", 1}}}),
            R"({"method":"thread/started","params":{"a":1}})");
}

TEST(ErrorFromStatusTest, OneMappingForEveryCode) {
  EXPECT_EQ(ErrorFromStatus(absl::InvalidArgumentError("x")).code, kInvalidRequest);
  EXPECT_EQ(ErrorFromStatus(absl::NotFoundError("thread not found: x")).code, kInvalidRequest);
  EXPECT_EQ(ErrorFromStatus(absl::FailedPreconditionError("Not initialized")).message,
            "Not initialized");
  RpcError busy = ErrorFromStatus(OverloadedError());
  EXPECT_EQ(busy.code, kServerOverloaded);
  EXPECT_EQ(busy.message, "Server overloaded; retry later.");
  // Any other kUnavailable is not an overload: its own message, as an internal error.
  RpcError held = ErrorFromStatus(
      absl::UnavailableError("open: IO error: lock (is another threadlog process using it?)"));
  EXPECT_EQ(held.code, kInternalError);
  EXPECT_EQ(held.message, "open: IO error: lock (is another threadlog process using it?)");
  EXPECT_EQ(ErrorFromStatus(absl::InternalError("boom")).code, kInternalError);
  EXPECT_EQ(ErrorFromStatus(absl::DataLossError("torn")).code, kInternalError);
  EXPECT_EQ(ErrorFromStatus(WithRpcCode(absl::InvalidArgumentError("p"), kParseError)).code,
            kParseError);
}

TEST(GateTest, MethodsAndFieldsOnlyWithoutOptIn) {
  const MethodSpec* mock = FindMethod("mock/experimentalMethod");
  ASSERT_NE(mock, nullptr);
  EXPECT_EQ(CheckExperimentalGate(*mock, json::object(), false).message(),
            "mock/experimentalMethod requires experimentalApi capability");
  EXPECT_TRUE(CheckExperimentalGate(*mock, json::object(), true).ok());
  const MethodSpec* start = FindMethod("thread/start");
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(CheckExperimentalGate(*start, json{{"persistExtendedHistory", true}}, false).message(),
            "thread/start.persistFullHistory requires experimentalApi capability");
  EXPECT_EQ(CheckExperimentalGate(*start, json{{"mockExperimentalField", ""}}, false).message(),
            "thread/start.mockExperimentalField requires experimentalApi capability");
  for (const json& unused :
       {json{{"persistExtendedHistory", false}}, json{{"dynamicTools", json::array()}},
        json{{"experimentalRawEvents", nullptr}}, json{{"model", "x"}}}) {
    EXPECT_TRUE(CheckExperimentalGate(*start, unused, false).ok()) << unused;
  }
  EXPECT_EQ(FindMethod("nope"), nullptr);
}

class FakeConnection : public Connection {
 public:
  void Send(std::string text) override { sent.push_back(std::move(text)); }
  std::string Describe() const override { return "fake"; }
  std::vector<std::string> sent;
};

TEST(ConnectionDirectoryTest, NotifiesTheNamedLiveConnectionsThatDidNotOptOut) {
  ConnectionDirectory clients;
  auto a = std::make_shared<FakeConnection>();
  auto b = std::make_shared<FakeConnection>();
  auto c = std::make_shared<FakeConnection>();
  ASSERT_TRUE(a->session().Initialize("a", false, {"item/agentMessage/delta"}));
  EXPECT_FALSE(a->session().Initialize("again", true, {}));  // a second one changes nothing
  EXPECT_FALSE(a->session().experimental_api());
  EXPECT_EQ(a->session().client_name(), "a");
  for (const auto& conn : {a, b, c}) clients.Add(conn);
  const session::ClientId ab[] = {a->id(), b->id()};
  clients.Notify(ab, "thread/name/updated", json{{"threadId", "t1"}});
  ASSERT_EQ(a->sent.size(), 1u);
  EXPECT_EQ(a->sent[0], R"({"method":"thread/name/updated","params":{"threadId":"t1"}})");
  EXPECT_EQ(b->sent.size(), 1u);
  EXPECT_TRUE(c->sent.empty());
  // Opt-outs are per connection and exact.
  clients.Notify(ab, "item/agentMessage/delta", json::object());
  EXPECT_EQ(a->sent.size(), 1u);
  EXPECT_EQ(b->sent.size(), 2u);
  // A connection that is gone is skipped.
  const session::ClientId gone = b->id();
  b.reset();
  const session::ClientId only_gone[] = {gone};
  clients.Notify(only_gone, "thread/closed", json::object());
}

TEST(AnswerOrderedSinkTest, HoldsAllButTheNamedMethodsUntilFlush) {
  ConnectionDirectory clients;
  auto a = std::make_shared<FakeConnection>();
  clients.Add(a);
  const session::ClientId to[] = {a->id()};
  AnswerOrderedSink sink(clients);
  sink.SendBeforeAnswer({"thread/status/changed"});
  sink.Notify(to, "thread/archived", json::object());
  sink.Notify(to, "thread/status/changed", json::object());
  ASSERT_EQ(a->sent.size(), 1u);
  EXPECT_NE(a->sent[0].find("thread/status/changed"), std::string::npos);
  sink.Flush();
  ASSERT_EQ(a->sent.size(), 2u);
  EXPECT_NE(a->sent[1].find("thread/archived"), std::string::npos);
  sink.Flush();  // nothing twice
  EXPECT_EQ(a->sent.size(), 2u);
}

TEST(WsPolicyTest, OriginAndToken) {
  EXPECT_TRUE(IsLoopbackOrigin("http://localhost:3000"));
  EXPECT_TRUE(IsLoopbackOrigin("https://127.0.0.1"));
  EXPECT_TRUE(IsLoopbackOrigin("http://[::1]:80"));
  EXPECT_FALSE(IsLoopbackOrigin("http://localhost.evil.com"));
  EXPECT_FALSE(IsLoopbackOrigin("http://evil.com"));
  EXPECT_FALSE(IsLoopbackOrigin("null"));
  EXPECT_FALSE(IsLoopbackOrigin("http://localhost:80x"));
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.2"));
  EXPECT_TRUE(IsLoopbackAddress("::1"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0"));
  std::optional<std::string> token = "tok";
  EXPECT_EQ(Admit(std::nullopt, std::nullopt, std::nullopt), Admission::kAccept);
  EXPECT_EQ(Admit("http://evil.com", "Bearer tok", token), Admission::kForbiddenOrigin);
  EXPECT_EQ(Admit(std::nullopt, std::nullopt, token), Admission::kUnauthorized);
  EXPECT_EQ(Admit(std::nullopt, "Bearer tox", token), Admission::kUnauthorized);
  EXPECT_EQ(Admit(std::nullopt, "Bearer tok2", token), Admission::kUnauthorized);
  EXPECT_EQ(Admit("http://localhost", "Bearer tok", token), Admission::kAccept);
  // RFC 7235: the scheme is case-insensitive and followed by one or more spaces.
  EXPECT_EQ(Admit(std::nullopt, "bearer tok", token), Admission::kAccept);
  EXPECT_EQ(Admit(std::nullopt, "BEARER  tok", token), Admission::kAccept);
  EXPECT_EQ(Admit(std::nullopt, "bearer TOK", token), Admission::kUnauthorized);
  EXPECT_EQ(Admit(std::nullopt, "Bearertok", token), Admission::kUnauthorized);
  EXPECT_EQ(Admit(std::nullopt, "Bearer", token), Admission::kUnauthorized);
  EXPECT_EQ(Admit(std::nullopt, "Bearer ", token), Admission::kUnauthorized);
  EXPECT_EQ(Admit(std::nullopt, "Basic tok", token), Admission::kUnauthorized);
  EXPECT_EQ(Admit(std::nullopt, "Bearer to", token), Admission::kUnauthorized);
}

TEST(ParseListenTest, StdioAndWs) {
  EXPECT_TRUE(ParseListen("stdio://")->stdio);
  absl::StatusOr<ListenAddress> ws = ParseListen("ws://:4500");
  ASSERT_TRUE(ws.ok());
  EXPECT_EQ(ws->address, "127.0.0.1");
  EXPECT_EQ(ws->port, 4500);
  EXPECT_EQ(ParseListen("ws://[::1]:0")->address, "::1");
  EXPECT_FALSE(ParseListen("http://x:1").ok());
  EXPECT_FALSE(ParseListen("ws://127.0.0.1").ok());
  EXPECT_FALSE(ParseListen("ws://127.0.0.1:70000").ok());
}

}  // namespace
}  // namespace threadlog::api
