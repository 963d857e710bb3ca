// command/exec and its controls: params in Codex's words, the executor, the deferred answer.
#include "api/command_exec_handlers.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api/params.h"
#include "api/rpc_error.h"
#include "api/turn_params.h"

namespace threadlog::api {
namespace {

using nlohmann::json;

// Codex's -32602 refusals (its handler's, after serde accepted the params).
absl::Status InvalidParams(std::string message) {
  return WithRpcCode(absl::InvalidArgumentError(std::move(message)), kInvalidParams);
}

// serde's u16.
absl::StatusOr<uint16_t> RequiredU16(const json& object, std::string_view name) {
  absl::StatusOr<uint32_t> v = RequiredU32(object, name);
  if (!v.ok()) return v.status();
  if (*v > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid request: invalid value: integer `", *v, "`, expected u16"));
  }
  return static_cast<uint16_t>(*v);
}

// CommandExecTerminalSize {rows, cols}.
absl::StatusOr<std::pair<uint16_t, uint16_t>> ParseSize(const json& size) {
  if (absl::Status s = RequireObject(size, "CommandExecTerminalSize"); !s.ok()) return s;
  absl::StatusOr<uint16_t> cols = RequiredU16(size, "cols");
  if (!cols.ok()) return cols.status();
  absl::StatusOr<uint16_t> rows = RequiredU16(size, "rows");
  if (!rows.ok()) return rows.status();
  return std::make_pair(*rows, *cols);
}

absl::Status CheckSize(const std::pair<uint16_t, uint16_t>& size) {
  if (size.first == 0 || size.second == 0) {
    return InvalidParams("command/exec size rows and cols must be greater than 0");
  }
  return absl::OkStatus();
}

absl::StatusOr<agent::CommandExecRequest> ParseExec(const json& params,
                                                    const CommandExecDefaults& defaults) {
  if (absl::Status s = RequireObject(params, "CommandExecParams"); !s.ok()) return s;
  agent::CommandExecRequest r;
  auto command = params.find("command");
  if (command == params.end()) return MissingField("command");
  if (!command->is_array()) return WrongType(*command, "a sequence");
  for (const json& word : *command) {
    if (!word.is_string()) return WrongType(word, "a string");
    r.argv.push_back(word.get<std::string>());
  }
  absl::StatusOr<std::optional<std::string>> process_id = OptionalString(params, "processId");
  if (!process_id.ok()) return process_id.status();
  r.process_id = *process_id;
  absl::StatusOr<std::optional<std::string>> cwd = OptionalString(params, "cwd");
  if (!cwd.ok()) return cwd.status();
  r.cwd = cwd->has_value() ? ResolveAgainstServerCwd(**cwd) : defaults.server_cwd;
  if (auto env = params.find("env"); env != params.end() && !env->is_null()) {
    if (!env->is_object()) return WrongType(*env, "a map");
    for (const auto& [name, value] : env->items()) {
      if (!value.is_null() && !value.is_string()) return WrongType(value, "a string");
      r.env.emplace_back(name, value.is_null()
                                   ? std::nullopt
                                   : std::optional<std::string>(value.get<std::string>()));
    }
  }
  bool flags[5] = {};
  const char* names[5] = {"tty", "streamStdin", "streamStdoutStderr", "disableOutputCap",
                          "disableTimeout"};
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<std::optional<bool>> v = OptionalBool(params, names[i]);
    if (!v.ok()) return v.status();
    flags[i] = v->value_or(false);
  }
  r.tty = flags[0];
  r.stream_stdin = flags[1];
  r.stream_output = flags[2];
  const bool disable_cap = flags[3];
  const bool disable_timeout = flags[4];
  std::optional<uint64_t> cap;
  if (auto it = params.find("outputBytesCap"); it != params.end() && !it->is_null()) {
    if (!it->is_number_unsigned()) return WrongType(*it, "usize");
    cap = it->get<uint64_t>();
  }
  std::optional<int64_t> timeout_ms;
  if (auto it = params.find("timeoutMs"); it != params.end() && !it->is_null()) {
    if (!it->is_number_integer()) return WrongType(*it, "i64");
    timeout_ms = it->get<int64_t>();
  }
  std::optional<std::pair<uint16_t, uint16_t>> size;
  if (auto it = params.find("size"); it != params.end() && !it->is_null()) {
    absl::StatusOr<std::pair<uint16_t, uint16_t>> parsed = ParseSize(*it);
    if (!parsed.ok()) return parsed.status();
    size = *parsed;
  }
  agent::TurnOverrides sandbox;
  sandbox.sandbox_mode = defaults.sandbox_mode;
  if (auto it = params.find("sandboxPolicy"); it != params.end() && !it->is_null()) {
    if (absl::Status s = ParseSandboxPolicy(*it, sandbox); !s.ok()) return s;
  }
  // Codex's own checks, in its order.
  if (size && !r.tty) return InvalidParams("command/exec size requires tty: true");
  if (disable_cap && cap) {
    return InvalidParams("command/exec cannot set both outputBytesCap and disableOutputCap");
  }
  if (disable_timeout && timeout_ms) {
    return InvalidParams("command/exec cannot set both timeoutMs and disableTimeout");
  }
  if (timeout_ms && *timeout_ms < 0) {
    return InvalidParams(
        absl::StrCat("command/exec timeoutMs must be non-negative, got ", *timeout_ms));
  }
  if (size) {
    if (absl::Status s = CheckSize(*size); !s.ok()) return s;
    r.rows = size->first;
    r.cols = size->second;
  }
  if (disable_cap) {
    r.output_cap.reset();
  } else if (cap) {
    r.output_cap = static_cast<size_t>(*cap);
  }
  if (disable_timeout) {
    r.timeout.reset();
  } else if (timeout_ms) {
    r.timeout = absl::Milliseconds(*timeout_ms);
  }
  // Writable roots of workspace-write: the command's cwd, /tmp, and those the policy names.
  std::vector<std::string> roots = sandbox.writable_roots.value_or(std::vector<std::string>{});
  roots.push_back(r.cwd);
  roots.push_back("/tmp");
  r.policy = agent::SandboxPolicy::Of(*sandbox.sandbox_mode, std::move(roots),
                                      sandbox.network_access.value_or(false));
  return r;
}

struct ControlParams {
  std::string process_id;
  std::optional<std::string> bytes;  // write: decoded deltaBase64
  bool close_stdin = false;
  std::pair<uint16_t, uint16_t> size;  // resize
};

absl::StatusOr<ControlParams> ParseWrite(const json& params) {
  if (absl::Status s = RequireObject(params, "CommandExecWriteParams"); !s.ok()) return s;
  ControlParams out;
  absl::StatusOr<std::optional<bool>> close = OptionalBool(params, "closeStdin");
  if (!close.ok()) return close.status();
  absl::StatusOr<std::optional<std::string>> delta = OptionalString(params, "deltaBase64");
  if (!delta.ok()) return delta.status();
  absl::StatusOr<std::string> id = RequiredString(params, "processId");
  if (!id.ok()) return id.status();
  out.process_id = *id;
  out.close_stdin = close->value_or(false);
  if (!delta->has_value() && !out.close_stdin) {
    return InvalidParams("command/exec/write requires deltaBase64 or closeStdin");
  }
  if (delta->has_value()) {
    std::string bytes;
    if (!absl::Base64Unescape(**delta, &bytes)) {
      return InvalidParams("invalid deltaBase64: not standard base64");
    }
    out.bytes = std::move(bytes);
  }
  return out;
}

absl::StatusOr<ControlParams> ParseProcessRef(const json& params, const char* type_name) {
  if (absl::Status s = RequireObject(params, type_name); !s.ok()) return s;
  absl::StatusOr<std::string> id = RequiredString(params, "processId");
  if (!id.ok()) return id.status();
  ControlParams out;
  out.process_id = *id;
  return out;
}

absl::StatusOr<ControlParams> ParseResize(const json& params) {
  absl::StatusOr<ControlParams> out = ParseProcessRef(params, "CommandExecResizeParams");
  if (!out.ok()) return out;
  auto size = params.find("size");
  if (size == params.end()) return MissingField("size");
  absl::StatusOr<std::pair<uint16_t, uint16_t>> parsed = ParseSize(*size);
  if (!parsed.ok()) return parsed.status();
  if (absl::Status s = CheckSize(*parsed); !s.ok()) return s;
  out->size = *parsed;
  return out;
}

}  // namespace

void RegisterCommandExecHandlers(MethodRegistry& registry, agent::CommandExecutor& executor,
                                 CommandExecDefaults defaults) {
  registry.Register<agent::CommandExecRequest, DeferredAnswer>(
      "command/exec", [defaults](const json& params) { return ParseExec(params, defaults); },
      [&executor](const agent::CommandExecRequest& request,
                  RequestContext& ctx) -> absl::StatusOr<DeferredAnswer> {
        std::shared_ptr<Connection> connection = ctx.connection;
        const RequestId id = ctx.id;
        const std::optional<std::string> process_id = request.process_id;
        agent::CommandExecutor::Callbacks callbacks;
        callbacks.on_output = [connection, process_id](bool is_stderr, std::string_view bytes,
                                                       bool cap_reached) {
          connection->Send(Encode(Notification{
              "command/exec/outputDelta",
              {{"processId", process_id.value_or("")},
               {"stream", is_stderr ? "stderr" : "stdout"},
               {"deltaBase64", absl::Base64Escape(absl::string_view(bytes.data(), bytes.size()))},
               {"capReached", cap_reached}}}));
        };
        callbacks.done = [connection, id](const agent::CommandExecResult& result) {
          connection->Send(Encode(Response{id,
                                           {{"exitCode", result.exit_code},
                                            {"stdout", result.stdout_text},
                                            {"stderr", result.stderr_text}}}));
        };
        if (absl::Status st = executor.Start(connection->id(), request, std::move(callbacks));
            !st.ok()) {
          return st;
        }
        return DeferredAnswer{};
      });
  registry.Register<ControlParams>(
      "command/exec/write", ParseWrite,
      [&executor](const ControlParams& p, RequestContext& ctx) -> absl::StatusOr<json> {
        if (absl::Status st = executor.Write(ctx.connection->id(), p.process_id,
                                             p.bytes.value_or(""), p.close_stdin);
            !st.ok()) {
          return st;
        }
        return json::object();
      });
  registry.Register<ControlParams>(
      "command/exec/terminate",
      [](const json& params) { return ParseProcessRef(params, "CommandExecTerminateParams"); },
      [&executor](const ControlParams& p, RequestContext& ctx) -> absl::StatusOr<json> {
        if (absl::Status st = executor.Terminate(ctx.connection->id(), p.process_id); !st.ok()) {
          return st;
        }
        return json::object();
      });
  registry.Register<ControlParams>(
      "command/exec/resize", ParseResize,
      [&executor](const ControlParams& p, RequestContext& ctx) -> absl::StatusOr<json> {
        if (absl::Status st =
                executor.Resize(ctx.connection->id(), p.process_id, p.size.first, p.size.second);
            !st.ok()) {
          return st;
        }
        return json::object();
      });
}

}  // namespace threadlog::api
