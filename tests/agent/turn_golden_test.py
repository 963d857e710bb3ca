#!/usr/bin/env python3
"""The turn engine against Codex 0.117.0, scenario by scenario: runs every scenario of
golden/codex_117_turns.json (recorded by capture_codex_turns.py from the real Codex) against
`threadlog --home STORE serve` on stdio, with the same mock script, the same config.toml (in
CODEX_HOME), the same client (`initialize` as `capture` 1 with experimentalApi) and the same
requests in the same order (the capture script's own scenario drivers), then compares, after
the capture script's normalization (ids, timestamps, paths become placeholders):
  1. the notifications each turn brought, in order (item types, statuses, willRetry),
  2. their params,
  3. the answer (result or error) to every request,
  4. every request the mock received: the body's model, instructions, input, tools, reasoning,
     include, text, tool_choice, parallel_tool_calls, store, stream, prompt_cache_key (and which
     keys there are), and the headers Codex derives from the thread and the client,
  5. the rollout `threadlog export` writes for each thread with the lines Codex wrote.
Every message threadlog sends is validated against the 0.117.0 schema (rpc_client).
The differences threadlog makes on purpose are listed in KNOWN DIFFERENCES below; anything else
that differs fails the scenario's test with the exact difference.

Usage: turn_golden_test.py THREADLOG_BINARY [unittest options] [GoldenTest.test_SCENARIO ...]
  TURN_GOLDEN_DUMP=DIR  also writes each scenario's compared records (golden and threadlog,
                        normalized, known differences applied) to DIR/SCENARIO.{golden,threadlog}.json
"""
import copy
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
sys.path.insert(0, os.path.join(HERE, "..", "mock_responses"))
import rpc_client  # noqa: E402
from mock_responses import MockResponses  # noqa: E402
# The capture script: its scenario drivers (so the requests are the very ones Codex got), its
# normalization (placeholders) and expand() (the golden's shared strings).
import capture_codex_turns as capture  # noqa: E402

BINARY = None
GOLDEN_PATH = os.path.join(HERE, "golden", "codex_117_turns.json")
with open(GOLDEN_PATH) as f:
    _GOLDEN = json.load(f)
GOLDEN = {name: capture.expand(sc, _GOLDEN["shared"]) for name, sc in _GOLDEN["scenarios"].items()}

# ============================================================================================
# KNOWN DIFFERENCES: what threadlog does differently from Codex 0.117.0 on purpose. Each is
# applied to the golden record (or, where threadlog's behaviour is not Codex's, checked on its
# own) before the comparison; nothing else is ignored.
# ============================================================================================

# 1. Tools: threadlog offers exec_command, write_stdin, apply_patch, update_plan, view_image and
#    the thread's dynamic tools for now; Codex's other built-in tools arrive in later work.
#    Codex's `tools` are compared without them.
LATER_TOOLS = {"request_user_input", "web_search",
               "spawn_agent", "send_input", "resume_agent", "wait_agent", "close_agent"}

#    (threadlog offers the command tools under never, untrusted and on-request: every scenario.)
COMMAND_TOOLS = {"exec_command", "write_stdin", "apply_patch"}
OTHER_POLICY_REQUESTS = {}

# 2. Skills: Codex installs its bundled system skills into CODEX_HOME/skills/.system and lists
#    them in a `<skills_instructions>` part of the developer message; threadlog installs none.
#    That part is dropped from Codex's side (requests and rollout) when it lists only
#    `<home>/skills/.system` skills.
SYSTEM_SKILL = re.compile(r"\(file: <home>/skills/\.system/[^)]*\)")
SKILL_ENTRY = re.compile(r"^- [^:\n]+: .*\(file: [^)]*\)$", re.M)

# 3. Codex's `configWarning` about /usr/bin/bwrap (this host has no system bubblewrap) is not
#    threadlog's business: dropped from Codex's notifications.
BWRAP_WARNING = "Codex could not find system bubblewrap at /usr/bin/bwrap"

# 4. `path` of a thread: threadlog keeps no rollout file, so it is always null (api/METHODS.md,
#    "Same data, same answers"); Codex gives its rollout file's path.
# 5. The errors scenario (see adjust_errors): an empty `input: []` on turn/start gets -32600
#    "input must not be empty" at once (Codex accepts it, then fails oddly: the thread turns
#    systemError and its next turn completes `failed` with that error); a second turn/start
#    while a turn runs is answered with the RUNNING turn's id (Codex invents a new id that
#    never starts; both steer the input into the running turn); turn/interrupt naming a turn
#    that is not running is answered with an error at once (Codex never answers it while idle,
#    and interrupts whatever turn is running otherwise) and interrupts nothing.
EMPTY_INPUT_ERROR = {"code": -32600, "message": "input must not be empty"}
NOT_RUNNING_IDLE = "no active turn to interrupt: turn {turn} is not running"
NOT_RUNNING_OTHER = "turn {turn} is not running; the running turn is {running}"
# 6. (none left: the automatic compaction after context_length_exceeded is compared in full)
COMPARE_TURNS = {}

# The headers compared (the others are the HTTP client's: host, content-length, accept, ...).
HEADERS = ("originator", "session_id", "x-client-request-id", "x-codex-turn-metadata",
           "user-agent")
BODY_KEYS = ("model", "instructions", "input", "tools", "tool_choice", "parallel_tool_calls",
             "reasoning", "store", "stream", "include", "prompt_cache_key", "text")


# ============================================================================================
# Driving threadlog as the capture script drives Codex
# ============================================================================================


def wait_for_binary(path, timeout=120):
    """The binary may be rebuilt under us: wait until it is there again."""
    deadline = time.time() + timeout
    while not (os.path.isfile(path) and os.access(path, os.X_OK)):
        if time.time() > deadline:
            raise FileNotFoundError(path)
        time.sleep(1)


class Server:
    """capture_codex_turns's AppServer interface (request, notify, wait_for, mark, messages)
    over rpc_client.StdioClient, which schema-checks every message threadlog sends; what fails
    the check is collected in `problems`."""

    def __init__(self, argv, env, cwd, on_server_request, log):
        wait_for_binary(argv[0])
        self.client = rpc_client.StdioClient(argv, env=env, cwd=cwd)
        self.on_server_request = on_server_request
        self.log = log
        self.messages = []
        self.problems = []
        self._answers = {}
        self._cv = threading.Condition()
        self._send_lock = threading.Lock()
        self._next_id = 1
        threading.Thread(target=self._read, daemon=True).start()

    def _send(self, msg):
        with self._send_lock:
            self.log.append(("->", msg))
            self.client.send(msg)

    def _read(self):
        while True:
            line = self.client.lines.get()
            if line is None:
                return
            try:
                msg = json.loads(line)
            except ValueError:
                self.problems.append(f"not JSON: {line[:300]!r}")
                continue
            try:
                self.client.conformance.received(msg)
            except Exception as e:  # noqa: BLE001 (schema or protocol violation)
                self.problems.append(f"{type(e).__name__}: {str(e)[:1500]}\n  in {line[:600]}")
            self.log.append(("<-", msg))
            if "method" in msg and "id" in msg:
                threading.Thread(target=self._serve, args=(msg,), daemon=True).start()
            with self._cv:
                self.messages.append(msg)
                if "id" in msg and "method" not in msg:
                    self._answers[json.dumps(msg["id"])] = msg
                self._cv.notify_all()

    def _serve(self, msg):
        try:
            self._send({"id": msg["id"], "result": self.on_server_request(msg)})
        except Exception as e:  # noqa: BLE001
            self._send({"id": msg["id"], "error": {"code": -32000, "message": str(e)}})

    def request(self, method, params=None, timeout=60):
        with self._cv:
            rid = self._next_id
            self._next_id += 1
        self._send({"id": rid, "method": method, "params": params or {}})
        deadline = time.time() + timeout
        with self._cv:
            while json.dumps(rid) not in self._answers:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"{method}: no answer")
                self._cv.wait(left)
            return self._answers.pop(json.dumps(rid))

    def notify(self, method, params=None):
        msg = {"method": method}
        if params is not None:
            msg["params"] = params
        self._send(msg)

    def wait_for(self, pred, timeout=60, start=0):
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
        if "result" not in r:
            raise RuntimeError(f"initialize: {r}")
        self.notify("initialized")
        return r

    def close(self):
        try:
            self.client.close_stdin()
        except OSError:
            pass
        try:
            self.client.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.problems.append("serve did not exit within 15 s of stdin closing")
            self.client.kill()

    def stderr_tail(self, n=30):
        return "".join(self.client.stderr[-n:])


class ThreadlogRun(capture.Run):
    """capture.Run (its start_thread, turn, probe, serve... are reused as they are) with
    threadlog in place of Codex: a scratch CODEX_HOME with the golden scenario's config.toml,
    the scenario's cwd files, a store of its own, the mock with the golden's script."""

    def __init__(self, name):
        spec, golden = capture.SCENARIOS[name], GOLDEN[name]
        self.root = tempfile.mkdtemp(prefix=f"turn-golden-{name}-")
        self.home = os.path.join(self.root, "home")
        self.cwd = os.path.join(self.root, "work")
        self.store = os.path.join(self.root, "store")
        os.makedirs(self.cwd)
        os.makedirs(self.home)
        for fname, text in (spec.get("files") or {}).items():
            with open(os.path.join(self.cwd, fname), "w") as f:
                f.write(text)
        self.mock = MockResponses(golden["script"], default_text="Done.").start()
        self.config = golden["config"].replace("127.0.0.1:<port>", f"127.0.0.1:{self.mock.port}")
        with open(os.path.join(self.home, "config.toml"), "w") as f:
            f.write(self.config)
        env = dict(os.environ, CODEX_HOME=self.home, MOCK_API_KEY="x", TERM="xterm")
        for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "TERM_PROGRAM",
                  "TERM_PROGRAM_VERSION", "THREADLOG_HOME"):
            env.pop(k, None)
        self.log = []
        self.tool_answers = []
        self.probes = []
        self.notes = {}
        self.server = Server([BINARY, "--home", self.store, "serve"], env, self.cwd,
                             self.serve, self.log)
        self.server.initialize()

    def export(self, thread_id):
        out = os.path.join(self.root, f"export-{thread_id}.jsonl")
        wait_for_binary(BINARY)
        p = subprocess.run([BINARY, "--home", self.store, "export", thread_id, "-o", out],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"export {thread_id}: exit {p.returncode}: {p.stderr}")
        with open(out) as f:
            return [json.loads(ln) for ln in f if ln.strip()]


def sc_errors(r):
    """capture.sc_errors, the same requests in the same order; only its end differs: threadlog
    answers the turn/interrupt naming a finished turn with an error and does not stop the
    running turn (KNOWN DIFFERENCES 5), so the stalled stream is released at once instead of
    after Codex's 10 s wait for an interruption that does not come."""
    tid = r.start_thread()
    r.probe("turn/start on an unknown thread id", "turn/start",
            {"threadId": "not-a-thread", "input": capture.TEXT("Hello?")})
    r.probe("turn/start on a valid uuid thread that is not loaded", "turn/start",
            {"threadId": "019a0000-0000-7000-8000-000000000001",
             "input": capture.TEXT("Hello?")})
    r.probe("turn/start without threadId", "turn/start", {"input": capture.TEXT("Hello?")})
    r.probe("turn/start with input of wrong type (a string)", "turn/start",
            {"threadId": tid, "input": "Say hello."})
    r.probe("turn/start with an input item of unknown type", "turn/start",
            {"threadId": tid, "input": [{"type": "bogus", "text": "x"}]})
    r.probe("turn/start with a text item lacking `text`", "turn/start",
            {"threadId": tid, "input": [{"type": "text"}]})
    tid2 = r.start_thread()
    mark = r.server.mark()
    ans = r.probe("turn/start with empty input [] (second thread)", "turn/start",
                  {"threadId": tid2, "input": []})
    if isinstance(ans, dict) and "result" in ans:
        try:
            r.wait_turn(ans["result"]["turn"]["id"], mark, timeout=8)
        except TimeoutError:
            r.notes["empty_input"] = "no turn/completed (nor turn/started) within 8 s"
    r.turn(tid2, "A turn after the empty input (second thread).")
    done = r.turn(tid, "A normal turn.")
    r.probe("turn/steer with no active turn (expectedTurnId = the finished turn)", "turn/steer",
            {"threadId": tid, "expectedTurnId": done, "input": capture.TEXT("Steer?")})
    r.probe("turn/steer on an unknown thread id", "turn/steer",
            {"threadId": "not-a-thread", "expectedTurnId": done,
             "input": capture.TEXT("Steer?")})
    r.probe("turn/interrupt naming a finished turn, thread idle", "turn/interrupt",
            {"threadId": tid, "turnId": done}, timeout=5)
    r.probe("turn/interrupt on an unknown thread id", "turn/interrupt",
            {"threadId": "not-a-thread", "turnId": done}, timeout=5)
    active, mark = r.start_turn(tid, "Stall here.")
    r.mock.wait_stalled()
    r.wait_item("agentMessage", mark)
    r.probe("turn/steer with a wrong expectedTurnId while a turn is active", "turn/steer",
            {"threadId": tid, "expectedTurnId": done, "input": capture.TEXT("Wrong steer.")})
    r.probe("turn/steer with empty input while a turn is active", "turn/steer",
            {"threadId": tid, "expectedTurnId": active, "input": []})
    second = r.probe("a second turn/start while a turn is active", "turn/start",
                     {"threadId": tid, "input": capture.TEXT("Second while active.")})
    time.sleep(0.5)
    r.mock.release()
    waits = [active] + ([second["result"]["turn"]["id"]]
                        if isinstance(second, dict) and "result" in second else [])
    for turn in dict.fromkeys(waits):
        try:
            r.wait_turn(turn, mark, timeout=10)
        except TimeoutError:
            r.notes.setdefault("turns_without_turn_completed", []).append(turn)
    time.sleep(0.5)
    active2, mark = r.start_turn(tid, "Stall again.")
    r.mock.wait_stalled()
    r.wait_item("agentMessage", mark)
    ans = r.probe("turn/interrupt naming a finished turn while another turn is active",
                  "turn/interrupt", {"threadId": tid, "turnId": done}, timeout=5)
    if isinstance(ans, dict) and "error" in ans:
        r.mock.release()
    try:
        r.wait_turn(active2, mark, timeout=10)
    except TimeoutError:
        r.mock.release()
        r.notes.setdefault("turns_without_turn_completed", []).append(active2)
        r.wait_turn(active2, mark, timeout=10)
    time.sleep(0.5)


DRIVERS = {"errors": sc_errors}


def run_threadlog(name):
    """Runs scenario `name` against threadlog; returns (record normalized as the capture
    script normalizes Codex's, run) with the record's `rollout` a list per thread in the order
    the threads were started."""
    spec = capture.SCENARIOS[name]
    run = ThreadlogRun(name)
    error = None
    try:
        DRIVERS.get(name, spec["fn"])(run)
    except Exception as e:  # noqa: BLE001 (what was recorded is still compared)
        error = f"{type(e).__name__}: {e}"
    finally:
        run.close()
    threads = [m["result"]["thread"]["id"] for d, m in run.log
               if d == "<-" and "result" in m and isinstance(m["result"].get("thread"), dict)
               and m["result"]["thread"].get("id")]
    threads = list(dict.fromkeys(threads))
    rollout = {}
    for tid in threads:
        try:
            rollout[f"export/{tid}.jsonl"] = run.export(tid)
        except Exception as e:  # noqa: BLE001
            rollout[f"export/{tid}.jsonl"] = [{"export_error": str(e)}]
    http = []
    for q in run.mock.requests:
        entry = {"n": q.get("n"), "method": q.get("method"), "path": q.get("path"),
                 "query": q.get("query"), "step": q.get("step"), "headers": q.get("headers")}
        for k in ("body", "body_error", "violations"):
            if q.get(k):
                entry[k] = q[k]
        http.append(entry)
    record = {"about": spec["about"], "config": run.config, "script": GOLDEN[name]["script"],
              "jsonrpc": [{"dir": d, "msg": m} for d, m in run.log if not capture.is_init(d, m)]}
    if run.probes:
        record["probes"] = run.probes
    if run.notes:
        record["notes"] = run.notes
    record["http"] = http
    record["rollout"] = rollout
    if error:
        record["capture_error"] = error
    record = capture.normalize(record, run.root)
    record["rollout"] = list(record["rollout"].values())
    return without_timezone(record), run


def without_timezone(record):
    """The machine's time zone (from /etc/localtime, in environment_context and turn_context)
    as a placeholder: the golden was recorded on a UTC machine, the test may run elsewhere."""
    text = json.dumps(record)
    text = re.sub(r"<timezone>[^<]*</timezone>", "<timezone><tz></timezone>", text)
    text = re.sub(r'"timezone": "[^"]*"', '"timezone": "<tz>"', text)
    return json.loads(text)


def golden_record(name):
    """The golden scenario with its rollouts as a list per thread, in the order the threads
    were started (Codex's file names sort by time, then id)."""
    g = copy.deepcopy(GOLDEN[name])
    order = [m["result"]["thread"]["id"] for e in g["jsonrpc"] for m in [e["msg"]]
             if e["dir"] == "<-" and "result" in m and isinstance(m["result"].get("thread"), dict)]
    by_thread = {}
    for lines in g["rollout"].values():
        meta = next((ln for ln in lines if ln.get("type") == "session_meta"), None)
        by_thread[meta["payload"]["id"] if meta else None] = lines
    g["rollout"] = [by_thread[t] for t in dict.fromkeys(order) if t in by_thread]
    return without_timezone(g)


# ============================================================================================
# Known differences applied
# ============================================================================================


def drop_system_skills(content):
    """A developer message's content without Codex's bundled-skills part (KNOWN DIFFERENCES 2)."""
    out = []
    for part in content:
        text = part.get("text") if isinstance(part, dict) else None
        if isinstance(text, str) and text.startswith("<skills_instructions>"):
            entries = SKILL_ENTRY.findall(text)
            if entries and all(SYSTEM_SKILL.search(e) for e in entries):
                continue
        out.append(part)
    return out


def adjust_items(items):
    for item in items:
        if isinstance(item, dict) and item.get("type") == "message" and \
                item.get("role") == "developer" and isinstance(item.get("content"), list):
            item["content"] = drop_system_skills(item["content"])


def adjust_golden(name, g):
    g["jsonrpc"] = [e for e in g["jsonrpc"]
                    if not (e["msg"].get("method") == "configWarning" and
                            BWRAP_WARNING in json.dumps(e["msg"].get("params")))]
    for e in g["jsonrpc"]:
        null_thread_path(e["msg"])
    for n, q in enumerate(g["http"]):
        body = q.get("body")
        if isinstance(body, dict):
            withheld = set(LATER_TOOLS)
            if n in OTHER_POLICY_REQUESTS.get(name, ()):
                withheld |= COMMAND_TOOLS
            if isinstance(body.get("tools"), list):
                body["tools"] = [t for t in body["tools"]
                                 if (t.get("name") or t.get("type")) not in withheld]
            if isinstance(body.get("input"), list):
                adjust_items(body["input"])
    for lines in g["rollout"]:
        adjust_items([ln.get("payload") for ln in lines if ln.get("type") == "response_item"])
    if name == "errors":
        adjust_errors(g)


def null_thread_path(msg):
    """KNOWN DIFFERENCES 4: threadlog's thread `path` is null."""
    for holder in (msg.get("result"), msg.get("params")):
        if isinstance(holder, dict) and isinstance(holder.get("thread"), dict) and \
                "path" in holder["thread"]:
            holder["thread"]["path"] = None


def _request_index(jsonrpc, rid):
    return next(i for i, e in enumerate(jsonrpc)
                if e["dir"] == "->" and e["msg"].get("id") == rid and "method" in e["msg"])


def _answer_index(jsonrpc, rid):
    return next(i for i, e in enumerate(jsonrpc)
                if e["dir"] == "<-" and "method" not in e["msg"] and e["msg"].get("id") == rid)


def adjust_errors(g):
    """KNOWN DIFFERENCES 5, written into Codex's record of the errors scenario as what
    threadlog answers instead."""
    rpc = g["jsonrpc"]

    def request(pred):
        return next(e["msg"] for e in rpc if e["dir"] == "->" and "method" in e["msg"] and
                    pred(e["msg"]))

    # Empty input: an error at once, no turn, no systemError; the thread's next turn is a
    # normal one (Codex: `failed` with the empty input's error).
    empty = request(lambda m: m["method"] == "turn/start" and m["params"].get("input") == [])
    i = _answer_index(rpc, empty["id"])
    ghost = rpc[i]["msg"]["result"]["turn"]["id"]
    rpc[i]["msg"] = {"id": empty["id"], "error": dict(EMPTY_INPUT_ERROR)}
    thread2 = empty["params"]["threadId"]
    j = i + 1
    while j < len(rpc) and not (rpc[j]["dir"] == "->"):
        m = rpc[j]["msg"]
        if m.get("method") in ("thread/status/changed", "error") and \
                m["params"].get("threadId") == thread2:
            del rpc[j]
        else:
            j += 1
    for e in rpc:
        m = e["msg"]
        if m.get("method") == "turn/completed" and m["params"]["threadId"] == thread2 and \
                m["params"]["turn"]["error"] == {"message": "input must not be empty",
                                                 "codexErrorInfo": "badRequest",
                                                 "additionalDetails": None}:
            m["params"]["turn"]["status"] = "completed"
            m["params"]["turn"]["error"] = None
    assert ghost not in json.dumps(g["rollout"])

    # A second turn/start while a turn runs: the running turn's id.
    second = request(lambda m: m["method"] == "turn/start" and
                     m["params"].get("input") == capture.TEXT("Second while active."))
    running = request(lambda m: m["method"] == "turn/start" and
                      m["params"].get("input") == capture.TEXT("Stall here."))
    running_id = rpc[_answer_index(rpc, running["id"])]["msg"]["result"]["turn"]["id"]
    rpc[_answer_index(rpc, second["id"])]["msg"]["result"]["turn"]["id"] = running_id

    # turn/interrupt naming a finished turn: an error at once, whether the thread is idle or
    # runs another turn, which goes on (the driver then releases its stream).
    idle = request(lambda m: m["method"] == "turn/interrupt" and
                   m["params"]["threadId"] != "not-a-thread" and
                   m["id"] < running["id"])
    i = _answer_index(rpc, idle["id"])
    del rpc[i]
    rpc.insert(_request_index(rpc, idle["id"]) + 1, {"dir": "<-", "msg": {
        "id": idle["id"], "error": {"code": -32600, "message": NOT_RUNNING_IDLE.format(
            turn=idle["params"]["turnId"])}}})
    other = request(lambda m: m["method"] == "turn/interrupt" and m["id"] > running["id"])
    last_start = request(lambda m: m["method"] == "turn/start" and
                         m["params"].get("input") == capture.TEXT("Stall again."))
    last_id = rpc[_answer_index(rpc, last_start["id"])]["msg"]["result"]["turn"]["id"]
    k = _request_index(rpc, other["id"])
    thread1 = other["params"]["threadId"]
    # Codex: answers, idle, turn/completed interrupted. threadlog: the error, then the released
    # stream completes the turn normally (usage of its response, idle, completed); the token
    # counts are those of the turn's first request plus this response's (the mock's default
    # usage: 100 in, 10 out).
    before = [e for e in rpc[:k] if e["msg"].get("method") == "thread/tokenUsage/updated" and
              e["msg"]["params"]["threadId"] == thread1]
    usage = copy.deepcopy(before[-1]["msg"]["params"]) if before else None
    if usage:
        total = usage["tokenUsage"]["total"]
        last = usage["tokenUsage"]["last"]
        for key in total:
            total[key] += last[key]
        usage["turnId"] = last_id
    del rpc[k + 1:]
    rpc.append({"dir": "<-", "msg": {"id": other["id"], "error": {
        "code": -32600, "message": NOT_RUNNING_OTHER.format(turn=other["params"]["turnId"],
                                                            running=last_id)}}})
    rate = next(e["msg"] for e in rpc if e["msg"].get("method") == "account/rateLimits/updated")
    if usage:
        rpc.append({"dir": "<-", "msg": {"method": "thread/tokenUsage/updated", "params": usage}})
    rpc.append({"dir": "<-", "msg": copy.deepcopy(rate)})
    rpc.append({"dir": "<-", "msg": {"method": "thread/status/changed", "params": {
        "threadId": thread1, "status": {"type": "idle"}}}})
    rpc.append({"dir": "<-", "msg": {"method": "turn/completed", "params": {
        "threadId": thread1, "turn": {"id": last_id, "items": [], "status": "completed",
                                      "error": None}}}})
    # The rollout of that turn: Codex's ends `<turn_aborted>` + turn_aborted; threadlog's ends
    # as a completed turn: token_count, task_complete.
    lines = next(ls for ls in g["rollout"] if ls and ls[0]["payload"].get("id") == thread1)
    while lines and not (lines[-1]["type"] == "response_item" and
                         lines[-1]["payload"].get("role") == "assistant"):
        lines.pop()
    agent = [ln for ln in lines if ln["type"] == "event_msg" and
             ln["payload"].get("type") == "agent_message"][-1]["payload"]["message"]
    counts = [ln for ln in lines if ln["type"] == "event_msg" and
              ln["payload"].get("type") == "token_count"]
    tc = copy.deepcopy(counts[-1])
    info = tc["payload"]["info"]
    for key in info["total_token_usage"]:
        info["total_token_usage"][key] += info["last_token_usage"][key]
    lines.append(tc)
    lines.append({"timestamp": "<ts>", "type": "event_msg", "payload": {
        "type": "task_complete", "turn_id": last_id, "last_agent_message": agent}})


# ============================================================================================
# Comparison
# ============================================================================================

PLACEHOLDER = re.compile(r"<(thread|turn|item|call|id):(\d+)>")


def renumber(value):
    """Numbers the id placeholders again by first appearance, so that leaving out an id on one
    side (a known difference) does not shift every later one."""
    seen, counts = {}, {}

    def sub(m):
        if m.group(0) not in seen:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
            seen[m.group(0)] = f"<{m.group(1)}:{counts[m.group(1)]}>"
        return seen[m.group(0)]
    return json.loads(PLACEHOLDER.sub(sub, json.dumps(value, ensure_ascii=False)))


def label(msg):
    """A server message as in capture_codex_turns.sequence()."""
    p = msg.get("params") or {}
    out = msg["method"] + (" (request)" if "id" in msg else "")
    if isinstance(p.get("item"), dict):
        out += f" {p['item'].get('type')}"
        if "status" in p["item"]:
            out += f" status={p['item']['status']}"
    if msg["method"] == "thread/status/changed":
        out += " " + json.dumps(p.get("status"), sort_keys=True)
    if msg["method"] in ("turn/started", "turn/completed"):
        out += f" status={(p.get('turn') or {}).get('status')}"
    if msg["method"] == "error":
        out += f" willRetry={p.get('willRetry')}"
    return out


def segments(jsonrpc):
    """The server's notifications and requests, cut at each turn/start the client sent: [0]
    is what came before the first turn/start."""
    segs = [{"title": "before the first turn/start", "msgs": []}]
    for e in jsonrpc:
        m = e["msg"]
        if e["dir"] == "->" and m.get("method") == "turn/start":
            text = json.dumps(m.get("params", {}).get("input"))[:60]
            segs.append({"title": f"turn/start id {m.get('id')} input {text}", "msgs": []})
        elif e["dir"] == "<-" and "method" in m:
            segs[-1]["msgs"].append(m)
    return segs


def answers(jsonrpc):
    return {json.dumps(e["msg"]["id"]): {k: e["msg"][k] for k in ("result", "error")
                                         if k in e["msg"]}
            for e in jsonrpc if e["dir"] == "<-" and "method" not in e["msg"]}


def short(value, n=400):
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= n else text[:n] + f"…({len(text)} chars)"


def deep_diff(a, b, path=""):
    """Lists where a (golden) and b (threadlog) differ, as `path: golden … | threadlog …`."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in a:
            if k not in b:
                out.append(f"{path}.{k}: golden {short(a[k])} | threadlog (missing)")
            else:
                out += deep_diff(a[k], b[k], f"{path}.{k}")
        out += [f"{path}.{k}: golden (missing) | threadlog {short(b[k])}" for k in b if k not in a]
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            if all(isinstance(x, dict) for x in a + b) and a and b:
                return [f"{path}: golden {len(a)} entries | threadlog {len(b)}"] + \
                    list_diff(a, b, path)
            return [f"{path}: golden {short(a)} | threadlog {short(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += deep_diff(x, y, f"{path}[{i}]")
        return out
    if a != b or type(a) is not type(b):
        if isinstance(a, str) and isinstance(b, str) and (len(a) > 200 or len(b) > 200):
            d = "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "golden",
                                             "threadlog", n=1))
            return [f"{path}: strings differ:\n{d}"]
        return [f"{path}: golden {short(a)} | threadlog {short(b)}"]
    return []


def list_diff(a, b, path):
    """Entries only one side has (lists of objects of different lengths)."""
    ka = [json.dumps(x, sort_keys=True) for x in a]
    kb = [json.dumps(x, sort_keys=True) for x in b]
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        for x in a[i1:i2]:
            out.append(f"  {path} golden only [{i1}]: {short(x, 600)}")
        for y in b[j1:j2]:
            out.append(f"  {path} threadlog only [{j1}]: {short(y, 600)}")
    return out


def compare_sequences(title, ga, gb, key, detail, out):
    """Aligns two lists by key(x); reports the lines only one side has and, for aligned
    entries, detail(x, y)'s differences."""
    la, lb = [key(x) for x in ga], [key(y) for y in gb]
    sm = difflib.SequenceMatcher(None, la, lb, autojunk=False)
    lines = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            for i, (x, y) in enumerate(zip(ga[i1:i2], gb[j1:j2]), i1):
                d = detail(x, y)
                if d:
                    lines.append(f"  [{key(x)}] golden #{i}:")
                    lines += ["    " + s.replace("\n", "\n    ") for s in d]
        else:
            lines += [f"  - golden    #{i}: {la[i]}" for i in range(i1, i2)]
            lines += [f"  + threadlog #{j}: {lb[j]}" for j in range(j1, j2)]
    if lines:
        out.append(f"{title}:\n" + "\n".join(lines))


def rollout_key(line):
    p = line.get("payload") or {}
    out = line.get("type", "?")
    if p.get("type"):
        out += " " + str(p["type"])
    if p.get("role"):
        out += " " + p["role"]
    return out


def comparable(name, record):
    """The parts compared, cut to the turns compared (COMPARE_TURNS)."""
    rpc = record["jsonrpc"]
    limit = COMPARE_TURNS.get(name)
    paths = [f"{q.get('method')} {q.get('path')}" for q in record["http"]]
    http = [q for q in record["http"] if q.get("path", "").endswith("/responses")]
    rollout = record["rollout"]
    if limit is not None:
        starts = [i for i, e in enumerate(rpc)
                  if e["dir"] == "->" and e["msg"].get("method") == "turn/start"]
        if len(starts) > limit:
            rpc = rpc[:starts[limit]]
        # the requests of the turns kept: those whose turn metadata names one of their turns
        turns = {e["msg"]["result"]["turn"]["id"] for e in rpc
                 if e["dir"] == "<-" and isinstance(e["msg"].get("result"), dict) and
                 isinstance(e["msg"]["result"].get("turn"), dict)}
        http = [q for q in http if any(t in (q.get("headers") or {}).get(
            "x-codex-turn-metadata", "") for t in turns)]
        cut = []
        for lines in rollout:
            started = [i for i, ln in enumerate(lines) if ln.get("type") == "event_msg" and
                       ln["payload"].get("type") == "task_started"]
            cut.append(lines[:started[limit]] if len(started) > limit else lines)
        rollout = cut
    http = [{"headers": {h: (q.get("headers") or {}).get(h) for h in HEADERS},
             "body_keys": sorted(q.get("body") or {}),
             "body": {k: (q.get("body") or {})[k] for k in BODY_KEYS if k in (q.get("body") or {})},
             **({"violations": q["violations"]} if q.get("violations") else {})}
            for q in http]
    return renumber({"jsonrpc": rpc, "paths": paths if limit is None else None, "http": http,
                     "rollout": rollout})


def compare(name, golden, mine):
    """Every difference between the golden (known differences applied) and threadlog's run."""
    out = []
    # The requests themselves: the same driver sends the same ones (else the test is wrong).
    sent_g = [e["msg"] for e in golden["jsonrpc"] if e["dir"] == "->"]
    sent_m = [e["msg"] for e in mine["jsonrpc"] if e["dir"] == "->"]
    compare_sequences("(test) client messages differ from the golden's", sent_g, sent_m,
                      lambda m: m.get("method") or f"answer {m.get('id')}",
                      lambda x, y: deep_diff(x, y), out)
    # 1, 2: notifications per turn, their params.
    sg, sm = segments(golden["jsonrpc"]), segments(mine["jsonrpc"])
    if len(sg) != len(sm):
        out.append(f"turn/start count: golden {len(sg) - 1} | threadlog {len(sm) - 1}")
    for n, (a, b) in enumerate(zip(sg, sm)):
        compare_sequences(f"notifications, segment {n} ({a['title']})", a["msgs"], b["msgs"],
                          label, lambda x, y: deep_diff(x.get("params"), y.get("params")), out)
    # 3: answers.
    ag, am = answers(golden["jsonrpc"]), answers(mine["jsonrpc"])
    methods = {json.dumps(m["id"]): m["method"] for m in sent_g if "method" in m and "id" in m}
    for rid in list(ag) + [r for r in am if r not in ag]:
        if ag.get(rid) != am.get(rid):
            d = deep_diff(ag.get(rid), am.get(rid)) if rid in ag and rid in am else \
                [f"golden {short(ag.get(rid), 800)} | threadlog {short(am.get(rid), 800)}"]
            out.append(f"answer to id {rid} ({methods.get(rid, '?')}):\n    " +
                       "\n    ".join(s.replace("\n", "\n    ") for s in d))
    # 4: model requests.
    if golden["paths"] != mine["paths"]:
        out.append(f"HTTP requests the mock received: golden {golden['paths']} | "
                   f"threadlog {mine['paths']}")
    hg, hm = golden["http"], mine["http"]
    if len(hg) != len(hm):
        out.append(f"model requests: golden {len(hg)} | threadlog {len(hm)}")
    for n, (a, b) in enumerate(zip(hg, hm)):
        d = deep_diff(a, b)
        if d:
            out.append(f"model request {n}:\n    " +
                       "\n    ".join(s.replace("\n", "\n    ") for s in d))
    # 5: rollouts.
    rg, rm = golden["rollout"], mine["rollout"]
    if len(rg) != len(rm):
        out.append(f"rollouts: golden {len(rg)} threads | threadlog {len(rm)}")
    for n, (a, b) in enumerate(zip(rg, rm)):
        compare_sequences(f"rollout of thread {n + 1}", a, b, rollout_key,
                          lambda x, y: deep_diff(x, y), out)
    return out


# ============================================================================================
# Tests
# ============================================================================================


class GoldenTest(unittest.TestCase):
    maxDiff = None

    def check(self, name):
        mine, run = run_threadlog(name)
        keep = os.environ.get("TURN_GOLDEN_KEEP")
        if not keep:
            self.addCleanup(shutil.rmtree, run.root, True)
        golden = golden_record(name)
        adjust_golden(name, golden)
        a, b = comparable(name, golden), comparable(name, mine)
        dump = os.environ.get("TURN_GOLDEN_DUMP")
        if dump:
            os.makedirs(dump, exist_ok=True)
            for side, rec in (("golden", a), ("threadlog", b)):
                with open(os.path.join(dump, f"{name}.{side}.json"), "w") as f:
                    json.dump(rec, f, indent=1, ensure_ascii=False)
        problems = []
        if "capture_error" in mine:
            problems.append(f"the scenario's driver failed: {mine['capture_error']}")
        problems += [f"schema/protocol: {p}" for p in run.server.problems]
        problems += compare(name, a, b)
        if problems:
            self.fail(f"scenario {name}: {len(problems)} difference(s) from Codex 0.117.0\n" +
                      "\n".join(problems) + "\n--- serve stderr (tail):\n" +
                      run.server.stderr_tail())


def _add_tests():
    for name in GOLDEN:
        if name not in capture.SCENARIOS:
            continue
        setattr(GoldenTest, f"test_{name}", lambda self, n=name: self.check(n))


_add_tests()


def main():
    global BINARY
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
