// ScratchDir: a fresh temporary directory per test, removed afterwards; and a subprocess runner.
#ifndef THREADLOG_TESTS_TESTUTIL_SCRATCH_DIR_H_
#define THREADLOG_TESTS_TESTUTIL_SCRATCH_DIR_H_

#include <map>
#include <string>
#include <vector>

namespace threadlog::testing {

class ScratchDir {
 public:
  ScratchDir();  // creates $TMPDIR/threadlog-test-XXXXXX
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `argv` (argv[0] a path) to completion, capturing stdout and stderr.
CommandResult RunCommand(const std::vector<std::string>& argv);

// The same, with `env` set on top of the inherited environment (an empty value unsets the
// variable) and, when `cwd` is not empty, run in the directory `cwd`.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env,
                         const std::string& cwd = "");

// Reads a whole file; fails the current test when it cannot.
std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& content);

}  // namespace threadlog::testing

#endif  // THREADLOG_TESTS_TESTUTIL_SCRATCH_DIR_H_
