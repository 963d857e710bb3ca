// Tests for the depth-limited JSON parser: the limit's exact edge, NUL bytes, syntax errors, and
// the top-level member reader on texts far too deep to build.
#include "eventlog/json_parse.h"

#include <string>

#include "gtest/gtest.h"

namespace threadlog {
namespace {

// `depth` nested arrays: "[[...]]".
std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonParseTest, AcceptsExactlyTheDeepestNestingCodexAccepts) {
  EXPECT_TRUE(ParseJson(Nested(kMaxJsonDepth)).ok());
  EXPECT_TRUE(ParseOrderedJson(Nested(kMaxJsonDepth)).ok());
  EXPECT_TRUE(ValidateJson(Nested(kMaxJsonDepth)).ok());
  for (const absl::Status& s : {ParseJson(Nested(kMaxJsonDepth + 1)).status(),
                                ParseOrderedJson(Nested(kMaxJsonDepth + 1)).status(),
                                ValidateJson(Nested(kMaxJsonDepth + 1))}) {
    EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
    EXPECT_EQ(s.message(), "JSON nested deeper than 127 levels");
  }
  // Objects count as arrays do.
  std::string objects;
  for (int i = 0; i < kMaxJsonDepth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kMaxJsonDepth, '}');
  EXPECT_TRUE(ParseJson(objects).ok());
  EXPECT_EQ(ParseJson("[" + objects + "]").status().code(), absl::StatusCode::kOutOfRange);
}

TEST(JsonParseTest, TextsFarTooDeepAreRefusedWithoutBuildingThem) {
  const std::string deep = "{\"x\":" + Nested(150000) + "}";
  EXPECT_EQ(ParseJson(deep).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ValidateJson(deep).code(), absl::StatusCode::kOutOfRange);
  // Refused at the 128th level, even when the text would turn invalid later.
  EXPECT_EQ(ParseJson(std::string(200000, '[')).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ParseJson(Nested(5), 3).status().message(), "JSON nested deeper than 3 levels");
}

TEST(JsonParseTest, ValuesTooBigToHoldAreRefusedBeforeTheyAreBuilt) {
  // 6 million empty objects: 18 MB of text, about 600 MB as nlohmann values.
  std::string flood = "[";
  for (int i = 0; i < 6'000'000; ++i) flood += "{},";
  flood += "{}]";
  for (const absl::Status& s :
       {ParseJson(flood).status(), ParseOrderedJson(flood).status(), ValidateJson(flood)}) {
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(s.message(), "JSON too big to hold: over 128 MiB once parsed");
  }
  // The same bytes as one string cost about their own size, and are taken.
  std::string text = "[\"";
  text.append(flood.size(), 'x').append("\"]");
  EXPECT_TRUE(ValidateJson(text).ok());
  absl::StatusOr<nlohmann::json> parsed = ParseJson(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)[0].get_ref<const std::string&>().size(), flood.size());
  // So does a realistic structure of that size: objects of a few members with text.
  std::string rows = "[";
  for (int i = 0; i < 100'000; ++i) {
    rows.append(R"({"type":"text","text":")").append(150, 'y').append(R"(","n":1},)");
  }
  rows += "{}]";
  EXPECT_TRUE(ParseJson(rows).ok());
}

TEST(JsonParseTest, SyntaxErrorsKeepTheParsersMessage) {
  absl::StatusOr<nlohmann::json> bad = ParseJson("{\"a\":tru}");
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("parse error at line 1, column"), std::string::npos)
      << bad.status();
  EXPECT_EQ(ParseJson("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseJson("{} {}").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateJson("[1,]").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ParseJson(" \t\r\n{}\n").ok());
}

TEST(JsonParseTest, ANulByteAnywhereIsNotJson) {
  using namespace std::string_literals;
  // nlohmann alone takes a NUL for the end of the text and would accept this.
  ASSERT_TRUE(nlohmann::json::accept("{\"id\":1}\0junk"s));
  for (const std::string& text : {"{\"id\":1}\0junk"s, "{\"id\":1}\0"s, "\0{}"s, "[\"a\0b\"]"s}) {
    absl::Status s = ParseJson(text).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find("NUL"), std::string::npos) << s;
    EXPECT_EQ(ValidateJson(text).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ParseTopLevelMember(text, "id").status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(JsonParseTest, ValuesAreThoseOfNlohmannsOwnParser) {
  const std::string text =
      R"({"b":1,"a":[true,null,-2,18446744073709551615,1.5e3,"s\u00e9"],"b":2})";
  absl::StatusOr<nlohmann::json> parsed = ParseJson(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, nlohmann::json::parse(text));
  absl::StatusOr<nlohmann::ordered_json> ordered = ParseOrderedJson(text);
  ASSERT_TRUE(ordered.ok());
  EXPECT_EQ(ordered->dump(), nlohmann::ordered_json::parse(text).dump());
  EXPECT_EQ(ordered->begin().key(), "b");
  EXPECT_EQ((*ordered)["b"], 2);  // the last duplicate wins
}

TEST(JsonParseTest, TopLevelMemberIsReadFromAnyTextAndBuiltAlone) {
  const std::string deep =
      "{\"method\":\"m\",\"params\":{\"x\":" + Nested(150000) + "},\"id\":\"r-1\"}";
  absl::StatusOr<std::optional<nlohmann::json>> id = ParseTopLevelMember(deep, "id");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, nlohmann::json("r-1"));

  auto member = [](const std::string& text, const std::string& key) {
    absl::StatusOr<std::optional<nlohmann::json>> m = ParseTopLevelMember(text, key);
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? *m : std::nullopt;
  };
  EXPECT_EQ(member(R"({"a":{"id":1},"id":7})", "id"), nlohmann::json(7));
  EXPECT_EQ(member(R"({"id":{"k":[1,{"z":null}]},"b":[{"id":3}]})", "id"),
            nlohmann::json::parse(R"({"k":[1,{"z":null}]})"));
  EXPECT_EQ(member(R"({"id":1,"id":[2]})", "id"), nlohmann::json::parse("[2]"));
  EXPECT_EQ(member(R"({"x":1})", "id"), std::nullopt);
  EXPECT_EQ(member(R"([{"id":1}])", "id"), std::nullopt);
  EXPECT_EQ(member(R"("id")", "id"), std::nullopt);
  EXPECT_EQ(member(R"({"id":""})", "id"), nlohmann::json(""));

  // The member's own value is held to the depth it has in the whole text.
  EXPECT_TRUE(ParseTopLevelMember("{\"id\":" + Nested(kMaxJsonDepth - 1) + "}", "id").ok());
  EXPECT_EQ(ParseTopLevelMember("{\"id\":" + Nested(kMaxJsonDepth) + "}", "id").status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ParseTopLevelMember("{\"id\":1", "id").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace threadlog
