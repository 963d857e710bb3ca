// ViewImage: image headers (PNG, GIF, JPEG, WebP), and RunViewImage on real files — the data
// URL, Codex's refusals, the size box and argument errors.
#include "api/agent/view_image.h"

#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::agent {
namespace {

using nlohmann::json;

std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// A PNG signature and IHDR (enough for the header; no pixels).
std::string PngHeader(uint32_t width, uint32_t height) {
  return std::string("\x89PNG\r\n\x1a\n", 8) + Be32(13) + "IHDR" + Be32(width) + Be32(height) +
         std::string("\x08\x02\x00\x00\x00", 5);
}

TEST(ProbeImage, ReadsTheSizeOfEachFormat) {
  std::optional<ImageInfo> png = ProbeImage(PngHeader(640, 480));
  ASSERT_TRUE(png);
  EXPECT_EQ(png->mime, "image/png");
  EXPECT_EQ(png->width, 640u);
  EXPECT_EQ(png->height, 480u);

  std::optional<ImageInfo> gif = ProbeImage(std::string("GIF89a\x20\x01\x10\x00", 10));
  ASSERT_TRUE(gif);
  EXPECT_EQ(gif->mime, "image/gif");
  EXPECT_EQ(gif->width, 288u);
  EXPECT_EQ(gif->height, 16u);

  // SOI, an APP0 segment to skip, then SOF0: precision 8, height 0x0100, width 0x0200.
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0\x00\x04\x00\x00", 8) +
                           std::string("\xFF\xC0\x00\x11\x08\x01\x00\x02\x00\x03", 10);
  std::optional<ImageInfo> jpg = ProbeImage(jpeg);
  ASSERT_TRUE(jpg);
  EXPECT_EQ(jpg->mime, "image/jpeg");
  EXPECT_EQ(jpg->width, 512u);
  EXPECT_EQ(jpg->height, 256u);

  // RIFF....WEBPVP8X: canvas 100x50 stored as width-1 and height-1, 24-bit little endian.
  std::string webp = std::string("RIFF\0\0\0\0WEBPVP8X", 16) + std::string(8, '\0');
  webp += std::string("\x63\x00\x00\x31\x00\x00", 6);
  std::optional<ImageInfo> wp = ProbeImage(webp);
  ASSERT_TRUE(wp);
  EXPECT_EQ(wp->mime, "image/webp");
  EXPECT_EQ(wp->width, 100u);
  EXPECT_EQ(wp->height, 50u);

  EXPECT_FALSE(ProbeImage("hello, world\n"));
  EXPECT_FALSE(ProbeImage(PngHeader(1, 1).substr(0, 20)));  // cut short
  EXPECT_FALSE(ProbeImage(std::string("\xFF\xD8\xFF", 3)));
}

class RunViewImageTest : public ::testing::Test {
 protected:
  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_.path() + "/" + name, std::ios::binary) << bytes;
  }
  testing::ScratchDir dir_;
};

TEST_F(RunViewImageTest, AnImageThatFitsGoesAsItIsAsADataUrl) {
  const std::string bytes = PngHeader(2, 2) + "rest-of-the-file";
  Write("pic.png", bytes);
  ViewImageResult r = RunViewImage(R"({"path": "pic.png"})", dir_.path());
  ASSERT_TRUE(r.path);
  EXPECT_EQ(*r.path, dir_.path() + "/pic.png");
  EXPECT_EQ(r.output,
            json::array({{{"type", "input_image"},
                          {"image_url", "data:image/png;base64," + absl::Base64Escape(bytes)}}}));
  // An absolute path is taken as it is.
  EXPECT_TRUE(RunViewImage(json({{"path", dir_.path() + "/pic.png"}}).dump(), "/").path);
}

TEST_F(RunViewImageTest, RefusalsAreCodexs) {
  Write("notes.txt", "hello\n");
  Write("large.png", PngHeader(3000, 1000));
  std::filesystem::create_directory(dir_.path() + "/sub");
  auto output = [this](const std::string& path) {
    ViewImageResult r = RunViewImage(json({{"path", path}}).dump(), dir_.path());
    EXPECT_FALSE(r.path) << path;
    return r.output.get<std::string>();
  };
  EXPECT_EQ(output("/nonexistent/x.png"),
            "unable to locate image at `/nonexistent/x.png`: No such file or directory (os "
            "error 2)");
  EXPECT_EQ(output("notes.txt"), "unable to process image at `" + dir_.path() +
                                     "/notes.txt`: unsupported image `text/plain`");
  EXPECT_EQ(output("sub"), "image path `" + dir_.path() + "/sub` is not a file");
  EXPECT_TRUE(absl::StrContains(output("large.png"), "the image is 3000x1000"));
  ViewImageResult bad = RunViewImage("{}", dir_.path());
  EXPECT_EQ(bad.output,
            "failed to parse function arguments: missing field `path` at line 1 "
            "column 2");
}

}  // namespace
}  // namespace threadlog::agent
