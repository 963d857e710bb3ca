// User input: checked, then turned into the response item, the user_message event and the item.
#include "api/agent/user_input.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/session/serde_wording.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

constexpr size_t kMaxLocalImageBytes = 20u << 20;  // what a request can reasonably carry

absl::Status Invalid(std::string text) {
  return absl::InvalidArgumentError(absl::StrCat("Invalid request: ", text));
}

absl::Status RequireString(const json& input, const char* field) {
  auto it = input.find(field);
  if (it == input.end()) return Invalid(absl::StrCat("missing field `", field, "`"));
  if (!it->is_string()) {
    return Invalid(
        absl::StrCat("invalid type: ", api::session::SerdeUnexpected(*it), ", expected a string"));
  }
  return absl::OkStatus();
}

std::string MimeOf(const std::string& path) {
  std::string ext = absl::AsciiStrToLower(std::filesystem::path(path).extension().string());
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".gif") return "image/gif";
  if (ext == ".webp") return "image/webp";
  return "image/png";
}

absl::StatusOr<std::string> DataUrl(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::path(path).is_absolute()) {
    return Invalid(absl::StrCat("localImage path must be absolute: ", path));
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Invalid(absl::StrCat("localImage ", path, " is not a readable file"));
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxLocalImageBytes) {
    return Invalid(
        absl::StrCat("localImage ", path, " is larger than ", kMaxLocalImageBytes, " bytes"));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in.good() && !in.eof()) return Invalid(absl::StrCat("cannot read localImage ", path));
  return absl::StrCat("data:", MimeOf(path), ";base64,", absl::Base64Escape(bytes.str()));
}

}  // namespace

absl::Status CheckUserInputs(const json& inputs) {
  if (!inputs.is_array()) {
    return Invalid(absl::StrCat("invalid type: ", api::session::SerdeUnexpected(inputs),
                                ", expected a sequence"));
  }
  for (const json& input : inputs) {
    if (!input.is_object()) {
      return Invalid(absl::StrCat("invalid type: ", api::session::SerdeUnexpected(input),
                                  ", expected internally tagged enum UserInput"));
    }
    auto type = input.find("type");
    if (type == input.end()) return Invalid("missing field `type`");
    const std::string kind = type->is_string() ? type->get<std::string>() : "";
    if (kind == "text") {
      if (absl::Status s = RequireString(input, "text"); !s.ok()) return s;
      if (auto e = input.find("text_elements");
          e != input.end() && !e->is_array() && !e->is_null()) {
        return Invalid(absl::StrCat("invalid type: ", api::session::SerdeUnexpected(*e),
                                    ", expected a sequence"));
      }
    } else if (kind == "image") {
      if (absl::Status s = RequireString(input, "url"); !s.ok()) return s;
    } else if (kind == "localImage") {
      if (absl::Status s = RequireString(input, "path"); !s.ok()) return s;
    } else if (kind == "skill" || kind == "mention") {
      for (const char* field : {"name", "path"}) {
        if (absl::Status s = RequireString(input, field); !s.ok()) return s;
      }
    } else {
      return Invalid(absl::StrCat("unknown variant `", type->is_string() ? kind : type->dump(),
                                  "`, expected one of `text`, `image`, `localImage`, `skill`, "
                                  "`mention`"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RecordedInput> RecordUserInput(const json& inputs) {
  json content = json::array();
  std::vector<std::string> texts;
  json images = json::array();
  json local_images = json::array();
  json text_elements = json::array();
  int image_number = 0;
  for (const json& input : inputs) {
    const std::string kind = input.value("type", "");
    if (kind == "text") {
      const std::string text = input["text"].get<std::string>();
      content.push_back({{"type", "input_text"}, {"text", text}});
      texts.push_back(text);
      if (auto e = input.find("text_elements"); e != input.end() && e->is_array()) {
        for (const json& element : *e) text_elements.push_back(element);
      }
    } else if (kind == "image") {
      ++image_number;
      const std::string url = input["url"].get<std::string>();
      content.push_back({{"type", "input_text"}, {"text", "<image>"}});
      content.push_back({{"type", "input_image"}, {"image_url", url}});
      content.push_back({{"type", "input_text"}, {"text", "</image>"}});
      images.push_back(url);
    } else if (kind == "localImage") {
      ++image_number;
      const std::string path = input["path"].get<std::string>();
      absl::StatusOr<std::string> url = DataUrl(path);
      if (!url.ok()) return url.status();
      content.push_back({{"type", "input_text"},
                         {"text", absl::StrCat("<image name=[Image #", image_number, "]>")}});
      content.push_back({{"type", "input_image"}, {"image_url", *url}});
      content.push_back({{"type", "input_text"}, {"text", "</image>"}});
      local_images.push_back(path);
    }
    // A skill or mention names something for the engine to attach; it adds no text of its own.
  }
  RecordedInput out;
  out.response_item = {{"type", "message"}, {"role", "user"}, {"content", std::move(content)}};
  out.user_message = {{"type", "user_message"},
                      {"message", absl::StrJoin(texts, "\n")},
                      {"images", std::move(images)},
                      {"local_images", std::move(local_images)},
                      {"text_elements", std::move(text_elements)}};
  return out;
}

std::vector<json> SkillMessages(const json& inputs) {
  std::vector<json> out;
  for (const json& input : inputs) {
    if (input.value("type", "") != "skill") continue;
    const std::string path = input.value("path", "");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    std::ifstream in(path, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    const std::string text =
        absl::StrCat("<skill>\n<name>", input.value("name", ""), "</name>\n<path>", path,
                     "</path>\n", contents.str(), "\n</skill>");
    out.push_back({{"type", "message"},
                   {"role", "user"},
                   {"content", json::array({{{"type", "input_text"}, {"text", text}}})}});
  }
  return out;
}

json UserMessageItem(const std::string& id, const json& inputs) {
  json content = json::array();
  for (const json& input : inputs) {
    json copy = input;
    if (copy.value("type", "") == "text" && !copy.contains("text_elements")) {
      copy["text_elements"] = json::array();
    }
    content.push_back(std::move(copy));
  }
  return {{"type", "userMessage"}, {"id", id}, {"content", std::move(content)}};
}

}  // namespace threadlog::agent
