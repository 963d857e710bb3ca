// The Codex client-request catalog (of the release kCodexVersion names): every method, which are
// experimental, which params fields are experimental, and the gate that refuses them without the
// experimentalApi opt-in.
#ifndef THREADLOG_API_PROTOCOL_CATALOG_H_
#define THREADLOG_API_PROTOCOL_CATALOG_H_

#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

struct MethodSpec {
  std::string_view method;
  bool experimental;     // only in the -experimental schema
  bool params_optional;  // the schema's params type is null (Codex then accepts no "params")
};

// A params field that exists only in the -experimental schema.
struct ExperimentalField {
  std::string_view method;      // e.g. "thread/start"
  std::string_view field;       // the wire name, e.g. "persistExtendedHistory"
  std::string_view descriptor;  // what Codex names it in the error, e.g. "persistFullHistory"
};

// An enum variant Codex refuses without the opt-in although both schemas list it: a params
// field holding an object keyed by `variant` (AskForApproval's {"granular": {...}}).
struct ExperimentalVariant {
  std::string_view method;      // e.g. "thread/start"
  std::string_view field;       // e.g. "approvalPolicy"
  std::string_view variant;     // the object's key, e.g. "granular"
  std::string_view descriptor;  // what Codex names it, e.g. "askForApproval.granular"
};

// Every ClientRequest method of the -experimental schema, in the schema's order. The tests
// check this table and ExperimentalFields() against the diff of the two schemas.
std::span<const MethodSpec> ClientMethods();
std::span<const ExperimentalField> ExperimentalFields();
std::span<const ExperimentalVariant> ExperimentalVariants();

// nullptr when `method` is not a client request of the Codex release threadlog follows.
const MethodSpec* FindMethod(std::string_view method);

// Refuses what needs the experimentalApi capability when `opted_in` is false, with Codex's
// kInvalidArgument "<method> requires experimentalApi capability" or
// "<method>.<descriptor> requires experimentalApi capability" (a variant: "<descriptor> requires
// experimentalApi capability"). A field counts as used, as in Codex, unless it is absent, null,
// false or an empty array. OK when `opted_in`.
absl::Status CheckExperimentalGate(const MethodSpec& method, const nlohmann::json& params,
                                   bool opted_in);

}  // namespace threadlog::api

#endif  // THREADLOG_API_PROTOCOL_CATALOG_H_
