#!/usr/bin/env python3
"""Unified exec through `threadlog serve` on stdio with the scripted model: exec_command and
write_stdin as the model calls them, the commandExecution items and deltas clients see, the
sandbox (bubblewrap) keeping workspace-write's commands inside their roots, and background
terminals — still running after their turn, killed by thread/backgroundTerminals/clean, an
interrupt, the thread unloading and the server stopping (processes counted in /proc). Every
message is validated against the 0.117.0 schema (rpc_client). What Codex 0.117.0 does in the
same cases is in golden/EXEC_117.md.
Usage: exec_serve_test.py THREADLOG_BINARY"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from rpc_client import StdioClient, WsClient  # noqa: E402
from serve_world import World  # noqa: E402

BINARY = None
HAVE_BWRAP = os.access("/usr/bin/bwrap", os.X_OK)


def processes_running(marker):
    """How many live processes run the command line `marker` (argv joined by spaces)."""
    count = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cmdline.startswith(marker) and state != "Z":
            count += 1
    return count


def wait_until(predicate, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class Server:
    """threadlog serve with the mock as its provider and `config` added to config.toml."""

    def __init__(self, steps, config='approval_policy = "never"\nsandbox_mode = "workspace-write"\n',
                 serve_args=()):
        world = World(steps, "exec-serve-")
        self.world = world
        self.root, self.home, self.cwd, self.mock = world.root, world.home, world.cwd, world.mock
        path = os.path.join(self.home, "config.toml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(config + text)  # top-level keys before the provider's table
        self.serve_args = serve_args
        self.client = StdioClient(world.serve_argv(BINARY, *serve_args), env=world.env,
                                  cwd=self.cwd)
        self.next_id = 1
        self.seen = []
        # itemId -> the decision an approval request about it gets (else no answer: the test
        # answers by hand)
        self.decisions = {}
        self.request("initialize", {"clientInfo": {"name": "t", "version": "1"},
                                    "capabilities": {"experimentalApi": True}})

    def receive(self, timeout):
        msg = self.client.recv(timeout=timeout)
        if "method" in msg and "id" in msg:  # a server request
            decision = self.decisions.get(msg["params"].get("itemId"))
            if decision is not None:
                self.client.send({"id": msg["id"], "result": {"decision": decision}})
        return msg

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.client.send({"id": rid, "method": method, "params": params})
        while True:
            msg = self.receive(timeout=30)
            if msg.get("id") == rid and "method" not in msg:
                return msg
            self.seen.append(msg)

    def wait_for(self, predicate, timeout=30):
        deadline = time.time() + timeout
        while True:
            for msg in self.seen:
                if predicate(msg):
                    return msg
            if time.time() > deadline:
                raise AssertionError("never came; seen: " +
                                     json.dumps([m.get("method") for m in self.seen]))
            self.seen.append(self.receive(timeout=max(0.1, deadline - time.time())))

    def start_thread(self, **params):
        return self.request("thread/start", dict(cwd=self.cwd, **params))["result"]["thread"]["id"]

    def turn(self, thread, text):
        r = self.request("turn/start", {"threadId": thread, "input": [{"type": "text", "text": text}]})
        return r["result"]["turn"]["id"]

    def turn_completed(self, turn):
        return self.wait_for(lambda m: m.get("method") == "turn/completed" and
                             m["params"]["turn"]["id"] == turn)

    def items(self, method, item_id):
        return [m["params"]["item"] for m in self.seen if m.get("method") == method and
                m["params"]["item"].get("id") == item_id]

    def outputs(self):
        """call_id -> the output the model got, from the requests' inputs."""
        out = {}
        for q in self.mock.responses_requests():
            for i in q["body"].get("input", []):
                if i.get("type") in ("function_call_output", "custom_tool_call_output"):
                    out[i["call_id"]] = i["output"]
        return out

    def restart(self):
        """A new server on the same store and CODEX_HOME."""
        self.stop()
        self.client = StdioClient(self.world.serve_argv(BINARY, *self.serve_args),
                                  env=self.world.env, cwd=self.cwd)
        self.request("initialize", {"clientInfo": {"name": "t", "version": "1"},
                                    "capabilities": {"experimentalApi": True}})

    def stop(self):
        """Stops the server as a client leaving does: its stdin closes."""
        self.client.close_stdin()
        try:
            self.client.wait(timeout=15)
        except Exception:  # noqa: BLE001 - a server that hangs is killed, and the test fails
            self.client.kill()
            raise

    def close(self):
        try:
            self.stop()
        except Exception:  # noqa: BLE001
            pass
        self.mock.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def call(call_id, name, **arguments):
    return {"function_call": {"name": name, "call_id": call_id, "arguments": arguments}}


UNTRUSTED = 'approval_policy = "untrusted"\nsandbox_mode = "read-only"\n'

HEADER = re.compile(r"^Command: (?P<command>.*)\nChunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} "
                    r"seconds\n(?P<state>Process exited with code -?\d+|Process running with "
                    r"session ID \d+)\nOriginal token count: (?P<tokens>\d+)\nOutput:\n",)


class ExecServeTest(unittest.TestCase):
    def test_a_command_runs_and_its_item_and_output_are_codexs(self):
        s = Server([call("call_echo", "exec_command", cmd="echo hello; echo err 1>&2; exit 3"),
                    {"text": "Done."}])
        try:
            thread = s.start_thread()
            turn = s.turn(thread, "run it")
            s.turn_completed(turn)
            started = s.items("item/started", "call_echo")
            done = s.items("item/completed", "call_echo")
            self.assertEqual(len(started), 1)
            self.assertEqual(len(done), 1)
            command = "/bin/bash -lc 'echo hello; echo err 1>&2; exit 3'"
            self.assertEqual(started[0], {
                "type": "commandExecution", "id": "call_echo", "command": command, "cwd": s.cwd,
                "processId": started[0]["processId"], "source": "unifiedExecStartup",
                "status": "inProgress",
                "commandActions": [{"type": "unknown",
                                    "command": "echo hello; echo err 1>&2; exit 3"}],
                "aggregatedOutput": None, "exitCode": None, "durationMs": None})
            self.assertRegex(started[0]["processId"], r"^\d+$")
            self.assertEqual(done[0]["status"], "failed")
            self.assertEqual(done[0]["exitCode"], 3)
            self.assertEqual(sorted(done[0]["aggregatedOutput"].splitlines()), ["err", "hello"])
            deltas = "".join(m["params"]["delta"] for m in s.seen
                             if m.get("method") == "item/commandExecution/outputDelta")
            self.assertEqual(deltas, done[0]["aggregatedOutput"])
            output = s.outputs()["call_echo"]
            m = HEADER.match(output)
            self.assertIsNotNone(m, output)
            self.assertEqual(m["command"], command)
            self.assertEqual(m["state"], "Process exited with code 3")
            self.assertEqual(int(m["tokens"]), 3)  # ceil(10 bytes / 4)
            # The tools as Codex offers them to this model, with the same specs.
            tools = [t["name"] for t in s.mock.responses_requests()[0]["body"]["tools"]]
            self.assertEqual(tools, ["exec_command", "write_stdin", "update_plan", "apply_patch",
                                 "view_image"])
        finally:
            s.close()

    @unittest.skipUnless(HAVE_BWRAP, "no /usr/bin/bwrap")
    def test_every_model_gets_the_command_tools_as_in_codex(self):
        # Codex 0.117.0 (its request for each model, probed): unified exec whatever the
        # metadata's shell type; apply_patch where the metadata names a form; view_image always.
        s = Server([{"text": "Done."}, {"text": "Done."}])
        try:
            for model in ("gpt-5", "gpt-oss-120b"):
                thread = s.start_thread(model=model)
                s.turn_completed(s.turn(thread, "go"))
            tools = [[t["name"] for t in q["body"]["tools"]] for q in s.mock.responses_requests()]
            self.assertEqual(tools, [
                ["exec_command", "write_stdin", "update_plan", "view_image"],
                ["exec_command", "write_stdin", "update_plan", "apply_patch", "view_image"]])
        finally:
            s.close()

    def test_workspace_write_keeps_commands_inside_their_roots(self):
        outside = os.path.join(os.path.expanduser("~"), f"threadlog-outside-{os.getpid()}")
        s = Server([call("c1", "exec_command",
                         cmd=f"touch inside.txt && echo made; touch {outside} || echo refused; "
                             "mkdir -p .git && touch .git/hook || echo git-refused; "
                             "(exec 3<>/dev/tcp/127.0.0.1/9) 2>&1 | sed 's/^/net: /'"),
                    {"text": "Done."}])
        try:
            os.makedirs(os.path.join(s.cwd, ".git"))
            thread = s.start_thread()
            s.turn_completed(s.turn(thread, "write"))
            output = s.outputs()["c1"]
            self.assertIn("made", output)
            self.assertIn("refused", output)
            self.assertIn("git-refused", output)
            # No network: the seccomp filter refuses the socket itself.
            self.assertRegex(output, r"net: .*Operation not permitted")
            self.assertTrue(os.path.exists(os.path.join(s.cwd, "inside.txt")))
            self.assertFalse(os.path.exists(outside))
            self.assertFalse(os.path.exists(os.path.join(s.cwd, ".git", "hook")))
        finally:
            s.close()
            if os.path.exists(outside):
                os.unlink(outside)

    def test_a_background_terminal_outlives_its_turn_until_cleaned(self):
        s = Server([call("bg", "exec_command", cmd="echo started; sleep 61.25", yield_time_ms=300),
                    {"text": "Left it running."}])
        try:
            thread = s.start_thread()
            s.turn_completed(s.turn(thread, "start it"))
            output = s.outputs()["bg"]
            m = HEADER.match(output)
            self.assertIsNotNone(m, output)
            session = re.search(r"session ID (\d+)", m["state"]).group(1)
            self.assertTrue(output.endswith("Output:\nstarted\n"), output)
            self.assertEqual(processes_running("sleep 61.25"), 1)
            # A later turn reaches it by its session id.
            s.mock.push(call("poll", "write_stdin", session_id=int(session), chars="",
                             yield_time_ms=250), {"text": "Still running."})
            s.turn_completed(s.turn(thread, "poll it"))
            polled = s.outputs()["poll"]
            self.assertIn(f"Process running with session ID {session}\n", polled)
            interaction = [m["params"] for m in s.seen
                           if m.get("method") == "item/commandExecution/terminalInteraction"]
            self.assertEqual([(i["itemId"], i["processId"], i["stdin"]) for i in interaction],
                             [("bg", session, "")])
            self.assertEqual(processes_running("sleep 61.25"), 1)
            self.assertEqual(s.request("thread/backgroundTerminals/clean",
                                       {"threadId": thread})["result"], {})
            self.assertEqual(processes_running("sleep 61.25"), 0)
            done = s.wait_for(lambda m: m.get("method") == "item/completed" and
                              m["params"]["item"].get("id") == "bg")
            self.assertEqual(done["params"]["item"]["status"], "failed")
            # Gone: a later write_stdin is told so.
            s.mock.push(call("late", "write_stdin", session_id=int(session), chars="x"),
                        {"text": "Gone."})
            s.turn_completed(s.turn(thread, "again"))
            self.assertEqual(s.outputs()["late"],
                             f"write_stdin failed: Unknown process id {session}")
        finally:
            s.close()

    def test_an_interrupt_kills_the_running_command(self):
        s = Server([call("long", "exec_command", cmd="sleep 62.25", yield_time_ms=10000),
                    {"text": "Never mind."}])
        try:
            thread = s.start_thread()
            turn = s.turn(thread, "wait")
            s.wait_for(lambda m: m.get("method") == "item/started" and
                       m["params"]["item"].get("id") == "long")
            self.assertTrue(wait_until(lambda: processes_running("sleep 62.25") == 1))
            self.assertEqual(s.request("turn/interrupt", {"threadId": thread, "turnId": turn})
                             ["result"], {})
            ended = s.turn_completed(turn)
            self.assertEqual(ended["params"]["turn"]["status"], "interrupted")
            self.assertTrue(wait_until(lambda: processes_running("sleep 62.25") == 0))
            s.turn_completed(s.turn(thread, "next"))
            self.assertRegex(s.outputs()["long"], r"^aborted by user after \d+\.\ds$")
        finally:
            s.close()

    def test_unloading_the_thread_and_stopping_the_server_kill_its_commands(self):
        s = Server([call("a", "exec_command", cmd="sleep 63.25", yield_time_ms=250),
                    {"text": "ok"},
                    call("b", "exec_command", cmd="sleep 64.25", yield_time_ms=250),
                    {"text": "ok"}])
        try:
            first = s.start_thread()
            s.turn_completed(s.turn(first, "one"))
            second = s.start_thread()
            s.turn_completed(s.turn(second, "two"))
            self.assertEqual(processes_running("sleep 63.25"), 1)
            self.assertEqual(processes_running("sleep 64.25"), 1)
            self.assertEqual(s.request("thread/unsubscribe", {"threadId": first})["result"],
                             {"status": "unsubscribed"})
            self.assertTrue(wait_until(lambda: processes_running("sleep 63.25") == 0))
            self.assertEqual(processes_running("sleep 64.25"), 1)
            s.stop()
            self.assertEqual(processes_running("sleep 64.25"), 0)
        finally:
            s.close()

    def test_bad_calls_get_codexs_errors_and_the_turn_goes_on(self):
        s = Server([call("no_cmd", "exec_command", workdir="."),
                    call("no_session", "write_stdin", session_id=424242, chars=""),
                    call("no_dir", "exec_command", cmd="pwd", workdir="nope"),
                    {"text": "Done."}])
        try:
            thread = s.start_thread()
            ended = s.turn_completed(s.turn(thread, "go"))
            self.assertEqual(ended["params"]["turn"]["status"], "completed")
            out = s.outputs()
            self.assertEqual(out["no_cmd"], "failed to parse function arguments: missing field "
                                            "`cmd` at line 1 column 16")
            self.assertEqual(out["no_session"], "write_stdin failed: Unknown process id 424242")
            self.assertEqual(out["no_dir"],
                             "exec_command failed for `/bin/bash -lc pwd`: CreateProcess { "
                             "message: \"Rejected(\\\"Failed to create unified exec process: No "
                             "such file or directory (os error 2)\\\")\" }")
            self.assertEqual([m for m in s.seen if m.get("method") == "item/started" and
                              m["params"]["item"]["type"] == "commandExecution"], [])
        finally:
            s.close()

    def test_extended_history_keeps_the_command_for_thread_read(self):
        s = Server([call("c1", "exec_command", cmd="echo kept"), {"text": "Done."}])
        try:
            thread = s.start_thread(persistExtendedHistory=True)
            s.turn_completed(s.turn(thread, "go"))
            read = s.request("thread/read", {"threadId": thread, "includeTurns": True})
            items = read["result"]["thread"]["turns"][0]["items"]
            commands = [i for i in items if i["type"] == "commandExecution"]
            self.assertEqual(len(commands), 1, items)
            self.assertEqual(commands[0]["aggregatedOutput"], "kept\n")
            self.assertEqual(commands[0]["exitCode"], 0)
        finally:
            s.close()

    def test_without_a_sandbox_clients_are_warned_and_sandboxed_commands_refused(self):
        marker = f"/tmp/threadlog-unsandboxed-{os.getpid()}"
        s = Server([call("c1", "exec_command", cmd=f"touch {marker}"), {"text": "Refused."}],
                   serve_args=["--bwrap", "/nonexistent/bwrap"])
        try:
            s.wait_for(lambda m: m.get("method") == "configWarning")
            thread = s.start_thread()
            warnings = [m["params"] for m in s.seen if m.get("method") == "configWarning"]
            self.assertEqual(len(warnings), 1, s.seen)
            self.assertIn("cannot sandbox commands", warnings[0]["summary"])
            self.assertIn("/nonexistent/bwrap", warnings[0]["summary"])
            s.turn_completed(s.turn(thread, "try"))
            self.assertFalse(os.path.exists(marker))
            self.assertEqual(s.outputs()["c1"],
                             f"exec_command failed for `/bin/bash -lc 'touch {marker}'`: the "
                             "sandbox cannot run it: bubblewrap is not installed at "
                             "/nonexistent/bwrap (Debian: apt-get install bubblewrap)")
            # danger-full-access needs no sandbox: it runs.
            s.mock.push(call("c2", "exec_command", cmd="echo unsandboxed"), {"text": "Ran."})
            r = s.request("turn/start", {"threadId": thread, "sandboxPolicy":
                                         {"type": "dangerFullAccess"},
                                         "input": [{"type": "text", "text": "again"}]})
            s.turn_completed(r["result"]["turn"]["id"])
            self.assertIn("Process exited with code 0", s.outputs()["c2"])
        finally:
            s.close()
            if os.path.exists(marker):
                os.unlink(marker)

    # What Codex 0.117.0 does in the same cases (asked of the binary under untrusted and
    # read-only, tests/agent/capture_codex_approvals.py -> golden/codex_117_approvals.json):
    # thread/status/changed [waitingOnApproval], the request (no item/started before it), the
    # answer, serverRequest/resolved, thread/status/changed [], then the item.
    def test_untrusted_runs_safe_commands_and_asks_before_the_others(self):
        s = Server([call("c_ls", "exec_command", cmd="ls"),
                    call("c_no", "exec_command", cmd="touch declined.txt"),
                    call("c_yes", "exec_command", cmd="touch accepted.txt"),
                    {"text": "Done."}], config=UNTRUSTED)
        try:
            s.decisions = {"c_no": "decline", "c_yes": "accept"}
            thread = s.start_thread()
            turn = s.turn(thread, "go")
            s.turn_completed(turn)
            asked = [m for m in s.seen if m.get("method") == "item/commandExecution/requestApproval"]
            self.assertEqual([m["params"]["itemId"] for m in asked], ["c_no", "c_yes"])
            self.assertEqual(asked[0]["params"], {
                "threadId": thread, "turnId": turn, "itemId": "c_no",
                "command": "/bin/bash -lc 'touch declined.txt'", "cwd": s.cwd,
                "commandActions": [{"type": "unknown", "command": "touch declined.txt"}],
                "proposedExecpolicyAmendment": ["touch", "declined.txt"],
                "availableDecisions": ["accept", {"acceptWithExecpolicyAmendment": {
                    "execpolicy_amendment": ["touch", "declined.txt"]}}, "cancel"]})
            # The order clients see around one approval (token usage and rate limits, told as
            # the response ends, fall anywhere in it: in Codex too, a race).
            told = [m for m in s.seen if m.get("method") not in
                    ("thread/tokenUsage/updated", "account/rateLimits/updated")]
            at = told.index(asked[0])
            around = [(m.get("method"), m.get("params", {}).get("status", {}).get("activeFlags"))
                      for m in told[at - 1:at + 4]]
            self.assertEqual(around, [
                ("thread/status/changed", ["waitingOnApproval"]),
                ("item/commandExecution/requestApproval", None),
                ("serverRequest/resolved", None),
                ("thread/status/changed", []),
                ("item/completed", None)])
            self.assertEqual(told[at + 1]["params"], {"threadId": thread,
                                                     "requestId": asked[0]["id"]})
            declined = s.items("item/completed", "c_no")[0]
            self.assertEqual(declined, {
                "type": "commandExecution", "id": "c_no",
                "command": "/bin/bash -lc 'touch declined.txt'", "cwd": s.cwd,
                "processId": None, "source": "agent", "status": "declined",
                "commandActions": [{"type": "unknown", "command": "touch declined.txt"}],
                "aggregatedOutput": None, "exitCode": None, "durationMs": None})
            self.assertEqual(s.items("item/started", "c_no"), [])
            out = s.outputs()
            self.assertEqual(out["c_no"], "exec_command failed for `/bin/bash -lc 'touch "
                             "declined.txt'`: CreateProcess { message: \"Rejected(\\\"rejected "
                             "by user\\\")\" }")
            self.assertFalse(os.path.exists(os.path.join(s.cwd, "declined.txt")))
            # Approved, it runs outside the read-only sandbox, as in Codex.
            self.assertTrue(os.path.exists(os.path.join(s.cwd, "accepted.txt")))
            self.assertIn("Process exited with code 0", out["c_yes"])
            self.assertEqual(s.items("item/completed", "c_ls")[0]["status"], "completed")
        finally:
            s.close()

    def test_approvals_for_the_session_and_rules_hold(self):
        s = Server([call("c_s1", "exec_command", cmd="touch session.txt"), {"text": "ok"},
                    call("c_s2", "exec_command", cmd="touch session.txt"), {"text": "ok"},
                    call("c_r1", "exec_command", cmd="touch ruled.txt"), {"text": "ok"},
                    call("c_r2", "exec_command", cmd="touch ruled.txt"), {"text": "ok"}],
                   config=UNTRUSTED)
        try:
            s.decisions = {"c_s1": "acceptForSession", "c_r1": {
                "acceptWithExecpolicyAmendment": {"execpolicy_amendment": ["touch", "ruled.txt"]}}}
            thread = s.start_thread()
            for text in ("one", "two", "three", "four"):
                s.turn_completed(s.turn(thread, text))
            asked = [m["params"]["itemId"] for m in s.seen
                     if m.get("method") == "item/commandExecution/requestApproval"]
            self.assertEqual(asked, ["c_s1", "c_r1"])
            out = s.outputs()
            for c in ("c_s1", "c_s2", "c_r1", "c_r2"):
                self.assertIn("Process exited with code 0", out[c], c)
            with open(os.path.join(s.home, "rules", "default.rules")) as f:
                self.assertEqual(f.read(),
                                 'prefix_rule(pattern=["touch", "ruled.txt"], decision="allow")\n')
            # The rule holds for the next server too; the session's approval does not.
            s.restart()
            before = len(s.seen)
            s.mock.push(call("c_r3", "exec_command", cmd="touch ruled.txt"), {"text": "ok"},
                        call("c_s3", "exec_command", cmd="touch session.txt"), {"text": "ok"})
            s.decisions = {"c_s3": "decline"}
            thread = s.start_thread()
            s.turn_completed(s.turn(thread, "five"))
            s.turn_completed(s.turn(thread, "six"))
            asked = [m["params"]["itemId"] for m in s.seen[before:]
                     if m.get("method") == "item/commandExecution/requestApproval"]
            self.assertEqual(asked, ["c_s3"])
        finally:
            s.close()

    def test_cancel_interrupts_the_turn(self):
        s = Server([call("c_cancel", "exec_command", cmd="touch cancelled.txt"),
                    {"text": "never sent"}], config=UNTRUSTED)
        try:
            s.decisions = {"c_cancel": "cancel"}
            thread = s.start_thread()
            turn = s.turn(thread, "go")
            ended = s.turn_completed(turn)
            self.assertEqual(ended["params"]["turn"]["status"], "interrupted")
            self.assertEqual(s.items("item/completed", "c_cancel")[0]["status"], "declined")
            self.assertFalse(os.path.exists(os.path.join(s.cwd, "cancelled.txt")))
            s.mock.push({"text": "next"})
            s.turn_completed(s.turn(thread, "next"))
            self.assertRegex(s.outputs()["c_cancel"], r"^aborted by user after \d+\.\ds$")
        finally:
            s.close()

    def test_a_wrong_answer_is_refused_and_the_approval_stays_pending(self):
        s = Server([call("c1", "exec_command", cmd="touch x.txt"), {"text": "Done."}],
                   config=UNTRUSTED)
        try:
            thread = s.start_thread()
            turn = s.turn(thread, "go")
            asked = s.wait_for(lambda m: m.get("method") ==
                               "item/commandExecution/requestApproval")
            for wrong in ({"decision": "maybe"}, {"decision": 5}, {"nothing": True},
                          {"decision": {"acceptWithExecpolicyAmendment": {}}}):
                s.client.send({"id": asked["id"], "result": wrong})
            # A well-formed answer to an id never asked changes nothing either.
            s.client.send({"id": 987654, "result": {"decision": "accept"}})
            time.sleep(0.5)
            self.assertEqual([m for m in s.seen if m.get("method") == "serverRequest/resolved"],
                             [])
            self.assertFalse(os.path.exists(os.path.join(s.cwd, "x.txt")))
            status = s.request("thread/read", {"threadId": thread})["result"]["thread"]["status"]
            self.assertEqual(status, {"type": "active", "activeFlags": ["waitingOnApproval"]})
            s.client.send({"id": asked["id"], "result": {"decision": "decline"}})
            s.turn_completed(turn)
            resolved = [m["params"] for m in s.seen if m.get("method") == "serverRequest/resolved"]
            self.assertEqual(resolved, [{"threadId": thread, "requestId": asked["id"]}])
            self.assertEqual(s.items("item/completed", "c1")[0]["status"], "declined")
        finally:
            s.close()

    def test_an_interrupt_withdraws_the_pending_approval_as_codex_does(self):
        s = Server([call("c1", "exec_command", cmd="touch never.txt"), {"text": "Done."}],
                   config=UNTRUSTED)
        try:
            thread = s.start_thread()
            turn = s.turn(thread, "go")
            asked = s.wait_for(lambda m: m.get("method") ==
                               "item/commandExecution/requestApproval")
            s.request("turn/interrupt", {"threadId": thread, "turnId": turn})
            s.turn_completed(turn)
            resolved = s.wait_for(lambda m: m.get("method") == "serverRequest/resolved")
            self.assertEqual(resolved["params"], {"threadId": thread, "requestId": asked["id"]})
            # Codex's order: the turn's end, then the request resolved; no item for the call.
            methods = [m.get("method") for m in s.seen]
            self.assertLess(methods.index("turn/completed"), methods.index("serverRequest/resolved"))
            self.assertEqual(s.items("item/completed", "c1"), [])
            # A late answer changes nothing: the command never runs.
            s.client.send({"id": asked["id"], "result": {"decision": "accept"}})
            time.sleep(0.5)
            self.assertFalse(os.path.exists(os.path.join(s.cwd, "never.txt")))
            status = s.request("thread/read", {"threadId": thread})["result"]["thread"]["status"]
            self.assertEqual(status, {"type": "idle"})
        finally:
            s.close()

    def test_a_patch_edits_the_file_tells_the_turn_diff_and_is_kept_in_extended_history(self):
        patch = "*** Begin Patch\n*** Update File: notes.txt\n@@\n-old\n+new\n*** End Patch"
        s = Server([{"custom_tool_call": {"name": "apply_patch", "call_id": "p1",
                                          "input": patch}}, {"text": "Done."}])
        try:
            with open(os.path.join(s.cwd, "notes.txt"), "w") as f:
                f.write("old\n")
            thread = s.start_thread(persistExtendedHistory=True)
            turn = s.turn(thread, "edit")
            s.turn_completed(turn)
            with open(os.path.join(s.cwd, "notes.txt")) as f:
                self.assertEqual(f.read(), "new\n")
            diff = [m["params"] for m in s.seen if m.get("method") == "turn/diff/updated"]
            self.assertEqual(len(diff), 1)
            self.assertEqual(diff[0]["turnId"], turn)
            path = os.path.join(s.cwd, "notes.txt")
            self.assertEqual(diff[0]["diff"], (
                f"diff --git a/{path} b/{path}\n"
                "index 3367afdbbf91e638efe983616377c60477cc6612.."
                "3e757656cf36eca53338e520d134963a44f793f8\n"
                f"--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-old\n+new\n"))
            self.assertEqual(s.outputs()["p1"].split("\n")[0], "Exit code: 0")
            read = s.request("thread/read", {"threadId": thread, "includeTurns": True})
            items = [i for i in read["result"]["thread"]["turns"][0]["items"]
                     if i["type"] == "fileChange"]
            self.assertEqual(items, [{
                "type": "fileChange", "id": "p1", "status": "completed",
                "changes": [{"path": path, "kind": {"type": "update", "move_path": None},
                             "diff": "@@ -1 +1 @@\n-old\n+new\n"}]}])
        finally:
            s.close()

    def test_command_exec_dies_with_its_connection_and_the_server(self):
        world = World([], "cexec-ws-")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(world.serve_argv(BINARY, "--listen", f"ws://127.0.0.1:{port}"),
                                  env=world.env, cwd=world.cwd, stderr=subprocess.DEVNULL)
        marker = "sleep 1234"
        try:
            def listening():
                with socket.socket() as knock:
                    return knock.connect_ex(("127.0.0.1", port)) == 0
            self.assertTrue(wait_until(listening))
            clients = []
            for _ in range(2):
                c = WsClient(port)
                c.send({"id": 1, "method": "initialize",
                        "params": {"clientInfo": {"name": "t", "version": "1"}}})
                c.recv()
                c.send({"id": 2, "method": "command/exec", "params": {
                    "command": ["sleep", "1234"], "processId": "p",
                    "sandboxPolicy": {"type": "dangerFullAccess"}}})
                clients.append(c)
            self.assertTrue(wait_until(lambda: processes_running(marker) == 2))
            clients[0].sock.close()  # its command goes with it; the other's stays
            self.assertTrue(wait_until(lambda: processes_running(marker) == 1))
            server.send_signal(signal.SIGTERM)
            self.assertEqual(server.wait(timeout=20), 0)
            self.assertEqual(processes_running(marker), 0)
        finally:
            if server.poll() is None:
                server.kill()
            world.mock.stop()
            shutil.rmtree(world.root, ignore_errors=True)

    def test_on_failure_asks_only_about_what_the_sandbox_refused(self):
        # (not under /tmp: a writable root)
        outside = tempfile.mkdtemp(prefix="on-failure-outside-", dir=os.path.expanduser("~"))
        marker = os.path.join(outside, "declined.txt")
        moved = os.path.join(outside, "accepted.txt")
        s = Server([call("c_in", "exec_command", cmd="echo in > inside.txt"),
                    call("c_fail", "exec_command", cmd="echo plain failure; exit 3"),
                    call("c_no", "exec_command", cmd=f"touch {marker}"),
                    call("c_yes", "exec_command", cmd=f"touch {moved}"),
                    {"text": "Done."}],
                   config='approval_policy = "on-failure"\nsandbox_mode = "workspace-write"\n')
        try:
            s.decisions = {"c_no": "decline", "c_yes": "accept"}
            thread = s.start_thread()
            s.turn_completed(s.turn(thread, "go"))
            asked = [m["params"] for m in s.seen
                     if m.get("method") == "item/commandExecution/requestApproval"]
            self.assertEqual([a["itemId"] for a in asked], ["c_no", "c_yes"])
            self.assertEqual(asked[0]["reason"], "command failed; retry without sandbox?")
            self.assertEqual(asked[0]["availableDecisions"], [
                "accept", {"acceptWithExecpolicyAmendment": {
                    "execpolicy_amendment": ["touch", marker]}}, "cancel"])
            out = s.outputs()
            # Inside the roots, and a failure of the command's own: no question.
            self.assertIn("Process exited with code 0", out["c_in"])
            self.assertTrue(os.path.exists(os.path.join(s.cwd, "inside.txt")))
            self.assertIn("Process exited with code 3", out["c_fail"])
            self.assertTrue(out["c_fail"].endswith("plain failure\n"), out["c_fail"])
            self.assertEqual(s.items("item/completed", "c_fail")[0]["status"], "failed")
            # Refused by the sandbox: the trial leaves no item; declined, nothing ran outside.
            self.assertEqual(s.items("item/started", "c_no"), [])
            self.assertEqual(s.items("item/completed", "c_no")[0]["status"], "declined")
            self.assertIn("rejected by user", out["c_no"])
            self.assertFalse(os.path.exists(marker))
            # Accepted: run again, outside the sandbox; only that run is told.
            self.assertTrue(os.path.exists(moved))
            self.assertEqual(len(s.items("item/started", "c_yes")), 1)
            self.assertEqual(s.items("item/completed", "c_yes")[0]["status"], "completed")
            self.assertIn("Process exited with code 0", out["c_yes"])
        finally:
            s.close()
            shutil.rmtree(outside, ignore_errors=True)

    def test_the_shell_environment_policy_shapes_what_commands_inherit(self):
        os.environ["THREADLOG_CANARY_SECRET"] = "leak"
        try:
            s = Server([call("c_env", "exec_command", cmd="env", login=False), {"text": "Done."}],
                       config='approval_policy = "never"\nsandbox_mode = "danger-full-access"\n'
                              'shell_environment_policy = { inherit = "core", '
                              'set = { FOO = "bar" } }\n')
        finally:
            del os.environ["THREADLOG_CANARY_SECRET"]
        try:
            thread = s.start_thread()
            s.turn_completed(s.turn(thread, "go"))
            out = s.outputs()["c_env"]
            names = {line.split("=", 1)[0] for line in out.split("Output:\n", 1)[1].splitlines()
                     if "=" in line}
            self.assertIn("FOO", names)
            self.assertIn("PATH", names)
            self.assertNotIn("THREADLOG_CANARY_SECRET", names)
            self.assertNotIn("MOCK_API_KEY", names)  # not in the core set
            # Codex's own additions come on top of the policy's environment.
            self.assertIn("CODEX_THREAD_ID", names)
            # command/exec starts from the same environment.
            r = s.request("command/exec", {"command": ["env"]})["result"]
            self.assertIn("FOO=bar\n", r["stdout"])
            self.assertNotIn("THREADLOG_CANARY_SECRET", r["stdout"])
        finally:
            s.close()

    def test_granular_without_sandbox_approval_refuses_what_it_may_not_ask(self):
        outside = tempfile.mkdtemp(prefix="granular-outside-", dir=os.path.expanduser("~"))
        marker = os.path.join(outside, "escalated.txt")
        s = Server([call("c_up", "exec_command", cmd=f"touch {marker}",
                         sandbox_permissions="require_escalated", justification="need it"),
                    call("c_in", "exec_command", cmd=f"touch {marker}"),
                    {"text": "Done."}],
                   config='approval_policy = { granular = { sandbox_approval = false, '
                          'rules = true, mcp_elicitations = false } }\n'
                          'sandbox_mode = "workspace-write"\n')
        try:
            thread = s.start_thread()
            s.turn_completed(s.turn(thread, "go"))
            self.assertEqual([m for m in s.seen if m.get("method", "").endswith("requestApproval")],
                             [])
            out = s.outputs()
            self.assertEqual(out["c_up"], f"exec_command failed for `/bin/bash -lc 'touch "
                             f"{marker}'`: CreateProcess {{ message: \"Rejected(\\\"approval "
                             "required by policy, but AskForApproval::Granular.sandbox_approval "
                             "is false\\\")\" }")
            # Refused by the sandbox, and nobody to ask: the failure is the model's to read.
            self.assertRegex(out["c_in"], r"Process exited with code 1\n")
            self.assertFalse(os.path.exists(marker))
        finally:
            s.close()
            shutil.rmtree(outside, ignore_errors=True)

if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
