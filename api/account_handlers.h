// The account methods: account/read, account/login/start, account/login/cancel,
// account/logout and account/rateLimits/read, over a CredentialStore.
#ifndef THREADLOG_API_ACCOUNT_HANDLERS_H_
#define THREADLOG_API_ACCOUNT_HANDLERS_H_

#include "api/connection_directory.h"
#include "api/credential_store.h"
#include "api/method_registry.h"

namespace threadlog::api {

// Registers the account methods. Answers, errors and notifications are Codex 0.117.0's
// (api/METHODS.md): a successful login answers first, then every initialized connection gets
// account/login/completed {loginId: null, success: true} and account/updated {authMode,
// planType}; logout answers {} and then account/updated {authMode: null}. The browser sign-in
// (`type: chatgpt`) is refused: threadlog cannot run Codex's OAuth flow.
// `requires_openai_auth`: whether the configured provider uses an OpenAI account (else
// account/read shows none, as Codex). `credentials` and `clients` must outlive the registry.
void RegisterAccountHandlers(MethodRegistry& registry, CredentialStore& credentials,
                             bool requires_openai_auth, ConnectionDirectory& clients);

}  // namespace threadlog::api

#endif  // THREADLOG_API_ACCOUNT_HANDLERS_H_
