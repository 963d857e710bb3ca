"""The hostile-input corpus, through the real binary: JSON nested far too deep (requests over
stdio and WebSocket, rollout lines), a NUL byte after a valid message, zstd bombs, a sparse
1 GiB file, FIFOs, a bad session_index.jsonl, a Claude settings file nested too deep, a
lower-case bearer scheme, and running out of file descriptors. Each case checks the specific
good outcome: the error text, the exit status, the server still answering every client, the
good files imported, the peak memory. The big inputs are generated here, at test time.
Usage: hostile_test.py THREADLOG_BINARY"""
import json
import os
import re
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import rpc_client  # noqa: E402
from rpc_client import StdioClient, WsClient, WsClosed  # noqa: E402

rpc_client.RESPONSE_TYPES["thread/list"] = "#/definitions/v2/ThreadListResponse"
rpc_client.RESPONSE_TYPES["thread/read"] = "#/definitions/v2/ThreadReadResponse"

BINARY = None
BASIC = os.path.join(HERE, "..", "fixtures", "codex-0.113.0", "basic")
SESSIONS = os.path.join(BASIC, "sessions", "2026", "11", "24")
GOOD_ID = "01a20edc-6f3a-7f83-8d85-eff1cc9a2d26"
GOOD = os.path.join(SESSIONS, f"rollout-2026-11-24T18-40-57-{GOOD_ID}.jsonl")
# The file that gets a hostile line inserted: its other lines must still be imported.
VICTIM_ID = "01a20edc-7247-7f03-a843-7f00d3d1bea4"
VICTIM = os.path.join(SESSIONS, f"rollout-2026-11-24T18-40-57-{VICTIM_ID}.jsonl")
INIT_EXP = {"clientInfo": {"name": "t", "version": "1"}, "capabilities": {"experimentalApi": True}}
TOO_DEEP = "JSON nested deeper than 127 levels"
RSS_LIMIT_MB = 300


def nested(depth, inner=""):
    return "[" * depth + inner + "]" * depth


def deep_request(id_, depth, method="thread/list"):
    """A request whose params hold `depth` nested arrays (the line nests depth + 2 levels)."""
    return '{"id":%s,"method":"%s","params":{"x":%s}}' % (json.dumps(id_), method, nested(depth))


def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def event_line(payload):
    return json.dumps({"timestamp": "2026-11-24T18:41:00.000Z", "type": "event_msg",
                       "payload": payload})


def zstd_frame(blocks):
    """A zstd frame from (kind, data) blocks: ("raw", bytes) or ("rle", (byte, count)). RLE blocks
    make a bomb: 4 bytes of frame for every 128 KiB of output."""
    out = bytearray(struct.pack("<I", 0xFD2FB528))
    out += bytes([0x00, 17 - 10 << 3])  # no content size, no checksum; a 128 KiB window
    for i, (kind, data) in enumerate(blocks):
        last = 1 if i == len(blocks) - 1 else 0
        if kind == "raw":
            assert len(data) <= 128 << 10
            out += (last | 0 << 1 | len(data) << 3).to_bytes(3, "little") + data
        else:
            byte, count = data
            assert count <= 128 << 10
            out += (last | 1 << 1 | count << 3).to_bytes(3, "little") + bytes([byte])
    return bytes(out)


# Runs argv[2:] and writes "<exit code> <peak RSS in KiB>" to argv[1]. A process's peak RSS
# includes what its parent had mapped when it forked, so the binary is measured from this small
# helper rather than from the test (tens of MB of test data would be counted).
# argv[2] is a timeout in seconds, after which the binary is killed ("timeout" is written).
MEASURE = """
import os, signal, sys, time
pid = os.posix_spawn(sys.argv[3], sys.argv[3:], os.environ)
deadline = time.time() + float(sys.argv[2])
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done == pid:
        break
    if time.time() > deadline:
        os.kill(pid, signal.SIGKILL)
        os.wait4(pid, 0)
        with open(sys.argv[1], "w") as f:
            f.write("timeout")
        sys.exit(1)
    time.sleep(0.01)
with open(sys.argv[1], "w") as f:
    f.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


class Run:
    """A finished threadlog command: exit code (negative: killed by that signal), output, peak
    resident memory in MB (an upper bound: the measuring helper's own ~10 MB may count)."""

    def __init__(self, args, timeout=180, env=None, cwd=None):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
                tempfile.NamedTemporaryFile("r") as result:
            subprocess.run([sys.executable, "-c", MEASURE, result.name, str(timeout), BINARY,
                            *args], stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                           cwd=cwd)
            outcome = result.read()
            if outcome == "timeout":
                raise AssertionError(f"threadlog {' '.join(args)} still running after "
                                     f"{timeout} s")
            code, maxrss = outcome.split()
            self.code = int(code)
            self.peak_mb = int(maxrss) / 1024
            out.seek(0)
            err.seek(0)
            self.out = out.read().decode(errors="replace")
            self.err = err.read().decode(errors="replace")

    def __repr__(self):
        return f"exit {self.code}, peak {self.peak_mb:.0f} MB\nstdout: {self.out[-2000:]}\n" \
               f"stderr: {self.err[-2000:]}"


class HostileCase(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="threadlog-hostile-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.store = os.path.join(self.root, "store")
        self.codex = os.path.join(self.root, "codex")
        self.sessions = os.path.join(self.codex, "sessions", "2026", "11", "24")
        os.makedirs(self.sessions)
        shutil.copy(GOOD, self.sessions)

    def victim_with(self, *inserted, at=2, name=None):
        """The victim fixture with the `inserted` lines from line `at` on; returns its path."""
        lines = read_lines(VICTIM)
        lines[at - 1:at - 1] = inserted
        path = os.path.join(self.sessions, name or os.path.basename(VICTIM))
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def run_threadlog(self, *args, **kw):
        return Run(["--home", self.store, *args], **kw)

    def threads(self, *inspect_path):
        r = Run(["--home", self.store, "inspect", *inspect_path, "list", "--json"])
        self.assertEqual(r.code, 0, r)
        return {json.loads(line)["id"]: json.loads(line) for line in r.out.splitlines()}

    def assert_imported(self, r, *ids):
        self.assertEqual(r.code, 0, r)
        listed = self.threads()
        for thread in ids:
            self.assertIn(thread, listed, r)

    def serve(self, *args, env=None):
        c = StdioClient([BINARY, "--home", self.store, "serve", *args], env=env, cwd=self.root)
        self.addCleanup(c.kill)
        return c

    def wait_stderr(self, client, pattern, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = "".join(client.stderr)
            m = re.search(pattern, text)
            if m:
                return m
            if client.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.fail(f"no {pattern!r} on stderr: {''.join(client.stderr)[-3000:]}")


def answer_to(client, id_, timeout=30):
    """The answer to request `id_`, past any notifications before it."""
    while True:
        msg = client.recv(timeout=timeout) if isinstance(client, StdioClient) else client.recv()
        if "method" not in msg and msg.get("id") == id_:
            return msg


def call_ok(client, id_, method, params):
    client.send({"id": id_, "method": method, "params": params})
    answer = answer_to(client, id_)
    assert "result" in answer, f"{method}: {answer}"
    return answer["result"]


def send_text(client, id_, method, text):
    """Sends a hand-made request text, registered for the schema check of its answer."""
    client.conformance.sent({"id": id_, "method": method})
    client.send_raw(text)


class DeepJsonOverStdioTest(HostileCase):
    def test_a_request_150000_deep_is_refused_and_the_connection_keeps_working(self):
        c = self.serve()
        call_ok(c, 1, "initialize", INIT_EXP)
        c.send_raw(deep_request(2, 150000))
        self.assertEqual(c.recv(), {"id": 2, "error": {"code": -32600,
                                                       "message": "Invalid request: " + TOO_DEEP}})
        self.assertEqual(call_ok(c, 3, "thread/list", {})["data"], [])
        c.close_stdin()
        self.assertEqual(c.wait(), 0)

    def test_a_request_too_big_to_hold_once_parsed_is_refused(self):
        c = self.serve()
        call_ok(c, 1, "initialize", INIT_EXP)
        c.send_raw('{"id":2,"method":"thread/list","params":{"x":[' + "{}," * 2_000_000 + "{}]}}")
        self.assertEqual(c.recv(timeout=60)["error"], {
            "code": -32600,
            "message": "Invalid request: JSON too big to hold: over 128 MiB once parsed"})
        self.assertEqual(call_ok(c, 3, "thread/list", {})["data"], [])

    def test_the_limit_is_exactly_codexs(self):
        # Codex 0.117.0 answers a request nested 127 levels deep and drops one nested 128 deep.
        c = self.serve()
        call_ok(c, 1, "initialize", INIT_EXP)
        send_text(c, 2, "thread/list", deep_request(2, 125))
        self.assertIn("result", c.recv())
        send_text(c, "s3", "thread/list", deep_request("s3", 126))
        self.assertEqual(c.recv()["error"], {"code": -32600, "message": "Invalid request: " + TOO_DEEP})

    def test_thread_start_with_a_dynamic_tool_schema_60000_deep(self):
        c = self.serve()
        call_ok(c, 1, "initialize", INIT_EXP)
        schema = '{"type":"object","properties":' + nested(60000) + "}"
        c.send_raw('{"id":2,"method":"thread/start","params":{"dynamicTools":[{"name":"t",'
                   '"description":"d","inputSchema":' + schema + "}]}}")
        self.assertEqual(c.recv()["error"]["message"], "Invalid request: " + TOO_DEEP)
        # One within the limit is taken, and the thread works: objects nested in `properties`,
        # two JSON levels each.
        schema = {"type": "string"}
        for _ in range(55):
            schema = {"type": "object", "properties": {"a": schema}}
        ok = {"name": "t", "description": "d", "inputSchema": schema}
        thread = call_ok(c, 3, "thread/start", {"dynamicTools": [ok]})["thread"]
        self.assertEqual(call_ok(c, 4, "thread/read", {"threadId": thread["id"]})["thread"]["id"],
                         thread["id"])

    def test_a_valid_object_followed_by_a_nul_byte_is_not_executed(self):
        c = self.serve()
        call_ok(c, 1, "initialize", INIT_EXP)
        c.send_raw('{"id":2,"method":"thread/start","params":{}}\0{"junk"')
        answer = c.recv()
        self.assertEqual(answer["id"], None)
        self.assertEqual(answer["error"]["code"], -32700)
        self.assertIn("NUL byte", answer["error"]["message"])
        self.assertEqual(call_ok(c, 3, "thread/list", {})["data"], [])  # nothing was started


class WsHostileTest(HostileCase):
    def serve_ws(self, *args, preexec_fn=None):
        proc = subprocess.Popen([BINARY, "--home", self.store, "serve", "--listen", "ws://:0", *args],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, preexec_fn=preexec_fn)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
        lines = []
        threading.Thread(target=lambda: [lines.append(l.decode()) for l in proc.stderr],
                         daemon=True).start()
        deadline = time.time() + 20
        while time.time() < deadline:
            for line in list(lines):
                m = re.search(r"listening on ws://127.0.0.1:(\d+)", line)
                if m:
                    return proc, lines, int(m.group(1))
            time.sleep(0.02)
        self.fail(f"server did not listen: {''.join(lines)}")

    def client(self, port, headers=None):
        w = WsClient(port, headers)
        self.addCleanup(w.close)
        self.assertEqual(w.status, 101)
        call_ok(w, 1, "initialize", INIT_EXP)
        return w

    def test_deep_json_and_nul_bytes_neither_kill_the_server_nor_drop_other_clients(self):
        _, _, port = self.serve_ws()
        bystander = self.client(port)
        attacker = self.client(port)
        attacker.send_raw(deep_request(2, 150000))
        self.assertEqual(attacker.recv(), {"id": 2, "error": {
            "code": -32600, "message": "Invalid request: " + TOO_DEEP}})
        attacker.send_frame(b'{"id":3,"method":"thread/list","params":{}}\0tail')
        answer = attacker.recv()
        self.assertEqual((answer["id"], answer["error"]["code"]), (None, -32700))
        self.assertIn("NUL byte", answer["error"]["message"])
        self.assertEqual(call_ok(attacker, 4, "thread/list", {})["data"], [])
        self.assertEqual(call_ok(bystander, 2, "thread/list", {})["data"], [])

    def test_the_bearer_scheme_is_case_insensitive(self):
        token = os.path.join(self.root, "token")
        with open(token, "w") as f:
            f.write("s3cret\n")
        _, _, port = self.serve_ws("--ws-token-file", token)
        for scheme in ("bearer", "BEARER", "Bearer", "bEaReR"):
            self.client(port, {"Authorization": f"{scheme} s3cret"})
        for wrong in ("bearer S3CRET", "Basic s3cret", "bearers3cret", "bearer s3cret!"):
            w = WsClient(port, {"Authorization": wrong})
            self.addCleanup(w.close)
            self.assertEqual(w.status, 401, wrong)

    def test_running_out_of_descriptors_pauses_accepting_and_recovers(self):
        limit = 64
        proc, lines, port = self.serve_ws(
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)))
        # More connections than descriptors: the kernel queues them; the server takes what fits.
        flood = []
        # They send nothing, so each one the server takes holds its descriptor. Only a few more
        # than fit: once the flood closes, the server takes the queued rest without running out
        # again (so it reports running out exactly once).
        for _ in range(limit + 10):
            flood.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        deadline = time.time() + 20
        while time.time() < deadline and not any("cannot accept" in l for l in lines):
            time.sleep(0.05)
        self.assertTrue(any("cannot accept connections" in l for l in lines), "".join(lines))
        for s in flood:
            s.close()
        # A new connection is answered once descriptors are free again; the server said so.
        w = WsClient(port, timeout=20)
        self.addCleanup(w.close)
        self.assertEqual(w.status, 101)
        self.assertEqual(call_ok(w, 1, "initialize", INIT_EXP)["userAgent"].split("/")[0], "t")
        deadline = time.time() + 10
        while time.time() < deadline and not any("accepting connections again" in l
                                                 for l in lines):
            time.sleep(0.05)
        text = "".join(lines)
        self.assertEqual(text.count("cannot accept connections"), 1, text)
        self.assertEqual(text.count("accepting connections again"), 1, text)
        self.assertIn("Too many open files", text)
        self.assertIsNone(proc.poll(), "the server exited on its own")


class DeepRolloutLineTest(HostileCase):
    def setUp(self):
        super().setUp()
        # Written by hand: json.dumps cannot nest that deep. Line 2 is in Codex's own layout
        # (the byte-preserving path), line 3 in another (parsed and re-serialized).
        codex_layout = ('{"timestamp":"2026-11-24T18:41:00.000Z","type":"event_msg","payload":'
                        '{"type":"agent_message","message":"x","v":' + nested(100000) + "}}")
        other_layout = ('{"type": "event_msg", "timestamp": "2026-11-24T18:41:00.000Z", '
                        '"payload": {"type": "agent_message", "v": ' + nested(100000) + "}}")
        self.victim = self.victim_with(codex_layout, other_layout, at=2)
        self.reason = f"{self.victim}:2: skipped line: line is {TOO_DEEP}"

    def test_import_skips_the_line_and_imports_the_rest(self):
        r = self.run_threadlog("import", self.codex)
        self.assert_imported(r, GOOD_ID, VICTIM_ID)
        self.assertIn(self.reason, r.err)
        self.assertIn(self.reason.replace(":2:", ":3:"), r.err)
        self.assertIn("2 bad lines skipped", r.out)
        self.assertEqual(self.threads()[VICTIM_ID]["events"], len(read_lines(VICTIM)))

    def test_inspect_reads_the_folder(self):
        listed = self.threads(self.codex)
        self.assertEqual(sorted(listed), sorted([GOOD_ID, VICTIM_ID]))

    def test_serve_adopts_the_codex_home_and_answers(self):
        c = self.serve("--codex-home", self.codex)
        call_ok(c, 1, "initialize", INIT_EXP)
        self.wait_stderr(c, r"Codex home imported: 2 files")
        self.assertIn(f"{self.victim}:3: skipped: line is {TOO_DEEP}", "".join(c.stderr))
        ids = [t["id"] for t in call_ok(c, 2, "thread/list", {"modelProviders": []})["data"]]
        self.assertEqual(sorted(ids), sorted([GOOD_ID, VICTIM_ID]))


class OversizedInputTest(HostileCase):
    def test_a_zstd_bomb_is_one_skipped_line_in_bounded_memory(self):
        lines = read_lines(VICTIM)
        head = ("\n".join(lines[:3]) + "\n").encode()
        tail = ("\n" + "\n".join(lines[3:]) + "\n").encode()
        blocks = [("raw", head)] + [("rle", (ord("x"), 128 << 10))] * (16 << 10)  # 2 GiB of "x"
        blocks += [("raw", tail[i:i + (100 << 10)]) for i in range(0, len(tail), 100 << 10)]
        bomb = os.path.join(self.sessions, os.path.basename(VICTIM) + ".zst")
        with open(bomb, "wb") as f:
            f.write(zstd_frame(blocks))
        self.assertLess(os.path.getsize(bomb), 256 << 10)
        r = self.run_threadlog("import", self.codex)
        self.assert_imported(r, GOOD_ID, VICTIM_ID)
        self.assertIn(f"{bomb}:4: skipped line: line longer than 32 MiB", r.err)
        self.assertEqual(self.threads()[VICTIM_ID]["events"], len(lines))
        self.assertLess(r.peak_mb, RSS_LIMIT_MB, r)
        print(f"\nzstd bomb (2 GiB from {os.path.getsize(bomb) >> 10} KiB): import peak "
              f"{r.peak_mb:.0f} MB", file=sys.stderr)

        # serve --codex-home adopts the same home in bounded memory, and answers.
        shutil.rmtree(self.store)
        c = self.serve("--codex-home", self.codex)
        call_ok(c, 1, "initialize", INIT_EXP)
        self.wait_stderr(c, r"Codex home imported: 2 files", timeout=120)
        with open(f"/proc/{c.proc.pid}/status") as f:
            hwm_mb = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024
        self.assertLess(hwm_mb, RSS_LIMIT_MB)
        print(f"zstd bomb: serve --codex-home peak {hwm_mb:.0f} MB", file=sys.stderr)
        self.assertEqual(len(call_ok(c, 2, "thread/list", {"modelProviders": []})["data"]), 2)

    def test_a_sparse_1gib_file_is_one_skipped_line_in_bounded_memory(self):
        sparse = os.path.join(self.sessions, "rollout-2026-11-24T18-40-58-sparse.jsonl")
        with open(sparse, "wb") as f:
            f.truncate(1 << 30)
        shutil.copy(VICTIM, self.sessions)
        r = self.run_threadlog("import", self.codex)
        self.assert_imported(r, GOOD_ID, VICTIM_ID)
        self.assertIn(f"{sparse}:1: skipped line: line longer than 32 MiB", r.err)
        self.assertIn(f"{sparse}: skipped: no session_meta line", r.err)
        self.assertLess(r.peak_mb, RSS_LIMIT_MB, r)
        print(f"\nsparse 1 GiB file: import peak {r.peak_mb:.0f} MB", file=sys.stderr)

    def test_a_line_too_big_to_hold_once_parsed_is_skipped(self):
        # 5 million empty objects: 15 MB of text, some 500 MB as parsed values.
        flood = event_line({"type": "agent_message", "message": "x", "v": [{}] * 5_000_000})
        path = self.victim_with(flood, at=3)
        r = self.run_threadlog("import", self.codex)
        self.assert_imported(r, GOOD_ID, VICTIM_ID)
        self.assertIn(f"{path}:3: skipped line: line is JSON too big to hold: over 128 MiB once "
                      "parsed", r.err)
        self.assertLess(r.peak_mb, RSS_LIMIT_MB, r)
        print(f"\nline of 5M empty objects: import peak {r.peak_mb:.0f} MB", file=sys.stderr)

    def test_a_long_line_within_the_limit_is_imported(self):
        big = event_line({"type": "agent_message", "message": "y" * (20 << 20)})
        self.victim_with(big, at=3)
        r = self.run_threadlog("import", self.codex)
        self.assert_imported(r, GOOD_ID, VICTIM_ID)
        self.assertIn("0 bad lines skipped", r.out)
        self.assertEqual(self.threads()[VICTIM_ID]["events"], len(read_lines(VICTIM)) + 1)


class NotARegularFileTest(HostileCase):
    def test_a_fifo_named_as_the_import_path_is_refused_without_blocking(self):
        fifo = os.path.join(self.root, "rollout-fifo.jsonl")
        os.mkfifo(fifo)
        r = self.run_threadlog("import", fifo, timeout=30)
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"{fifo}: skipped: not a regular file (a FIFO)", r.err)
        self.assertIn("1 rejected", r.out)
        r = Run(["--home", self.store, "inspect", fifo, "list"], timeout=30)
        self.assertEqual(r.code, 0, r)
        self.assertIn("not a regular file (a FIFO)", r.err)

    def test_fifos_and_sockets_in_a_folder_are_reported_and_the_rest_imported(self):
        fifo = os.path.join(self.sessions, "rollout-2026-11-24T18-40-59-fifo.jsonl")
        os.mkfifo(fifo)
        sock_path = os.path.join(self.sessions, "rollout-2026-11-24T18-41-00-sock.jsonl")
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(sock_path)
        self.addCleanup(sock.close)
        shutil.copy(VICTIM, self.sessions)
        r = self.run_threadlog("import", self.codex, timeout=30)
        self.assert_imported(r, GOOD_ID, VICTIM_ID)
        self.assertIn(f"{fifo}: skipped: not a regular file (a FIFO)", r.err)
        self.assertIn(f"{sock_path}: skipped: not a regular file (a socket)", r.err)


class BadLinesTest(HostileCase):
    def test_a_nul_byte_after_a_valid_rollout_line_is_a_bad_line(self):
        line = read_lines(VICTIM)[1]
        self.victim_with(line + "\0" + line, at=2)
        r = self.run_threadlog("import", self.codex)
        self.assert_imported(r, GOOD_ID, VICTIM_ID)
        self.assertIn(f":2: skipped line: line is not valid JSON", r.err)
        self.assertEqual(self.threads()[VICTIM_ID]["events"], len(read_lines(VICTIM)))

    def test_a_session_index_with_a_null_updated_at_does_not_abort_the_import(self):
        shutil.copy(VICTIM, self.sessions)
        with open(os.path.join(self.codex, "session_index.jsonl"), "w") as f:
            f.write(json.dumps({"id": GOOD_ID, "thread_name": "named", "updated_at": None}) + "\n")
            f.write(json.dumps({"id": VICTIM_ID, "thread_name": 7}) + "\n")
            f.write("[" * 100000 + "\n")
        r = self.run_threadlog("import", self.codex)
        # It was SIGABRT (terminate called after throwing type_error.302). Now: exit 0, the
        # rollouts imported, the null updated_at only no time, the other lines skipped with
        # their file:line.
        self.assertEqual(r.code, 0, r)
        self.assert_imported(r, GOOD_ID, VICTIM_ID)
        index = os.path.join(self.codex, "session_index.jsonl")
        self.assertIn(f"{index}:2:", r.err)
        self.assertIn(f"{index}:3: skipped line: JSON nested deeper than 127 levels", r.err)


class MigrateHostileTest(HostileCase):
    def test_a_claude_settings_file_nested_too_deep_is_a_clear_error(self):
        home = os.path.join(self.root, "home")
        os.makedirs(os.path.join(home, ".claude"))
        settings = os.path.join(home, ".claude", "settings.json")
        with open(settings, "w") as f:
            f.write('{"env":' + nested(100000) + "}")
        r = Run(["migrate", "import"], env=dict(os.environ, HOME=home, CODEX_HOME=""),
                cwd=self.root)
        self.assertEqual(r.code, 1, r)
        self.assertIn(f"CONFIG [home]: error: {settings}: {TOO_DEEP}", r.err)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
