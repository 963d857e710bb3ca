#!/usr/bin/env python3
"""Drives a real `codex app-server` (stdio JSON-RPC) against the scripted mock Responses server:
the harness of capture_117.py. Python 3 standard library only."""
import json, os, queue, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "mock_responses"))
from mock_responses import MockResponses  # noqa: E402

CODEX_117 = ("/work/ref/node_modules/@openai/codex-linux-x64/vendor/"
             "x86_64-unknown-linux-musl/codex/codex")

CONFIG = """model = "{model}"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"
{extra}
[model_providers.mock]
name = "mock"
base_url = "{base_url}"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = {request_retries}
stream_max_retries = {stream_retries}
stream_idle_timeout_ms = 600000
"""


def write_home(home, base_url, model="gpt-5.1-codex", extra="", request_retries=0,
               stream_retries=0):
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, "config.toml"), "w") as f:
        f.write(CONFIG.format(model=model, base_url=base_url, extra=extra,
                              request_retries=request_retries, stream_retries=stream_retries))


class AppServer:
    """One `codex app-server` child. `request()` sends and waits for the answer while
    collecting notifications; server->client requests go to `on_server_request`."""

    def __init__(self, codex, home, cwd, on_server_request=None, log=None):
        env = dict(os.environ, CODEX_HOME=home, MOCK_API_KEY="x", RUST_LOG="warn")
        for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY"):
            env.pop(k, None)
        self.stderr = open(os.path.join(home, "app-server.stderr"), "w")
        self.proc = subprocess.Popen([codex, "app-server"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, env=env,
                                     cwd=cwd, text=True, bufsize=1)
        self.on_server_request = on_server_request or (lambda m: {})
        self.messages = []           # every message from the server, in order
        self.log = log               # list to append (direction, msg) to
        self._answers = {}
        self._cv = threading.Condition()
        self._next_id = 1
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _send(self, msg):
        if self.log is not None:
            self.log.append(("->", msg))
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def _read(self):
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if self.log is not None:
                self.log.append(("<-", msg))
            if "method" in msg and "id" in msg:
                threading.Thread(target=self._serve, args=(msg,), daemon=True).start()
            with self._cv:
                self.messages.append(msg)
                if "id" in msg and "method" not in msg:
                    self._answers[msg["id"]] = msg
                self._cv.notify_all()

    def _serve(self, msg):
        try:
            result = self.on_server_request(msg)
            self._send({"id": msg["id"], "result": result})
        except Exception as e:  # answer with an error rather than leave Codex waiting
            self._send({"id": msg["id"], "error": {"code": -32000, "message": str(e)}})

    def request(self, method, params=None, timeout=60):
        with self._cv:
            rid = self._next_id
            self._next_id += 1
        self._send({"id": rid, "method": method, "params": params or {}})
        deadline = time.time() + timeout
        with self._cv:
            while rid not in self._answers:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"{method}: no answer")
                self._cv.wait(left)
            return self._answers.pop(rid)

    def notify(self, method, params=None):
        msg = {"method": method}
        if params is not None:
            msg["params"] = params
        self._send(msg)

    def wait_for(self, pred, timeout=60, start=0):
        """The first message (from index `start`) satisfying pred; waits for it."""
        deadline = time.time() + timeout
        with self._cv:
            while True:
                for m in self.messages[start:]:
                    if pred(m):
                        return m
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("awaited message did not come")
                self._cv.wait(left)

    def mark(self):
        with self._cv:
            return len(self.messages)

    def initialize(self):
        r = self.request("initialize", {"clientInfo": {"name": "capture", "version": "1"},
                                        "capabilities": {"experimentalApi": True}})
        self.notify("initialized")
        return r

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()
