// skills/list: params read with Codex's wording and checks, then ListSkillsForCwd per cwd.
#include "api/skills_handlers.h"

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/params.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

struct ListParams {
  std::vector<std::string> cwds;
  std::map<std::string, std::vector<std::string>> extra_roots;  // by cwd
};

absl::StatusOr<ListParams> Parse(const json& params) {
  if (absl::Status s = RequireObject(params, "SkillsListParams"); !s.ok()) return s;
  ListParams out;
  absl::StatusOr<std::optional<std::vector<std::string>>> cwds =
      OptionalStringArray(params, "cwds");
  if (!cwds.ok()) return cwds.status();
  if (*cwds) out.cwds = **cwds;
  if (absl::StatusOr<std::optional<bool>> reload = OptionalBool(params, "forceReload");
      !reload.ok()) {
    return reload.status();
  }
  auto extra = params.find("perCwdExtraUserRoots");
  if (extra != params.end() && !extra->is_null()) {
    if (!extra->is_array()) return WrongType(*extra, "a sequence");
    for (size_t i = 0; i < extra->size(); ++i) {
      const json& entry = (*extra)[i];
      if (!entry.is_object()) return WrongType(entry, "struct SkillsListExtraRootsForCwd");
      absl::StatusOr<std::string> cwd = RequiredString(entry, "cwd");
      if (!cwd.ok()) return cwd.status();
      if (!entry.contains("extraUserRoots")) return MissingField("extraUserRoots");
      absl::StatusOr<std::optional<std::vector<std::string>>> roots =
          OptionalStringArray(entry, "extraUserRoots");
      if (!roots.ok()) return roots.status();
      for (const std::string& root : roots->value_or(std::vector<std::string>{})) {
        out.extra_roots[*cwd].push_back(root);
      }
    }
  }
  return out;
}

}  // namespace

void RegisterSkillsHandlers(MethodRegistry& registry, SkillLocations locations,
                            std::string default_cwd, const CodexConfig& config) {
  registry.Register<ListParams>(
      "skills/list", Parse,
      [locations = std::move(locations), default_cwd = std::move(default_cwd), &config](
          const ListParams& p, RequestContext&) -> absl::StatusOr<json> {
        std::vector<std::string> cwds = p.cwds;
        if (cwds.empty()) cwds.push_back(default_cwd);
        // Codex checks the extra roots of the cwds it lists, and ignores the others.
        for (const std::string& cwd : cwds) {
          auto extra = p.extra_roots.find(cwd);
          if (extra == p.extra_roots.end()) continue;
          for (const std::string& root : extra->second) {
            if (root.empty() || root[0] != '/') {
              return absl::InvalidArgumentError(absl::StrCat(
                  "skills/list perCwdExtraUserRoots extraUserRoots paths must be absolute: ",
                  root));
            }
          }
        }
        json data = json::array();
        for (const std::string& cwd : cwds) {
          auto extra = p.extra_roots.find(cwd);
          data.push_back(ListSkillsForCwd(
              locations, cwd,
              extra == p.extra_roots.end() ? std::vector<std::string>{} : extra->second,
              [&config](const std::string& path) { return config.SkillEnabled(path); }));
        }
        return json{{"data", std::move(data)}};
      });
}

}  // namespace threadlog::api
