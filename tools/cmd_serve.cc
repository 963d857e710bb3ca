// `threadlog serve`: the Codex-compatible app-server over stdio (default) or WebSocket.
#include <pthread.h>
#include <signal.h>

#include <filesystem>

#include "api/serve.h"
#include "migrate/paths.h"
#include "tools/cli.h"

namespace threadlog::cli {

void RegisterServe(CLI::App& app, GlobalOptions& global, Action* action) {
  auto options = std::make_shared<api::ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run the app-server (Codex app-server v2 JSON-RPC) on stdio or a WebSocket");
  cmd->add_option("--listen", options->listen,
                  "stdio:// (default) or ws://IP:PORT; a non-loopback IP needs --ws-token-file")
      ->capture_default_str();
  cmd->add_option("--ws-token-file", options->ws_token_file,
                  "file holding the bearer token WebSocket clients must send "
                  "(Authorization: Bearer <token>)");
  cmd->add_option("--max-message-bytes", options->max_message_bytes,
                  "largest inbound message (stdio line or WebSocket message)")
      ->capture_default_str();
  cmd->add_option("--ws-max-outbound-bytes", options->max_outbound_bytes,
                  "unread output after which a WebSocket client is disconnected")
      ->capture_default_str();
  cmd->add_option("--max-in-flight", options->max_in_flight,
                  "requests queued or running before new ones get -32001 (overloaded)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", options->threads, "worker threads running requests")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--codex-home", options->codex_home,
                  "a Codex home whose rollouts not yet in the store are imported in the "
                  "background at start (progress on stderr); its config.toml, auth.json and "
                  "skills/ are used (default for those: $CODEX_HOME, else ~/.codex, without "
                  "importing anything)");
  cmd->add_option("--model-provider", options->model_provider_override,
                  "the provider Codex is configured with: of threads started without one, and "
                  "what thread/list shows unless asked for others (default: config.toml's "
                  "model_provider, else openai)");
  auto tool_timeout_seconds =
      std::make_shared<double>(absl::ToDoubleSeconds(options->dynamic_tool_timeout));
  cmd->add_option("--dynamic-tool-timeout", *tool_timeout_seconds,
                  "seconds a turn waits for the client to answer a dynamic tool call "
                  "(item/tool/call); then the call fails and the turn goes on")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--bwrap", options->bwrap,
                  "the bubblewrap binary that sandboxes commands under read-only and "
                  "workspace-write (where it cannot run, such commands are refused and clients "
                  "are warned)")
      ->capture_default_str();
  cmd->callback([&global, options, action, tool_timeout_seconds] {
    options->dynamic_tool_timeout = absl::Seconds(*tool_timeout_seconds);
    *action = [&global, options] {
      // Codex's own lookup: $HOME, and $CODEX_HOME else ~/.codex.
      absl::StatusOr<migrate::Environment> env = migrate::EnvironmentFromProcess();
      if (env.ok()) options->user_home = env->home;
      if (!options->codex_home.empty()) {
        std::error_code ec;
        options->config_codex_home =
            migrate::NormalizePath(std::filesystem::absolute(options->codex_home, ec).string());
      } else if (env.ok()) {
        options->config_codex_home = env->codex_home;
      }
      absl::StatusOr<std::string> home = ResolveHome(global);
      if (!home.ok()) return ReportError(home.status());
      options->threadlog_home = *home;
      // The store is opened before serving (a rebuild it needs reports progress) and closed
      // after the last request is answered.
      // RocksDB starts its threads when the store opens and they inherit this thread's signal
      // mask: block the stop signals first, so that only Serve's signal thread receives them.
      sigset_t stop_signals;
      sigemptyset(&stop_signals);
      for (int sig : {SIGINT, SIGTERM, SIGUSR2}) sigaddset(&stop_signals, sig);
      pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
      absl::StatusOr<std::unique_ptr<ThreadStore>> store = OpenStore(global);
      if (!store.ok()) return ReportError(store.status());
      options->store = store->get();
      absl::Status status = api::Serve(*options);
      absl::Status closed = (*store)->Close();
      if (!status.ok()) return ReportError(status);
      return closed.ok() ? 0 : ReportError(closed);
    };
  });
}

}  // namespace threadlog::cli
