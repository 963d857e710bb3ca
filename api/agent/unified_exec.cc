// Unified exec: argument parsing with serde's wording, yields, the output text, and the session
// table with one reader thread per live process.
#include "api/agent/unified_exec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/session/serde_wording.h"
#include "eventlog/json_parse.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {
namespace {

using nlohmann::json;

// The most a call's output, and an item's aggregated output, keep: the first and the last half
// (Codex's 1 MiB output buffer).
constexpr size_t kOutputCap = 1 << 20;
constexpr size_t kHalfCap = kOutputCap / 2;

// serde's position: "line L column C" of the end of the arguments text (where a missing field
// is noticed: the closing brace).
std::string EndPosition(std::string_view text) {
  int line = 1;
  int column = 0;
  size_t end = text.size();
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\n' || text[end - 1] == '\t' ||
                     text[end - 1] == '\r')) {
    --end;
  }
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
  }
  return absl::StrCat("line ", line, " column ", column);
}

absl::Status ArgumentError(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("failed to parse function arguments: ", why));
}

absl::StatusOr<json> ArgumentsObject(std::string_view text) {
  absl::StatusOr<json> args = ParseJson(text);
  if (!args.ok()) return ArgumentError(args.status().message());
  if (!args->is_object()) {
    return ArgumentError(absl::StrCat("invalid type: ", api::session::SerdeUnexpected(*args),
                                      ", expected struct at ", EndPosition(text)));
  }
  return args;
}

// Reads member `key` as `kind` ("a string", "a boolean", "f64"), serde's way; nullopt-valued
// members count as absent, as serde's Option does.
template <typename T>
absl::Status Member(const json& args, std::string_view text, const char* key, const char* expected,
                    std::optional<T>& out) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) return absl::OkStatus();
  const bool ok = [&] {
    if constexpr (std::is_same_v<T, std::string>) return it->is_string();
    if constexpr (std::is_same_v<T, bool>) return it->is_boolean();
    if constexpr (std::is_same_v<T, double>) return it->is_number();
    if constexpr (std::is_same_v<T, int64_t>) return it->is_number_integer();
  }();
  if (!ok) {
    return ArgumentError(absl::StrCat("invalid type: ", api::session::SerdeUnexpected(*it),
                                      ", expected ", expected, " at ", EndPosition(text)));
  }
  out = it->get<T>();
  return absl::OkStatus();
}

// The whole UTF-8 sequence starting at `p` is valid: its length, else 0.
size_t Utf8SequenceLength(std::string_view s, size_t p) {
  const auto b = static_cast<unsigned char>(s[p]);
  size_t n = 0;
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF)
    n = 2;
  else if (b >= 0xE0 && b <= 0xEF)
    n = 3;
  else if (b >= 0xF0 && b <= 0xF4)
    n = 4;
  else
    return 0;
  if (p + n > s.size()) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((static_cast<unsigned char>(s[p + i]) & 0xC0) != 0x80) return 0;
  }
  const auto b1 = static_cast<unsigned char>(s[p + 1]);
  if ((b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 > 0x9F) || (b == 0xF0 && b1 < 0x90) ||
      (b == 0xF4 && b1 > 0x8F)) {
    return 0;
  }
  return n;
}

// How many bytes at the end of `s` may be the start of a character the next read completes.
size_t IncompleteTail(std::string_view s) {
  for (size_t back = 1; back <= 3 && back <= s.size(); ++back) {
    const auto b = static_cast<unsigned char>(s[s.size() - back]);
    if ((b & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

// Appends `chunk` to the head buffer until it holds kHalfCap bytes, the rest to a tail kept to
// its last kHalfCap bytes (Codex's buffer: the two halves joined without a marker).
void AppendCapped(std::string& head, std::string& tail, std::string_view chunk) {
  if (head.size() < kHalfCap) {
    const size_t take = std::min(chunk.size(), kHalfCap - head.size());
    head.append(chunk.substr(0, take));
    chunk.remove_prefix(take);
  }
  if (chunk.empty()) return;
  tail.append(chunk);
  if (tail.size() > 2 * kHalfCap) tail.erase(0, tail.size() - kHalfCap);
}

std::string JoinCapped(const std::string& head, const std::string& tail) {
  if (tail.size() <= kHalfCap) return head + tail;
  return head + tail.substr(tail.size() - kHalfCap);
}

// The longest prefix of `s` of at most `n` bytes that ends on a character boundary.
absl::string_view HeadOnBoundary(absl::string_view s, size_t n) {
  if (n >= s.size()) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}
absl::string_view TailOnBoundary(absl::string_view s, size_t n) {
  if (n >= s.size()) return s;
  size_t start = s.size() - n;
  while (start < s.size() && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) ++start;
  return s.substr(start);
}

int64_t TokensOf(size_t bytes) { return static_cast<int64_t>((bytes + 3) / 4); }

}  // namespace

absl::StatusOr<ExecCommandArgs> ParseExecCommandArgs(std::string_view arguments) {
  absl::StatusOr<json> args = ArgumentsObject(arguments);
  if (!args.ok()) return args.status();
  ExecCommandArgs out;
  std::optional<std::string> cmd;
  std::optional<bool> login;
  std::optional<bool> tty;
  for (absl::Status st : {
           Member(*args, arguments, "cmd", "a string", cmd),
           Member(*args, arguments, "workdir", "a string", out.workdir),
           Member(*args, arguments, "shell", "a string", out.shell),
           Member(*args, arguments, "login", "a boolean", login),
           Member(*args, arguments, "tty", "a boolean", tty),
           Member(*args, arguments, "yield_time_ms", "u64", out.yield_time_ms),
           Member(*args, arguments, "max_output_tokens", "usize", out.max_output_tokens),
           Member(*args, arguments, "sandbox_permissions", "a string", out.sandbox_permissions),
           Member(*args, arguments, "justification", "a string", out.justification),
       }) {
    if (!st.ok()) return st;
  }
  if (auto it = args->find("prefix_rule"); it != args->end() && !it->is_null()) {
    bool words = it->is_array();
    for (const json& w : *it) words = words && w.is_string();
    if (!words) {
      return ArgumentError(absl::StrCat("invalid type: ", api::session::SerdeUnexpected(*it),
                                        ", expected a sequence of strings at ",
                                        EndPosition(arguments)));
    }
    out.prefix_rule = it->get<std::vector<std::string>>();
  }
  if (!cmd) {
    return ArgumentError(absl::StrCat("missing field `cmd` at ", EndPosition(arguments)));
  }
  out.cmd = *std::move(cmd);
  out.login = login.value_or(true);
  out.tty = tty.value_or(false);
  return out;
}

absl::StatusOr<WriteStdinArgs> ParseWriteStdinArgs(std::string_view arguments) {
  absl::StatusOr<json> args = ArgumentsObject(arguments);
  if (!args.ok()) return args.status();
  WriteStdinArgs out;
  std::optional<int64_t> session;
  std::optional<std::string> chars;
  for (absl::Status st : {
           Member(*args, arguments, "session_id", "i32", session),
           Member(*args, arguments, "chars", "a string", chars),
           Member(*args, arguments, "yield_time_ms", "u64", out.yield_time_ms),
           Member(*args, arguments, "max_output_tokens", "usize", out.max_output_tokens),
       }) {
    if (!st.ok()) return st;
  }
  if (!session) {
    return ArgumentError(absl::StrCat("missing field `session_id` at ", EndPosition(arguments)));
  }
  out.session_id = *session;
  out.chars = chars.value_or("");
  return out;
}

absl::StatusOr<std::string> RequiredStringArgument(std::string_view arguments,
                                                   std::string_view name) {
  absl::StatusOr<json> args = ArgumentsObject(arguments);
  if (!args.ok()) return args.status();
  std::optional<std::string> value;
  const std::string key(name);
  if (absl::Status st = Member(*args, arguments, key.c_str(), "a string", value); !st.ok()) {
    return st;
  }
  if (!value) {
    return ArgumentError(absl::StrCat("missing field `", key, "` at ", EndPosition(arguments)));
  }
  return *value;
}

absl::Duration ExecYield(std::optional<double> yield_time_ms) {
  const double ms = std::clamp(yield_time_ms.value_or(10000.0), 250.0, 30000.0);
  return absl::Milliseconds(ms);
}

absl::Duration WriteStdinYield(std::optional<double> yield_time_ms, bool empty_chars) {
  const double ms = yield_time_ms.value_or(250.0);
  if (empty_chars) return absl::Milliseconds(std::clamp(ms, 5000.0, 300000.0));
  return absl::Milliseconds(std::clamp(ms, 250.0, 30000.0));
}

std::vector<std::string> ExecEnvironment(const std::vector<std::string>& base, bool login,
                                         const std::string& thread_id) {
  static const std::pair<const char*, const char*> kOverlay[] = {
      {"NO_COLOR", "1"},     {"TERM", "dumb"},  {"LANG", "C.UTF-8"}, {"LC_CTYPE", "C.UTF-8"},
      {"LC_ALL", "C.UTF-8"}, {"COLORTERM", ""}, {"PAGER", "cat"},    {"GIT_PAGER", "cat"},
      {"GH_PAGER", "cat"},   {"CODEX_CI", "1"}};
  auto name_of = [](const std::string& e) { return e.substr(0, e.find('=')); };
  std::vector<std::string> out;
  std::vector<std::string> names;
  for (const std::string& e : base) {
    const std::string name = name_of(e);
    if (name == "CODEX_THREAD_ID") continue;
    bool overlaid = false;
    for (const auto& [n, v] : kOverlay) overlaid = overlaid || name == n;
    if (overlaid && !login) continue;
    out.push_back(e);
    names.push_back(name);
  }
  for (const auto& [n, v] : kOverlay) {
    if (std::find(names.begin(), names.end(), n) == names.end()) {
      out.push_back(absl::StrCat(n, "=", v));
    }
  }
  out.push_back(absl::StrCat("CODEX_THREAD_ID=", thread_id));
  return out;
}

absl::StatusOr<std::vector<std::string>> LoginShellEnvironment(
    const std::string& shell, const std::vector<std::string>& base) {
  ExecSpec spec;
  // stderr is not wanted: a profile's complaints are not variables.
  spec.argv = {shell, "-lc", "env -0 2>/dev/null"};
  spec.cwd = "/";
  for (const std::string& e : base) {
    if (e.rfind("HOME=/", 0) == 0) spec.cwd = e.substr(5);
  }
  spec.env = base;
  absl::StatusOr<std::unique_ptr<ExecProcess>> process = ExecProcess::Start(spec);
  if (!process.ok()) return process.status();
  std::string out;
  ExecProcess::Collected got = (*process)->Collect(
      absl::Seconds(10), [&out](std::string_view chunk) { out.append(chunk); }, nullptr);
  if (!got.exit) {
    (*process)->Kill();
    return absl::DeadlineExceededError(
        absl::StrCat(shell, " -l did not finish within 10 s: its profile waits for something"));
  }
  if (got.exit->code != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(shell, " -l exited with code ", got.exit->code));
  }
  std::vector<std::string> env;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\0', start);
    if (end == std::string::npos) end = out.size();
    std::string entry = out.substr(start, end - start);
    start = end + 1;
    const std::string name = entry.substr(0, entry.find('='));
    if (entry.find('=') == std::string::npos || name == "PWD" || name == "OLDPWD" ||
        name == "SHLVL" || name == "_") {
      continue;
    }
    env.push_back(std::move(entry));
  }
  return env;
}

std::string LossyUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t p = 0;
  size_t run = 0;  // start of the valid bytes not yet copied: copied in one piece
  while (p < bytes.size()) {
    // Command output is mostly ASCII: eight bytes at a time while none has its high bit.
    while (p + 8 <= bytes.size()) {
      uint64_t word;
      std::memcpy(&word, bytes.data() + p, 8);
      if ((word & 0x8080808080808080ULL) != 0) break;
      p += 8;
    }
    if (p >= bytes.size()) break;
    const size_t n = Utf8SequenceLength(bytes, p);
    if (n == 0) {
      out.append(bytes.substr(run, p - run));
      out.append("\xEF\xBF\xBD");
      run = ++p;
    } else {
      p += n;
    }
  }
  out.append(bytes.substr(run));
  return out;
}

std::string FormatExecOutput(const ExecOutputReport& report) {
  absl::BitGen bits;
  std::string out = absl::StrCat("Command: ", report.command, "\n");
  absl::StrAppendFormat(&out, "Chunk ID: %06x\n", absl::Uniform<uint32_t>(bits, 0, 1u << 24));
  absl::StrAppendFormat(&out, "Wall time: %.4f seconds\n", absl::ToDoubleSeconds(report.wall));
  if (report.exit_code) {
    absl::StrAppend(&out, "Process exited with code ", *report.exit_code, "\n");
  } else if (report.session_id) {
    absl::StrAppend(&out, "Process running with session ID ", *report.session_id, "\n");
  }
  absl::StrAppend(&out, "Original token count: ", TokensOf(report.output.size()), "\nOutput:\n",
                  TruncateOutputTokens(report.output, report.max_output_tokens));
  return out;
}

std::string TruncateOutputTokens(std::string_view output, int64_t max_tokens) {
  const absl::string_view text(output.data(), output.size());
  max_tokens = std::max<int64_t>(0, max_tokens);
  const size_t budget = static_cast<size_t>(max_tokens) * 4;
  if (text.size() <= budget) return std::string(text);
  const int64_t lines =
      std::count(text.begin(), text.end(), '\n') + (!text.empty() && text.back() != '\n' ? 1 : 0);
  return absl::StrCat("Total output lines: ", lines, "\n\n", HeadOnBoundary(text, budget / 2),
                      "\xE2\x80\xA6", TokensOf(text.size()) - max_tokens,
                      " tokens truncated\xE2\x80\xA6", TailOnBoundary(text, budget / 2));
}

ExecSession::ExecSession(int64_t id, std::unique_ptr<ExecProcess> process, Observer observer,
                         std::shared_ptr<void> attachment)
    : id_(id),
      process_(std::move(process)),
      observer_(std::move(observer)),
      attachment_(std::move(attachment)) {
  reader_ = std::thread([this] { ReadLoop(); });
}

ExecSession::~ExecSession() {
  process_->Kill();
  if (reader_.joinable()) reader_.join();
}

void ExecSession::ReadLoop() {
  std::string carry;  // the start of a character the next read completes
  std::string aggregated_head;
  std::string aggregated_tail;
  auto take = [&](std::string_view chunk) {
    std::string bytes = carry;
    bytes.append(chunk);
    const size_t keep = IncompleteTail(bytes);
    carry = bytes.substr(bytes.size() - keep);
    bytes.resize(bytes.size() - keep);
    if (bytes.empty()) return;
    const std::string text = LossyUtf8(bytes);
    AppendCapped(aggregated_head, aggregated_tail, text);
    {
      absl::MutexLock lock(&mu_);
      AppendCapped(unread_, unread_tail_, text);
    }
    if (observer_.on_output) observer_.on_output(text);
  };
  while (true) {
    ExecProcess::Collected got = process_->Collect(absl::Seconds(1), take, nullptr);
    if (!got.exit) continue;
    if (!carry.empty()) {
      const std::string text = LossyUtf8(carry);
      carry.clear();
      AppendCapped(aggregated_head, aggregated_tail, text);
      absl::MutexLock lock(&mu_);
      AppendCapped(unread_, unread_tail_, text);
    }
    if (observer_.on_exit) {
      observer_.on_exit(*got.exit, JoinCapped(aggregated_head, aggregated_tail),
                        absl::Now() - started_);
    }
    absl::MutexLock lock(&mu_);
    exit_ = got.exit;
    return;
  }
}

ExecSession::Read ExecSession::ReadUntil(absl::Time deadline, CancelToken* cancel) {
  const absl::Time start = absl::Now();
  Read out;
  absl::MutexLock lock(&mu_);
  auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return exit_.has_value(); };
  while (!exit_) {
    if (cancel != nullptr && cancel->cancelled()) break;
    const absl::Time now = absl::Now();
    if (now >= deadline) break;
    // Slices of 50 ms at most, so that cancellation is seen.
    mu_.AwaitWithDeadline(absl::Condition(&ended),
                          std::min(deadline, now + absl::Milliseconds(50)));
  }
  out.output = JoinCapped(unread_, unread_tail_);
  unread_.clear();
  unread_tail_.clear();
  out.exit = exit_;
  out.waited = absl::Now() - start;
  return out;
}

std::optional<ExecExit> ExecSession::WaitForExit(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return exit_.has_value(); };
  mu_.AwaitWithDeadline(absl::Condition(&ended), deadline);
  return exit_;
}

absl::StatusOr<std::shared_ptr<ExecSession>> ExecSessions::Start(const ExecSpec& spec,
                                                                 ExecSession::Observer observer,
                                                                 std::shared_ptr<void> attachment) {
  absl::StatusOr<std::unique_ptr<ExecProcess>> process = ExecProcess::Start(spec);
  if (!process.ok()) return process.status();
  absl::MutexLock lock(&mu_);
  absl::BitGen bits;
  int64_t id = 0;
  do {
    id = absl::Uniform<int64_t>(bits, 1000, 100000);
  } while (sessions_.count(id) != 0);
  std::shared_ptr<ExecSession> session(
      new ExecSession(id, *std::move(process), std::move(observer), std::move(attachment)));
  sessions_[id] = session;
  return session;
}

std::shared_ptr<ExecSession> ExecSessions::Find(int64_t id) const {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second;
}

void ExecSessions::Forget(int64_t id) {
  std::shared_ptr<ExecSession> gone;
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  gone = std::move(it->second);
  sessions_.erase(it);
}

int ExecSessions::KillAll() {
  std::map<int64_t, std::shared_ptr<ExecSession>> all;
  {
    absl::MutexLock lock(&mu_);
    all.swap(sessions_);
  }
  for (auto& [id, session] : all) session->Kill();
  // Each reader reports its exit and returns; the last owner joins it.
  for (auto& [id, session] : all) session->ReadUntil(absl::InfiniteFuture(), nullptr);
  return static_cast<int>(all.size());
}

void ExecSessions::ApproveForSession(const std::vector<std::string>& argv) {
  absl::MutexLock lock(&mu_);
  approved_.insert(argv);
}

bool ExecSessions::ApprovedForSession(const std::vector<std::string>& argv) const {
  absl::MutexLock lock(&mu_);
  return approved_.count(argv) > 0;
}

int ExecSessions::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(sessions_.size());
}

}  // namespace threadlog::agent
