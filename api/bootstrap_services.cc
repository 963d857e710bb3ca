// BootstrapServices: loading config and credentials at start, and wiring the pre-turn methods.
#include "api/bootstrap_services.h"

#include <iostream>
#include <vector>

#include "api/account_handlers.h"
#include "api/config_handlers.h"
#include "api/initialize_handler.h"
#include "api/model_catalog.h"
#include "api/model_handlers.h"
#include "api/skills_handlers.h"

namespace threadlog::api {

BootstrapServices::BootstrapServices(BootstrapOptions options)
    : options_(std::move(options)),
      config_(CodexConfig::Load({options_.codex_home, options_.system_config})),
      defaults_(config_.defaults()),
      models_(ModelCatalog::Bundled().WithConfiguredModel(config_.defaults().model)) {
  if (config_.warning()) {
    std::cerr << "threadlog serve: " << config_.warning()->summary << " "
              << config_.warning()->details.value_or("") << std::endl;
  }
  if (!options_.model_provider_override.empty()) {
    defaults_.model_provider = options_.model_provider_override;
  }
  std::vector<std::string> notes;
  credentials_ = options_.threadlog_home.empty()
                     ? CredentialStore::InMemory()
                     : CredentialStore::Open(options_.threadlog_home, options_.codex_home, &notes);
  for (const std::string& note : notes) std::cerr << "threadlog serve: " << note << std::endl;
}

void BootstrapServices::RegisterHandlers(MethodRegistry& registry,
                                         std::vector<ConfigWarning> more_warnings) {
  InitializeInfo initialize;
  initialize.codex_home = options_.codex_home;
  if (config_.warning()) initialize.warnings.push_back(*config_.warning());
  for (ConfigWarning& w : more_warnings) initialize.warnings.push_back(std::move(w));
  initialize.clients = &clients_;
  RegisterInitializeHandler(registry, std::move(initialize));
  RegisterAccountHandlers(registry, *credentials_,
                          config_.ProviderRequiresOpenaiAuth(defaults_.model_provider), clients_);
  RegisterModelHandlers(registry, models_);
  RegisterSkillsHandlers(
      registry, SkillLocations{options_.codex_home, options_.user_home, options_.admin_skills_root},
      options_.server_cwd, config_);
  RegisterConfigHandlers(registry, config_);
}

}  // namespace threadlog::api
