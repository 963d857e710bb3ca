#!/usr/bin/env python3
"""Asks Codex 0.117.0 how its model client behaves: runs the real `codex app-server` against the
scripted mock Responses server (tests/mock_responses) once per scenario — HTTP errors, cut and
stalled streams, response.failed codes, missing keys, unreachable endpoints, TLS — and writes
what it did to golden/codex_117_model_client.json: the `error` notifications (message,
codexErrorInfo, additionalDetails, willRetry) with their times, the final turn status and error,
the answers to thread/start and turn/start, and every request the mock saw (times, path, query,
headers). threadlog's api/agent/ follows this file; tests/agent/model_client_golden_test.cc
checks the facts it states.

Usage: capture_codex_model_client.py [--codex BINARY] [--out FILE] [SCENARIO...]
Nothing leaves 127.0.0.1: the provider is the mock; plugins, apps and update checks are off.
Times are measured, so they carry the host's jitter; ids, ports and paths are replaced by
placeholders so that the file changes only when Codex's behaviour does.
"""
import argparse
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "replay"))
sys.path.insert(0, HERE)
from codex_driver import CODEX_117, AppServer, MockResponses  # noqa: E402
from tls_certs import make_certs, server_context  # noqa: E402

OUT = os.path.join(HERE, "golden", "codex_117_model_client.json")

TOP = """model = "gpt-5.1-codex"
model_provider = "{provider_id}"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false
{top}
[features]
plugins = false
apps = false
tool_suggest = false
[analytics]
enabled = false
"""

def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def write_config(home, base_url, provider, top="", provider_id="mock"):
    """config.toml: the mock provider with Codex's test-style settings, then `provider`'s keys
    (a value None removes a key)."""
    settings = {"name": "mock", "base_url": base_url, "wire_api": "responses",
                "env_key": "MOCK_API_KEY", "request_max_retries": 0, "stream_max_retries": 0,
                "stream_idle_timeout_ms": 20000}
    settings.update(provider)
    lines = [TOP.format(provider_id=provider_id, top=top), "[model_providers.mock]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in settings.items() if v is not None]
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, "config.toml"), "w") as f:
        f.write("\n".join(lines) + "\n")


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(status, **kw):
    return {"http_error": dict(status=status, **kw)}


def failed(code, message):
    return {"items": [{"text": "partial"}], "failed": {"code": code, "message": message}}


def sse_body(eol, comments=False, split_data=False, event_lines=True, event_name=None,
             colon_space=True, junk=False, usage=True, bad_completed=False):
    """A hand-framed SSE body of one assistant message: created, item done, completed."""
    sep = ": " if colon_space else ":"
    item = {"type": "response.output_item.done", "item": {
        "type": "message", "role": "assistant", "id": "m1",
        "content": [{"type": "output_text", "text": "Framed by hand."}]}}
    completed = {"type": "response.completed", "response": {"id": "r1"}}
    if usage:
        completed["response"]["usage"] = {"input_tokens": 3, "output_tokens": 2,
                                          "total_tokens": 5}
    if bad_completed:
        completed["response"] = {"usage": "not an object"}
    events = [{"type": "response.created", "response": {"id": "r1"}}, item, completed]
    out = []
    if comments:
        out.append(":" + eol + eol + ": keep-alive" + eol + eol)
    for i, ev in enumerate(events):
        data = json.dumps(ev, separators=(",", ":"))
        lines = []
        if event_lines:
            lines.append("event" + sep + (event_name or ev["type"]))
        if split_data and ev is item:
            cut = data.index(',"item"') + 1
            lines += ["data" + sep + data[:cut], "data" + sep + data[cut:]]
        else:
            lines.append("data" + sep + data)
        if comments:
            lines.insert(1, ": between fields")
        out.append(eol.join(lines) + eol + eol)
        if junk and i == 1:
            out.append("event: response.in_progress" + eol + "data: {\"type\":"
                       "\"response.in_progress\"}" + eol + eol)
            out.append("event: response.something_new" + eol + "data: {\"type\":"
                       "\"response.something_new\",\"x\":1}" + eol + eol)
            out.append("data: this is not json" + eol + eol)
            out.append("id: 7" + eol + "retry: 10" + eol + "unknownfield: x" + eol + eol)
    return "".join(out)


CUT = {"items": [{"text": "partial answer"}], "cut": True}
STALL = {"items": [{"text": "partial answer"}], "stall": True}
OK = {"text": "Recovered."}
RL_MESSAGE = ("Rate limit reached for gpt-5.1-codex in organization org-probe on tokens per min "
              "(TPM): Limit 30000, Used 30000, Requested 120. Please try again in {}. Visit "
              "https://platform.openai.com/account/rate-limits to learn more.")

# name -> spec: steps (the mock's script), provider (config overrides), top (top-level config
# text), env (variables set, None = unset), tls ("trusted" | "untrusted" | "trusted_no_env"),
# base_url (a format string with {mock} and {closed}), auth_json, action (what to do mid-turn),
# turn_timeout.
SCENARIOS = {
    # --- what a normal request carries ---------------------------------------------------------
    "ok_headers": dict(
        steps=[{"items": [{"reasoning": {"summary": ["Thinking."], "content": ["raw"]}},
                          {"text": "Hello there."}],
                "usage": {"input_tokens": 120, "input_tokens_details": {"cached_tokens": 20},
                          "output_tokens": 7, "output_tokens_details": {"reasoning_tokens": 3},
                          "total_tokens": 127}}],
        provider={"http_headers": {"X-Static": "static-value"},
                  "env_http_headers": {"X-From-Env": "PROBE_HEADER_VALUE",
                                       "X-From-Unset": "PROBE_UNSET_VAR",
                                       "X-From-Empty": "PROBE_EMPTY_VAR"},
                  "query_params": {"api-version": "2025-04-01-preview", "space": "a b&c"}},
        top='model_reasoning_effort = "high"',
        env={"PROBE_HEADER_VALUE": "from-env", "PROBE_EMPTY_VAR": ""}),
    "base_url_trailing_slash": dict(steps=[OK], base_url="{mock}/"),
    "base_url_with_query": dict(steps=[OK], base_url="{mock}?x=1",
                                provider={"query_params": {"y": "2"}}),
    "profile_overrides": dict(
        steps=[OK], top='profile = "probe"\n[profiles.probe]\nmodel = "gpt-5.1-codex-mini"\n'
                        'model_reasoning_effort = "low"'),
    "no_env_key": dict(steps=[OK], provider={"env_key": None}),
    "requires_openai_auth_api_key": dict(
        steps=[OK], provider={"env_key": None, "requires_openai_auth": True},
        auth_json={"OPENAI_API_KEY": "sk-probe-from-auth-json"}),
    "requires_openai_auth_no_login": dict(
        steps=[OK], provider={"env_key": None, "requires_openai_auth": True}),
    "missing_env_key": dict(steps=[OK], provider={"env_key": "PROBE_UNSET_KEY"}),
    "missing_env_key_instructions": dict(
        steps=[OK], provider={"env_key": "PROBE_UNSET_KEY",
                              "env_key_instructions": "Create a key at https://example.test."}),
    "empty_env_key": dict(steps=[OK], provider={"env_key": "PROBE_EMPTY_KEY"},
                          env={"PROBE_EMPTY_KEY": "  "}),
    "builtin_openai_base_url": dict(
        steps=[OK], provider_id="openai", top='openai_base_url = "{mock}"',
        auth_json={"OPENAI_API_KEY": "sk-probe-from-auth-json"},
        env={"OPENAI_ORGANIZATION": "org-probe", "OPENAI_PROJECT": "proj-probe"}),
    "builtin_ollama": dict(steps=[OK], provider_id="ollama", env={"CODEX_OSS_BASE_URL": "{mock}"}),
    "builtin_lmstudio": dict(steps=[OK], provider_id="lmstudio",
                             env={"CODEX_OSS_BASE_URL": "{mock}"}),
    "builtin_oss": dict(steps=[OK], provider_id="oss", env={"CODEX_OSS_BASE_URL": "{mock}"}),
    "no_env_key_with_login": dict(steps=[OK], provider={"env_key": None},
                                  auth_json={"OPENAI_API_KEY": "sk-probe-from-auth-json"}),
    "env_key_and_login": dict(steps=[OK], provider={"requires_openai_auth": True},
                              auth_json={"OPENAI_API_KEY": "sk-probe-from-auth-json"}),
    "bearer_token_config": dict(steps=[OK], provider={"env_key": None,
                                                      "experimental_bearer_token": "tok-probe"}),
    # --- configuration errors -----------------------------------------------------------------
    "unknown_provider": dict(steps=[OK], provider_id="nope"),
    "wire_api_chat": dict(steps=[OK], provider={"wire_api": "chat"}),
    "builtin_provider_override": dict(steps=[OK], provider_id="openai", top="",
                                      extra_provider_table="openai"),
    "builtin_provider_override_ollama": dict(steps=[OK], extra_provider_table="ollama"),
    # --- HTTP errors --------------------------------------------------------------------------
    "defaults_http_500": dict(steps=[http(500)] * 40,
                              provider={"request_max_retries": None, "stream_max_retries": None},
                              turn_timeout=120),
    "http_503_overloaded_transport": dict(steps=[http(503, code="server_is_overloaded",
                                                      message="Overloaded")] * 3,
                                          provider={"request_max_retries": 1}),
    "http_429_request_id": dict(steps=[{"http_error": {"status": 429}, "headers": {
        "x-request-id": "req_probe_1", "cf-ray": "ray-probe"}}]),
    "http_404_request_id": dict(steps=[{"http_error": {"status": 404, "message": "Gone."},
                                        "headers": {"x-request-id": "req_probe_2",
                                                    "cf-ray": "ray-probe"}}]),
    "http_500_transport_retries_silent": dict(
        steps=[http(500), http(500), OK], provider={"request_max_retries": 2}),
    "http_500_then_ok": dict(steps=[http(500), OK], provider={"stream_max_retries": 2}),
    "http_500_exhausted": dict(steps=[http(500)] * 9,
                               provider={"request_max_retries": 1, "stream_max_retries": 2}),
    "http_500_not_json": dict(steps=[http(500, body="plain failure text")] * 2,
                              provider={"stream_max_retries": 1}),
    "http_502": dict(steps=[http(502)] * 3, provider={"stream_max_retries": 1}),
    "http_503": dict(steps=[http(503)] * 3, provider={"stream_max_retries": 1}),
    "http_503_overloaded": dict(steps=[http(503, code="server_is_overloaded",
                                            message="Overloaded")] * 3,
                                provider={"stream_max_retries": 2}),
    "http_504": dict(steps=[http(504)] * 3, provider={"stream_max_retries": 1}),
    "http_429_retry_after": dict(
        steps=[http(429, retry_after=1, message="Rate limit reached. Please try again in 1s."),
               OK, OK],
        provider={"request_max_retries": 2, "stream_max_retries": 2}),
    "http_429_usage_limit": dict(
        steps=[{"http_error": {"status": 429, "body": {"error": {
            "type": "usage_limit_reached", "message": "The usage limit has been reached"}}}}, OK],
        provider={"stream_max_retries": 1}),
    "http_429_usage_limit_plus": dict(
        steps=[{"http_error": {"status": 429, "body": {"error": {
            "type": "usage_limit_reached", "message": "limit", "plan_type": "plus"}}}}, OK],
        provider={"stream_max_retries": 1}),
    "http_429_usage_not_included": dict(
        steps=[{"http_error": {"status": 429, "body": {"error": {
            "type": "usage_not_included", "message": "not included"}}}}, OK],
        provider={"stream_max_retries": 1}),
    "http_400": dict(
        steps=[http(400, message="Invalid 'input[2].content': bad value.",
                    code="invalid_value")] * 2,
        provider={"request_max_retries": 1, "stream_max_retries": 1}),
    "http_400_context_length": dict(
        steps=[http(400, message="Your input exceeds the context window of this model.",
                    code="context_length_exceeded")] * 2,
        provider={"stream_max_retries": 1}),
    "http_400_invalid_image": dict(
        steps=[http(400, message="The image data you provided does not represent a valid image.",
                    code="invalid_value")] * 2, provider={"stream_max_retries": 1}),
    "http_401": dict(steps=[http(401, message="Incorrect API key provided: probe-key.",
                                 code="invalid_api_key")] * 3,
                     provider={"request_max_retries": 1, "stream_max_retries": 1}),
    "http_403": dict(steps=[http(403, message="Forbidden.")] * 2,
                     provider={"stream_max_retries": 1}),
    "http_404": dict(steps=[http(404, message="Not found.")] * 2,
                     provider={"stream_max_retries": 1}),
    "http_413": dict(steps=[http(413, body="")] * 2, provider={"stream_max_retries": 1}),
    # --- the stream ---------------------------------------------------------------------------
    "stream_cut_then_ok": dict(steps=[CUT, OK], provider={"stream_max_retries": 1}),
    "stream_cut_exhausted": dict(steps=[CUT] * 4,
                                 provider={"request_max_retries": 2, "stream_max_retries": 2}),
    "stream_cut_no_events": dict(steps=[{"raw": [], "cut": True}] * 2,
                                 provider={"stream_max_retries": 1}),
    "stream_eof_without_completed": dict(
        steps=[{"raw": [{"type": "response.created", "response": {"id": "r"}}]}] * 2,
        provider={"stream_max_retries": 1}),
    "stream_close_delimited": dict(steps=[{"text": "Closed body.", "no_chunking": True}]),
    "stream_split_bytes": dict(steps=[{"text": "Split into tiny writes.", "split": 3}]),
    "completed_then_hold_open": dict(steps=[{"text": "Done, held open.", "hold_open": True}],
                                     provider={"stream_idle_timeout_ms": 4000},
                                     turn_timeout=30),
    "failed_then_hold_open": dict(steps=[{"raw": [
        {"type": "response.created", "response": {"id": "r"}},
        {"type": "response.failed", "response": {"id": "r", "error": {
            "code": "insufficient_quota", "message": "no"}}}], "hold_open": True}],
        provider={"stream_idle_timeout_ms": 3000}),
    "completed_then_cut": dict(steps=[{"raw": [
        {"type": "response.created", "response": {"id": "r"}},
        {"type": "response.output_item.done", "item": {
            "type": "message", "role": "assistant", "id": "m",
            "content": [{"type": "output_text", "text": "Then cut."}]}},
        {"type": "response.completed", "response": {"id": "r"}}], "cut": True}, OK],
        provider={"stream_max_retries": 1}),
    "idle_timeout_keepalive_comments": dict(steps=[{
        "raw_sse": [sse_body("\n").split("\n\n")[0] + "\n\n"] + [": ping\n\n"] * 8 +
                   ["\n\n".join(sse_body("\n").split("\n\n")[1:])],
        "delay_ms": 150}, OK], provider={"stream_idle_timeout_ms": 400, "stream_max_retries": 1}),
    "http_503_retry_after": dict(steps=[http(503, retry_after=2), OK],
                                 provider={"stream_max_retries": 1}),
    "http_500_retry_after_transport": dict(steps=[http(500, retry_after=2), OK],
                                           provider={"request_max_retries": 1}),
    "stall_idle_timeout": dict(steps=[STALL] * 3,
                               provider={"stream_idle_timeout_ms": 400,
                                         "stream_max_retries": 1, "request_max_retries": 2}),
    "stall_idle_timeout_then_ok": dict(steps=[STALL, OK],
                                       provider={"stream_idle_timeout_ms": 400,
                                                 "stream_max_retries": 1}),
    "interrupt_during_stall": dict(steps=[STALL], action="interrupt",
                                   provider={"stream_idle_timeout_ms": 3000},
                                   hangup_timeout=8),
    # SSE framing: which bodies Codex's parser accepts (a turn that completes read them).
    "sse_crlf": dict(steps=[{"raw_sse": sse_body("\r\n")}]),
    "sse_cr_only": dict(steps=[{"raw_sse": sse_body("\r") + ": end\n\n"}]),
    "sse_cr_at_eof": dict(steps=[{"raw_sse": sse_body("\r")}]),
    "sse_comments_keepalives": dict(steps=[{"raw_sse": sse_body("\n", comments=True)}]),
    "sse_multiline_data": dict(steps=[{"raw_sse": sse_body("\n", split_data=True)}]),
    "sse_no_event_lines": dict(steps=[{"raw_sse": sse_body("\n", event_lines=False)}]),
    "sse_event_name_differs": dict(steps=[{"raw_sse": sse_body("\n", event_name="message")}]),
    "sse_bom": dict(steps=[{"raw_sse": "\ufeff" + sse_body("\n")}]),
    "sse_data_no_space": dict(steps=[{"raw_sse": sse_body("\n", colon_space=False)}]),
    "sse_unknown_and_bad_json": dict(steps=[{"raw_sse": sse_body("\n", junk=True)}]),
    "sse_last_event_unterminated": dict(steps=[{"raw_sse": sse_body("\n")[:-1]}]),
    "sse_completed_without_usage": dict(steps=[{"raw_sse": sse_body("\n", usage=False)}]),
    "sse_completed_bad_shape": dict(steps=[{"raw_sse": sse_body("\n", bad_completed=True)}]),
    "sse_reasoning_deltas_without_index": dict(steps=[{"raw": [
        {"type": "response.created", "response": {"id": "r"}},
        {"type": "response.output_item.added", "item": {"type": "reasoning", "id": "rs",
                                                        "summary": []}},
        {"type": "response.reasoning_summary_part.added", "item_id": "rs"},
        {"type": "response.reasoning_summary_text.delta", "item_id": "rs", "delta": "no index"},
        {"type": "response.reasoning_summary_text.delta", "item_id": "rs", "delta": "indexed",
         "summary_index": 0},
        {"type": "response.reasoning_text.delta", "item_id": "rs", "delta": "raw no index"},
        {"type": "response.output_item.done", "item": {
            "type": "reasoning", "id": "rs", "summary": [{"type": "summary_text",
                                                          "text": "indexed"}]}},
        {"type": "response.output_item.done", "item": {
            "type": "message", "role": "assistant", "id": "m",
            "content": [{"type": "output_text", "text": "After reasoning."}]}},
        {"type": "response.completed", "response": {"id": "r"}}]}]),
    # --- response.failed ----------------------------------------------------------------------
    "failed_server_error_then_ok": dict(steps=[failed("server_error", "The model broke."), OK],
                                        provider={"stream_max_retries": 1}),
    "failed_server_error_exhausted": dict(steps=[failed("server_error", "The model broke.")] * 3,
                                          provider={"stream_max_retries": 1}),
    "failed_rate_limit_try_again_s": dict(
        steps=[failed("rate_limit_exceeded", RL_MESSAGE.format("1.5s")), OK],
        provider={"stream_max_retries": 1}),
    "failed_rate_limit_try_again_ms": dict(
        steps=[failed("rate_limit_exceeded", RL_MESSAGE.format("700ms")), OK],
        provider={"stream_max_retries": 1}),
    "failed_rate_limit_try_again_seconds": dict(
        steps=[failed("rate_limit_exceeded", RL_MESSAGE.format("2 seconds")), OK],
        provider={"stream_max_retries": 1}),
    "failed_try_again_other_code": dict(
        steps=[failed("server_error", "Please try again in 3s."), OK],
        provider={"stream_max_retries": 1}),
    "failed_context_length_exceeded": dict(
        steps=[failed("context_length_exceeded", "Your input exceeds the context window."), OK],
        provider={"stream_max_retries": 1}),
    "failed_insufficient_quota": dict(
        steps=[failed("insufficient_quota", "You exceeded your current quota."), OK],
        provider={"stream_max_retries": 1}),
    "failed_usage_not_included": dict(
        steps=[failed("usage_not_included", "Not included."), OK],
        provider={"stream_max_retries": 1}),
    "failed_invalid_prompt": dict(
        steps=[failed("invalid_prompt", "Invalid prompt: flagged."), OK],
        provider={"stream_max_retries": 1}),
    "failed_server_is_overloaded": dict(
        steps=[failed("server_is_overloaded", "Overloaded."), OK],
        provider={"stream_max_retries": 1}),
    "failed_without_error": dict(
        steps=[{"raw": [{"type": "response.created", "response": {"id": "r"}},
                        {"type": "response.failed", "response": {"id": "r"}}]}, OK],
        provider={"stream_max_retries": 1}),
    # --- connections --------------------------------------------------------------------------
    "connection_refused": dict(steps=[], base_url="http://127.0.0.1:{closed}/v1",
                               provider={"request_max_retries": 1, "stream_max_retries": 1}),
    "tls_trusted_ssl_cert_file": dict(steps=[OK], tls="trusted"),
    "tls_untrusted": dict(steps=[OK] * 3, tls="untrusted", provider={"stream_max_retries": 1}),
    "tls_wrong_host": dict(steps=[OK] * 3, tls="wrong_host", provider={"stream_max_retries": 1}),
}

ANSI = re.compile(r"\x1b\[[0-9;]*m")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Normalizer:
    """Replaces what changes from run to run: ids (thread, turn, items), ports, scratch paths."""

    def __init__(self, root):
        self.root = root
        self.ids = {}
        self.ports = {}

    def __call__(self, value):
        text = json.dumps(value, ensure_ascii=False)
        text = text.replace(self.root, "<root>")

        def uuid(m):
            return self.ids.setdefault(m.group(0), f"<id{len(self.ids) + 1}>")
        text = UUID.sub(uuid, text)

        def port(m):
            return m.group(1) + self.ports.setdefault(m.group(2), f"<port{len(self.ports) + 1}>")
        text = re.sub(r"(127\.0\.0\.1:|localhost:)(\d{2,5})", port, text)
        return json.loads(text)


class TimedAppServer(AppServer):
    """codex_driver's AppServer that also notes when each message arrived (`_t`)."""

    def _read(self):
        import threading
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            msg["_t"] = time.time()
            if "method" in msg and "id" in msg:
                threading.Thread(target=self._serve, args=(msg,), daemon=True).start()
            with self._cv:
                self.messages.append(msg)
                if "id" in msg and "method" not in msg:
                    self._answers[msg["id"]] = msg
                self._cv.notify_all()


def run(codex, name, spec, certs):
    root = tempfile.mkdtemp(prefix="probe-mc-")
    home = os.path.join(root, "home")
    cwd = os.path.join(root, "work")
    os.makedirs(cwd)
    tls = spec.get("tls")
    context = None
    if tls == "untrusted":
        context = server_context(certs["untrusted_cert"], certs["untrusted_key"])
    elif tls == "wrong_host":
        context = server_context(certs["wrong_host_cert"], certs["wrong_host_key"])
    elif tls:
        context = server_context(certs["cert"], certs["key"])
    mock = MockResponses(spec.get("steps", []), log_path=os.path.join(root, "requests.jsonl"),
                         default_text="Default answer.", ssl_context=context,
                         redact_authorization=False).start()
    base_url = spec.get("base_url", "{mock}").format(
        mock=mock.base_url, closed=closed_port())
    write_config(home, base_url, spec.get("provider", {}),
                 spec.get("top", "").replace("{mock}", mock.base_url),
                 spec.get("provider_id", "mock"))
    if spec.get("extra_provider_table"):
        with open(os.path.join(home, "config.toml"), "a") as f:
            f.write(f"[model_providers.{spec['extra_provider_table']}]\nname = \"x\"\n"
                    f"base_url = {json.dumps(base_url)}\nwire_api = \"responses\"\n")
    if spec.get("auth_json"):
        with open(os.path.join(home, "auth.json"), "w") as f:
            json.dump(spec["auth_json"], f)
    # (codex_driver.AppServer sets MOCK_API_KEY=x itself.) Anything Codex would fetch from the
    # network (it syncs plugins when a broken config.toml leaves the defaults in force) goes to
    # a dead loopback proxy instead; the mock itself is reached directly.
    dead = "http://127.0.0.1:9"
    env = {"SSL_CERT_FILE": None, "SSL_CERT_DIR": None, "CODEX_CA_CERTIFICATE": None,
           "HTTPS_PROXY": dead, "HTTP_PROXY": dead, "ALL_PROXY": dead, "https_proxy": dead,
           "http_proxy": dead, "all_proxy": dead, "NO_PROXY": "127.0.0.1,localhost",
           "no_proxy": "127.0.0.1,localhost"}
    if tls in ("trusted", "wrong_host"):
        env["SSL_CERT_FILE"] = certs["ca"]
    env.update({k: (v.replace("{mock}", mock.base_url) if isinstance(v, str) else v)
                for k, v in spec.get("env", {}).items()})
    saved = {k: os.environ.get(k) for k in env}
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        server = TimedAppServer(codex, home, cwd)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    record = {"spec": spec, "config": open(os.path.join(home, "config.toml")).read()}
    try:
        server.initialize()
        start = server.request("thread/start", {"cwd": cwd})
        start.pop("_t", None)
        record["thread/start"] = start.get("error") or {"ok": True,
                                                         "modelProvider": start["result"].get(
                                                             "modelProvider")}
        if "error" in start:
            return finish(record, mock, root, server)
        tid = start["result"]["thread"]["id"]
        mark = server.mark()
        t0 = time.time()
        turn = server.request("turn/start", {"threadId": tid,
                                             "input": [{"type": "text", "text": "hi"}]})
        if "error" in turn:
            turn.pop("_t", None)
            record["turn/start"] = turn["error"]
            return finish(record, mock, root, server)
        turn_id = turn["result"]["turn"]["id"]
        if spec.get("action") == "interrupt":
            mock.wait_stalled(timeout=30)
            time.sleep(0.2)
            t_int = time.time()
            answer = server.request("turn/interrupt", {"threadId": tid, "turnId": turn_id})
            answer.pop("_t", None)
            record["interrupt"] = {"answer": answer.get("result", answer.get("error"))}
            try:
                hang = mock.wait_hangup(timeout=spec.get("hangup_timeout", 10))
                record["interrupt"]["hangup_after_interrupt_ms"] = round(
                    (hang[0][0] - t_int) * 1000)
            except TimeoutError:
                record["interrupt"]["hangup_after_interrupt_ms"] = None
            done = server.wait_for(lambda m: m.get("method") == "turn/completed", timeout=30,
                                   start=mark)
            record["interrupt"]["turn_completed_after_interrupt_ms"] = round(
                (done["_t"] - t_int) * 1000)
        try:
            server.wait_for(lambda m: m.get("method") == "turn/completed",
                            timeout=spec.get("turn_timeout", 90), start=mark)
        except TimeoutError:
            record["timeout"] = "no turn/completed"
        record["turn/completed_after_ms"] = None
        notes, sequence = [], []
        for m in server.messages[mark:]:
            if "method" not in m or "id" in m:
                continue
            p = m.get("params", {})
            label = m["method"]
            if label in ("item/started", "item/completed"):
                label += ":" + str(p.get("item", {}).get("type"))
            elif label == "thread/status/changed":
                label += ":" + str(p.get("status", {}).get("type"))
            if not sequence or sequence[-1] != label:
                sequence.append(label)
            entry = {"method": m["method"]}
            if m["method"] == "error":
                entry.update(error=p.get("error"), willRetry=p.get("willRetry"),
                             at_ms=round((m["_t"] - t0) * 1000) if "_t" in m else None)
            elif m["method"] == "turn/completed":
                entry.update(status=p["turn"]["status"], error=p["turn"].get("error"))
            elif m["method"] == "thread/tokenUsage/updated":
                entry.update(tokenUsage=p.get("tokenUsage"))
            elif m["method"] in ("warning", "configWarning", "model/rerouted"):
                entry.update(params=p)
            else:
                continue
            notes.append(entry)
        record["sequence"] = sequence
        record["notifications"] = notes
        record["t0"] = t0
    finally:
        server.close()
    return finish(record, mock, root, server)


def finish(record, mock, root, server):
    t0 = record.pop("t0", None)
    reqs = []
    first_headers = None
    for r in mock.requests:
        if not r["path"].endswith("/responses"):
            continue
        headers = {k.lower(): v for k, v in r["headers"].items()}
        headers.pop("content-length", None)
        body = r.get("body") or {}
        entry = {"at_ms": round((r["time"] - t0) * 1000) if t0 else None,
                 "path": r["path"], "query": r["query"], "tls": r.get("tls", False),
                 "input_items": len(body.get("input", []))}
        if first_headers is None:
            first_headers = headers
            entry.update(headers=dict(sorted(headers.items())), body_keys=sorted(body),
                         model=body.get("model"), reasoning=body.get("reasoning"))
        else:
            changed = {k: v for k, v in headers.items() if first_headers.get(k) != v}
            changed.update({k: None for k in first_headers if k not in headers})
            if changed:
                entry["headers_changed"] = changed
        reqs.append(entry)
    record["requests"] = reqs
    record["gaps_ms"] = [b["at_ms"] - a["at_ms"] for a, b in zip(reqs, reqs[1:])
                         if a["at_ms"] is not None]
    record["hangups"] = len(mock.hangups)
    other = [r["method"] + " " + r["path"] for r in mock.requests
             if not r["path"].endswith("/responses")]
    if other:
        record["other_requests"] = other
    try:
        with open(os.path.join(root, "home", "app-server.stderr")) as f:
            lines = [ANSI.sub("", ln).rstrip() for ln in f]
        # Codex's own log of its client: the retry delays it chose, transport errors.
        keep = [re.sub(r"^\S+Z\s+", "", ln) for ln in lines
                if re.search(r"codex_core::(codex|client)|codex_api|codex_client|reqwest|"
                             r"model_provider|error sending|retrying", ln)]
        if keep:
            record["stderr"] = keep[:20]
    except OSError:
        pass
    mock.stop()
    norm = Normalizer(root)
    record = norm(record)
    record.pop("turn/completed_after_ms", None)
    if not os.environ.get("CAPTURE_KEEP"):
        shutil.rmtree(root, ignore_errors=True)
    return record


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codex", default=CODEX_117)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("scenarios", nargs="*")
    args = ap.parse_args()
    names = args.scenarios or list(SCENARIOS)
    certdir = tempfile.mkdtemp(prefix="probe-certs-")
    certs = make_certs(certdir)
    golden = {}
    if os.path.exists(args.out) and args.scenarios:
        with open(args.out) as f:
            golden = json.load(f).get("scenarios", {})
    for name in names:
        t = time.time()
        golden[name] = run(args.codex, name, SCENARIOS[name], certs)
        final = [n for n in golden[name].get("notifications", []) if n["method"] == "error"]
        print(f"{name}: {len(golden[name]['requests'])} requests, {len(final)} error "
              f"notifications, {time.time() - t:.1f}s", flush=True)
    shutil.rmtree(certdir, ignore_errors=True)
    ordered = {k: golden[k] for k in SCENARIOS if k in golden}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"codex": "0.117.0", "captured_by": "tests/agent/capture_codex_model_client.py",
                   "scenarios": ordered}, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
