// `threadlog replay DIR... [--bless]`: the replay regression cases against Codex's answers.
#include <iostream>

#include "absl/strings/str_format.h"
#include "tools/cli.h"
#include "tools/replay.h"

namespace threadlog::cli {

void RegisterReplay(CLI::App& app, GlobalOptions& /*global*/, Action* action) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto bless = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "replay",
      "Replay regression cases (events.jsonl + expected.json) through a scratch store and diff "
      "the projected thread against Codex's thread/read answer");
  cmd->add_option("dirs", *paths, "case folders, or folders of case folders")->required();
  cmd->add_flag("--bless", *bless, "rewrite each expected.json with what the store projects");
  cmd->callback([paths, bless, action] {
    *action = [paths, bless] {
      absl::StatusOr<std::vector<std::string>> cases = FindReplayCases(*paths);
      if (!cases.ok()) return ReportError(cases.status());
      if (!*bless) {
        std::cout << "not compared (the store assigns these differently from Codex):\n";
        for (const IgnoredField& field : ReplayIgnoredFields()) {
          std::cout << "  " << field.pattern << ": " << field.reason << "\n";
        }
      }
      int failed = 0;
      for (const std::string& dir : *cases) {
        absl::StatusOr<ReplayResult> result = RunReplayCase(dir, *bless);
        if (!result.ok()) {
          ++failed;
          std::cout << "ERROR " << dir << ": " << result.status().message() << "\n";
          continue;
        }
        for (const std::string& skipped : result->skipped_lines) {
          std::cout << "  skipped line " << skipped << "\n";
        }
        if (result->blessed) {
          std::cout << "BLESSED " << dir << "\n";
        } else if (result->differences.empty()) {
          std::cout << "PASS " << dir << "\n";
        } else {
          ++failed;
          std::cout << absl::StrFormat("FAIL %s: %d differences (expected = Codex, got = ours)\n",
                                       dir, result->differences.size())
                    << FormatDifferences(result->differences);
        }
      }
      std::cout << absl::StrFormat("%d cases, %d failed\n", cases->size(), failed);
      return failed == 0 ? 0 : 1;
    };
  });
}

}  // namespace threadlog::cli
