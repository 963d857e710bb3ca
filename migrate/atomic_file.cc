// Atomic creation of files and whole directory trees (temp + fsync + rename), with fault hooks.
#include "migrate/atomic_file.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "migrate/file_io.h"

namespace threadlog::migrate {
namespace {

absl::Status RunHook(const FaultHook& hook, std::string_view stage, const std::string& path) {
  return hook ? hook(stage, path) : absl::OkStatus();
}

absl::Status WriteAll(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    ssize_t n = write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, absl::StrCat("cannot write ", path));
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("cannot open ", dir));
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) return ErrnoStatus(err, absl::StrCat("cannot sync ", dir));
  return absl::OkStatus();
}

// Writes `content` to the new file `path` (O_EXCL) with `mode`, fsynced.
absl::Status WriteNewFile(const std::string& path, std::string_view content, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("cannot create ", path));
  absl::Status status = WriteAll(fd, content, path);
  if (status.ok() && fchmod(fd, mode) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("cannot set mode of ", path));
  }
  if (status.ok() && fsync(fd) != 0)
    status = ErrnoStatus(errno, absl::StrCat("cannot sync ", path));
  if (close(fd) != 0 && status.ok())
    status = ErrnoStatus(errno, absl::StrCat("cannot close ", path));
  return status;
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, std::string_view content, mode_t mode,
                                 const FaultHook& hook) {
  std::string target = path;
  absl::StatusOr<EntryKind> kind = EntryKindOf(path);
  if (!kind.ok()) return kind.status();
  if (*kind == EntryKind::kSymlink) {
    char resolved[PATH_MAX];
    if (realpath(path.c_str(), resolved) == nullptr) {
      return ErrnoStatus(errno, absl::StrCat("cannot resolve symlink ", path));
    }
    target = resolved;
  } else if (*kind == EntryKind::kDirectory || *kind == EntryKind::kOther) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", path, ": it exists and is not a regular file"));
  }
  const std::string dir = ParentPath(target);
  if (absl::Status s = RunHook(hook, "write", path); !s.ok()) return s;
  std::string tmp_template = JoinPath(dir, ".threadlog-tmp-XXXXXX");
  int fd = mkstemp(tmp_template.data());
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("cannot create a temporary file in ", dir));
  const std::string tmp = tmp_template;
  absl::Status status = WriteAll(fd, content, tmp);
  if (status.ok() && fchmod(fd, mode) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("cannot set mode of ", tmp));
  }
  if (status.ok() && fsync(fd) != 0) status = ErrnoStatus(errno, absl::StrCat("cannot sync ", tmp));
  if (close(fd) != 0 && status.ok())
    status = ErrnoStatus(errno, absl::StrCat("cannot close ", tmp));
  if (status.ok()) status = RunHook(hook, "rename", path);
  if (status.ok() && rename(tmp.c_str(), target.c_str()) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("cannot replace ", target));
  }
  if (!status.ok()) {
    unlink(tmp.c_str());
    return status;
  }
  return SyncDirectory(dir);
}

absl::Status CreateDirectories(const std::string& dir) {
  if (dir.empty() || dir == "/" || dir == ".") return absl::OkStatus();
  absl::StatusOr<EntryKind> kind = ResolvedKindOf(dir);
  if (!kind.ok()) return kind.status();
  if (*kind == EntryKind::kDirectory) return absl::OkStatus();
  if (*kind != EntryKind::kMissing) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create directory ", dir, ": a file is in the way"));
  }
  if (absl::Status s = CreateDirectories(ParentPath(dir)); !s.ok()) return s;
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, absl::StrCat("cannot create directory ", dir));
  }
  return absl::OkStatus();
}

absl::Status CreateTreeAtomically(const std::string& dir, mode_t dir_mode,
                                  const std::vector<TreeEntry>& entries, const FaultHook& hook) {
  const std::string parent = ParentPath(dir);
  if (absl::Status s = RunHook(hook, "write", dir); !s.ok()) return s;
  std::string tmp_template = JoinPath(parent, ".threadlog-tmp-XXXXXX");
  if (mkdtemp(tmp_template.data()) == nullptr) {
    return ErrnoStatus(errno, absl::StrCat("cannot create a temporary directory in ", parent));
  }
  const std::string tmp = tmp_template;
  absl::Status status;
  for (const TreeEntry& entry : entries) {
    const std::string path = JoinPath(tmp, entry.relative_path);
    if (entry.is_directory) {
      if (mkdir(path.c_str(), 0700) != 0) {
        status = ErrnoStatus(errno, absl::StrCat("cannot create directory ", path));
      }
    } else {
      status = WriteNewFile(path, entry.content, entry.mode);
    }
    if (!status.ok()) break;
  }
  // Directory modes last, deepest first, so a read-only directory does not block its contents.
  for (auto it = entries.rbegin(); status.ok() && it != entries.rend(); ++it) {
    if (!it->is_directory) continue;
    const std::string path = JoinPath(tmp, it->relative_path);
    if (chmod(path.c_str(), it->mode) != 0)
      status = ErrnoStatus(errno, "cannot set mode of " + path);
  }
  if (status.ok() && chmod(tmp.c_str(), dir_mode) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("cannot set mode of ", tmp));
  }
  if (status.ok()) status = RunHook(hook, "rename", dir);
  // rename(2) of a directory onto an existing empty directory would succeed; refuse that case.
  if (status.ok()) {
    absl::StatusOr<EntryKind> kind = EntryKindOf(dir);
    if (!kind.ok()) {
      status = kind.status();
    } else if (*kind != EntryKind::kMissing) {
      status = absl::AlreadyExistsError(absl::StrCat(dir, " appeared while copying; left alone"));
    }
  }
  if (status.ok() && rename(tmp.c_str(), dir.c_str()) != 0) {
    status = ErrnoStatus(errno, absl::StrCat("cannot rename into ", dir));
  }
  if (!status.ok()) {
    std::error_code ec;
    // Read-only directories inside the temporary tree must become writable to be removed.
    for (auto& p : std::filesystem::recursive_directory_iterator(tmp, ec)) {
      if (p.is_directory(ec)) {
        std::filesystem::permissions(p.path(), std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ec);
      }
    }
    std::filesystem::permissions(tmp, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(tmp, ec);
    return status;
  }
  return SyncDirectory(parent);
}

}  // namespace threadlog::migrate
