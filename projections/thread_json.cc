// ThreadSummary -> v2 `Thread`: the field renames and defaults Codex 0.117.0 applies.
#include "projections/thread_json.h"

#include <array>
#include <exception>
#include <string_view>

#include "projections/internal/thread_items.h"

namespace threadlog {
namespace {

using Json = nlohmann::json;

// Floor division, so a timestamp before the epoch still rounds down like Codex's `timestamp()`.
int64_t Seconds(int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

Json StringOrNull(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return nullptr;
  return *it;
}

// The thread_spawn body of a sub-agent source, or null.
const Json* ThreadSpawn(const Json& source) {
  if (!source.is_object()) return nullptr;
  auto sub = source.find("subagent");
  if (sub == source.end() || !sub->is_object()) return nullptr;
  auto spawn = sub->find("thread_spawn");
  return spawn != sub->end() && spawn->is_object() ? &*spawn : nullptr;
}

}  // namespace

Json ThreadStatusJson(LastStatus status) {
  switch (status) {
    case LastStatus::kActive:
      return {{"type", "active"}, {"activeFlags", Json::array()}};
    case LastStatus::kSystemError:
      return {{"type", "systemError"}};
    case LastStatus::kIdle:
      break;
  }
  return {{"type", "idle"}};
}

Json SessionSourceJson(const Json& source) {
  if (source.is_string()) {
    const std::string& s = source.get_ref<const std::string&>();
    // Core's SessionSource names (serde lowercase); the v2 enum renames mcp to appServer.
    static constexpr std::array<std::string_view, 3> kSame = {"cli", "vscode", "exec"};
    for (std::string_view name : kSame) {
      if (s == name) return s;
    }
    if (s == "mcp") return "appServer";
    return "unknown";
  }
  if (source.is_object() && source.size() == 1 && source.contains("subagent")) {
    const Json& sub = source.at("subagent");
    if (const Json* spawn = ThreadSpawn(source)) {
      // Codex re-serialises its ThreadSpawn struct: exactly these five fields, missing
      // nickname, role and path as null, unknown fields dropped.
      Json out = {{"agent_nickname", StringOrNull(*spawn, "agent_nickname")},
                  {"agent_role", StringOrNull(*spawn, "agent_role")},
                  {"agent_path", StringOrNull(*spawn, "agent_path")}};
      for (const char* key : {"parent_thread_id", "depth"}) {
        if (auto it = spawn->find(key); it != spawn->end()) out[key] = *it;
      }
      return {{"subAgent", {{"thread_spawn", std::move(out)}}}};
    }
    return {{"subAgent", sub}};
  }
  // A client-named source (0.117.0): {"custom": NAME} passes through.
  if (source.is_object() && source.size() == 1 && source.contains("custom") &&
      source.at("custom").is_string()) {
    return source;
  }
  return "unknown";
}

void InterruptStaleTurns(Json& turns) {
  if (!turns.is_array()) return;
  for (Json& turn : turns) {
    if (turn.is_object() && turn.value("status", Json()) == "inProgress") {
      turn["status"] = "interrupted";
    }
  }
}

Json GitInfoJson(const Json& git) {
  if (!git.is_object()) return nullptr;
  return {{"sha", StringOrNull(git, "commit_hash")},
          {"branch", StringOrNull(git, "branch")},
          {"originUrl", StringOrNull(git, "repository_url")}};
}

Json ThreadToJson(const ThreadSummary& summary, const ThreadJsonOptions& options) {
  const Json* spawn = ThreadSpawn(summary.source);
  Json thread = {
      {"id", summary.id.ToString()},
      {"preview", summary.preview},
      {"ephemeral", options.ephemeral},
      {"modelProvider",
       summary.model_provider.empty() ? options.default_model_provider : summary.model_provider},
      {"createdAt", Seconds(summary.created_at_ms)},
      {"updatedAt", Seconds(summary.updated_at_ms)},
      {"status", options.status},
      {"path", options.path ? Json(*options.path) : Json(nullptr)},
      {"cwd", summary.cwd},
      {"cliVersion", summary.cli_version},
      {"source", SessionSourceJson(summary.source)},
      {"agentNickname", spawn ? StringOrNull(*spawn, "agent_nickname") : Json(nullptr)},
      {"agentRole", spawn ? StringOrNull(*spawn, "agent_role") : Json(nullptr)},
      {"gitInfo", GitInfoJson(summary.git)},
      {"name", summary.name ? Json(*summary.name) : Json(nullptr)},
      {"turns", options.turns},
  };
  // Codex's thread/read: unless the thread is active (a live turn runs), no turn can still be
  // in progress, so a turn the log left open is reported as interrupted.
  if (options.status.value("type", Json()) != "active") InterruptStaleTurns(thread["turns"]);
  return thread;
}

std::optional<nlohmann::json> TurnErrorOfErrorEvent(const nlohmann::json& payload) {
  try {
    return internal::TurnErrorOf(payload);
  } catch (const std::exception&) {  // internal::BadPayload or nlohmann's: not an error Codex reads
    return std::nullopt;
  }
}

std::optional<nlohmann::json> DynamicToolCallItemOfEvent(const nlohmann::json& payload,
                                                         bool response) {
  try {
    return internal::DynamicToolCallItem(payload, response);
  } catch (const std::exception&) {  // as above
    return std::nullopt;
  }
}

}  // namespace threadlog
