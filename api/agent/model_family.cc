// ModelFamily and ModelFamilies: Codex's bundled model metadata, parsed and looked up by slug.
#include "api/agent/model_family.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"

namespace threadlog::agent {

extern const char kCodexModelsJson[];  // api/agent/codex_models.json (embedded_data.cc)

namespace {

using nlohmann::json;

std::string StringOr(const json& object, const char* key, std::string fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::optional<std::string> OptionalString(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool BoolOr(const json& object, const char* key, bool fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// The family Codex 0.117.0 uses for a model it has no metadata for: its default prompt (the
// one the gpt-5 and gpt-oss entries carry), no reasoning, no apply_patch tool, a 272,000-token
// window (what the reference binary showed for an unknown slug).
ModelFamily UnknownFamily(std::string_view slug, const std::vector<ModelFamily>& families) {
  ModelFamily unknown;
  for (const ModelFamily& f : families) {
    if (f.slug == "gpt-5") unknown.base_instructions = f.base_instructions;
  }
  unknown.slug = std::string(slug);
  unknown.context_window = 272000;
  unknown.supports_reasoning_summaries = false;
  unknown.default_reasoning_summary = "none";
  unknown.shell_type = "default";
  unknown.input_modalities = {"text", "image"};
  unknown.known = false;
  return unknown;
}

}  // namespace

std::string ModelFamily::Instructions(const std::optional<std::string>& personality) const {
  if (!instructions_template) return base_instructions;
  // Codex 0.117.0's default personality is pragmatic (its turn_context records it so).
  const std::string* text = &personality_pragmatic;
  if (personality == "friendly") text = &personality_friendly;
  if (personality == "none") text = &personality_default;
  return absl::StrReplaceAll(*instructions_template, {{"{{ personality }}", *text}});
}

absl::StatusOr<ModelFamilies> ModelFamilies::FromJson(std::string_view text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("models") || !parsed["models"].is_array()) {
    return absl::InvalidArgumentError("model metadata: not an object with a \"models\" array");
  }
  ModelFamilies out;
  size_t index = 0;
  for (const json& m : parsed["models"]) {
    if (!m.is_object() || !m.contains("slug") || !m["slug"].is_string() ||
        !m.contains("base_instructions") || !m["base_instructions"].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat("model metadata: entry ", index, " lacks its slug or base_instructions"));
    }
    ModelFamily f;
    f.slug = m["slug"].get<std::string>();
    f.base_instructions = m["base_instructions"].get<std::string>();
    if (auto mm = m.find("model_messages"); mm != m.end() && mm->is_object()) {
      f.instructions_template = OptionalString(*mm, "instructions_template");
      if (auto vars = mm->find("instructions_variables"); vars != mm->end() && vars->is_object()) {
        f.personality_default = StringOr(*vars, "personality_default", "");
        f.personality_friendly = StringOr(*vars, "personality_friendly", "");
        f.personality_pragmatic = StringOr(*vars, "personality_pragmatic", "");
      }
    }
    if (auto w = m.find("context_window"); w != m.end() && w->is_number_integer()) {
      f.context_window = w->get<int64_t>();
    }
    f.supports_reasoning_summaries = BoolOr(m, "supports_reasoning_summaries", false);
    f.default_reasoning_summary = StringOr(m, "default_reasoning_summary", "auto");
    f.default_reasoning_effort = StringOr(m, "default_reasoning_level", "medium");
    f.supports_verbosity = BoolOr(m, "support_verbosity", false);
    f.default_verbosity = OptionalString(m, "default_verbosity");
    f.shell_type = StringOr(m, "shell_type", "default");
    f.apply_patch_tool_type = OptionalString(m, "apply_patch_tool_type");
    f.supports_parallel_tool_calls = BoolOr(m, "supports_parallel_tool_calls", false);
    if (auto t = m.find("truncation_policy"); t != m.end() && t->is_object()) {
      f.truncation_mode = StringOr(*t, "mode", "bytes");
      if (auto limit = t->find("limit"); limit != t->end() && limit->is_number_integer()) {
        f.truncation_limit = limit->get<int64_t>();
      }
    }
    if (auto mod = m.find("input_modalities"); mod != m.end() && mod->is_array()) {
      for (const json& x : *mod) {
        if (x.is_string()) f.input_modalities.push_back(x.get<std::string>());
      }
    }
    out.families_.push_back(std::move(f));
    ++index;
  }
  return out;
}

const ModelFamilies& ModelFamilies::Bundled() {
  static const ModelFamilies* bundled = [] {
    absl::StatusOr<ModelFamilies> parsed = FromJson(kCodexModelsJson);
    if (!parsed.ok()) {
      std::cerr << "threadlog: the bundled model metadata is invalid: " << parsed.status()
                << std::endl;
      std::abort();
    }
    return new ModelFamilies(*std::move(parsed));
  }();
  return *bundled;
}

ModelFamily ModelFamilies::Find(std::string_view slug) const {
  const ModelFamily* best = nullptr;
  for (const ModelFamily& f : families_) {
    if (f.slug == slug) return f;
    if (slug.starts_with(f.slug) && (best == nullptr || f.slug.size() > best->slug.size())) {
      best = &f;
    }
  }
  if (best == nullptr) return UnknownFamily(slug, families_);
  ModelFamily found = *best;
  found.slug = std::string(slug);
  return found;
}

}  // namespace threadlog::agent
