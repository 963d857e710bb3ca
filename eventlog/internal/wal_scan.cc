// The write-ahead log scanner: physical records, checksums, fragments, zstd frames.
#include "eventlog/internal/wal_scan.h"

#include <zstd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "rocksdb/file_checksum.h"

namespace threadlog::rocks {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBlockSize = 32768;
constexpr size_t kHeaderSize = 7;  // masked crc32c (4), length (2), type (1)
constexpr uint32_t kMaskDelta = 0xa282ead8u;
// A logical record never decompresses to more than this (RocksDB caps a write batch far below).
constexpr size_t kMaxRecordBytes = 1ull << 30;

enum RecordType : uint8_t {
  kZeroType = 0,  // preallocated space, never written
  kFullType = 1,
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
  kSetCompressionType = 9,
};
constexpr uint8_t kZstdCompression = 0x7;  // rocksdb::kZSTD

uint32_t Crc32c(std::string_view a, std::string_view b) {
  // RocksDB's public CRC32C (the checksum generator of its file checksums), big-endian.
  static const std::shared_ptr<rocksdb::FileChecksumGenFactory> factory =
      rocksdb::GetFileChecksumGenCrc32cFactory();
  std::unique_ptr<rocksdb::FileChecksumGenerator> gen =
      factory->CreateFileChecksumGenerator(rocksdb::FileChecksumGenContext());
  gen->Update(a.data(), a.size());
  gen->Update(b.data(), b.size());
  gen->Finalize();
  const std::string sum = gen->GetChecksum();
  uint32_t crc = 0;
  for (unsigned char c : sum) crc = crc << 8 | c;
  return crc;
}

uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

uint32_t Fixed32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return u[0] | u[1] << 8 | u[2] << 16 | static_cast<uint32_t>(u[3]) << 24;
}

// A physical record at `pos`, or why there is none.
struct Physical {
  uint8_t type = 0;
  std::string_view payload;
  size_t next = 0;    // where the following record starts
  std::string error;  // empty when intact
  bool tail = false;  // the error is running into the end of the file
};

Physical ReadPhysical(std::string_view data, size_t pos) {
  Physical p;
  const size_t block_left = kBlockSize - pos % kBlockSize;
  if (data.size() - pos < kHeaderSize) {
    p.error = "incomplete record header at the end of the file";
    p.tail = true;
    return p;
  }
  const uint32_t masked = Fixed32(data.data() + pos);
  const size_t length = static_cast<unsigned char>(data[pos + 4]) |
                        static_cast<size_t>(static_cast<unsigned char>(data[pos + 5])) << 8;
  p.type = static_cast<uint8_t>(data[pos + 6]);
  if (kHeaderSize + length > block_left) {
    p.error = "record length runs past its block";
    return p;
  }
  if (pos + kHeaderSize + length > data.size()) {
    p.error = "record cut short by the end of the file";
    p.tail = true;
    return p;
  }
  p.payload = data.substr(pos + kHeaderSize, length);
  p.next = pos + kHeaderSize + length;
  if (p.type == kZeroType && length == 0 && masked == 0) return p;  // preallocated zeros
  const char type_byte = static_cast<char>(p.type);
  if (Unmask(masked) != Crc32c(std::string_view(&type_byte, 1), p.payload)) {
    p.error = "checksum mismatch";
  }
  return p;
}

bool AllZero(std::string_view data) {
  return std::all_of(data.begin(), data.end(), [](char c) { return c == 0; });
}

bool Decompress(std::string_view frame, std::string* out) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  std::string buffer(64 << 10, '\0');
  bool ok = true;
  size_t ret = 1;
  while (ret != 0) {
    ZSTD_outBuffer o{buffer.data(), buffer.size(), 0};
    ret = ZSTD_decompressStream(ctx, &o, &in);
    if (ZSTD_isError(ret) || out->size() + o.pos > kMaxRecordBytes) {
      ok = false;
      break;
    }
    out->append(buffer.data(), o.pos);
    if (in.pos == in.size && o.pos < o.size && ret != 0) {
      ok = false;  // the frame ends early
      break;
    }
  }
  ZSTD_freeDCtx(ctx);
  return ok;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> WalFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 4 && name.ends_with(".log") &&
        std::all_of(name.begin(), name.end() - 4, [](char c) { return c >= '0' && c <= '9'; })) {
      files.push_back(name);
    }
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
  // Same width in practice (six digits), but compare as numbers to be safe.
  std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return files;
}

absl::StatusOr<WalFileScan> ScanWalFile(const std::string& dir, const std::string& file) {
  const fs::path path = fs::path(dir) / file;
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string_view data(bytes);

  WalFileScan scan;
  scan.file = file;
  bool compressed = false;
  std::string fragments;  // of the logical record being assembled
  size_t record_start = 0;
  bool in_record = false;
  size_t pos = 0;
  auto deliver = [&](WalRecord record) {
    (scan.damage ? scan.after : scan.before).push_back(std::move(record));
  };
  auto finish = [&](size_t offset, std::string payload) -> std::string {
    WalRecord record;
    record.offset = offset;
    if (!compressed) {
      record.batch = std::move(payload);
    } else if (!Decompress(payload, &record.batch)) {
      return "record does not decompress";
    }
    deliver(std::move(record));
    return "";
  };
  auto damaged = [&](size_t at, std::string what) {
    in_record = false;
    fragments.clear();
    if (!scan.damage) scan.damage = WalDamage{file, at, std::move(what)};
  };
  while (pos < data.size()) {
    const size_t block_left = kBlockSize - pos % kBlockSize;
    if (block_left < kHeaderSize) {  // a block's trailer: padding
      pos += block_left;
      continue;
    }
    Physical p = ReadPhysical(data, pos);
    if (!p.error.empty()) {
      damaged(pos, p.error);
      if (p.tail) break;
      // Resynchronise: right after this record when its length is plausible and what follows
      // reads back intact, else at the next block.
      const size_t after = p.next != 0 ? p.next : pos + kHeaderSize;
      if (p.next != 0 && p.next < data.size() && ReadPhysical(data, p.next).error.empty()) {
        pos = p.next;
      } else {
        pos = (after / kBlockSize + 1) * kBlockSize;
      }
      continue;
    }
    if (p.type == kZeroType) {
      // Preallocated space: the log ends here, unless something was written after it.
      if (AllZero(data.substr(pos))) break;
      damaged(pos, "unwritten space in the middle of the log");
      pos = (pos / kBlockSize + 1) * kBlockSize;
      continue;
    }
    switch (p.type) {
      case kSetCompressionType:
        compressed = !p.payload.empty() && static_cast<uint8_t>(p.payload[0]) == kZstdCompression;
        break;
      case kFullType:
        if (in_record) damaged(record_start, "record interrupted by another");
        if (std::string e = finish(pos, std::string(p.payload)); !e.empty()) damaged(pos, e);
        break;
      case kFirstType:
        if (in_record) damaged(record_start, "record interrupted by another");
        in_record = true;
        record_start = pos;
        fragments.assign(p.payload);
        break;
      case kMiddleType:
      case kLastType:
        if (!in_record) {
          // The rest of a record whose start was lost (after a resynchronisation).
          if (!scan.damage) damaged(pos, "record continuation without its start");
          break;
        }
        fragments.append(p.payload);
        if (p.type == kLastType) {
          in_record = false;
          if (std::string e = finish(record_start, std::move(fragments)); !e.empty()) {
            damaged(record_start, e);
          }
          fragments.clear();
        }
        break;
      default:
        damaged(pos, absl::StrCat("unknown record type ", static_cast<int>(p.type)));
        break;
    }
    pos = p.next;
  }
  if (in_record) damaged(record_start, "record cut short by the end of the file");
  // Damage that nothing readable follows is where a crash cut the last write.
  if (scan.damage && scan.after.empty()) scan.torn_tail = true;
  return scan;
}

absl::StatusOr<std::optional<WalDamage>> FindWalDamage(const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> files = WalFiles(dir);
  if (!files.ok()) return files.status();
  for (size_t i = 0; i < files->size(); ++i) {
    absl::StatusOr<WalFileScan> scan = ScanWalFile(dir, (*files)[i]);
    if (!scan.ok()) return scan.status();
    const bool last = i + 1 == files->size();
    if (scan->damage && !(scan->torn_tail && last)) return scan->damage;
  }
  return std::nullopt;
}

}  // namespace threadlog::rocks
