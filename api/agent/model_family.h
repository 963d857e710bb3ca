// ModelFamily: what the turn engine needs to know about a model to build its requests — the
// base instructions (with the personality filled in), the context window, reasoning and
// verbosity support, which shell and apply_patch tools it gets — read from Codex 0.117.0's
// bundled model metadata (api/agent/codex_models.json, compiled in).
#ifndef THREADLOG_API_AGENT_MODEL_FAMILY_H_
#define THREADLOG_API_AGENT_MODEL_FAMILY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace threadlog::agent {

// One model's metadata. A plain value.
struct ModelFamily {
  std::string slug;
  // The system prompt; for a model with an instructions template, the template with the
  // personality filled in is what Instructions() returns.
  std::string base_instructions;
  std::optional<std::string> instructions_template;  // contains "{{ personality }}"
  std::string personality_default;                   // the template's variables
  std::string personality_friendly;
  std::string personality_pragmatic;
  int64_t context_window = 0;  // tokens, as listed
  bool supports_reasoning_summaries = false;
  std::string default_reasoning_summary = "auto";  // auto | concise | detailed | none
  std::string default_reasoning_effort = "medium";
  bool supports_verbosity = false;
  std::optional<std::string> default_verbosity;
  std::string shell_type = "default";  // shell_command | default | local | unified_exec ...
  std::optional<std::string> apply_patch_tool_type;  // freeform | function
  bool supports_parallel_tool_calls = false;
  std::vector<std::string> input_modalities;  // text, image
  std::string truncation_mode = "bytes";      // truncation_policy: tokens | bytes
  int64_t truncation_limit = 10000;
  bool known = true;  // false: not in the catalog (defaults used)

  // The tokens a turn may fill: 95% of the listed window, as Codex reports it in task_started
  // (model_context_window) and thread/tokenUsage/updated.
  int64_t EffectiveContextWindow() const { return context_window * 95 / 100; }
  // The instructions Codex sends for this model with `personality` (none, friendly,
  // pragmatic; unset: pragmatic, Codex's default).
  std::string Instructions(const std::optional<std::string>& personality) const;
};

// Immutable after construction, so thread-safe.
class ModelFamilies {
 public:
  // Parses Codex's models.json shape ({"models": [...]}). kInvalidArgument naming the entry
  // when a model lacks its slug or base_instructions.
  static absl::StatusOr<ModelFamilies> FromJson(std::string_view text);
  // The metadata compiled into the binary. Aborts if it is invalid, which the tests rule out.
  static const ModelFamilies& Bundled();

  // The model `slug`'s family: the entry with that slug, else the entry whose slug is the
  // longest prefix of it ("gpt-5.1-codex-2026" -> gpt-5.1-codex), else a family with the
  // first entry's instructions and Codex's defaults for an unknown model (`known` false).
  ModelFamily Find(std::string_view slug) const;

  const std::vector<ModelFamily>& families() const { return families_; }

 private:
  std::vector<ModelFamily> families_;
};

}  // namespace threadlog::agent

#endif  // THREADLOG_API_AGENT_MODEL_FAMILY_H_
