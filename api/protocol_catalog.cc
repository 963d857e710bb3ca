// The declarative method and experimental-field tables, and the gate that reads them.
#include "api/protocol_catalog.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "eventlog/absl_compat.h"

namespace threadlog::api {
namespace {

// Generated from the Codex schema (shared/spec/codex-<kCodexVersion>-{stable,experimental}/
// ClientRequest.json);
// tests/api/protocol_catalog_test.cc re-derives it from the copies in tests/api/schema/.
constexpr auto kMethods = std::to_array<MethodSpec>({
    {"initialize", false, false},
    {"thread/start", false, false},
    {"thread/resume", false, false},
    {"thread/fork", false, false},
    {"thread/archive", false, false},
    {"thread/unsubscribe", false, false},
    {"thread/increment_elicitation", true, false},
    {"thread/decrement_elicitation", true, false},
    {"thread/name/set", false, false},
    {"thread/metadata/update", false, false},
    {"thread/unarchive", false, false},
    {"thread/compact/start", false, false},
    {"thread/shellCommand", false, false},
    {"thread/backgroundTerminals/clean", true, false},
    {"thread/rollback", false, false},
    {"thread/list", false, false},
    {"thread/loaded/list", false, false},
    {"thread/read", false, false},
    {"skills/list", false, false},
    {"plugin/list", false, false},
    {"plugin/read", false, false},
    {"app/list", false, false},
    {"fs/readFile", false, false},
    {"fs/writeFile", false, false},
    {"fs/createDirectory", false, false},
    {"fs/getMetadata", false, false},
    {"fs/readDirectory", false, false},
    {"fs/remove", false, false},
    {"fs/copy", false, false},
    {"fs/watch", false, false},
    {"fs/unwatch", false, false},
    {"skills/config/write", false, false},
    {"plugin/install", false, false},
    {"plugin/uninstall", false, false},
    {"turn/start", false, false},
    {"turn/steer", false, false},
    {"turn/interrupt", false, false},
    {"thread/realtime/start", true, false},
    {"thread/realtime/appendAudio", true, false},
    {"thread/realtime/appendText", true, false},
    {"thread/realtime/stop", true, false},
    {"review/start", false, false},
    {"model/list", false, false},
    {"experimentalFeature/list", false, false},
    {"experimentalFeature/enablement/set", false, false},
    {"collaborationMode/list", true, false},
    {"mock/experimentalMethod", true, false},
    {"mcpServer/oauth/login", false, false},
    {"config/mcpServer/reload", false, true},
    {"mcpServerStatus/list", false, false},
    {"windowsSandbox/setupStart", false, false},
    {"account/login/start", false, false},
    {"account/login/cancel", false, false},
    {"account/logout", false, true},
    {"account/rateLimits/read", false, true},
    {"feedback/upload", false, false},
    {"command/exec", false, false},
    {"command/exec/write", false, false},
    {"command/exec/terminate", false, false},
    {"command/exec/resize", false, false},
    {"config/read", false, false},
    {"externalAgentConfig/detect", false, false},
    {"externalAgentConfig/import", false, false},
    {"config/value/write", false, false},
    {"config/batchWrite", false, false},
    {"configRequirements/read", false, true},
    {"account/read", false, false},
    {"fuzzyFileSearch", false, false},
    {"fuzzyFileSearch/sessionStart", true, false},
    {"fuzzyFileSearch/sessionUpdate", true, false},
    {"fuzzyFileSearch/sessionStop", true, false},
});

// The -experimental-only properties of the params types. The descriptors are the ones the real
// Codex names in its refusals (persistExtendedHistory is "persistFullHistory" there).
constexpr auto kFields = std::to_array<ExperimentalField>({
    {"thread/start", "dynamicTools", "dynamicTools"},
    {"thread/start", "experimentalRawEvents", "experimentalRawEvents"},
    {"thread/start", "mockExperimentalField", "mockExperimentalField"},
    {"thread/start", "persistExtendedHistory", "persistFullHistory"},
    {"thread/resume", "history", "history"},
    {"thread/resume", "path", "path"},
    {"thread/resume", "persistExtendedHistory", "persistFullHistory"},
    {"thread/fork", "path", "path"},
    {"thread/fork", "persistExtendedHistory", "persistFullHistory"},
    {"turn/start", "collaborationMode", "collaborationMode"},
});

// Gated at run time by Codex (refusal text asked of the binary); the schemas list the variant
// in both flavours, so the schema test cannot derive this table.
constexpr auto kVariants = std::to_array<ExperimentalVariant>({
    {"thread/start", "approvalPolicy", "granular", "askForApproval.granular"},
    {"thread/resume", "approvalPolicy", "granular", "askForApproval.granular"},
    {"thread/fork", "approvalPolicy", "granular", "askForApproval.granular"},
    {"turn/start", "approvalPolicy", "granular", "askForApproval.granular"},
});

bool IsUsed(const nlohmann::json& value) {
  if (value.is_null()) return false;
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_array()) return !value.empty();
  return true;
}

absl::Status Refuse(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(what), " requires experimentalApi capability"));
}

}  // namespace

std::span<const MethodSpec> ClientMethods() { return kMethods; }
std::span<const ExperimentalField> ExperimentalFields() { return kFields; }
std::span<const ExperimentalVariant> ExperimentalVariants() { return kVariants; }

const MethodSpec* FindMethod(std::string_view method) {
  for (const MethodSpec& spec : kMethods) {
    if (spec.method == method) return &spec;
  }
  return nullptr;
}

absl::Status CheckExperimentalGate(const MethodSpec& method, const nlohmann::json& params,
                                   bool opted_in) {
  if (opted_in) return absl::OkStatus();
  if (method.experimental) return Refuse(method.method);
  if (!params.is_object()) return absl::OkStatus();
  for (const ExperimentalField& field : kFields) {
    if (field.method != method.method) continue;
    auto it = params.find(std::string(field.field));
    if (it != params.end() && IsUsed(*it)) {
      return Refuse(absl::StrCat(ToAbsl(method.method), ".", ToAbsl(field.descriptor)));
    }
  }
  for (const ExperimentalVariant& variant : kVariants) {
    if (variant.method != method.method) continue;
    auto it = params.find(std::string(variant.field));
    if (it != params.end() && it->is_object() && it->contains(std::string(variant.variant))) {
      return Refuse(variant.descriptor);
    }
  }
  return absl::OkStatus();
}

}  // namespace threadlog::api
