"""Integration tests of `threadlog serve`: the real binary over stdio and WebSocket — handshake,
experimental gating, every error class, malformed input, externalAgentConfig/*, WebSocket safety
rules, overload and graceful shutdown. Every message received is schema-validated (rpc_client).
Usage: serve_test.py THREADLOG_BINARY"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from rpc_client import CODEX_VERSION, StdioClient, WsClient, WsClosed

BINARY = None
INIT = {"clientInfo": {"name": "t", "version": "1"}}
INIT_EXP = {"clientInfo": {"name": "t", "version": "1"}, "capabilities": {"experimentalApi": True}}
GATE = "requires experimentalApi capability"


def err(msg):
    assert "error" in msg, f"expected an error, got {msg}"
    return msg["error"]["code"], msg["error"]["message"]


class Scratch:
    """A scratch HOME holding a Claude Code setup, a CODEX_HOME and a repo (as used to ask Codex)."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="threadlog-api-")
        self.home = os.path.join(self.root, "home")
        self.codex_home = os.path.join(self.root, "codexhome")
        self.repo = os.path.join(self.root, "repo")
        os.makedirs(os.path.join(self.home, ".claude/skills/foo"))
        os.makedirs(os.path.join(self.repo, ".claude"))
        os.makedirs(os.path.join(self.repo, ".git"))
        os.makedirs(self.codex_home)
        self.write("home/.claude/settings.json", '{"env":{"FOO":"bar","N":1},"sandbox":{"enabled":true}}\n')
        self.write("home/.claude/skills/foo/SKILL.md",
                   "---\nname: foo\ndescription: a Claude Code skill\n---\nUse claude-code.\n")
        self.write("repo/CLAUDE.md", "# Notes for Claude Code\n")
        self.write("repo/.claude/settings.json", '{"env":{"X":"y"}}\n')

    def write(self, rel, text):
        with open(os.path.join(self.root, rel), "w") as f:
            f.write(text)

    def env(self):
        env = dict(os.environ, HOME=self.home, CODEX_HOME=self.codex_home)
        return env

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class ServeCase(unittest.TestCase):
    def setUp(self):
        self.scratch = Scratch()
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            p.kill()
        self.scratch.cleanup()

    def stdio(self, *args):
        c = StdioClient([BINARY, "serve", *args], env=self.scratch.env(), cwd=self.scratch.root)
        self.procs.append(c)
        return c

    def initialized(self, *args, params=INIT):
        c = self.stdio(*args)
        self.assertIn("userAgent", c.call(0, "initialize", params)["result"])
        c.send({"method": "initialized"})
        return c


class StdioTest(ServeCase):
    def test_handshake(self):
        c = self.stdio()
        self.assertEqual(err(c.call(1, "externalAgentConfig/detect", {})),
                         (-32600, "Not initialized"))
        ua = c.call(2, "initialize", INIT)["result"]["userAgent"]
        self.assertRegex(ua, r"^t/" + re.escape(CODEX_VERSION) + r" \(.+; .+\) .+ \(t; 1\)$")
        c.send({"method": "initialized"})
        self.assertEqual(err(c.call(3, "initialize", INIT)), (-32600, "Already initialized"))
        self.assertEqual(c.call(4, "externalAgentConfig/detect", {})["result"], {"items": []})
        self.assertGreaterEqual(c.conformance.checked, 4)

    def test_initialize_params_checked_before_handshake_state(self):
        c = self.stdio()
        self.assertEqual(err(c.call(1, "initialize", {})),
                         (-32600, "Invalid request: missing field `clientInfo`"))
        self.assertEqual(err(c.call(2, "initialize")), (-32600, "Invalid request: missing field `params`"))
        code, message = err(c.call(3, "initialize", {"clientInfo": {"name": "t", "version": "1"},
                                                    "capabilities": {"experimentalApi": "yes"}}))
        self.assertEqual((code, message),
                         (-32600, 'Invalid request: invalid type: string "yes", expected a boolean'))
        self.assertIn("result", c.call(4, "initialize", INIT))

    def test_unknown_and_unimplemented_methods(self):
        c = self.initialized()
        code, message = err(c.call(1, "nope/x", {}))
        self.assertEqual(code, -32600)
        self.assertTrue(message.startswith("Invalid request: unknown variant `nope/x`, expected one of "))
        self.assertIn("`externalAgentConfig/detect`", message)
        code, message = err(c.call(2, "app/list", {}))
        self.assertEqual(code, -32600)
        self.assertIn(f"`app/list` (a Codex {CODEX_VERSION} method that threadlog does not implement)", message)
        # The notification name used as a request, as Codex answers it.
        self.assertIn("unknown variant `initialized`", err(c.call(3, "initialized", {}))[1])

    def test_experimental_method_and_fields_gated(self):
        c = self.initialized()
        self.assertEqual(err(c.call(1, "mock/experimentalMethod", {})),
                         (-32600, "mock/experimentalMethod " + GATE))
        self.assertEqual(err(c.call(2, "collaborationMode/list", {})),
                         (-32600, "collaborationMode/list " + GATE))
        self.assertEqual(err(c.call(3, "thread/start", {"persistExtendedHistory": True})),
                         (-32600, "thread/start.persistFullHistory " + GATE))
        tool = {"name": "a", "description": "b", "inputSchema": {}}  # valid: params are read first
        self.assertEqual(err(c.call(4, "thread/start", {"dynamicTools": [tool]})),
                         (-32600, "thread/start.dynamicTools " + GATE))
        self.assertEqual(err(c.call(5, "thread/resume", {"threadId": "x", "path": "/p"})),
                         (-32600, "thread/resume.path " + GATE))
        mode = {"mode": "plan", "settings": {"model": "gpt-5.1-codex"}}
        self.assertEqual(err(c.call(6, "turn/start", {"threadId": "x", "input": [],
                                                      "collaborationMode": mode})),
                         (-32600, "turn/start.collaborationMode " + GATE))
        # Params are read first (Codex 0.117.0's answers), old mode names included.
        self.assertEqual(err(c.call(60, "turn/start", {"threadId": "x", "input": [],
                                                       "collaborationMode": {"mode": "plan"}})),
                         (-32600, "Invalid request: missing field `settings`"))
        self.assertEqual(err(c.call(61, "turn/start", {
            "threadId": "x", "input": [],
            "collaborationMode": {"mode": "bogus", "settings": {"model": "m"}}})),
            (-32600, "Invalid request: unknown variant `bogus`, expected one of `plan`, `code`, "
                     "`custom`, `default`, `execute`, `pair_programming`"))
        # Unused values (false, null, []) are not gated, as in Codex (whether or not thread/start
        # is implemented in this build, the answer must not be the gate's).
        for i, params in enumerate([{"persistExtendedHistory": False}, {"dynamicTools": []},
                                    {"experimentalRawEvents": None}]):
            msg = c.call(10 + i, "thread/start", params)
            self.assertNotIn(GATE, msg.get("error", {}).get("message", ""))

    def test_experimental_opt_in(self):
        c = self.initialized(params=INIT_EXP)
        code, message = err(c.call(1, "mock/experimentalMethod", {}))
        self.assertNotIn(GATE, message)
        self.assertIn("does not implement", message)
        msg = c.call(2, "thread/start", {"persistExtendedHistory": True})
        self.assertNotIn(GATE, msg.get("error", {}).get("message", ""))

    def test_invalid_params_in_codex_words(self):
        # Each message is the one Codex 0.117.0 answered for the same params.
        c = self.initialized()
        cases = [
            ({"includeHome": "yes"}, "externalAgentConfig/detect",
             'Invalid request: invalid type: string "yes", expected a boolean'),
            ({"cwds": [1]}, "externalAgentConfig/detect",
             "Invalid request: invalid type: integer `1`, expected a string"),
            ({}, "externalAgentConfig/import", "Invalid request: missing field `migrationItems`"),
            ({"migrationItems": [{"itemType": "CONFIG"}]}, "externalAgentConfig/import",
             "Invalid request: missing field `description`"),
            ({"migrationItems": [{"itemType": "HOOKS", "description": "x"}]}, "externalAgentConfig/import",
             "Invalid request: unknown variant `HOOKS`, expected one of `AGENTS_MD`, `CONFIG`, "
             "`SKILLS`, `MCP_SERVER_CONFIG`"),
            (None, "externalAgentConfig/detect", "Invalid request: missing field `params`"),
        ]
        for i, (params, method, expected) in enumerate(cases):
            self.assertEqual(err(c.call(i, method, params)), (-32600, expected))

    def test_relative_paths_resolved_against_the_server_cwd(self):
        # Codex resolves a relative cwd against its own working directory (the scratch root
        # here), so "repo" finds what the absolute path finds.
        s = self.scratch
        c = self.initialized()
        absolute = c.call(1, "externalAgentConfig/detect", {"cwds": [s.repo]})["result"]["items"]
        relative = c.call(2, "externalAgentConfig/detect", {"cwds": ["repo"]})["result"]["items"]
        self.assertTrue(absolute)
        self.assertEqual(relative, absolute)
        items = [{"itemType": "AGENTS_MD", "description": "x", "cwd": "repo"}]
        self.assertEqual(c.call(3, "externalAgentConfig/import", {"migrationItems": items})["result"], {})
        self.assertTrue(os.path.exists(os.path.join(s.repo, "AGENTS.md")))

    def test_malformed_input_keeps_connection_usable(self):
        c = self.initialized()
        c.send_raw("not json")
        code, message = err(c.recv())
        self.assertEqual(code, -32700)
        self.assertTrue(message.startswith("Parse error"))
        c.send_raw('{"id": 7}')
        self.assertEqual(c.recv()["id"], 7)  # invalid message, id salvaged
        c.send_raw("[1,2]")
        msg = c.recv()
        self.assertEqual((msg["id"], msg["error"]["code"]), (None, -32600))
        c.send_raw('{"id": 1.5, "method": "initialize", "params": {}}')
        self.assertEqual(err(c.recv())[0], -32600)
        self.assertEqual(c.call(8, "externalAgentConfig/detect", {})["result"], {"items": []})

    def test_string_id_and_jsonrpc_member(self):
        c = self.stdio()
        msg = c.call("s1", "initialize", INIT, jsonrpc="2.0")
        self.assertEqual(msg["id"], "s1")
        self.assertNotIn("jsonrpc", msg)

    def test_external_agent_config_detect_import(self):
        s = self.scratch
        c = self.initialized()
        params = {"includeHome": True, "cwds": [s.repo]}
        items = c.call(1, "externalAgentConfig/detect", params)["result"]["items"]
        # What the real Codex 0.113.0 answered for the same files (see api/METHODS.md).
        self.assertEqual(items, [
            {"itemType": "CONFIG", "description": f"Migrate {s.home}/.claude/settings.json into "
             f"{s.codex_home}/config.toml", "cwd": None},
            {"itemType": "SKILLS", "description": f"Copy skill folders from {s.home}/.claude/skills "
             f"to {s.root}/.agents/skills", "cwd": None},
            {"itemType": "CONFIG", "description": f"Migrate {s.repo}/.claude/settings.json into "
             f"{s.repo}/.codex/config.toml", "cwd": s.repo},
            {"itemType": "AGENTS_MD", "description": f"Import {s.repo}/CLAUDE.md to {s.repo}/AGENTS.md",
             "cwd": s.repo},
        ])
        self.assertEqual(c.call(2, "externalAgentConfig/import", {"migrationItems": items})["result"], {})
        with open(os.path.join(s.codex_home, "config.toml")) as f:
            config = f.read()
        self.assertIn('sandbox_mode = "workspace-write"', config)
        self.assertIn('FOO = "bar"', config)
        self.assertTrue(os.path.exists(os.path.join(s.root, ".agents/skills/foo/SKILL.md")))
        self.assertTrue(os.path.exists(os.path.join(s.repo, "AGENTS.md")))
        self.assertTrue(os.path.exists(os.path.join(s.repo, ".codex/config.toml")))
        self.assertEqual(c.call(3, "externalAgentConfig/detect", params)["result"], {"items": []})

    def test_overloaded_server_answers_32001(self):
        c = self.initialized("--max-in-flight", "1", "--threads", "1")
        n = 400
        payload = "".join(json.dumps({"id": i, "method": "externalAgentConfig/detect",
                                      "params": {"includeHome": True, "cwds": [self.scratch.repo]}}) + "\n"
                          for i in range(1, n + 1))
        for i in range(1, n + 1):
            c.conformance.method_of[json.dumps(i)] = "externalAgentConfig/detect"
        c.proc.stdin.write(payload.encode())
        c.proc.stdin.flush()
        answers = {}
        for _ in range(n):
            msg = c.recv()
            self.assertNotIn(msg["id"], answers)
            answers[msg["id"]] = msg
        overloaded = [m for m in answers.values() if "error" in m]
        self.assertTrue(overloaded, "no request was refused with max-in-flight 1")
        for m in overloaded:
            self.assertEqual(m["error"], {"code": -32001, "message": "Server overloaded; retry later."})
        self.assertTrue(any("result" in m for m in answers.values()))

    def test_stdin_eof_finishes_in_flight_requests(self):
        c = self.stdio()
        c.send({"id": 0, "method": "initialize", "params": INIT})
        for i in range(1, 51):
            c.send({"id": i, "method": "externalAgentConfig/detect",
                    "params": {"includeHome": True, "cwds": [self.scratch.repo]}})
        c.close_stdin()
        self.assertEqual(c.wait(), 0)
        ids = []
        while (msg := c.recv()) is not None:
            ids.append(msg["id"])
            if msg["id"] != 0:
                self.assertEqual(len(msg["result"]["items"]), 4)
        self.assertEqual(sorted(ids), list(range(51)))

    def test_sigterm_stops_gracefully(self):
        c = self.initialized()
        c.proc.send_signal(signal.SIGTERM)
        self.assertEqual(c.wait(), 0)


class WsCase(ServeCase):
    def serve_ws(self, *args):
        c = self.stdio(*args)
        deadline = time.time() + 10
        while time.time() < deadline:
            for line in c.stderr:
                m = re.search(r"listening on ws://(\S+):(\d+)", line)
                if m:
                    return c, m.group(1), int(m.group(2))
            if c.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.fail(f"server did not listen: {''.join(c.stderr)}")

    def ws(self, port, headers=None, host="127.0.0.1"):
        w = WsClient(port, headers, host=host)
        self.addCleanup(w.close)
        return w


class WsTest(WsCase):
    def test_loopback_by_default_and_full_exchange(self):
        server, host, port = self.serve_ws("--listen", "ws://:0")
        self.assertEqual(host, "127.0.0.1")
        w = self.ws(port)
        self.assertEqual(w.status, 101)
        self.assertEqual(err(w.call(1, "externalAgentConfig/detect", {})), (-32600, "Not initialized"))
        self.assertIn("userAgent", w.call(2, "initialize", INIT)["result"])
        w.send({"method": "initialized"})
        items = w.call(3, "externalAgentConfig/detect", {"includeHome": True})["result"]["items"]
        self.assertEqual([i["itemType"] for i in items], ["CONFIG", "SKILLS"])
        self.assertEqual(w.call(4, "externalAgentConfig/import", {"migrationItems": items})["result"], {})
        self.assertEqual(w.call(5, "externalAgentConfig/detect", {"includeHome": True})["result"], {"items": []})
        w.send_raw("{oops")
        self.assertEqual(err(w.recv())[0], -32700)
        self.assertEqual(err(w.call(6, "thread/start", {"persistExtendedHistory": True}))[1],
                         "thread/start.persistFullHistory " + GATE)

    def test_many_concurrent_connections_are_independent(self):
        _, _, port = self.serve_ws("--listen", "ws://127.0.0.1:0")
        clients = [self.ws(port) for _ in range(16)]
        for i, w in enumerate(clients):
            if i % 2 == 0:
                w.send({"id": 1, "method": "initialize", "params": INIT_EXP if i % 4 == 0 else INIT})
        for i, w in enumerate(clients):
            if i % 2 == 0:
                self.assertIn("result", w.recv())
        for i, w in enumerate(clients):
            msg = w.call(2, "mock/experimentalMethod", {})
            if i % 2 == 1:
                self.assertEqual(err(msg)[1], "Not initialized")
            elif i % 4 == 0:
                self.assertIn("does not implement", err(msg)[1])
            else:
                self.assertEqual(err(msg)[1], "mock/experimentalMethod " + GATE)

    def test_non_loopback_requires_token(self):
        c = self.stdio("--listen", "ws://0.0.0.0:0")
        self.assertNotEqual(c.wait(), 0)
        self.assertIn("without --ws-token-file", "".join(c.stderr))

    def test_bearer_token(self):
        token_file = os.path.join(self.scratch.root, "token")
        with open(token_file, "w") as f:
            f.write("s3cret-token\n")
        _, _, port = self.serve_ws("--listen", "ws://0.0.0.0:0", "--ws-token-file", token_file)
        self.assertEqual(self.ws(port).status, 401)
        self.assertEqual(self.ws(port, {"Authorization": "Bearer wrong-token!"}).status, 401)
        self.assertEqual(self.ws(port, {"Authorization": "Basic s3cret-token"}).status, 401)
        w = self.ws(port, {"Authorization": "Bearer s3cret-token"})
        self.assertEqual(w.status, 101)
        self.assertIn("result", w.call(1, "initialize", INIT))

    def test_cross_origin_refused(self):
        _, _, port = self.serve_ws("--listen", "ws://:0")
        self.assertEqual(self.ws(port, {"Origin": "http://evil.example"}).status, 403)
        self.assertEqual(self.ws(port, {"Origin": "null"}).status, 403)
        self.assertEqual(self.ws(port, {"Origin": "http://localhost.evil.example"}).status, 403)
        w = self.ws(port, {"Origin": f"http://localhost:{port}"})
        self.assertEqual(w.status, 101)
        self.assertIn("result", w.call(1, "initialize", INIT))

    def test_oversize_message_closes_connection(self):
        _, _, port = self.serve_ws("--listen", "ws://:0", "--max-message-bytes", "1024")
        w = self.ws(port)
        w.send_raw(json.dumps({"id": 1, "method": "initialize", "params": INIT, "pad": "x" * 2000}))
        with self.assertRaises(WsClosed) as closed:
            w.recv()
        self.assertIn(closed.exception.code, (1009, None))
        w2 = self.ws(port)
        self.assertIn("result", w2.call(1, "initialize", INIT))

    def test_client_that_stops_reading_is_disconnected(self):
        _, _, port = self.serve_ws("--listen", "ws://:0", "--ws-max-outbound-bytes", "65536")
        w = self.ws(port)
        w.call(0, "initialize", INIT)
        request = json.dumps({"id": 1, "method": "initialize", "params": INIT}).encode()
        disconnected = False
        try:
            for _ in range(200000):  # never read: answers pile up on the server
                w.send_frame(request)
        except OSError:
            disconnected = True
        if not disconnected:
            # Everything was sent; the server must still have dropped us: reading ends early.
            received = 0
            with self.assertRaises((WsClosed, OSError)):
                while True:
                    w.recv_frame()
                    received += 1
            self.assertLess(received, 200000)
        w2 = self.ws(port)
        self.assertIn("result", w2.call(1, "initialize", INIT))

    def test_sigterm_stops_gracefully(self):
        server, _, port = self.serve_ws("--listen", "ws://:0")
        w = self.ws(port)
        w.call(1, "initialize", INIT)
        server.proc.send_signal(signal.SIGTERM)
        self.assertEqual(server.wait(), 0)
        with self.assertRaises((WsClosed, OSError)):
            w.recv_frame()


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
