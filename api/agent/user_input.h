// A turn's user input (v2 UserInput[]: text, image, localImage, skill, mention) as Codex 0.117.0
// records it: the `message` response item the model reads, the user_message event the rollout
// keeps, and the userMessage item clients see.
#ifndef THREADLOG_API_AGENT_USER_INPUT_H_
#define THREADLOG_API_AGENT_USER_INPUT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {

// Checks v2 UserInput[] as turn/start and turn/steer receive it: an array of objects with a
// known `type` and its fields. kInvalidArgument in serde's words otherwise.
absl::Status CheckUserInputs(const nlohmann::json& inputs);

struct RecordedInput {
  nlohmann::json response_item;  // {type: message, role: user, content: [...]}
  nlohmann::json user_message;   // the user_message event_msg payload
};

// What `inputs` (checked) become: text parts as input_text; an image URL between "<image>" and
// "</image>"; a local image (absolute path, read now; png, jpeg, gif or webp) as a data URL
// between "<image name=[Image #N]>" and "</image>" (N counts every image of the message); a
// skill or mention as its text ("$name"). kInvalidArgument naming the path when a local image
// cannot be read.
absl::StatusOr<RecordedInput> RecordUserInput(const nlohmann::json& inputs);

// The messages a skill input adds after the user's message, as Codex 0.117.0 adds them: one user
// message per skill, "<skill>\n<name>NAME</name>\n<path>PATH</path>\n" + the SKILL.md as it is
// on disk + "\n</skill>". A skill file that cannot be read adds nothing; mentions add nothing.
std::vector<nlohmann::json> SkillMessages(const nlohmann::json& inputs);

// The v2 userMessage item clients see for `inputs`: {type, id, content: inputs as sent}.
nlohmann::json UserMessageItem(const std::string& id, const nlohmann::json& inputs);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_USER_INPUT_H_
