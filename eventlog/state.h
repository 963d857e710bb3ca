// The state a layer above the log keeps beside it (the projections): named families of ordered
// key/value records, written in the same atomic batch as the appends they are derived from, so
// that no reader sees an event without its state or the reverse. The interfaces name no storage
// engine; eventlog's RocksDB store implements them with column families.
#ifndef THREADLOG_EVENTLOG_STATE_H_
#define THREADLOG_EVENTLOG_STATE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threadlog {

// A state family, by its index in StoreOptions::state_families.
using StateFamily = size_t;

// A forward scan over the records of one family. Typical use:
//   for (; it->Valid(); it->Next()) Use(it->key(), it->value());
//   if (!it->status().ok()) ...
class StateIterator {
 public:
  virtual ~StateIterator() = default;
  virtual bool Valid() const = 0;
  // Require Valid(); the views stay valid until Next() or the iterator's destruction.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual void Next() = 0;
  // OK at the natural end; the first error otherwise (the scan stops at it).
  virtual absl::Status status() const = 0;
};

// Committed state. Thread-safe; each call reads what was committed when it started.
class StateReader {
 public:
  virtual ~StateReader() = default;
  // nullopt when `key` is absent.
  virtual absl::StatusOr<std::optional<std::string>> Get(StateFamily family,
                                                         std::string_view key) = 0;
  // The records whose key starts with `prefix` and is >= `start` (empty: from the prefix's
  // first key), in key order.
  virtual std::unique_ptr<StateIterator> Scan(StateFamily family, std::string_view prefix,
                                              std::string_view start = {}) = 0;
};

// Buffers writes to state; they take effect together with the batch they belong to (an append,
// or one write of a rebuild), never alone. Not thread-safe; owned by the code that commits it.
class StateWriter {
 public:
  virtual ~StateWriter() = default;
  virtual void Put(StateFamily family, std::string_view key, std::string_view value) = 0;
  virtual void Delete(StateFamily family, std::string_view key) = 0;
  // Bytes buffered so far (a rebuild writes its batch whenever it grows large).
  virtual size_t buffered_bytes() const = 0;
};

// A fresh, empty generation of every state family, filled aside while the live generation
// keeps serving readers (EventStore::BeginStateRebuild). Destroying it without a successful
// Commit() drops everything it wrote and leaves the live generation exactly as it was.
// Not thread-safe.
class StateRebuild {
 public:
  virtual ~StateRebuild() = default;
  // Reads the new generation: what Write() committed so far.
  virtual StateReader& reader() = 0;
  // A batch for Write(); only batches made here may be written here.
  virtual std::unique_ptr<StateWriter> NewBatch() = 0;
  // Writes `batch` into the new generation and empties it.
  virtual absl::Status Write(StateWriter& batch) = 0;
  // Makes the new generation the live one, atomically and durably (a crash before this returns
  // leaves the old generation live, a crash after it the new one), then drops the old one.
  virtual absl::Status Commit() = 0;
};

}  // namespace threadlog

#endif  // THREADLOG_EVENTLOG_STATE_H_
