// Streaming, bounded reading of rollout files: non-blocking open, fstat, read(2), zstd stream.
#include "eventlog/rollout_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace threadlog {
namespace {

// What one read(2) asks for at most, and the least free room a read gets. A small file is read
// into a buffer of its own size (most rollouts are a few hundred KiB: a bigger one per file,
// zero-filled, cost a tenth of an import's time in page faults).
constexpr size_t kReadBytes = 1 << 20;
constexpr size_t kMinRoom = 64 << 10;

const char* KindOfMode(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISDIR(mode)) return "a directory";
  return "not a file";
}

absl::Status ErrnoError(const std::string& path, const char* what, int err) {
  std::string message = absl::StrCat(path, ": ", what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<RolloutReader>> RolloutReader::Open(const std::string& path,
                                                                   size_t max_line_bytes) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer (forever, holding the store
  // lock); it changes nothing for a regular file.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    struct stat st;
    // A socket cannot be opened at all (ENXIO): say what it is rather than "no such device".
    if (err == ENXIO && ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": not a regular file (", KindOfMode(st.st_mode), ")"));
    }
    return ErrnoError(path, "cannot open", err);
  }
  // Checked on the descriptor itself: the name may have been replaced since any earlier stat.
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(path, "cannot stat", err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a regular file (", KindOfMode(st.st_mode), ")"));
  }
  std::unique_ptr<RolloutReader> reader(new RolloutReader(
      path, fd, absl::EndsWith(path, ".zst"), max_line_bytes, static_cast<size_t>(st.st_size)));
  if (reader->in_.empty() && absl::EndsWith(path, ".zst")) {
    return absl::ResourceExhaustedError(absl::StrCat(path, ": cannot allocate a zstd decoder"));
  }
  return reader;
}

RolloutReader::RolloutReader(std::string path, int fd, bool zstd, size_t max_line_bytes,
                             size_t file_size)
    : path_(std::move(path)), fd_(fd), max_line_bytes_(max_line_bytes) {
  size_t capacity = 2 * kReadBytes;
  if (zstd) {
    dctx_ = ZSTD_createDCtx();
    if (dctx_ != nullptr) in_.resize(ZSTD_DStreamInSize());
    capacity = 2 * ZSTD_DStreamOutSize();
  } else {
    capacity = std::clamp(file_size + 1, kMinRoom, capacity);  // +1: room to see the end
  }
  Reallocate(capacity);
}

void RolloutReader::Reallocate(size_t capacity) {
  std::unique_ptr<char[]> bigger(new char[capacity]);
  if (end_ > begin_) std::memcpy(bigger.get(), buf_.get() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  buf_ = std::move(bigger);
  capacity_ = capacity;
}

RolloutReader::~RolloutReader() {
  if (dctx_ != nullptr) ZSTD_freeDCtx(dctx_);
  ::close(fd_);
}

absl::StatusOr<std::optional<RolloutReader::Line>> RolloutReader::Next() {
  if (failed_) return absl::FailedPreconditionError(absl::StrCat(path_, ": read after an error"));
  for (;;) {
    const char* start = buf_.get() + begin_;
    const size_t pending = end_ - begin_;
    const void* newline = std::memchr(start + scanned_, '\n', pending - scanned_);
    if (newline != nullptr) {
      const size_t length = static_cast<const char*>(newline) - start;
      begin_ += length + 1;
      scanned_ = 0;
      ++line_;
      if (discarding_ || length > max_line_bytes_) {
        discarding_ = false;
        return Line{line_, {}, true};
      }
      return Line{line_, std::string_view(start, length), false};
    }
    scanned_ = pending;
    if (discarding_ || scanned_ > max_line_bytes_) {
      // Too long: drop what is buffered and look for its end in what comes next.
      discarding_ = true;
      begin_ = end_ = scanned_ = 0;
    }
    if (eof_) {
      if (discarding_) {
        discarding_ = false;
        return Line{++line_, {}, true};
      }
      if (pending == 0) return std::nullopt;
      begin_ = end_;
      scanned_ = 0;
      return Line{++line_, std::string_view(start, pending), false};
    }
    if (absl::Status s = Fill(); !s.ok()) {
      failed_ = true;
      return s;
    }
  }
}

absl::Status RolloutReader::Fill() {
  // The partial line is at most max_line_bytes_, so the buffer never outgrows it by much; after
  // a long line it shrinks back, so that a file in flight costs little while it waits.
  const size_t small = 2 * kReadBytes;
  const size_t pending = end_ - begin_;
  if (capacity_ - pending < kMinRoom) {
    Reallocate(std::max(std::min(2 * capacity_, std::max(max_line_bytes_, small) + small),
                        pending + kMinRoom));
  } else if (capacity_ > 4 * small && pending < kReadBytes) {
    Reallocate(small);
  } else if (capacity_ - end_ < kMinRoom) {  // room enough once the partial line moves down
    std::memmove(buf_.get(), buf_.get() + begin_, pending);
    end_ = pending;
    begin_ = 0;
  }
  size_t got = 0;
  char* dst = buf_.get() + end_;
  const size_t room = capacity_ - end_;
  absl::Status s = dctx_ != nullptr ? FillZstd(dst, room, &got) : FillPlain(dst, room, &got);
  if (!s.ok()) return s;
  end_ += got;
  bytes_read_ += got;
  if (got == 0) eof_ = true;
  return absl::OkStatus();
}

absl::Status RolloutReader::FillPlain(char* dst, size_t room, size_t* got) {
  for (;;) {
    ssize_t n = ::read(fd_, dst, std::min(room, kReadBytes));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return absl::DataLossError(absl::StrCat(path_, ": read error: ", std::strerror(errno)));
    *got = static_cast<size_t>(n);
    return absl::OkStatus();
  }
}

absl::Status RolloutReader::FillZstd(char* dst, size_t room, size_t* got) {
  *got = 0;
  for (;;) {
    if (in_pos_ == in_end_ && !in_eof_) {
      ssize_t n = ::read(fd_, in_.data(), in_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return absl::DataLossError(absl::StrCat(path_, ": read error: ", std::strerror(errno)));
      }
      in_pos_ = 0;
      in_end_ = static_cast<size_t>(n);
      if (n == 0) in_eof_ = true;
    }
    if (in_pos_ == in_end_ && !frame_open_) return absl::OkStatus();  // between frames: done
    ZSTD_inBuffer in{in_.data(), in_end_, in_pos_};
    ZSTD_outBuffer out{dst, room, 0};
    const size_t hint = ZSTD_decompressStream(dctx_, &out, &in);
    if (ZSTD_isError(hint)) {
      return absl::DataLossError(
          absl::StrCat(path_, ": not a valid zstd stream: ", ZSTD_getErrorName(hint)));
    }
    frame_open_ = hint != 0;
    in_pos_ = in.pos;
    *got = out.pos;
    if (*got > 0) return absl::OkStatus();
    if (in_eof_ && in_pos_ == in_end_) {
      // No input left and nothing came out: a frame that was begun never ended.
      if (frame_open_)
        return absl::DataLossError(absl::StrCat(path_, ": zstd stream is truncated"));
      return absl::OkStatus();
    }
  }
}

}  // namespace threadlog
