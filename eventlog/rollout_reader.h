// RolloutReader: a rollout file (.jsonl, or .jsonl.zst decompressed as it streams) line by line,
// in bounded memory whatever the file holds.
#ifndef THREADLOG_EVENTLOG_ROLLOUT_READER_H_
#define THREADLOG_EVENTLOG_ROLLOUT_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

struct ZSTD_DCtx_s;

namespace threadlog {

// The longest rollout line read. Codex caps what one command's output keeps at 1 MiB per stream
// (stdout, stderr and their aggregate all land in one exec_command_end line), so its biggest
// lines are a few MiB, and a pasted image's data URL about as much; 32 MiB leaves ample room for
// JSON escaping while bounding what a single line can cost (its text is held while it is
// parsed). A longer line is reported as too long and skipped; its bytes are read, never held.
inline constexpr size_t kMaxRolloutLineBytes = 32 << 20;

class RolloutReader {
 public:
  struct Line {
    uint64_t number = 0;    // 1-based
    std::string_view text;  // without the '\n'; empty when too_long
    bool too_long = false;  // longer than the reader's limit: skipped unread
  };

  // Opens `path` for reading, decompressing when the name ends in ".zst". The open never blocks
  // (a FIFO without a writer would block a plain open forever), and anything but a regular file
  // (FIFO, socket, device, directory), checked on the opened descriptor, is refused with
  // kFailedPrecondition "PATH: not a regular file (a FIFO)". Other errors: kNotFound,
  // kPermissionDenied or kInternal, each naming `path`.
  static absl::StatusOr<std::unique_ptr<RolloutReader>> Open(
      const std::string& path, size_t max_line_bytes = kMaxRolloutLineBytes);
  ~RolloutReader();
  RolloutReader(const RolloutReader&) = delete;
  RolloutReader& operator=(const RolloutReader&) = delete;

  // The next line, or nullopt at the end of the file (a last line without '\n' is a line). The
  // text stays valid until the next call. Memory stays under max_line_bytes plus a few MiB (and
  // the zstd window the frame declares: at most 128 MiB, zstd's default decoding limit).
  // Errors, after which the reader is done: kDataLoss for a read error, a zstd stream that is
  // not one or is truncated; the lines returned before it were read correctly.
  absl::StatusOr<std::optional<Line>> Next();

  // Bytes read so far (decompressed), newlines included.
  uint64_t bytes_read() const { return bytes_read_; }
  const std::string& path() const { return path_; }

 private:
  RolloutReader(std::string path, int fd, bool zstd, size_t max_line_bytes, size_t file_size);
  // Appends at least one byte to buf_ (or sets eof_); grows buf_ as needed.
  absl::Status Fill();
  // Moves the unreturned bytes into a buffer of `capacity` (uninitialized: no zero-fill).
  void Reallocate(size_t capacity);
  absl::Status FillPlain(char* dst, size_t room, size_t* got);
  absl::Status FillZstd(char* dst, size_t room, size_t* got);

  const std::string path_;
  const int fd_;
  const size_t max_line_bytes_;
  ZSTD_DCtx_s* dctx_ = nullptr;  // only for .zst
  std::string in_;               // compressed bytes read, [in_pos_, in_end_) not yet decoded
  size_t in_pos_ = 0, in_end_ = 0;
  bool in_eof_ = false;
  bool frame_open_ = false;      // a zstd frame is begun and not finished
  std::unique_ptr<char[]> buf_;  // decoded bytes, [begin_, end_) not yet returned
  size_t capacity_ = 0;
  size_t begin_ = 0, end_ = 0;
  size_t scanned_ = 0;       // bytes after begin_ already known to hold no '\n'
  bool discarding_ = false;  // inside a line that is too long, up to its '\n'
  bool eof_ = false;
  bool failed_ = false;
  uint64_t line_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_ROLLOUT_READER_H_
