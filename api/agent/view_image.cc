// ViewImage: reading the file, knowing the image by its header, the data URL or the refusal.
#include "api/agent/view_image.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api/agent/unified_exec.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

// The largest file read: an image this big is far past what a request may carry.
constexpr uintmax_t kMaxFileBytes = uintmax_t{64} << 20;

uint32_t Be16(std::string_view b, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(b[at])) << 8) |
         static_cast<unsigned char>(b[at + 1]);
}
uint32_t Be32(std::string_view b, size_t at) { return (Be16(b, at) << 16) | Be16(b, at + 2); }
uint32_t Le16(std::string_view b, size_t at) {
  return static_cast<unsigned char>(b[at]) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8);
}
uint32_t Le24(std::string_view b, size_t at) {
  return Le16(b, at) | (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16);
}

std::optional<ImageInfo> ProbeJpeg(std::string_view b) {
  size_t i = 2;
  while (i + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[i]) != 0xFF) return std::nullopt;
    const auto marker = static_cast<unsigned char>(b[i + 1]);
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9)) {  // no length
      i += 2;
      continue;
    }
    const uint32_t length = Be16(b, i + 2);
    const bool frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (i + 9 > b.size()) return std::nullopt;
      return ImageInfo{"image/jpeg", Be16(b, i + 7), Be16(b, i + 5)};
    }
    if (length < 2) return std::nullopt;
    i += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageInfo> ProbeWebp(std::string_view b) {
  if (b.size() < 30) return std::nullopt;
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8 ") {
    return ImageInfo{"image/webp", Le16(b, 26) & 0x3FFF, Le16(b, 28) & 0x3FFF};
  }
  if (chunk == "VP8L") {
    const uint32_t bits = Le16(b, 21) | (Le16(b, 23) << 16);
    return ImageInfo{"image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
  }
  if (chunk == "VP8X") return ImageInfo{"image/webp", Le24(b, 24) + 1, Le24(b, 27) + 1};
  return std::nullopt;
}

// What mime_guess (Codex's) names a file it cannot read as an image, from its extension.
std::string MimeOfExtension(const std::filesystem::path& path) {
  const std::string ext = absl::AsciiStrToLower(path.extension().string());
  static const std::pair<const char*, const char*> kKnown[] = {
      {".txt", "text/plain"},     {".md", "text/markdown"}, {".json", "application/json"},
      {".html", "text/html"},     {".htm", "text/html"},    {".pdf", "application/pdf"},
      {".svg", "image/svg+xml"},  {".bmp", "image/bmp"},    {".tif", "image/tiff"},
      {".tiff", "image/tiff"},    {".ico", "image/x-icon"}, {".png", "image/png"},
      {".jpg", "image/jpeg"},     {".jpeg", "image/jpeg"},  {".gif", "image/gif"},
      {".webp", "image/webp"},    {".csv", "text/csv"},     {".xml", "text/xml"},
      {".js", "text/javascript"}, {".css", "text/css"},     {".zip", "application/zip"},
  };
  for (const auto& [known, mime] : kKnown) {
    if (ext == known) return mime;
  }
  return "application/octet-stream";
}

std::string OsError(int err) { return absl::StrCat(std::strerror(err), " (os error ", err, ")"); }

}  // namespace

std::optional<ImageInfo> ProbeImage(std::string_view b) {
  if (b.size() >= 24 && b.substr(0, 8) == "\x89PNG\r\n\x1a\n" && b.substr(12, 4) == "IHDR") {
    return ImageInfo{"image/png", Be32(b, 16), Be32(b, 20)};
  }
  if (b.size() >= 10 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) {
    return ImageInfo{"image/gif", Le16(b, 6), Le16(b, 8)};
  }
  if (b.size() >= 4 && static_cast<unsigned char>(b[0]) == 0xFF &&
      static_cast<unsigned char>(b[1]) == 0xD8) {
    return ProbeJpeg(b);
  }
  if (b.size() >= 16 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return ProbeWebp(b);
  return std::nullopt;
}

ViewImageResult RunViewImage(std::string_view arguments, const std::string& cwd) {
  ViewImageResult result;
  absl::StatusOr<std::string> given = RequiredStringArgument(arguments, "path");
  if (!given.ok()) {
    result.output = std::string(given.status().message());
    return result;
  }
  const std::filesystem::path path =
      (std::filesystem::path(cwd) / std::filesystem::path(*given)).lexically_normal();
  const std::string shown = path.string();
  struct stat st {};
  if (::stat(shown.c_str(), &st) != 0) {
    result.output = absl::StrCat("unable to locate image at `", shown, "`: ", OsError(errno));
    return result;
  }
  if (!S_ISREG(st.st_mode)) {
    result.output = absl::StrCat("image path `", shown, "` is not a file");
    return result;
  }
  if (static_cast<uintmax_t>(st.st_size) > kMaxFileBytes) {
    result.output = absl::StrCat("unable to process image at `", shown, "`: the file is ",
                                 st.st_size, " bytes, more than threadlog reads for an image");
    return result;
  }
  std::ifstream in(shown, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    result.output = absl::StrCat("unable to locate image at `", shown, "`: ", OsError(EIO));
    return result;
  }
  const std::optional<ImageInfo> info = ProbeImage(bytes);
  if (!info) {
    result.output = absl::StrCat("unable to process image at `", shown, "`: unsupported image `",
                                 MimeOfExtension(path), "`");
    return result;
  }
  if (info->width > kMaxImageWidth || info->height > kMaxImageHeight) {
    result.output = absl::StrCat("unable to process image at `", shown, "`: the image is ",
                                 info->width, "x", info->height,
                                 "; threadlog cannot yet shrink it "
                                 "to fit ",
                                 kMaxImageWidth, "x", kMaxImageHeight);
    return result;
  }
  result.path = shown;
  result.output = json::array(
      {{{"type", "input_image"},
        {"image_url", absl::StrCat("data:", info->mime, ";base64,", absl::Base64Escape(bytes))}}});
  return result;
}

}  // namespace threadlog::agent
