// Serve: the app-server process — parses the listen URL, wires registry, dispatcher and the
// chosen transport, and stops gracefully on SIGINT/SIGTERM or end of stdin.
#ifndef THREADLOG_API_SERVE_H_
#define THREADLOG_API_SERVE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace threadlog {
class ThreadStore;
}  // namespace threadlog

namespace threadlog::api {

struct ServeOptions {
  std::string listen = "stdio://";  // or ws://IP:PORT (IP empty: 127.0.0.1; PORT 0: any)
  std::string ws_token_file;        // a file holding the bearer token; required off loopback
  size_t max_message_bytes = 8 << 20;
  size_t max_outbound_bytes = 16 << 20;
  size_t max_in_flight = 256;
  size_t threads = 4;
  // The store the thread methods read and append to; without one they are not offered. Not
  // owned: the caller opens it before Serve and closes it after.
  ThreadStore* store = nullptr;
  // A Codex home whose rollouts not yet in the store are imported in the background at start.
  std::string codex_home;
  // The Codex home whose config.toml, auth.json and skills/ the server uses (`serve
  // --codex-home DIR`, else $CODEX_HOME, else ~/.codex; empty: none). Read once at start.
  std::string config_codex_home;
  // The user's home: <home>/.agents/skills are user skills. Empty: not searched.
  std::string user_home;
  // threadlog's home (--home): an API key given through account/login/start is kept in
  // <threadlog_home>/auth.json (mode 0600). Empty: kept in memory only.
  std::string threadlog_home;
  // Overrides config.toml's model_provider when set (--model-provider).
  std::string model_provider_override;
  // How long a turn waits for a client's answer to item/tool/call (--dynamic-tool-timeout).
  absl::Duration dynamic_tool_timeout = absl::Minutes(10);
  // The bubblewrap binary commands are sandboxed with (--bwrap).
  std::string bwrap = "/usr/bin/bwrap";
  // Codex's machine-wide locations (tests point them elsewhere).
  std::string system_config = "/etc/codex/config.toml";
  std::string admin_skills_root = "/etc/codex/skills";
};

struct ListenAddress {
  bool stdio = true;
  std::string address;  // ws only
  uint16_t port = 0;    // ws only
};

// "stdio://" or "ws://IP:PORT" ("ws://[::1]:PORT", "ws://:PORT" for loopback).
// kInvalidArgument naming what is wrong otherwise.
absl::StatusOr<ListenAddress> ParseListen(const std::string& listen);

// Runs the server until a signal or (stdio) end of input; in-flight requests finish and their
// answers are written before it returns. For ws, prints "listening on ws://IP:PORT" to stderr
// once accepting. Errors: bad options, an unreadable/empty token file, a port in use.
absl::Status Serve(const ServeOptions& options);

}  // namespace threadlog::api

#endif  // THREADLOG_API_SERVE_H_
