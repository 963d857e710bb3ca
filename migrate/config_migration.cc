// CONFIG: Claude Code settings.json (env, sandbox) -> keys missing from Codex's config.toml.
#include "migrate/config_migration.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "migrate/json_file.h"
#include "migrate/toml_merge.h"

namespace threadlog::migrate {

std::optional<std::string> EnvValueToString(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  return std::nullopt;
}

toml::table MapSettings(const nlohmann::json& settings, std::vector<std::string>* notes) {
  toml::table out;
  if (auto env = settings.find("env"); env != settings.end()) {
    if (!env->is_object()) {
      notes->push_back(absl::StrCat("env is ", JsonTypeName(*env), ", not an object; ignored"));
    } else if (!env->empty()) {
      toml::table set;
      std::vector<std::string> dropped;
      for (auto it = env->begin(); it != env->end(); ++it) {
        if (std::optional<std::string> v = EnvValueToString(it.value())) {
          set.insert(it.key(), *v);
        } else {
          dropped.push_back(absl::StrCat(it.key(), " (", JsonTypeName(it.value()), ")"));
        }
      }
      if (!dropped.empty()) {
        notes->push_back(
            absl::StrCat("env values that are not strings, numbers or booleans are "
                         "not migrated: ",
                         absl::StrJoin(dropped, ", ")));
      }
      toml::table policy;
      policy.insert("inherit", "core");
      policy.insert("set", std::move(set));
      out.insert("shell_environment_policy", std::move(policy));
    }
  }
  if (auto sandbox = settings.find("sandbox"); sandbox != settings.end() && sandbox->is_object()) {
    if (auto enabled = sandbox->find("enabled");
        enabled != sandbox->end() && enabled->is_boolean() && enabled->get<bool>()) {
      out.insert("sandbox_mode", "workspace-write");
    }
  }
  return out;
}

absl::StatusOr<ItemPlan> PlanConfigTomlInsert(const std::string& path, const toml::table& incoming,
                                              const Overlay* overlay) {
  ItemPlan plan;
  if (incoming.empty()) return plan;
  absl::StatusOr<std::optional<std::string>> existing = ReadPlannedFile(path, overlay);
  if (!existing.ok()) return existing.status();
  if (!*existing) {
    if (absl::Status s = CheckCreatable(path); !s.ok()) return s;
  }
  absl::StatusOr<TomlMergeResult> merged = InsertMissingKeys(existing->value_or(""), incoming);
  if (!merged.ok()) {
    return absl::Status(merged.status().code(),
                        absl::StrCat(path, ": ", merged.status().message()));
  }
  for (const std::string& k : merged->kept) {
    plan.notes.push_back(absl::StrCat("kept the existing ", k, " in ", path));
  }
  if (merged->added.empty()) return plan;
  FileWrite write;
  write.path = path;
  write.old_content = *existing;
  // A new config.toml may hold secrets from env: owner-only. An existing one keeps its mode.
  write.mode = 0600;
  struct stat st;
  if (*existing && stat(path.c_str(), &st) == 0) write.mode = st.st_mode & 07777;
  // A new file gets Codex's exact layout; an existing one keeps every byte and gains lines.
  write.new_content = *existing ? merged->text : RenderToml(incoming);
  write.added = merged->added;
  plan.writes.push_back(std::move(write));
  return plan;
}

absl::StatusOr<ItemPlan> PlanConfig(const Scope& scope, const Overlay* overlay) {
  std::vector<std::string> notes;
  for (const std::string* p : {&scope.settings_json, &scope.settings_local_json}) {
    if (absl::Status s = CheckNotThroughSymlinkedClaudeDir(scope, *p); !s.ok()) return s;
  }
  absl::StatusOr<std::optional<nlohmann::json>> settings = ReadJsonObjectFile(scope.settings_json);
  if (!settings.ok()) return settings.status();
  absl::StatusOr<std::optional<nlohmann::json>> local =
      ReadJsonObjectFile(scope.settings_local_json);
  if (!local.ok() && local.status().code() == absl::StatusCode::kInvalidArgument) {
    notes.push_back(absl::StrCat("ignored ", local.status().message()));
    local = std::optional<nlohmann::json>();
  }
  if (!local.ok()) return local.status();
  if (!*settings && !*local) return ItemPlan{};
  nlohmann::json effective = settings->value_or(nlohmann::json::object());
  if (*local) DeepMerge(effective, **local);
  toml::table incoming = MapSettings(effective, &notes);
  absl::StatusOr<ItemPlan> plan = PlanConfigTomlInsert(scope.config_toml, incoming, overlay);
  if (!plan.ok()) return plan.status();
  plan->notes.insert(plan->notes.begin(), notes.begin(), notes.end());
  return plan;
}

}  // namespace threadlog::migrate
