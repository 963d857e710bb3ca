// Tests of atomic file and tree creation: all or nothing, modes kept, symlinks written through.
#include "migrate/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/migrate/test_tree.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::migrate {
namespace {

using ::threadlog::testing::FindTempLeftovers;
using ::threadlog::testing::MakeFile;
using ::threadlog::testing::ReadFileOrDie;
using ::threadlog::testing::ScratchDir;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(WriteFileAtomicallyTest, CreatesAndReplaces) {
  ScratchDir dir;
  const std::string path = dir.Sub("f");
  ASSERT_TRUE(WriteFileAtomically(path, "one", 0600).ok());
  EXPECT_EQ(ReadFileOrDie(path), "one");
  EXPECT_EQ(ModeOf(path), 0600u);
  ASSERT_TRUE(WriteFileAtomically(path, "two", 0640).ok());
  EXPECT_EQ(ReadFileOrDie(path), "two");
  EXPECT_EQ(ModeOf(path), 0640u);
  EXPECT_EQ(FindTempLeftovers(dir.path()), "");
}

TEST(WriteFileAtomicallyTest, FailureBeforeRenameLeavesTheOldFile) {
  ScratchDir dir;
  const std::string path = dir.Sub("f");
  MakeFile(path, "old");
  absl::Status s =
      WriteFileAtomically(path, "new", 0644, [](std::string_view stage, const std::string&) {
        return stage == "rename" ? absl::ResourceExhaustedError("injected") : absl::OkStatus();
      });
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReadFileOrDie(path), "old");
  EXPECT_EQ(FindTempLeftovers(dir.path()), "");
}

TEST(WriteFileAtomicallyTest, WritesThroughASymlink) {
  ScratchDir dir;
  MakeFile(dir.Sub("real"), "old");
  ASSERT_EQ(symlink(dir.Sub("real").c_str(), dir.Sub("link").c_str()), 0);
  ASSERT_TRUE(WriteFileAtomically(dir.Sub("link"), "new", 0644).ok());
  EXPECT_EQ(ReadFileOrDie(dir.Sub("real")), "new");
  struct stat st;
  ASSERT_EQ(lstat(dir.Sub("link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

TEST(WriteFileAtomicallyTest, RefusesADirectory) {
  ScratchDir dir;
  ::threadlog::testing::MakeDir(dir.Sub("d"));
  EXPECT_EQ(WriteFileAtomically(dir.Sub("d"), "x", 0644).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CreateDirectoriesTest, AFileInTheWayIsNamed) {
  ScratchDir dir;
  MakeFile(dir.Sub("file"), "x");
  absl::Status s = CreateDirectories(dir.Sub("file/sub"));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find(dir.Sub("file")), std::string::npos) << s;
  EXPECT_TRUE(CreateDirectories(dir.Sub("a/b/c")).ok());
}

TEST(CreateTreeAtomicallyTest, CreatesEverythingWithModes) {
  ScratchDir dir;
  std::vector<TreeEntry> entries = {{"sub", true, "", 0750},
                                    {"sub/run.sh", false, "#!/bin/sh\n", 0755},
                                    {"SKILL.md", false, "x", 0644}};
  ASSERT_TRUE(CreateTreeAtomically(dir.Sub("skill"), 0700, entries).ok());
  EXPECT_EQ(ReadFileOrDie(dir.Sub("skill/sub/run.sh")), "#!/bin/sh\n");
  EXPECT_EQ(ModeOf(dir.Sub("skill/sub/run.sh")), 0755u);
  EXPECT_EQ(ModeOf(dir.Sub("skill/sub")), 0750u);
  EXPECT_EQ(ModeOf(dir.Sub("skill")), 0700u);
  EXPECT_EQ(FindTempLeftovers(dir.path()), "");
}

TEST(CreateTreeAtomicallyTest, FailureLeavesNothing) {
  ScratchDir dir;
  std::vector<TreeEntry> entries = {{"ro", true, "", 0555}, {"ro/f", false, "x", 0444}};
  absl::Status s = CreateTreeAtomically(
      dir.Sub("skill"), 0755, entries, [](std::string_view stage, const std::string&) {
        return stage == "rename" ? absl::UnknownError("boom") : absl::OkStatus();
      });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(access(dir.Sub("skill").c_str(), F_OK), -1);
  EXPECT_EQ(FindTempLeftovers(dir.path()), "");
}

TEST(CreateTreeAtomicallyTest, RefusesAnExistingDirectory) {
  ScratchDir dir;
  ::threadlog::testing::MakeDir(dir.Sub("skill"));
  EXPECT_EQ(CreateTreeAtomically(dir.Sub("skill"), 0755, {{"f", false, "x", 0644}}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(access(dir.Sub("skill/f").c_str(), F_OK), -1);
}

}  // namespace
}  // namespace threadlog::migrate
