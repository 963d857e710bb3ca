// What every benchmark shares: percentiles over samples and a scratch folder that cleans up.
#ifndef THREADLOG_TOOLS_BENCH_UTIL_H_
#define THREADLOG_TOOLS_BENCH_UTIL_H_

#include <filesystem>
#include <string>
#include <vector>

namespace threadlog::bench {

// The p-quantile (0..1) of `samples`, nearest rank; 0 for no samples.
double Percentile(std::vector<double> samples, double p);
inline double Median(std::vector<double> samples) { return Percentile(std::move(samples), 0.5); }

// $parent/threadlog-bench-<name>-<pid>, created empty and removed when the benchmark ends,
// whatever happens.
class Scratch {
 public:
  Scratch(const std::string& parent, const std::string& name);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  std::string Sub(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace threadlog::bench

#endif  // THREADLOG_TOOLS_BENCH_UTIL_H_
