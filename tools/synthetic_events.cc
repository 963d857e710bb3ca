// Template-based synthetic rollouts: real fixture lines with ids, numbers and texts varied.
#include "tools/synthetic_events.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "eventlog/json_parse.h"
#include "eventlog/rollout_line.h"
#include "eventlog/rollout_reader.h"
#include "eventlog/timestamp.h"
#include "nlohmann/json.hpp"

namespace threadlog::bench {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr const char* kWords[] = {"build",   "test",    "parser", "store",  "thread",  "append",
                                  "compact", "index",   "cursor", "status", "fixture", "replay",
                                  "schema",  "client",  "server", "socket", "commit",  "refactor",
                                  "latency", "handler", "queue",  "rename", "archive", "fork"};

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool IsTextKey(const std::string& key) {
  return key == "message" || key == "text" || key == "output" || key == "arguments" ||
         key == "aggregated_output" || key == "last_agent_message" || key == "input";
}

class Mutator {
 public:
  Mutator(std::mt19937_64& rng, uint64_t thread_index) : rng_(rng), thread_index_(thread_index) {}

  void Walk(OrderedJson& value, const std::string& key) {
    if (value.is_object()) {
      for (auto& [k, v] : value.items()) Walk(v, k);
    } else if (value.is_array()) {
      for (auto& v : value) Walk(v, key);
    } else if (value.is_string()) {
      std::string& s = value.get_ref<std::string&>();
      if (IsUuid(s)) {
        s = MappedUuid(s);
      } else if (IsTextKey(key) && !s.empty()) {
        VaryText(s);
      }
    } else if (value.is_number_unsigned() && key.find("tokens") != std::string::npos) {
      value = value.get<uint64_t>() + rng_() % 1000;
    }
  }

  std::string MappedUuid(const std::string& original) {
    auto [it, inserted] = uuids_.try_emplace(original);
    if (inserted) it->second = ThreadId::NewV7().ToString();
    return it->second;
  }

 private:
  // Swaps one word for another and tags the text with the thread number: texts differ between
  // threads as real ones do, while most of each text stays what a real session would hold.
  void VaryText(std::string& s) {
    size_t space = s.find(' ', rng_() % s.size());
    const char* word = kWords[rng_() % std::size(kWords)];
    if (space != std::string::npos) s.insert(space + 1, absl::StrCat(word, " "));
    s += absl::StrCat(" #", thread_index_);
  }

  std::mt19937_64& rng_;
  uint64_t thread_index_;
  std::unordered_map<std::string, std::string> uuids_;
};

}  // namespace

absl::StatusOr<std::vector<SyntheticThread>> MakeSyntheticThreads(const std::string& fixtures_dir,
                                                                  uint64_t min_events,
                                                                  uint64_t seed,
                                                                  uint64_t max_events_per_thread) {
  std::vector<std::vector<OrderedJson>> templates;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(fixtures_dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (absl::StartsWith(name, "rollout-") && absl::EndsWith(name, ".jsonl")) {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    absl::StatusOr<std::unique_ptr<RolloutReader>> reader = RolloutReader::Open(file.string());
    if (!reader.ok()) return reader.status();
    std::vector<OrderedJson> lines;
    for (;;) {
      absl::StatusOr<std::optional<RolloutReader::Line>> line = (*reader)->Next();
      if (!line.ok()) return line.status();
      if (!line->has_value()) break;
      absl::StatusOr<OrderedJson> json = ParseOrderedJson((*line)->text);
      if (json.ok() && json->is_object()) lines.push_back(*std::move(json));
    }
    if (!lines.empty()) templates.push_back(std::move(lines));
  }
  if (templates.empty()) {
    return absl::NotFoundError(absl::StrCat("no rollout-*.jsonl templates below ", fixtures_dir));
  }

  std::mt19937_64 rng(seed);
  std::vector<SyntheticThread> threads;
  uint64_t total = 0;
  int64_t clock_ms = 1'770'000'000'000;  // early 2026
  for (uint64_t index = 0; total < min_events; ++index) {
    const std::vector<OrderedJson>& lines = templates[index % templates.size()];
    Mutator mutator(rng, index);
    SyntheticThread thread;
    for (const OrderedJson& original : lines) {
      if (max_events_per_thread != 0 && thread.events.size() >= max_events_per_thread) break;
      OrderedJson line = original;
      mutator.Walk(line["payload"], "payload");
      clock_ms += 1 + static_cast<int64_t>(rng() % 2000);
      line["timestamp"] = FormatTimestampMs(clock_ms);
      std::string text = line.dump();
      absl::StatusOr<NewEvent> event = ParseRolloutLine(text);
      if (!event.ok()) continue;  // templates hold only rollout lines; tolerate stray ones
      thread.jsonl_bytes += text.size() + 1;
      thread.events.push_back(std::move(*event));
    }
    if (thread.events.empty() || thread.events.front().kind != EventKind::kSessionMeta) continue;
    OrderedJson meta = OrderedJson::parse(thread.events.front().payload.view());
    absl::StatusOr<ThreadId> id = ThreadId::Parse(meta.value("id", ""));
    if (!id.ok()) return id.status();
    thread.id = *id;
    total += thread.events.size();
    threads.push_back(std::move(thread));
  }
  return threads;
}

absl::StatusOr<SyntheticThread> MakeLongThread(const std::string& fixtures_dir, uint64_t min_events,
                                               uint64_t seed) {
  absl::StatusOr<std::vector<SyntheticThread>> parts =
      MakeSyntheticThreads(fixtures_dir, min_events, seed);
  if (!parts.ok()) return parts.status();
  SyntheticThread thread = std::move(parts->front());
  for (size_t i = 1; i < parts->size() && thread.events.size() < min_events; ++i) {
    for (NewEvent& e : (*parts)[i].events) {
      if (e.kind == EventKind::kSessionMeta) continue;
      thread.events.push_back(std::move(e));
    }
    thread.jsonl_bytes += (*parts)[i].jsonl_bytes;
  }
  return thread;
}

}  // namespace threadlog::bench
