// FaultFileSystem: a RocksDB file system over the real one that fails chosen writes and syncs
// with ENOSPC or EIO, and can drop what was never synced, so full-disk, I/O-error and crash
// paths are tested without a small disk or a power cut.
#ifndef THREADLOG_TESTS_TESTUTIL_FAULT_FS_H_
#define THREADLOG_TESTS_TESTUTIL_FAULT_FS_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace threadlog::testing {

class FaultFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  enum class Fault { kNoSpace, kIoError };

  FaultFileSystem();
  const char* Name() const override { return "FaultFileSystem"; }

  // From now on, after `skip` more successful ones, every Append to a file whose name ends in
  // `suffix` (".log": the write-ahead log; "": any file) fails with `fault`, until Heal().
  void FailAppends(Fault fault, std::string suffix, int skip = 0);
  // The same for Sync/Fsync.
  void FailSyncs(Fault fault, std::string suffix, int skip = 0);
  // No more faults.
  void Heal();
  // How many operations failed on purpose so far.
  int injected() const;

  // What a machine crash keeps: every file written through this file system is cut back to its
  // size at its last sync (a file never synced to nothing). Only while no store is open on it.
  void DropUnsyncedData();

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* file,
                                       rocksdb::IODebugContext* dbg) override;

 private:
  class File;
  struct Rule {
    bool active = false;
    Fault fault = Fault::kNoSpace;
    std::string suffix;
    int skip = 0;
  };
  // The status an operation on `name` gets under `rule`; OK when it should go through.
  rocksdb::IOStatus Check(Rule& rule, const std::string& name);
  void Written(const std::string& name, uint64_t size);
  void Synced(const std::string& name);

  mutable std::mutex mu_;
  Rule appends_;
  Rule syncs_;
  int injected_ = 0;
  struct Sizes {
    uint64_t written = 0;
    uint64_t synced = 0;
  };
  std::map<std::string, Sizes> files_;
};

// A file system to inject faults into and the Env a store is opened on to do its I/O through
// it. The Env shares ownership of the file system; the file system does not own the Env (that
// would be a reference cycle, leaked at exit).
struct FaultStorage {
  std::shared_ptr<FaultFileSystem> fs = std::make_shared<FaultFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
};

}  // namespace threadlog::testing

#endif  // THREADLOG_TESTS_TESTUTIL_FAULT_FS_H_
