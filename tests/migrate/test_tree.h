// Helpers for migrate tests: building home/repo trees, snapshotting them, dropping root's powers.
#ifndef THREADLOG_TESTS_MIGRATE_TEST_TREE_H_
#define THREADLOG_TESTS_MIGRATE_TEST_TREE_H_

#include <sys/types.h>

#include <map>
#include <string>

namespace threadlog::testing {

// Creates `path` (and its parent directories) holding `content` with permission bits `mode`.
void MakeFile(const std::string& path, const std::string& content, mode_t mode = 0644);
void MakeDir(const std::string& path);
void MakeSymlink(const std::string& target, const std::string& path);

struct EntrySnapshot {
  char kind;            // 'f' file, 'd' directory, 'l' symlink
  std::string content;  // file content or link target
  mode_t mode;
  bool operator==(const EntrySnapshot&) const = default;
};
// Every entry under `root` (not following symlinks), by path relative to `root`.
std::map<std::string, EntrySnapshot> Snapshot(const std::string& root);

// Paths of leftover temporary files or directories (".threadlog-tmp-*") under `root`.
std::string FindTempLeftovers(const std::string& root);

// While alive, the calling thread runs without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so
// permission bits apply even to root (tests run as root in CI containers). A no-op for others.
class ScopedNoDacOverride {
 public:
  ScopedNoDacOverride();
  ~ScopedNoDacOverride();
  ScopedNoDacOverride(const ScopedNoDacOverride&) = delete;
  ScopedNoDacOverride& operator=(const ScopedNoDacOverride&) = delete;

 private:
  bool dropped_ = false;
};

}  // namespace threadlog::testing

#endif  // THREADLOG_TESTS_MIGRATE_TEST_TREE_H_
