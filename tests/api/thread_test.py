"""Integration tests of the thread lifecycle methods of `threadlog serve` (the real binary, over
stdio and WebSocket): every method, notification order, two clients on one thread,
unsubscribe/close, restart, Codex home adoption answering like Codex 0.113.0 on the same data
(thread_golden/), and the error classes. Every message received is schema-validated (rpc_client).
Usage: thread_test.py THREADLOG_BINARY"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import rpc_client
from rpc_client import CODEX_VERSION, StdioClient, WsClient

BINARY = None
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "codex-0.113.0", "basic")
with open(os.path.join(HERE, "thread_golden", "codex_basic.json")) as f:
    CODEX = json.load(f)["answers"]
INIT_EXP = {"clientInfo": {"name": "t", "version": "1"}, "capabilities": {"experimentalApi": True}}
INIT = {"clientInfo": {"name": "t", "version": "1"}}
LIMITED = "01a20edc-6c30-77d2-8ea8-b69792e25b0b"  # archived in the fixture
EXTENDED = "01a20edc-6f3a-7f83-8d85-eff1cc9a2d26"
FORK = "01a20edc-7247-7f03-a843-7f00d3d1bea4"
UNKNOWN = "01a20edc-0000-7000-8000-000000000000"
IDLE = {"type": "idle"}
NOT_LOADED = {"type": "notLoaded"}

for _method in ["start", "resume", "fork", "read", "list", "loaded/list", "archive", "unarchive",
                "unsubscribe", "rollback"]:
    _type = "".join(p[0].upper() + p[1:] for p in re.split(r"[/]", _method))
    rpc_client.RESPONSE_TYPES[f"thread/{_method}"] = f"#/definitions/v2/Thread{_type}Response"
rpc_client.RESPONSE_TYPES["thread/name/set"] = "#/definitions/v2/ThreadSetNameResponse"

# Fields where threadlog and Codex legitimately differ on the same data (api/METHODS.md):
# `path` (threadlog keeps no rollout file: null), `updatedAt` (Codex: the file's mtime, i.e. when
# the fixture was copied; threadlog: the last event's time), `status` (compared separately).
DIFFERENT = ("path", "updatedAt", "status")


def comparable(thread):
    return {k: v for k, v in thread.items() if k not in DIFFERENT}


def err(msg):
    assert "error" in msg, f"expected an error, got {msg}"
    return msg["error"]["code"], msg["error"]["message"]


class Server:
    """One `threadlog serve` process over a store directory that outlives it (restarts)."""

    def __init__(self, case, home, *args):
        self.client = StdioClient([BINARY, "--home", home, "serve", *args], cwd=case.root)
        case.addCleanup(self.client.kill)
        self.next_id = 100

    def init(self, params=INIT_EXP):
        assert "result" in self.client.call(0, "initialize", params)
        self.client.send({"method": "initialized"})
        return self

    def call(self, method, params):
        """Returns (answer, notifications received before it)."""
        self.next_id += 1
        return call(self.client, self.next_id, method, params)

    def ok(self, method, params):
        answer, before = self.call(method, params)
        assert "result" in answer, f"{method} {params}: {answer}"
        return answer["result"], before

    def after(self):
        """Notifications that arrived after the last answer (a sentinel call flushes them)."""
        answer, before = self.call("thread/loaded/list", {})
        assert "result" in answer
        return before

    def stop(self):
        self.client.close_stdin()
        assert self.client.wait() == 0, "".join(self.client.stderr)


def call(client, id_, method, params):
    client.send({"id": id_, "method": method, "params": params})
    notes = []
    while True:
        msg = client.recv()
        assert msg is not None, "server closed the connection"
        if msg.get("id") == id_ and "method" not in msg:
            return msg, notes
        notes.append(msg)


class ThreadCase(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="threadlog-threads-")
        self.home = os.path.join(self.root, "store")
        self.addCleanup(shutil.rmtree, self.root, True)

    def serve(self, *args):
        return Server(self, self.home, *args)

    def adopt_fixture(self):
        """A server that adopted a copy of the basic Codex home; waits for the import."""
        codex_home = os.path.join(self.root, "codexhome")
        shutil.copytree(FIXTURE, codex_home)
        s = self.serve("--codex-home", codex_home).init()
        deadline = time.time() + 20
        while not any("Codex home imported" in line for line in s.client.stderr):
            self.assertLess(time.time(), deadline, "".join(s.client.stderr))
            time.sleep(0.02)
        return s


class EphemeralTest(ThreadCase):
    """Codex 0.117.0 keeps an ephemeral thread in memory only (answers asked of the binary)."""

    def test_ephemeral_thread_lives_while_loaded_and_is_never_stored(self):
        s = self.serve().init()
        result, _ = s.ok("thread/start", {"cwd": "/tmp", "ephemeral": True})
        thread = result["thread"]
        self.assertEqual((thread["ephemeral"], thread["path"], thread["status"]),
                         (True, None, IDLE))
        started = s.after()
        self.assertEqual([n["method"] for n in started], ["thread/started"])
        self.assertTrue(started[0]["params"]["thread"]["ephemeral"])
        read, _ = s.ok("thread/read", {"threadId": thread["id"]})
        self.assertTrue(read["thread"]["ephemeral"])
        listed, _ = s.ok("thread/list", {"modelProviders": []})
        self.assertEqual(listed["data"], [])
        self.assertEqual(s.ok("thread/name/set", {"threadId": thread["id"], "name": "x"})[0], {})
        no_rollout = f"no rollout found for thread id {thread['id']}"
        for method in ("thread/archive", "thread/fork"):
            answer, _ = s.call(method, {"threadId": thread["id"]})
            self.assertEqual(err(answer), (-32600, no_rollout), method)
        self.assertEqual(s.ok("thread/unsubscribe", {"threadId": thread["id"]})[0],
                         {"status": "unsubscribed"})
        answer, _ = s.call("thread/read", {"threadId": thread["id"]})
        self.assertEqual(err(answer), (-32600, f"thread not loaded: {thread['id']}"))
        answer, _ = s.call("thread/resume", {"threadId": thread["id"]})
        self.assertEqual(err(answer), (-32600, no_rollout))
        s.stop()
        # Nothing of it reached the store.
        listed = subprocess.run([BINARY, "--home", self.home, "inspect", "list", "--json"],
                                capture_output=True, text=True)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertNotIn(thread["id"], listed.stdout)


class StartReadListTest(ThreadCase):
    def test_start_answers_then_thread_started(self):
        s = self.serve().init()
        result, before = s.ok("thread/start", {"cwd": "/tmp/project"})
        self.assertEqual(before, [])
        thread = result["thread"]
        self.assertEqual(thread["status"], IDLE)
        self.assertEqual((thread["cwd"], thread["source"], thread["cliVersion"]),
                         ("/tmp/project", "vscode", CODEX_VERSION))
        self.assertEqual((thread["preview"], thread["name"], thread["turns"]), ("", None, []))
        self.assertEqual((result["cwd"], result["modelProvider"], result["approvalPolicy"]),
                         ("/tmp/project", "openai", "on-request"))
        self.assertEqual(result["sandbox"]["type"], "readOnly")
        self.assertEqual(s.after(), [{"method": "thread/started", "params": {"thread": thread}}])
        # Read answers from the projections; no user message yet, so thread/list leaves it out
        # and Codex does too.
        self.assertEqual(s.ok("thread/read", {"threadId": thread["id"]})[0]["thread"], thread)
        read = s.ok("thread/read", {"threadId": thread["id"], "includeTurns": True})[0]
        self.assertEqual(read["thread"]["turns"], [])
        self.assertEqual(s.ok("thread/list", {})[0], {"data": [], "nextCursor": None})
        self.assertEqual(s.ok("thread/loaded/list", {})[0],
                         {"data": [thread["id"]], "nextCursor": None})

    def test_relative_cwd_is_resolved_like_codex(self):
        s = self.serve().init()
        result, _ = s.ok("thread/start", {"cwd": "sub/dir"})
        self.assertEqual(result["cwd"], os.path.join(self.root, "sub/dir"))

    def test_settings_echoed_and_dynamic_tools_stored(self):
        s = self.serve().init()
        tools = [{"name": "lookup", "description": "Look up", "inputSchema": {"type": "object"}}]
        result, _ = s.ok("thread/start", {
            "cwd": "/w", "model": "m1", "modelProvider": "mock", "sandbox": "danger-full-access",
            "approvalPolicy": "never", "persistExtendedHistory": True, "dynamicTools": tools})
        self.assertEqual((result["model"], result["modelProvider"], result["approvalPolicy"]),
                         ("m1", "mock", "never"))
        self.assertEqual(result["sandbox"], {"type": "dangerFullAccess"})
        s.stop()
        tid = result["thread"]["id"]
        rollout = subprocess.run([BINARY, "--home", self.home, "export", tid], check=True,
                                 capture_output=True, text=True).stdout.splitlines()
        meta = json.loads(rollout[0])
        self.assertEqual(meta["type"], "session_meta")
        # Stored as Codex 0.117.0 stores them: deferLoading spelled out (false by default).
        self.assertEqual(meta["payload"]["dynamic_tools"],
                         [dict(t, deferLoading=t.get("deferLoading", False)) for t in tools])
        self.assertEqual((meta["payload"]["id"], meta["payload"]["cwd"],
                          meta["payload"]["model_provider"], meta["payload"]["source"]),
                         (tid, "/w", "mock", "vscode"))
        events = subprocess.run([BINARY, "--home", self.home, "inspect", "events", tid],
                                check=True, capture_output=True, text=True).stdout
        self.assertIn("thread_configured", events)
        self.assertIn("extended", events)

    def test_loaded_list_pages(self):
        s = self.serve().init()
        ids = sorted(s.ok("thread/start", {})[0]["thread"]["id"] for _ in range(3))
        page, _ = s.ok("thread/loaded/list", {"limit": 2})
        self.assertEqual(page, {"data": ids[:2], "nextCursor": ids[1]})
        page, _ = s.ok("thread/loaded/list", {"limit": 2, "cursor": ids[1]})
        self.assertEqual(page, {"data": ids[2:], "nextCursor": None})


class CodexHomeTest(ThreadCase):
    """After adopting the fixture, threadlog answers what Codex 0.117.0 answered on it."""

    def test_list_matches_codex(self):
        s = self.adopt_fixture()
        for params, key in [({}, "list"), ({"archived": True}, "list_archived")]:
            ours, _ = s.ok("thread/list", params)
            self.assertEqual([comparable(t) for t in ours["data"]],
                             [comparable(t) for t in CODEX[key]["data"]], key)
            self.assertEqual(ours["nextCursor"], None)
            self.assertTrue(all(t["status"] == NOT_LOADED and t["path"] is None
                                for t in ours["data"]))

    def test_the_configured_provider_is_the_default_one(self):
        # As Codex 0.113.0 answers: thread/list without modelProviders shows only the threads of
        # the configured provider (the fixture's config.toml says "mock"); [] shows every one.
        s = self.adopt_fixture()
        self.assertEqual(len(s.ok("thread/list", {})[0]["data"]), 2)
        started, _ = s.ok("thread/start", {})
        self.assertEqual((started["modelProvider"], started["thread"]["modelProvider"]),
                         ("mock", "mock"))
        s.stop()
        s2 = self.serve("--model-provider", "openai").init()
        for params, count in [({}, 0), ({"modelProviders": None}, 0), ({"modelProviders": []}, 2),
                              ({"modelProviders": ["mock"]}, 2)]:
            self.assertEqual(len(s2.ok("thread/list", params)[0]["data"]), count, params)
        started, _ = s2.ok("thread/start", {})
        self.assertEqual(started["thread"]["modelProvider"], "openai")

    def test_a_thread_without_provider_counts_as_the_configured_ones(self):
        # A rollout whose session_meta names no model_provider (older Codex): Codex 0.113.0
        # lists it under, and reports it as, its configured provider ("mock" here).
        codex_home = os.path.join(self.root, "codexhome")
        shutil.copytree(FIXTURE, codex_home)
        day = os.path.join(codex_home, "sessions", "2026", "11", "24")
        source = [f for f in os.listdir(day) if EXTENDED in f][0]
        bare = "01a20edc-6f3a-7f83-8d85-0000000000c2"
        with open(os.path.join(day, source)) as f:
            lines = f.read().splitlines()
        meta = json.loads(lines[0])
        del meta["payload"]["model_provider"]
        lines[0] = json.dumps(meta)
        with open(os.path.join(day, source.replace(EXTENDED, bare)), "w") as f:
            f.write("\n".join(line.replace(EXTENDED, bare) for line in lines) + "\n")
        s = self.serve("--codex-home", codex_home).init()
        deadline = time.time() + 20
        while not any("Codex home imported" in line for line in s.client.stderr):
            self.assertLess(time.time(), deadline, "".join(s.client.stderr))
            time.sleep(0.02)
        listed = {t["id"]: t["modelProvider"] for t in s.ok("thread/list", {})[0]["data"]}
        self.assertEqual(listed.get(bare), "mock")
        self.assertEqual(s.ok("thread/read", {"threadId": bare})[0]["thread"]["modelProvider"],
                         "mock")
        self.assertEqual(s.ok("thread/list", {"modelProviders": ["openai"]})[0]["data"], [])

    def test_a_broken_config_toml_is_reported_and_refuses_new_sessions(self):
        # Codex 0.117.0: "Invalid configuration; using defaults." as a configWarning after the
        # initialize answer; the server keeps serving (a dead server helps nobody), but
        # thread/start, resume and fork answer "failed to load configuration: <where>: <what>".
        codex_home = os.path.join(self.root, "broken")
        os.makedirs(codex_home)
        with open(os.path.join(codex_home, "config.toml"), "w") as f:
            f.write('model_provider = "mock\n')  # unterminated string
        s = self.serve("--codex-home", codex_home)
        assert "result" in s.client.call(0, "initialize", INIT_EXP)
        warning = s.client.recv()
        self.assertEqual(warning["method"], "configWarning")
        self.assertEqual(warning["params"]["summary"], "Invalid configuration; using defaults.")
        self.assertEqual(warning["params"]["path"], os.path.join(codex_home, "config.toml"))
        self.assertTrue(warning["params"]["details"].startswith(
            os.path.join(codex_home, "config.toml") + ":1:"))
        s.client.send({"method": "initialized"})
        code, message = err(s.call("thread/start", {})[0])
        self.assertEqual(code, -32600)
        self.assertEqual(message, "failed to load configuration: " + warning["params"]["details"])
        self.assertEqual(err(s.call("thread/resume", {"threadId": UNKNOWN})[0])[1],
                         f"no rollout found for thread id {UNKNOWN}")
        self.assertIn("data", s.ok("thread/list", {})[0])
        self.assertTrue(any(os.path.join(codex_home, "config.toml") in line
                            for line in s.client.stderr))

    def test_config_overrides_of_a_request(self):
        # What Codex 0.117.0 answered for the same `config` params.
        s = self.serve().init()
        started = s.ok("thread/start", {"config": {"model": "o3", "approval_policy": "never",
                                                   "model_reasoning_effort": "high"}})[0]
        self.assertEqual((started["model"], started["approvalPolicy"], started["reasoningEffort"]),
                         ("o3", "never", "high"))
        # The typed params win over `config`.
        started = s.ok("thread/start", {"config": {"model": "o3"}, "model": "o4"})[0]
        self.assertEqual(started["model"], "o4")
        started = s.ok("thread/start", {"config": {
            "model_providers": {"foo": {"name": "Foo", "base_url": "http://x"}},
            "model_provider": "foo"}})[0]
        self.assertEqual(started["modelProvider"], "foo")
        cases = [
            ({"model": 5}, "failed to load configuration: invalid type: integer `5`, expected a "
             "string\nin `model`\n"),
            ({"approval_policy": "zz"}, "failed to load configuration: unknown variant `zz`, "
             "expected one of `untrusted`, `on-failure`, `on-request`, `granular`, `never`\n"
             "in `approval_policy`\n"),
            ({"model_provider": "zz"}, "failed to load configuration: Model provider `zz` not found"),
            ({"model_providers.foo.base_url": "http://x", "model_provider": "foo"},
             "failed to load configuration: missing field `name`\nin `model_providers.foo`\n"),
        ]
        for config, message in cases:
            self.assertEqual(err(s.call("thread/start", {"config": config})[0]), (-32600, message))

    def test_list_reports_the_live_status_of_loaded_threads(self):
        s = self.adopt_fixture()
        s.ok("thread/resume", {"threadId": EXTENDED})
        listed = {t["id"]: t for t in s.ok("thread/list", {})[0]["data"]}
        self.assertEqual(listed[EXTENDED]["status"], IDLE)
        self.assertEqual(listed[FORK]["status"], NOT_LOADED)
        # The rest of the row is what thread/read says of the thread (minus its turns).
        read, _ = s.ok("thread/read", {"threadId": EXTENDED})
        self.assertEqual(listed[EXTENDED], read["thread"])
        s.ok("thread/unsubscribe", {"threadId": EXTENDED})
        listed = {t["id"]: t for t in s.ok("thread/list", {})[0]["data"]}
        self.assertEqual(listed[EXTENDED]["status"], NOT_LOADED)

    def test_list_filters_and_pages(self):
        s = self.adopt_fixture()
        first, _ = s.ok("thread/list", {"limit": 1})
        self.assertEqual([t["id"] for t in first["data"]], [FORK])
        self.assertIsNotNone(first["nextCursor"])
        second, _ = s.ok("thread/list", {"limit": 1, "cursor": first["nextCursor"]})
        self.assertEqual([t["id"] for t in second["data"]], [EXTENDED])
        self.assertIsNone(second["nextCursor"])
        by_update, _ = s.ok("thread/list", {"sortKey": "updated_at", "limit": 1})
        self.assertEqual([t["id"] for t in by_update["data"]],
                         [t["id"] for t in CODEX["list_updated_1"]["data"]])
        for params in [{"modelProviders": ["openai"]}, {"sourceKinds": ["exec"]},
                       {"cwd": "/elsewhere"}]:
            self.assertEqual(s.ok("thread/list", params)[0]["data"], [], params)
        # cwd compares like Codex's Path equality: trailing slashes and "." do not matter, ".."
        # is not resolved.
        self.assertEqual(s.ok("thread/list", {"cwd": "/home/dev/x/../project"})[0]["data"], [])
        for params in [{"modelProviders": ["mock"]}, {"sourceKinds": ["vscode", "cli"]},
                       {"cwd": "/home/dev/project"}, {"cwd": "/home/dev/./project/"},
                       {"modelProviders": []}]:
            self.assertEqual(len(s.ok("thread/list", params)[0]["data"]), 2, params)

    def test_read_matches_codex(self):
        s = self.adopt_fixture()
        for tid, key in [(EXTENDED, "read_6f3a"), (FORK, "read_7247")]:
            ours, _ = s.ok("thread/read", {"threadId": tid, "includeTurns": True})
            self.assertEqual(comparable(ours["thread"]), comparable(CODEX[key]["thread"]), key)
            self.assertEqual(ours["thread"]["status"], NOT_LOADED)

    def test_resume_and_rollback_match_codex(self):
        s = self.adopt_fixture()
        result, before = s.ok("thread/resume", {"threadId": EXTENDED})
        # notLoaded -> idle is announced before the answer, as Codex does.
        self.assertEqual(before, CODEX["notifications"])
        expected = CODEX["resume_6f3a"]
        self.assertEqual(comparable(result["thread"]), comparable(expected["thread"]))
        self.assertEqual(result["thread"]["status"], IDLE)
        self.assertEqual((result["modelProvider"], result["cwd"]),
                         (expected["modelProvider"], expected["cwd"]))
        # Resuming a loaded thread announces nothing.
        self.assertEqual(s.ok("thread/resume", {"threadId": EXTENDED})[1], [])
        rolled, _ = s.ok("thread/rollback", {"threadId": EXTENDED, "numTurns": 1})
        self.assertEqual(rolled["thread"]["turns"], CODEX["rollback_6f3a"]["thread"]["turns"])
        # Beyond the turns there are: all dropped, as Codex does.
        self.assertEqual(
            s.ok("thread/rollback", {"threadId": EXTENDED, "numTurns": 99})[0]["thread"]["turns"],
            [])
        # Projections honour it: a read (and a restart) sees the rollback.
        s.stop()
        s2 = self.serve().init()
        self.assertEqual(
            s2.ok("thread/read", {"threadId": EXTENDED, "includeTurns": True})[0]["thread"]["turns"],
            [])

    def test_fork_is_copy_on_write(self):
        s = self.adopt_fixture()
        parent, _ = s.ok("thread/read", {"threadId": EXTENDED, "includeTurns": True})
        fork, before = s.ok("thread/fork", {"threadId": EXTENDED})
        self.assertEqual(before, [])
        thread = fork["thread"]
        self.assertNotEqual(thread["id"], EXTENDED)
        self.assertEqual(thread["turns"], parent["thread"]["turns"])
        self.assertEqual((thread["preview"], thread["name"], thread["status"]),
                         ("hello there", None, IDLE))
        notes = s.after()
        self.assertEqual(notes[0]["method"], "thread/started")
        self.assertEqual(notes[0]["params"]["thread"]["id"], thread["id"])
        # Listed with the parent's list preview, as Codex lists a fork file that starts with the
        # parent's lines.
        listed = {t["id"]: t for t in s.ok("thread/list", {})[0]["data"]}
        self.assertEqual((listed[thread["id"]]["preview"], listed[thread["id"]]["status"]),
                         ("hello there", IDLE))
        # The parent goes on alone; the fork keeps the parent's events 1..N.
        s.ok("thread/resume", {"threadId": EXTENDED})
        s.ok("thread/rollback", {"threadId": EXTENDED, "numTurns": 2})
        again, _ = s.ok("thread/read", {"threadId": thread["id"], "includeTurns": True})
        self.assertEqual(again["thread"]["turns"], parent["thread"]["turns"])
        listed = [t["id"] for t in s.ok("thread/list", {})[0]["data"]]
        self.assertEqual(listed[0], thread["id"])

    def test_adoption_is_idempotent_and_keeps_server_changes(self):
        s = self.adopt_fixture()
        s.ok("thread/name/set", {"threadId": EXTENDED, "name": "renamed here"})
        s.ok("thread/unarchive", {"threadId": LIMITED})
        s.stop()
        codex_home = os.path.join(self.root, "codexhome")
        s2 = self.serve("--codex-home", codex_home).init()
        deadline = time.time() + 20
        while not any("Codex home imported" in l for l in s2.client.stderr):
            self.assertLess(time.time(), deadline)
            time.sleep(0.02)
        self.assertTrue(any("0 new rollouts (3 already in the store)" in l
                            for l in s2.client.stderr), s2.client.stderr)
        names = {t["id"]: t["name"] for t in s2.ok("thread/list", {})[0]["data"]}
        self.assertEqual(names[EXTENDED], "renamed here")
        self.assertIn(LIMITED, names)


class LifecycleTest(ThreadCase):
    def test_archive_and_unarchive(self):
        s = self.adopt_fixture()
        s.ok("thread/resume", {"threadId": FORK})
        result, before = s.ok("thread/archive", {"threadId": FORK})
        self.assertEqual(result, {})
        self.assertEqual(before, [{"method": "thread/status/changed",
                                   "params": {"threadId": FORK, "status": NOT_LOADED}}])
        self.assertEqual(s.after(), [{"method": "thread/archived", "params": {"threadId": FORK}}])
        self.assertEqual(s.ok("thread/loaded/list", {})[0]["data"], [])
        self.assertEqual(err(s.call("thread/archive", {"threadId": FORK})[0]),
                         (-32600, f"no rollout found for thread id {FORK}"))
        archived = [t["id"] for t in s.ok("thread/list", {"archived": True})[0]["data"]]
        self.assertEqual(sorted(archived), sorted([FORK, LIMITED]))
        result, before = s.ok("thread/unarchive", {"threadId": FORK})
        self.assertEqual(before, [])
        self.assertEqual((result["thread"]["id"], result["thread"]["status"]), (FORK, NOT_LOADED))
        self.assertEqual(s.after(),
                         [{"method": "thread/unarchived", "params": {"threadId": FORK}}])
        self.assertEqual(err(s.call("thread/unarchive", {"threadId": FORK})[0]),
                         (-32600, f"no archived rollout found for thread id {FORK}"))
        self.assertNotIn(FORK, [t["id"] for t in
                                s.ok("thread/list", {"archived": True})[0]["data"]])

    def test_name_set(self):
        s = self.serve().init()
        tid = s.ok("thread/start", {})[0]["thread"]["id"]
        s.after()
        self.assertEqual(s.ok("thread/name/set", {"threadId": tid, "name": "my name"})[0], {})
        self.assertEqual(s.after(), [{"method": "thread/name/updated",
                                      "params": {"threadId": tid, "threadName": "my name"}}])
        self.assertEqual(s.ok("thread/read", {"threadId": tid})[0]["thread"]["name"], "my name")
        # A stored thread that is not loaded can be renamed too; the caller hears it.
        s.ok("thread/unsubscribe", {"threadId": tid})
        s.after()
        s.ok("thread/name/set", {"threadId": tid, "name": "second"})
        self.assertEqual(s.after()[0]["params"]["threadName"], "second")

    def test_unsubscribe_closes_the_thread(self):
        s = self.serve().init()
        tid = s.ok("thread/start", {})[0]["thread"]["id"]
        s.after()
        result, before = s.ok("thread/unsubscribe", {"threadId": tid})
        self.assertEqual((result, before), ({"status": "unsubscribed"}, []))
        self.assertEqual(s.after(), [
            {"method": "thread/status/changed", "params": {"threadId": tid, "status": NOT_LOADED}},
            {"method": "thread/closed", "params": {"threadId": tid}}])
        self.assertEqual(s.ok("thread/unsubscribe", {"threadId": tid})[0], {"status": "notLoaded"})
        self.assertEqual(s.ok("thread/loaded/list", {})[0]["data"], [])
        self.assertEqual(s.ok("thread/read", {"threadId": tid})[0]["thread"]["status"], NOT_LOADED)

    def test_restart_loses_nothing(self):
        s = self.adopt_fixture()
        tid = s.ok("thread/start", {"cwd": "/r"})[0]["thread"]["id"]
        s.ok("thread/name/set", {"threadId": tid, "name": "kept"})
        s.ok("thread/resume", {"threadId": EXTENDED})
        s.ok("thread/rollback", {"threadId": EXTENDED, "numTurns": 1})
        s.ok("thread/archive", {"threadId": FORK})
        before = {t: s.ok("thread/read", {"threadId": t, "includeTurns": True})[0]["thread"]
                  for t in [tid, EXTENDED, FORK, LIMITED]}
        s.stop()
        s2 = self.serve().init()  # no --codex-home: everything comes from the store
        self.assertEqual(s2.ok("thread/loaded/list", {})[0]["data"], [])
        for t, thread in before.items():
            after = s2.ok("thread/read", {"threadId": t, "includeTurns": True})[0]["thread"]
            self.assertEqual(after["status"], NOT_LOADED)
            self.assertEqual(comparable(after), comparable(thread), t)
        # This server runs with the default provider (openai): the fixture's are "mock".
        archived = s2.ok("thread/list", {"archived": True, "modelProviders": ["mock"]})[0]
        self.assertEqual([x["id"] for x in archived["data"]], [FORK, LIMITED])


class ErrorTest(ThreadCase):
    def test_error_classes(self):
        s = self.serve().init()
        tid = s.ok("thread/start", {})[0]["thread"]["id"]
        cases = [
            ("thread/read", {"threadId": "nope"}, "invalid thread id: "),
            ("thread/read", {}, "Invalid request: missing field `threadId`"),
            ("thread/read", {"threadId": UNKNOWN}, f"thread not loaded: {UNKNOWN}"),
            ("thread/resume", {"threadId": UNKNOWN}, f"no rollout found for thread id {UNKNOWN}"),
            ("thread/fork", {"threadId": UNKNOWN}, f"no rollout found for thread id {UNKNOWN}"),
            ("thread/archive", {"threadId": UNKNOWN}, f"no rollout found for thread id {UNKNOWN}"),
            ("thread/unarchive", {"threadId": tid},
             f"no archived rollout found for thread id {tid}"),
            ("thread/name/set", {"threadId": UNKNOWN, "name": "x"}, f"thread not found: {UNKNOWN}"),
            ("thread/name/set", {"threadId": tid, "name": ""}, "thread name must not be empty"),
            ("thread/name/set", {"threadId": tid}, "Invalid request: missing field `name`"),
            ("thread/rollback", {"threadId": tid, "numTurns": 0}, "numTurns must be >= 1"),
            ("thread/rollback", {"threadId": tid, "numTurns": -1},
             "Invalid request: invalid value: integer `-1`, expected u32"),
            ("thread/rollback", {"threadId": UNKNOWN, "numTurns": 1},
             f"thread not found: {UNKNOWN}"),
            ("thread/list", {"sortKey": "bogus"},
             "Invalid request: unknown variant `bogus`, expected `created_at` or `updated_at`"),
            ("thread/list", {"sourceKinds": ["tv"]}, "Invalid request: unknown variant `tv`"),
            ("thread/list", {"cursor": "zzz"}, "invalid cursor: zzz"),
            ("thread/list", {"limit": "5"}, "Invalid request: invalid type: string \"5\""),
            ("thread/start", {"sandbox": "bogus"}, "Invalid request: unknown variant `bogus`"),
            ("thread/start", {"cwd": 5}, "Invalid request: invalid type: integer `5`"),
            ("thread/resume", {"threadId": tid, "path": "/x.jsonl"}, "thread/resume.path"),
            # Codex 0.117.0's answers to the same params, word for word.
            ("thread/read", {"threadId": "bad"},
             "invalid thread id: invalid length: expected length 32 for simple format, found 3"),
            ("thread/read", {"threadId": tid[:-1] + "x"},
             "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` "
             "followed by [0-9a-fA-F-], found `x` at 36"),
            ("thread/read", {"includeTurns": "x"},  # a type error comes before a missing field
             'Invalid request: invalid type: string "x", expected a boolean'),
            ("thread/read", {"threadId": "00000000-0000-0000-0000-000000000000"},
             "thread not loaded: 00000000-0000-0000-0000-000000000000"),
            ("thread/list", {"limit": 4294967296},
             "Invalid request: invalid value: integer `4294967296`, expected u32"),
            ("thread/start", {"personality": "grumpy"},
             "Invalid request: unknown variant `grumpy`, expected one of `none`, `friendly`, "
             "`pragmatic`"),
            ("thread/start", {"config": 5}, "Invalid request: invalid type: integer `5`, expected a map"),
            ("thread/start", {"developerInstructions": 5},
             "Invalid request: invalid type: integer `5`, expected a string"),
            ("thread/start", {"approvalPolicy": {}},
             "Invalid request: invalid value: map, expected map with a single key"),
            ("thread/start", {"dynamicTools": [{"name": "a", "description": "d",
                                                "inputSchema": {"type": "foo"}}]},
             "dynamic tool input schema is not supported for a: unknown variant `foo`, expected "
             "one of `boolean`, `string`, `integer`, `number`, `array`, `object`"),
            ("thread/start", {"dynamicTools": [{"name": "mcp", "description": "d",
                                                "inputSchema": {}}]},
             "dynamic tool name is reserved: mcp"),
            ("thread/resume", {"threadId": "bad", "personality": 5},
             "Invalid request: invalid type: integer `5`, expected string or map"),
        ]
        for method, params, message in cases:
            code, text = err(s.call(method, params)[0])
            self.assertEqual(code, -32600, (method, params, text))
            self.assertTrue(text.startswith(message), (method, params, text))
        # The connection stays usable.
        self.assertEqual(s.ok("thread/read", {"threadId": tid})[0]["thread"]["id"], tid)
        # Every form of the id Codex's parser takes names the same thread.
        for form in [tid.replace("-", ""), "{" + tid + "}", "urn:uuid:" + tid, tid.upper()]:
            self.assertEqual(s.ok("thread/read", {"threadId": form})[0]["thread"]["id"], tid, form)

    def test_experimental_fields_gated(self):
        s = self.serve().init(INIT)
        for method, params, field in [
                ("thread/start", {"persistExtendedHistory": True}, "persistFullHistory"),
                ("thread/start", {"dynamicTools": [{"name": "a", "description": "b",
                                                    "inputSchema": {}}]}, "dynamicTools"),
                ("thread/fork", {"threadId": UNKNOWN, "persistExtendedHistory": True},
                 "persistFullHistory")]:
            self.assertEqual(err(s.call(method, params)[0]),
                             (-32600, f"{method}.{field} requires experimentalApi capability"))
        self.assertEqual(s.ok("thread/list", {})[0]["data"], [])  # nothing was written


class WsTest(ThreadCase):
    def serve_ws(self):
        s = self.serve("--listen", "ws://127.0.0.1:0")
        deadline = time.time() + 10
        while time.time() < deadline:
            for line in list(s.client.stderr):
                m = re.search(r"listening on ws://\S+:(\d+)", line)
                if m:
                    return s, int(m.group(1))
            time.sleep(0.02)
        self.fail("".join(s.client.stderr))

    def ws(self, port):
        w = WsClient(port)
        self.addCleanup(w.close)
        self.assertIn("result", w.call(0, "initialize", INIT_EXP))
        w.send({"method": "initialized"})
        return w

    def test_two_clients_on_one_thread(self):
        _, port = self.serve_ws()
        a, b, c = self.ws(port), self.ws(port), self.ws(port)
        started, _ = call(a, 1, "thread/start", {"cwd": "/x"})
        tid = started["result"]["thread"]["id"]
        self.assertEqual(a.recv()["method"], "thread/started")
        resumed, before = call(b, 1, "thread/resume", {"threadId": tid})
        self.assertEqual(resumed["result"]["thread"]["status"], IDLE)
        self.assertEqual(before, [])  # already loaded: no status change
        renamed, _ = call(a, 2, "thread/name/set", {"threadId": tid, "name": "shared"})
        self.assertEqual(renamed["result"], {})
        note = {"method": "thread/name/updated", "params": {"threadId": tid, "threadName": "shared"}}
        self.assertEqual(a.recv(), note)
        self.assertEqual(b.recv(), note)
        # c follows nothing: its next message is the answer to its own request.
        self.assertEqual(call(c, 1, "thread/loaded/list", {}), ({"id": 1, "result": {
            "data": [tid], "nextCursor": None}}, []))
        self.assertEqual(call(c, 2, "thread/unsubscribe", {"threadId": tid})[0]["result"],
                         {"status": "notSubscribed"})
        # a leaves: b still follows, so the thread stays loaded and nothing is closed.
        self.assertEqual(call(a, 3, "thread/unsubscribe", {"threadId": tid}),
                         ({"id": 3, "result": {"status": "unsubscribed"}}, []))
        self.assertEqual(call(a, 4, "thread/loaded/list", {})[0]["result"]["data"], [tid])
        # b leaves last: it hears notLoaded then thread/closed; the thread is unloaded.
        self.assertEqual(call(b, 2, "thread/unsubscribe", {"threadId": tid})[0]["result"],
                         {"status": "unsubscribed"})
        self.assertEqual(b.recv()["params"], {"threadId": tid, "status": NOT_LOADED})
        self.assertEqual(b.recv(), {"method": "thread/closed", "params": {"threadId": tid}})
        self.assertEqual(call(a, 5, "thread/loaded/list", {})[0]["result"]["data"], [])
        for w in (a, b, c):
            self.assertGreater(w.conformance.checked, 2)

    def test_closed_connection_unloads_its_threads(self):
        _, port = self.serve_ws()
        a, b = self.ws(port), self.ws(port)
        tid = call(a, 1, "thread/start", {})[0]["result"]["thread"]["id"]
        a.close()
        deadline = time.time() + 5
        while call(b, 1, "thread/loaded/list", {})[0]["result"]["data"]:
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        self.assertEqual(call(b, 2, "thread/read", {"threadId": tid})[0]["result"]["thread"]
                         ["status"], NOT_LOADED)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
