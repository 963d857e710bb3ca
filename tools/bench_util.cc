// Percentiles and scratch folders for the benchmarks.
#include "tools/bench_util.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace threadlog::bench {

double Percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  size_t i = static_cast<size_t>(p * (samples.size() - 1) + 0.5);
  return samples[std::min(i, samples.size() - 1)];
}

Scratch::Scratch(const std::string& parent, const std::string& name)
    : path_(std::filesystem::path(parent) / absl::StrCat("threadlog-bench-", name, "-", getpid())) {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  std::filesystem::create_directories(path_, ec);
}

Scratch::~Scratch() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace threadlog::bench
