// ViewImage: the view_image tool as Codex 0.117.0 runs it — the image file at a path (relative
// to the turn's cwd) read into the conversation as an input_image data URL, with Codex's
// refusals for a file that is not there or is not an image. PNG, JPEG, GIF and WebP that fit
// Codex's 2048x768 box go as they are; threadlog cannot shrink a larger one (no image codec
// among its dependencies) and says so rather than send what Codex would not.
#ifndef THREADLOG_API_AGENT_VIEW_IMAGE_H_
#define THREADLOG_API_AGENT_VIEW_IMAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace threadlog::agent {

// What an image file's first bytes say of it.
struct ImageInfo {
  std::string mime;  // image/png, image/jpeg, image/gif, image/webp
  uint32_t width = 0;
  uint32_t height = 0;
};
// nullopt for bytes that are none of those formats, or whose header is cut short.
std::optional<ImageInfo> ProbeImage(std::string_view bytes);

// Codex's box: a larger image is shrunk (keeping its shape) to fit it.
inline constexpr uint32_t kMaxImageWidth = 2048;
inline constexpr uint32_t kMaxImageHeight = 768;

struct ViewImageResult {
  // The image's absolute path, when it was read (its imageView item and view_image_tool_call).
  std::optional<std::string> path;
  // The function_call_output's output: [{"type": "input_image", "image_url": "data:..."}], or
  // the text the model reads instead ("unable to locate image at `P`: ...", "unable to process
  // image at `P`: unsupported image `text/plain`", an argument error).
  nlohmann::json output;
};

// Runs one call: `arguments` is the call's JSON text ({"path": ...}), `cwd` the turn's
// (absolute). Reads the file; touches nothing.
ViewImageResult RunViewImage(std::string_view arguments, const std::string& cwd);

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_VIEW_IMAGE_H_
