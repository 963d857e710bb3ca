"""Test clients for `threadlog serve`: stdio and a minimal WebSocket (RFC 6455) client on raw
sockets (so tests can send any header, oversize frames, or stop reading), and the conformance
check that validates every received message against the schema of the Codex release threadlog
follows (CODEX_VERSION, read from eventlog/codex_version.h)."""
import base64
import json
import os
import socket
import struct
import subprocess
import tempfile
import threading
import queue
import re

import jsonschema

_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
with open(os.path.join(_ROOT, "eventlog", "codex_version.h")) as f:
    CODEX_VERSION = re.search(r'kCodexVersion\[\] = "([^"]+)"', f.read()).group(1)

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema")
with open(os.path.join(SCHEMA_DIR, "codex_app_server_protocol.schemas.json")) as f:
    BUNDLE = json.load(f)

# Response type of each method the tests call (names in the bundle's definitions).
RESPONSE_TYPES = {
    "initialize": "#/definitions/InitializeResponse",
    "externalAgentConfig/detect": "#/definitions/v2/ExternalAgentConfigDetectResponse",
    "externalAgentConfig/import": "#/definitions/v2/ExternalAgentConfigImportResponse",
    "thread/start": "#/definitions/v2/ThreadStartResponse",
    "thread/resume": "#/definitions/v2/ThreadResumeResponse",
    "thread/fork": "#/definitions/v2/ThreadForkResponse",
    "thread/read": "#/definitions/v2/ThreadReadResponse",
    "thread/list": "#/definitions/v2/ThreadListResponse",
    "thread/loaded/list": "#/definitions/v2/ThreadLoadedListResponse",
    "thread/archive": "#/definitions/v2/ThreadArchiveResponse",
    "thread/unarchive": "#/definitions/v2/ThreadUnarchiveResponse",
    "thread/unsubscribe": "#/definitions/v2/ThreadUnsubscribeResponse",
    "thread/name/set": "#/definitions/v2/ThreadSetNameResponse",
    "thread/rollback": "#/definitions/v2/ThreadRollbackResponse",
    "account/read": "#/definitions/v2/GetAccountResponse",
    "account/login/start": "#/definitions/v2/LoginAccountResponse",
    "account/login/cancel": "#/definitions/v2/CancelLoginAccountResponse",
    "account/logout": "#/definitions/v2/LogoutAccountResponse",
    "account/rateLimits/read": "#/definitions/v2/GetAccountRateLimitsResponse",
    "model/list": "#/definitions/v2/ModelListResponse",
    "skills/list": "#/definitions/v2/SkillsListResponse",
    "config/read": "#/definitions/v2/ConfigReadResponse",
    "configRequirements/read": "#/definitions/v2/ConfigRequirementsReadResponse",
    "turn/start": "#/definitions/v2/TurnStartResponse",
    "turn/steer": "#/definitions/v2/TurnSteerResponse",
    "turn/interrupt": "#/definitions/v2/TurnInterruptResponse",
    "thread/compact/start": "#/definitions/v2/ThreadCompactStartResponse",
    "collaborationMode/list": "#/definitions/v2/CollaborationModeListResponse",
    "thread/backgroundTerminals/clean": "#/definitions/v2/ThreadBackgroundTerminalsCleanResponse",
    "thread/shellCommand": "#/definitions/v2/ThreadShellCommandResponse",
    "command/exec": "#/definitions/v2/CommandExecResponse",
    "command/exec/write": "#/definitions/v2/CommandExecWriteResponse",
    "command/exec/terminate": "#/definitions/v2/CommandExecTerminateResponse",
    "command/exec/resize": "#/definitions/v2/CommandExecResizeResponse",
}


def _validate(ref, instance):
    schema = {"$ref": ref, "definitions": BUNDLE["definitions"]}
    jsonschema.Draft7Validator(schema).validate(instance)


class Conformance:
    """Validates each message a client receives; counts them so tests can assert coverage."""

    def __init__(self):
        self.method_of = {}  # request id (as JSON text) -> method
        self.checked = 0

    def sent(self, msg):
        if isinstance(msg, dict) and "id" in msg and "method" in msg:
            self.method_of[json.dumps(msg["id"])] = msg["method"]

    def received(self, msg):
        assert "jsonrpc" not in msg, f"server wrote a jsonrpc member: {msg}"
        if "method" in msg and "id" in msg:
            _validate("#/definitions/ServerRequest", msg)
        elif "method" in msg:
            _validate("#/definitions/ServerNotification", msg)
        elif "error" in msg:
            if msg["id"] is None:
                # Our deliberate extension (Codex stays silent): JSON-RPC 2.0's null id.
                _validate("#/definitions/JSONRPCErrorError", msg["error"])
                assert set(msg) == {"id", "error"}
            else:
                _validate("#/definitions/JSONRPCError", msg)
        else:
            _validate("#/definitions/JSONRPCResponse", msg)
            method = self.method_of.get(json.dumps(msg["id"]))
            assert method is not None, f"response to an unknown id: {msg}"
            assert method in RESPONSE_TYPES, f"no response type for {method}"
            _validate(RESPONSE_TYPES[method], msg["result"])
        self.checked += 1


def isolated_env():
    """This process's environment with CODEX_HOME pointing at an empty folder of its own: serve
    reads config.toml, auth.json and skills from CODEX_HOME, and a test must not see the
    machine's ~/.codex. (Tests that pass their own env decide for themselves.)"""
    env = dict(os.environ)
    env["CODEX_HOME"] = tempfile.mkdtemp(prefix="codex-home-")
    return env


class StdioClient:
    def __init__(self, argv, env=None, cwd=None):
        if env is None:
            env = isolated_env()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=cwd)
        self.conformance = Conformance()
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._pump_err, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line.decode())
        self.lines.put(None)

    def _pump_err(self):
        for line in self.proc.stderr:
            self.stderr.append(line.decode())

    def send_raw(self, text):
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()

    def send(self, msg):
        self.conformance.sent(msg)
        self.send_raw(json.dumps(msg))

    def recv(self, timeout=10):
        line = self.lines.get(timeout=timeout)
        if line is None:
            return None
        msg = json.loads(line)
        self.conformance.received(msg)
        return msg

    def call(self, id_, method, params=None, **extra):
        msg = {"id": id_, "method": method}
        if params is not None:
            msg["params"] = params
        msg.update(extra)
        self.send(msg)
        return self.recv()

    def close_stdin(self):
        self.proc.stdin.close()

    def wait(self, timeout=15):
        return self.proc.wait(timeout=timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class WsClosed(Exception):
    def __init__(self, code=None):
        super().__init__(f"websocket closed (code {code})")
        self.code = code


class WsClient:
    """Connect with `headers`; `status` is the HTTP status of the upgrade answer."""

    def __init__(self, port, headers=None, host="127.0.0.1", timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.conformance = Conformance()
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET / HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        status_line = head.split(b"\r\n")[0].decode() if head else ""
        self.status = int(status_line.split()[1]) if status_line else 0

    def send_frame(self, payload, opcode=1):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if n < 65536 else \
            (int.from_bytes(payload, "big") ^ int.from_bytes((mask * (n // 4 + 1))[:n], "big")).to_bytes(n, "big")
        self.sock.sendall(header + mask + masked)

    def send_raw(self, text):
        self.send_frame(text.encode())

    def send(self, msg):
        self.conformance.sent(msg)
        self.send_raw(json.dumps(msg))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise WsClosed(None)
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            if opcode == 8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                raise WsClosed(code)
            if opcode == 9:  # ping
                self.send_frame(payload, opcode=10)
                continue
            if opcode in (1, 2):
                return payload

    def recv(self):
        msg = json.loads(self.recv_frame())
        self.conformance.received(msg)
        return msg

    def call(self, id_, method, params=None):
        msg = {"id": id_, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.recv()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
