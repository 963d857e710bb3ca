// skills/list: the skills on disk for each requested working directory.
#ifndef THREADLOG_API_SKILLS_HANDLERS_H_
#define THREADLOG_API_SKILLS_HANDLERS_H_

#include <string>

#include "api/codex_config.h"
#include "api/method_registry.h"
#include "api/skills_scan.h"

namespace threadlog::api {

// Registers "skills/list" (SkillsListParams {cwds, forceReload, perCwdExtraUserRoots} ->
// {data: [SkillsListEntry per cwd]}). No cwds means `default_cwd` (the server's working
// directory, as Codex). Every call reads the disk afresh, so forceReload changes nothing.
// `config` (per-skill enabled switches) must outlive the registry.
void RegisterSkillsHandlers(MethodRegistry& registry, SkillLocations locations,
                            std::string default_cwd, const CodexConfig& config);

}  // namespace threadlog::api

#endif  // THREADLOG_API_SKILLS_HANDLERS_H_
