// The serve loop: signal handling, transport choice and the graceful stop sequence.
#include "api/serve.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/agent/model_family.h"
#include "api/agent/turn_engine.h"
#include "api/bootstrap_services.h"
#include "api/command_exec_handlers.h"
#include "api/dispatcher.h"
#include "api/external_agent_config_handlers.h"
#include "api/method_registry.h"
#include "api/server_requests.h"
#include "api/session/thread_service.h"
#include "api/skills_scan.h"
#include "api/stdio_transport.h"
#include "api/thread_handlers.h"
#include "api/thread_import.h"
#include "api/turn_handlers.h"
#include "api/ws_transport.h"
#include "migrate/paths.h"

namespace threadlog::api {
namespace {

absl::StatusOr<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read --ws-token-file ", path));
  std::stringstream text;
  text << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(text.str()));
  if (token.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " holds no token"));
  return token;
}

// Blocks the stop signals in every thread and returns a thread that waits for one and calls
// `on_signal`. Waiting with sigwait keeps the handling out of async-signal context.
std::thread SignalThread(sigset_t set, std::function<void()> on_signal) {
  return std::thread([set, on_signal = std::move(on_signal)] {
    int sig = 0;
    if (sigwait(&set, &sig) == 0 && sig != SIGUSR2) on_signal();
  });
}

// The Codex home as Codex finds it: --codex-home, else $CODEX_HOME, else ~/.codex; absolute
// (for a caller that did not resolve ServeOptions::config_codex_home itself).
std::string EffectiveCodexHome(const std::string& flag) {
  std::string home = flag;
  if (home.empty()) {
    if (const char* env = std::getenv("CODEX_HOME"); env != nullptr && *env != '\0') {
      home = env;
    } else if (const char* user = std::getenv("HOME"); user != nullptr && *user != '\0') {
      home = std::string(user) + "/.codex";
    } else {
      home = "/.codex";
    }
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(home, ec);
  return ec ? home : absolute.lexically_normal().string();
}

}  // namespace

absl::StatusOr<ListenAddress> ParseListen(const std::string& listen) {
  ListenAddress out;
  if (listen == "stdio://" || listen == "stdio") return out;
  constexpr std::string_view kWs = "ws://";
  if (listen.rfind(kWs, 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen must be stdio:// or ws://IP:PORT, got \"", listen, "\""));
  }
  std::string rest = listen.substr(kWs.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--listen ", listen, ": missing :PORT"));
  }
  std::string host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint32_t port = 0;
  if (!absl::SimpleAtoi(rest.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--listen ", listen, ": bad port"));
  }
  out.stdio = false;
  out.address = host.empty() ? "127.0.0.1" : host;
  out.port = static_cast<uint16_t>(port);
  return out;
}

absl::Status Serve(const ServeOptions& options) {
  absl::StatusOr<ListenAddress> listen = ParseListen(options.listen);
  if (!listen.ok()) return listen.status();
  std::optional<std::string> token;
  if (!options.ws_token_file.empty()) {
    absl::StatusOr<std::string> read = ReadToken(options.ws_token_file);
    if (!read.ok()) return read.status();
    token = *std::move(read);
  }

  // A client closing its end must be a write error, not a dead server.
  signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGUSR2);  // ours: wakes the signal thread when we stop otherwise
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Config, credentials and the pre-turn methods (a broken config.toml is reported, not fatal).
  std::error_code cwd_error;
  BootstrapServices bootstrap(
      BootstrapOptions{options.config_codex_home.empty() ? EffectiveCodexHome(options.codex_home)
                                                         : options.config_codex_home,
                       options.user_home, options.threadlog_home, options.model_provider_override,
                       options.system_config, options.admin_skills_root,
                       std::filesystem::current_path(cwd_error).string()});
  // The sandbox, probed once: where it cannot run, every client hears why after initialize,
  // and commands that need it are refused (never run unsandboxed).
  auto sandbox = std::make_shared<const agent::Sandbox>(agent::Sandbox::Probe(options.bwrap));
  std::vector<ConfigWarning> warnings;
  if (options.store != nullptr && !sandbox->availability().ok()) {
    warnings.push_back(ConfigWarning{
        absl::StrCat("threadlog cannot sandbox commands here: ", sandbox->availability().message(),
                     ". Commands under the read-only and workspace-write sandbox modes are "
                     "refused until it can; danger-full-access runs them without a sandbox."),
        std::nullopt, std::nullopt, std::nullopt});
    std::cerr << "threadlog serve: " << warnings.back().summary << std::endl;
  }
  // [shell_environment_policy]: what commands inherit of the server's environment. A broken
  // table is reported and the defaults (inherit everything) apply, as for other bad keys.
  agent::ShellEnvironmentPolicy shell_environment;
  // (A config.toml that is not TOML at all is already reported, and commands are refused.)
  if (!bootstrap.options().codex_home.empty() && !bootstrap.config().warning()) {
    absl::StatusOr<agent::ShellEnvironmentPolicy> policy = agent::ReadShellEnvironmentPolicy(
        (std::filesystem::path(bootstrap.options().codex_home) / "config.toml").string());
    if (policy.ok()) {
      shell_environment = *std::move(policy);
    } else {
      warnings.push_back(ConfigWarning{
          absl::StrCat(policy.status().message(), "; commands inherit the whole environment"),
          std::nullopt, std::nullopt, std::nullopt});
      std::cerr << "threadlog serve: " << warnings.back().summary << std::endl;
    }
  }
  MethodRegistry registry;
  bootstrap.RegisterHandlers(registry, std::move(warnings));
  RegisterExternalAgentConfigHandlers(registry, migrate::EnvironmentFromProcess());
  // The thread-write service: loaded threads, appends, what their followers hear.
  std::optional<session::ThreadService> threads;
  // What the server asks its clients (item/tool/call), and the turn engine beside the write
  // service. Declared before the dispatcher: it stops first, then running turns are
  // interrupted and joined.
  ServerRequests server_requests(bootstrap.clients());
  std::optional<agent::TurnEngine> turns;
  if (options.store != nullptr) {
    threads.emplace(*options.store, bootstrap.session_defaults(),
                    [](const std::string& model, const std::optional<std::string>& personality) {
                      return agent::ModelFamilies::Bundled().Find(model).Instructions(personality);
                    });
    RegisterThreadHandlers(registry, *options.store, *threads, bootstrap.config());
    agent::TurnEngineOptions engine;
    engine.codex_home = bootstrap.options().codex_home;
    engine.dynamic_tool_timeout = options.dynamic_tool_timeout;
    engine.sandbox = sandbox;
    CredentialStore& credentials = bootstrap.credentials();
    engine.credentials = [&credentials] {
      agent::AccountCredentials account;
      account.api_key = credentials.ApiKey();
      account.chatgpt_access_token = credentials.ChatgptAccessToken();
      account.chatgpt_account_id = credentials.ChatgptAccountId();
      return account;
    };
    const SkillLocations skill_locations{bootstrap.options().codex_home,
                                         bootstrap.options().user_home,
                                         bootstrap.options().admin_skills_root};
    const CodexConfig& config = bootstrap.config();
    engine.skills = [skill_locations, &config](const std::string& cwd) {
      std::vector<agent::SkillEntry> out;
      const nlohmann::json listed = ListSkillsForCwd(
          skill_locations, cwd, {},
          [&config](const std::string& path) { return config.SkillEnabled(path); });
      for (const nlohmann::json& skill : listed.value("skills", nlohmann::json::array())) {
        if (!skill.value("enabled", true)) continue;
        out.push_back(
            {skill.value("name", ""), skill.value("description", ""), skill.value("path", "")});
      }
      return out;
    };
    engine.shell_environment = shell_environment;
    turns.emplace(*threads, bootstrap.clients(), server_requests, std::move(engine));
    threads->SetTurnStopper([&turns](const ThreadId& thread) { turns->StopTurn(thread); });
    RegisterTurnHandlers(registry, *turns);
  }
  // command/exec: commands a client runs outside any thread, from the server's environment.
  std::vector<std::string> server_env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) server_env.emplace_back(*e);
  agent::CommandExecutor commands(sandbox.get(), shell_environment.Apply(server_env));
  RegisterCommandExecHandlers(registry, commands,
                              CommandExecDefaults{bootstrap.options().server_cwd,
                                                  bootstrap.session_defaults().sandbox_mode});
  // Declared before the dispatcher so that it stops (and joins) after the last request is done.
  CodexHomeAdoption adoption;
  if (options.store != nullptr && !options.codex_home.empty()) {
    adoption.Start(*options.store, options.codex_home);
  }
  Dispatcher::Options dispatch;
  dispatch.threads = options.threads;
  dispatch.max_in_flight = options.max_in_flight;
  dispatch.on_connection_closed = [&threads, &server_requests, &commands](uint64_t connection_id) {
    commands.ConnectionClosed(connection_id);
    server_requests.ConnectionClosed(connection_id);
    if (threads) threads->ClientGone(connection_id);
  };
  dispatch.on_answer = [&server_requests](uint64_t connection_id, const Message& answer) {
    return server_requests.OnAnswer(connection_id, answer);
  };
  Dispatcher dispatcher(registry, bootstrap.clients(), std::move(dispatch));

  if (listen->stdio) {
    StdioTransport stdio(dispatcher, STDIN_FILENO, STDOUT_FILENO, options.max_message_bytes);
    std::thread signals = SignalThread(stop_signals, [&] { stdio.Stop(); });
    stdio.Run();
    dispatcher.StopAccepting();
    dispatcher.Drain();   // in-flight requests finish; their answers are written synchronously
    commands.Shutdown();  // command/exec answers its last requests while stdout is there
    pthread_kill(signals.native_handle(), SIGUSR2);
    signals.join();
    return absl::OkStatus();
  }

  WsOptions ws;
  ws.address = listen->address;
  ws.port = listen->port;
  ws.token = token;
  ws.max_message_bytes = options.max_message_bytes;
  ws.max_outbound_bytes = options.max_outbound_bytes;
  absl::StatusOr<std::unique_ptr<WsTransport>> transport = WsTransport::Listen(dispatcher, ws);
  if (!transport.ok()) return transport.status();
  const std::string shown = listen->address.find(':') == std::string::npos
                                ? listen->address
                                : absl::StrCat("[", listen->address, "]");
  std::cerr << "threadlog serve: listening on ws://" << shown << ":" << (*transport)->port()
            << std::endl;
  std::thread signals = SignalThread(stop_signals, [&] {
    (*transport)->StopAccepting();
    dispatcher.StopAccepting();
    dispatcher.Drain();
    (*transport)->Shutdown();
  });
  (*transport)->Run();
  pthread_kill(signals.native_handle(), SIGUSR2);
  signals.join();
  dispatcher.Drain();
  // command/exec's last answers go out while the sessions' transport still exists.
  commands.Shutdown();
  return absl::OkStatus();
}

}  // namespace threadlog::api
