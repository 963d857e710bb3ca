// ParseUrl and FindHeader.
#include "api/agent/http_types.h"

#include "gtest/gtest.h"

namespace threadlog::agent {
namespace {

TEST(ParseUrlTest, HttpAndHttps) {
  auto u = ParseUrl("http://127.0.0.1:8080/v1/responses?api-version=1");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/v1/responses?api-version=1");
  EXPECT_TRUE(u->host_is_address());
  EXPECT_EQ(u->HostHeader(), "127.0.0.1:8080");

  auto s = ParseUrl("HTTPS://Api.OpenAI.com/v1/responses");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->tls);
  EXPECT_EQ(s->host, "api.openai.com");
  EXPECT_EQ(s->port, 443);
  EXPECT_FALSE(s->host_is_address());
  EXPECT_EQ(s->HostHeader(), "api.openai.com");

  auto v6 = ParseUrl("http://[::1]:9/x#frag");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->target, "/x");
  EXPECT_TRUE(v6->host_is_address());
  EXPECT_EQ(v6->HostHeader(), "[::1]:9");

  EXPECT_EQ(ParseUrl("http://h")->target, "/");
  EXPECT_EQ(ParseUrl("http://h?q=1")->target, "/?q=1");
}

TEST(ParseUrlTest, EncodesWhatAUrlParserWould) {
  // As Codex's request showed: "space=a%20b&c" for the value "a b&c".
  EXPECT_EQ(ParseUrl("http://h/v1/responses?space=a b&c")->target, "/v1/responses?space=a%20b&c");
  EXPECT_EQ(ParseUrl("http://h/a\"<>`\x01\xC3\xA9%41")->target, "/a%22%3C%3E%60%01%C3%A9%41");
}

TEST(ParseUrlTest, RefusesWhatItCannotServe) {
  for (const char* bad : {"ftp://h/", "h/v1", "http://", "http://:80/", "http://h:0/",
                          "http://h:65536/", "http://h:x/", "http://u@h/", "http://[::1/"}) {
    auto u = ParseUrl(bad);
    EXPECT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(FindHeaderTest, CaseInsensitiveFirstMatch) {
  std::vector<HttpHeader> h = {{"Retry-After", "1"}, {"retry-after", "2"}};
  EXPECT_EQ(FindHeader(h, "RETRY-AFTER"), "1");
  EXPECT_EQ(FindHeader(h, "x"), std::nullopt);
}

}  // namespace
}  // namespace threadlog::agent
