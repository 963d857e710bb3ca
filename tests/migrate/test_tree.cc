// Helpers for migrate tests: building home/repo trees, snapshotting them, dropping root's powers.
#include "tests/migrate/test_tree.h"

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::testing {
namespace fs = std::filesystem;

void MakeDir(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  ASSERT_FALSE(ec) << path << ": " << ec.message();
}

void MakeFile(const std::string& path, const std::string& content, mode_t mode) {
  MakeDir(fs::path(path).parent_path());
  WriteFileOrDie(path, content);
  ASSERT_EQ(chmod(path.c_str(), mode), 0) << path;
}

void MakeSymlink(const std::string& target, const std::string& path) {
  MakeDir(fs::path(path).parent_path());
  ASSERT_EQ(symlink(target.c_str(), path.c_str()), 0) << path;
}

std::map<std::string, EntrySnapshot> Snapshot(const std::string& root) {
  std::map<std::string, EntrySnapshot> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::end(it); it.increment(ec)) {
    const fs::path& p = it->path();
    struct stat st;
    if (lstat(p.c_str(), &st) != 0) continue;
    EntrySnapshot e{'d', "", static_cast<mode_t>(st.st_mode & 07777)};
    if (S_ISLNK(st.st_mode)) {
      e.kind = 'l';
      e.content = fs::read_symlink(p, ec).string();
    } else if (S_ISREG(st.st_mode)) {
      e.kind = 'f';
      e.content = ReadFileOrDie(p.string());
    }
    out[fs::relative(p, root).string()] = e;
  }
  return out;
}

std::string FindTempLeftovers(const std::string& root) {
  std::string found;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::end(it); it.increment(ec)) {
    if (it->path().filename().string().rfind(".threadlog-tmp-", 0) == 0) {
      found += it->path().string() + "\n";
    }
  }
  return found;
}

namespace {

bool SetDacCaps(bool enable) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  const unsigned bits = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);
  if (enable) {
    data[0].effective |= bits & data[0].permitted;
  } else {
    data[0].effective &= ~bits;
  }
  return syscall(SYS_capset, &header, data) == 0;
}

}  // namespace

ScopedNoDacOverride::ScopedNoDacOverride() {
  if (geteuid() == 0) dropped_ = SetDacCaps(false);
}

ScopedNoDacOverride::~ScopedNoDacOverride() {
  if (dropped_) SetDacCaps(true);
}

}  // namespace threadlog::testing
