// User input: serde's errors for bad input, and what each UserInput kind becomes in the model's
// message, the user_message event and the userMessage item (as Codex 0.117.0 wrote them in the
// v117_image replay case).
#include "api/agent/user_input.h"

#include <fstream>

#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

TEST(CheckUserInputsTest, SerdesWords) {
  EXPECT_EQ(CheckUserInputs("Say hello.").message(),
            "Invalid request: invalid type: string \"Say hello.\", expected a sequence");
  EXPECT_EQ(CheckUserInputs(json::parse(R"([{"type": "bogus"}])")).message(),
            "Invalid request: unknown variant `bogus`, expected one of `text`, `image`, "
            "`localImage`, `skill`, `mention`");
  EXPECT_EQ(CheckUserInputs(json::parse(R"([{"type": "text"}])")).message(),
            "Invalid request: missing field `text`");
  EXPECT_EQ(CheckUserInputs(json::parse(R"([{"text": "x"}])")).message(),
            "Invalid request: missing field `type`");
  EXPECT_TRUE(CheckUserInputs(json::parse(R"([{"type": "text", "text": "x"}])")).ok());
  EXPECT_TRUE(CheckUserInputs(json::array()).ok());  // emptiness is the engine's to refuse
}

TEST(RecordUserInputTest, TextAndImagesAsCodexRecordsThem) {
  testing::ScratchDir dir;
  const std::string png = dir.Sub("dot.png");
  std::ofstream(png, std::ios::binary) << "PNG";
  const json inputs = {{{"type", "text"}, {"text", "What is in these images?"}},
                       {{"type", "image"}, {"url", "data:image/png;base64,AAA"}},
                       {{"type", "localImage"}, {"path", png}}};
  absl::StatusOr<RecordedInput> r = RecordUserInput(inputs);
  ASSERT_TRUE(r.ok()) << r.status();
  const json content = r->response_item["content"];
  ASSERT_EQ(content.size(), 7u);
  EXPECT_EQ(content[0], json({{"type", "input_text"}, {"text", "What is in these images?"}}));
  EXPECT_EQ(content[1]["text"], "<image>");
  EXPECT_EQ(content[2],
            json({{"type", "input_image"}, {"image_url", "data:image/png;base64,AAA"}}));
  EXPECT_EQ(content[3]["text"], "</image>");
  EXPECT_EQ(content[4]["text"], "<image name=[Image #2]>");
  EXPECT_EQ(content[5]["image_url"], "data:image/png;base64,UE5H");
  EXPECT_EQ(r->user_message, json({{"type", "user_message"},
                                   {"message", "What is in these images?"},
                                   {"images", {"data:image/png;base64,AAA"}},
                                   {"local_images", {png}},
                                   {"text_elements", json::array()}}));
}

TEST(RecordUserInputTest, AnUnreadableOrRelativeLocalImageIsAClearError) {
  EXPECT_EQ(RecordUserInput(json::parse(R"([{"type": "localImage", "path": "dot.png"}])"))
                .status()
                .message(),
            "Invalid request: localImage path must be absolute: dot.png");
  EXPECT_EQ(RecordUserInput(json::parse(R"([{"type": "localImage", "path": "/no/such.png"}])"))
                .status()
                .message(),
            "Invalid request: localImage /no/such.png is not a readable file");
}

TEST(UserMessageItemTest, TheInputAsSentWithTextElements) {
  EXPECT_EQ(UserMessageItem("u1", json::parse(R"([{"type": "text", "text": "hi"}])")),
            json::parse(R"({"type": "userMessage", "id": "u1",
                            "content": [{"type": "text", "text": "hi", "text_elements": []}]})"));
}

// What the reference binary sent after a message with a skill input: the SKILL.md as it is on
// disk, wrapped in <skill>; a mention and an unreadable skill add nothing.
TEST(SkillMessagesTest, TheSkillFileFollowsWrappedAsCodexWrapsIt) {
  testing::ScratchDir dir;
  const std::string skill = dir.Sub("SKILL.md");
  std::ofstream(skill) << "---\nname: demo\ndescription: Demo skill.\n---\n\n# Demo\n\nSay demo.\n";
  const json inputs = {{{"type", "text"}, {"text", "use it $demo"}},
                       {{"type", "skill"}, {"name", "demo"}, {"path", skill}},
                       {{"type", "mention"}, {"name", "demo"}, {"path", "app://demo"}},
                       {{"type", "skill"}, {"name", "gone"}, {"path", dir.Sub("missing.md")}}};
  const std::vector<json> messages = SkillMessages(inputs);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["role"], "user");
  EXPECT_EQ(messages[0]["content"][0]["text"],
            "<skill>\n<name>demo</name>\n<path>" + skill +
                "</path>\n---\nname: demo\ndescription: Demo skill.\n---\n\n# Demo\n\nSay demo."
                "\n\n</skill>");
}

}  // namespace
}  // namespace threadlog::agent
