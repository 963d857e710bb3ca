// The LeakSanitizer suppressions of the sanitizer build (scripts/test), compiled into every test
// binary so that they hold however a test is run. Only leaks in third-party code on failure
// paths belong here, each with its reason.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define THREADLOG_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define THREADLOG_LSAN 1
#endif

#ifdef THREADLOG_LSAN
// RocksDB 7.8 (Debian 12): when DB::Open fails after it created the new WAL (the injected full
// disk of StoreFaultsTest.AFullDiskFailsTheAppendReadsGoOnAndWritesResumeOnceHealed, where the
// store reopens itself to recover), the log::Writer DBImpl::CreateWAL made is never freed.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:rocksdb::DBImpl::CreateWAL\n";
}
#endif
