// BootstrapServices: what serve reads once at start for the methods a client calls before its
// first turn — the Codex home's config, the credentials, the set of connected clients — and
// the registration of those methods (initialize, account/*, model/list, skills/list,
// config/read, configRequirements/read).
#ifndef THREADLOG_API_BOOTSTRAP_SERVICES_H_
#define THREADLOG_API_BOOTSTRAP_SERVICES_H_

#include <memory>
#include <string>

#include "api/codex_config.h"
#include "api/connection_directory.h"
#include "api/credential_store.h"
#include "api/method_registry.h"
#include "api/model_catalog.h"

namespace threadlog::api {

struct BootstrapOptions {
  std::string codex_home;               // config.toml, auth.json, skills/ (empty: none)
  std::string user_home;                // <user_home>/.agents/skills (empty: not searched)
  std::string threadlog_home;           // <threadlog_home>/auth.json (empty: memory only)
  std::string model_provider_override;  // replaces config.toml's model_provider when set
  std::string system_config = "/etc/codex/config.toml";
  std::string admin_skills_root = "/etc/codex/skills";
  std::string server_cwd;  // skills/list without cwds
};

// Built once per server; must outlive the registry it registers into and the dispatcher.
// Loading never fails: a broken config.toml or auth.json is described on stderr (never with a
// secret) and, for config.toml, to every client as configWarning.
class BootstrapServices {
 public:
  explicit BootstrapServices(BootstrapOptions options);
  BootstrapServices(const BootstrapServices&) = delete;
  BootstrapServices& operator=(const BootstrapServices&) = delete;

  const BootstrapOptions& options() const { return options_; }
  const CodexConfig& config() const { return config_; }
  // The defaults of new threads (config.toml, --model-provider), for RegisterThreadHandlers.
  const SessionDefaults& session_defaults() const { return defaults_; }
  // The credential the turn engine authenticates with (ApiKey() -> Authorization: Bearer).
  CredentialStore& credentials() { return *credentials_; }
  ConnectionDirectory& clients() { return clients_; }

  // Registers initialize, account/*, model/list, skills/list, config/read and
  // configRequirements/read. `more_warnings` go to each client after initialize, with
  // config.toml's.
  void RegisterHandlers(MethodRegistry& registry, std::vector<ConfigWarning> more_warnings = {});

 private:
  const BootstrapOptions options_;
  const CodexConfig config_;
  SessionDefaults defaults_;
  const ModelCatalog models_;  // Codex's catalog, and config.toml's model when it is not in it
  std::unique_ptr<CredentialStore> credentials_;
  ConnectionDirectory clients_;
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_BOOTSTRAP_SERVICES_H_
