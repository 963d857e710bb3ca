#!/usr/bin/env python3
"""Records what the real Codex 0.117.0 app-server sends while it runs turns: drives `codex
app-server` (stdio JSON-RPC, experimentalApi) against the scripted mock Responses server
(tests/mock_responses) once per scenario, each in a fresh CODEX_HOME and process, and writes
golden/codex_117_turns.json with, per scenario and in order:
  jsonrpc  every JSON-RPC message both ways after `initialize` (the driver's log),
  http     every HTTP request the mock received: headers and the FULL JSON body,
  rollout  the rollout lines Codex wrote under $CODEX_HOME/sessions/,
  probes   (some scenarios) the answers to individual requests, or "no answer within N s".
threadlog's turn engine (api/agent/) follows this file; golden/TURNS_117.md summarises it.

Usage: capture_codex_turns.py [--codex BINARY] [--out FILE] [--summary] [SCENARIO...]
  Naming scenarios re-captures only those and keeps the others of an existing --out file.
  --summary prints each scenario's notification sequence (for TURNS_117.md) and exits.
Nothing leaves 127.0.0.1: the provider is the mock; plugins, apps and update checks are off.

Stable placeholders replace what changes from run to run, consistently within a scenario:
<thread:N>, <turn:N>, <item:N>, <call:N>, <id:N> (other UUIDs), <ts> (timestamps), <date>,
<ms> (measured durations), <port>, <home> (CODEX_HOME), <cwd> (the thread's cwd), <root> (the
scratch folder holding both), <user_home>. Long strings (base instructions, developer
messages) and tool definitions are stored once in the top-level "shared" map and referenced
as the string "<shared:NAME>"; expand() restores them.
"""
import argparse
import copy
import json
import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "replay"))
from codex_driver import CODEX_117, AppServer, MockResponses, write_home  # noqa: E402
from capture_117 import OFFLINE  # noqa: E402

OUT = os.path.join(HERE, "golden", "codex_117_turns.json")
MODEL = "gpt-5.1-codex"


class Session:
    """One capture session's scratch world, for `with`: ~/PREFIX*/home (a config.toml making
    the mock, serving `steps`, the offline provider) and ~/PREFIX*/work (`cwd`), and the
    app-server start_server(home, cwd, log) starts there, initialized. On leaving, the server
    and the mock stop and the folder goes; `log` and `mock.requests` stay readable."""

    def __init__(self, prefix, steps, start_server):
        self.root = tempfile.mkdtemp(prefix=prefix, dir=os.path.expanduser("~"))
        self.home = os.path.join(self.root, "home")
        self.cwd = os.path.join(self.root, "work")
        os.makedirs(self.home)
        os.makedirs(self.cwd)
        self.mock = MockResponses(steps, default_text="Done.").start()
        write_home(self.home, self.mock.base_url, model=MODEL, extra=OFFLINE)
        self.log = []
        self.server = start_server(self.home, self.cwd, self.log)
        self.server.initialize()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        time.sleep(0.3)  # trailing notifications
        self.server.close()
        self.mock.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def normalized(self, value):
        """`value` (JSON) with this session's cwd written <cwd>."""
        return json.loads(json.dumps(value).replace(self.cwd, "<cwd>"))


def digest_main(run, golden_name, script, doc):
    """main() of a capture script whose run(start_server) returns a digest of one session
    against the app-server start_server(home, cwd, log) starts: --codex BINARY, --out FILE
    (default golden/<golden_name>); writes {codex, captured_by, readme, digest}."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--codex", default=CODEX_117)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "golden", golden_name))
    args = ap.parse_args()
    record = run(lambda home, cwd, log: AppServer(args.codex, home, cwd, log=log))
    with open(args.out, "w") as f:
        json.dump({"codex": "0.117.0", "captured_by": f"tests/agent/{os.path.basename(script)}",
                   "readme": doc.split("\n\n")[0], "digest": record}, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}")

# --------------------------------------------------------------------------------------------
# One scenario's world
# --------------------------------------------------------------------------------------------


class Run:
    """A scratch CODEX_HOME and cwd, the mock, and one `codex app-server` with a full log."""

    def __init__(self, codex, steps, request_retries=0, stream_retries=0, files=None):
        self.root = tempfile.mkdtemp(prefix="turns117-", dir=os.path.expanduser("~"))
        self.home = os.path.join(self.root, "home")
        self.cwd = os.path.join(self.root, "work")
        os.makedirs(self.cwd)
        for name, text in (files or {}).items():
            with open(os.path.join(self.cwd, name), "w") as f:
                f.write(text)
        self.mock = MockResponses(steps, default_text="Done.").start()
        write_home(self.home, self.mock.base_url, model=MODEL, extra=OFFLINE,
                   request_retries=request_retries, stream_retries=stream_retries)
        with open(os.path.join(self.home, "config.toml")) as f:
            self.config = f.read()
        self.log = []
        self.tool_answers = []
        self.server = AppServer(codex, self.home, self.cwd, on_server_request=self.serve,
                                log=self.log)
        self.server.initialize()
        # Codex warns about its sandbox helper right after starting (on this host: no system
        # bubblewrap); waiting for it keeps the log's order the same from run to run.
        try:
            self.server.wait_for(lambda m: m.get("method") == "configWarning", timeout=1.5)
        except TimeoutError:
            pass
        self.probes = []
        self.notes = {}

    def serve(self, msg):
        if msg["method"] == "item/tool/call":
            args = msg["params"].get("arguments") or {}
            return {"contentItems": [{"type": "inputText",
                                      "text": f"weather in {args.get('city', '?')}: sunny"}],
                    "success": True}
        if msg["method"].endswith("requestApproval"):
            return {"decision": "accept"}
        return {}

    def start_thread(self, **params):
        params.setdefault("cwd", self.cwd)
        mark = self.server.mark()
        r = self.server.request("thread/start", params)
        if "result" not in r:
            raise RuntimeError(f"thread/start: {r}")
        tid = r["result"]["thread"]["id"]
        # thread/started follows the answer; wait for it so that the next request is logged
        # after it.
        self.server.wait_for(lambda m: m.get("method") == "thread/started" and
                             m["params"]["thread"]["id"] == tid, timeout=10, start=mark)
        return tid

    def wait_item(self, item_type, mark, timeout=30):
        """Waits for item/completed of that type (what a stalled stream sent before it
        stalled), so that a request sent next is logged after it."""
        self.server.wait_for(lambda m: m.get("method") == "item/completed" and
                             m["params"]["item"]["type"] == item_type, timeout=timeout,
                             start=mark)
        time.sleep(0.2)

    def start_turn(self, tid, text=None, items=None, **extra):
        mark = self.server.mark()
        params = {"threadId": tid, "input": items or [{"type": "text", "text": text}]}
        params.update(extra)
        r = self.server.request("turn/start", params)
        if "result" not in r:
            raise RuntimeError(f"turn/start: {r}")
        return r["result"]["turn"]["id"], mark

    def wait_turn(self, turn_id, mark, timeout=60):
        return self.server.wait_for(
            lambda m: m.get("method") == "turn/completed" and
            m["params"]["turn"]["id"] == turn_id, timeout=timeout, start=mark)

    def turn(self, tid, text=None, **extra):
        turn_id, mark = self.start_turn(tid, text, **extra)
        self.wait_turn(turn_id, mark)
        time.sleep(0.3)  # trailing notifications (thread/status/changed ...)
        return turn_id

    def probe(self, label, method, params, timeout=10):
        """Sends one request and records its answer (result or error) or its absence."""
        try:
            ans = self.server.request(method, params, timeout=timeout)
            answer = {k: ans[k] for k in ("result", "error") if k in ans}
        except TimeoutError:
            answer = f"no answer within {timeout} s"
        self.probes.append({"probe": label, "method": method, "params": params,
                            "answer": answer})
        return answer

    def close(self):
        time.sleep(0.3)
        self.server.close()
        self.mock.stop()

    def rollouts(self):
        out = {}
        base = os.path.join(self.home, "sessions")
        for d, _, fs in sorted(os.walk(base)):
            for f in sorted(fs):
                if not f.endswith(".jsonl"):
                    continue
                path = os.path.join(d, f)
                with open(path) as fh:
                    lines = [json.loads(ln) for ln in fh if ln.strip()]
                out[os.path.relpath(path, self.home)] = lines
        return out


# --------------------------------------------------------------------------------------------
# Scenarios: fn(run) -> None; steps; options
# --------------------------------------------------------------------------------------------

USAGE = {"input_tokens": 1234, "input_tokens_details": {"cached_tokens": 200},
         "output_tokens": 56, "output_tokens_details": {"reasoning_tokens": 20},
         "total_tokens": 1290}
TEXT = lambda t: [{"type": "text", "text": t}]  # noqa: E731


def sc_plain_text(r):
    tid = r.start_thread()
    r.turn(tid, "Say hello.")


def sc_reasoning(r):
    tid = r.start_thread()
    r.turn(tid, "Think, then answer.")


def sc_multi_turn(r):
    tid = r.start_thread()
    r.turn(tid, "First question.")
    r.turn(tid, "Second question.")


def sc_update_plan(r):
    tid = r.start_thread()
    r.turn(tid, "Plan the work.")


def sc_dynamic_tool(r):
    tid = r.start_thread(dynamicTools=[{
        "name": "get_weather", "description": "Weather for a city",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}},
                        "required": ["city"]}}])
    r.turn(tid, "What is the weather in Paris?")


def sc_steer(r):
    tid = r.start_thread()
    turn_id, mark = r.start_turn(tid, "Write a long essay.")
    r.mock.wait_stalled()
    r.wait_item("agentMessage", mark)
    r.probe("turn/steer with the active turn's id", "turn/steer",
            {"threadId": tid, "expectedTurnId": turn_id, "input": TEXT("Make it short.")})
    time.sleep(0.5)
    r.mock.release()
    r.wait_turn(turn_id, mark)
    time.sleep(0.3)
    reqs = r.mock.responses_requests()
    if len(reqs) > 1:
        r.notes["second_request_input"] = reqs[1]["body"]["input"]


def sc_interrupt_stream(r):
    tid = r.start_thread()
    turn_id, mark = r.start_turn(tid, "Start something slow.")
    r.mock.wait_stalled()
    r.wait_item("reasoning", mark)
    r.probe("turn/interrupt of the active turn", "turn/interrupt",
            {"threadId": tid, "turnId": turn_id})
    r.wait_turn(turn_id, mark)
    time.sleep(0.3)
    r.turn(tid, "Now something quick.")


def sc_failed(r):
    tid = r.start_thread()
    r.turn(tid, "This one fails.")
    r.turn(tid, "This one works.")


def sc_retry(r):
    tid = r.start_thread()
    r.turn(tid, "The server errors once.")


def sc_errors(r):
    tid = r.start_thread()
    r.probe("turn/start on an unknown thread id", "turn/start",
            {"threadId": "not-a-thread", "input": TEXT("Hello?")})
    r.probe("turn/start on a valid uuid thread that is not loaded", "turn/start",
            {"threadId": "019a0000-0000-7000-8000-000000000001", "input": TEXT("Hello?")})
    r.probe("turn/start without threadId", "turn/start", {"input": TEXT("Hello?")})
    r.probe("turn/start with input of wrong type (a string)", "turn/start",
            {"threadId": tid, "input": "Say hello."})
    r.probe("turn/start with an input item of unknown type", "turn/start",
            {"threadId": tid, "input": [{"type": "bogus", "text": "x"}]})
    r.probe("turn/start with a text item lacking `text`", "turn/start",
            {"threadId": tid, "input": [{"type": "text"}]})
    # Empty input on a second thread (it leaves that thread in systemError), then a normal
    # turn there to show that it recovers.
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
            {"threadId": tid, "expectedTurnId": done, "input": TEXT("Steer?")})
    r.probe("turn/steer on an unknown thread id", "turn/steer",
            {"threadId": "not-a-thread", "expectedTurnId": done, "input": TEXT("Steer?")})
    r.probe("turn/interrupt naming a finished turn, thread idle", "turn/interrupt",
            {"threadId": tid, "turnId": done}, timeout=5)
    r.probe("turn/interrupt on an unknown thread id", "turn/interrupt",
            {"threadId": "not-a-thread", "turnId": done}, timeout=5)
    # An active (stalled) turn: wrong steers, then a second turn/start; then the stream is
    # released (does the second input run in the active turn?).
    active, mark = r.start_turn(tid, "Stall here.")
    r.mock.wait_stalled()
    r.wait_item("agentMessage", mark)
    r.probe("turn/steer with a wrong expectedTurnId while a turn is active", "turn/steer",
            {"threadId": tid, "expectedTurnId": done, "input": TEXT("Wrong steer.")})
    r.probe("turn/steer with empty input while a turn is active", "turn/steer",
            {"threadId": tid, "expectedTurnId": active, "input": []})
    second = r.probe("a second turn/start while a turn is active", "turn/start",
                     {"threadId": tid, "input": TEXT("Second while active.")})
    time.sleep(0.5)
    r.mock.release()
    waits = [active] + ([second["result"]["turn"]["id"]]
                        if isinstance(second, dict) and "result" in second else [])
    for turn in waits:
        try:
            r.wait_turn(turn, mark, timeout=10)
        except TimeoutError:
            r.notes.setdefault("turns_without_turn_completed", []).append(turn)
    time.sleep(0.5)
    # Another stalled turn, interrupted by a request naming a finished turn.
    active2, mark = r.start_turn(tid, "Stall again.")
    r.mock.wait_stalled()
    r.wait_item("agentMessage", mark)
    r.probe("turn/interrupt naming a finished turn while another turn is active",
            "turn/interrupt", {"threadId": tid, "turnId": done}, timeout=5)
    try:
        r.wait_turn(active2, mark, timeout=10)
    except TimeoutError:
        r.mock.release()
        r.notes.setdefault("turns_without_turn_completed", []).append(active2)
        r.wait_turn(active2, mark, timeout=10)
    time.sleep(0.5)


def sc_turn_overrides(r):
    other = os.path.join(r.root, "other")
    os.makedirs(other)
    tid = r.start_thread()
    r.turn(tid, "Before overrides.")
    r.turn(tid, "With overrides.", model="gpt-5.1-codex-mini", effort="high", cwd=other,
           approvalPolicy="on-request",
           sandboxPolicy={"type": "workspaceWrite", "writableRoots": [], "networkAccess": False},
           summary="detailed")
    r.turn(tid, "Without overrides.")


SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}},
          "required": ["answer"], "additionalProperties": False}


def sc_output_schema(r):
    tid = r.start_thread()
    r.turn(tid, "Answer as JSON.", outputSchema=SCHEMA)
    r.turn(tid, "And again, without a schema.")


def sc_agents_md(r):
    tid = r.start_thread()
    r.turn(tid, "Follow the project rules.")


# Plan mode (collaborationMode). The settings' keys are snake_case in the schema (Settings:
# model required, reasoning_effort and developer_instructions nullable; a null
# developer_instructions means "the built-in instructions of the mode").
def COLLAB(mode):
    return {"mode": mode, "settings": {"model": MODEL, "reasoning_effort": None,
                                       "developer_instructions": None}}


def chunked_message(chunks, msg_id, response_id, usage=None):
    """A step whose assistant message is streamed as several response.output_text.delta
    events (one per chunk), through the mock's `raw` events (its `text` shorthand sends one
    delta)."""
    text = "".join(chunks)
    done = {"type": "message", "role": "assistant", "id": msg_id, "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}
    added = dict(done, content=[], status="in_progress")
    events = [{"type": "response.created", "response": {
        "id": response_id, "object": "response", "status": "in_progress", "output": []}},
        {"type": "response.output_item.added", "output_index": 0, "item": added}]
    events += [{"type": "response.output_text.delta", "item_id": msg_id, "output_index": 0,
                "content_index": 0, "delta": c} for c in chunks]
    events += [{"type": "response.output_item.done", "output_index": 0, "item": done},
               {"type": "response.completed", "response": {
                   "id": response_id, "object": "response", "status": "completed",
                   "output": [done], "usage": usage or USAGE}}]
    return {"raw": events}


PLAN_CHUNKS = ["Here is my plan.\n<propo", "sed_plan>\n# Ti", "tle\n- step one\n- st",
               "ep two\n</proposed_", "plan>\nTell me to go ahead."]


def sc_plan_mode(r):
    tid = r.start_thread()
    r.probe("collaborationMode/list {}", "collaborationMode/list", {})
    r.turn(tid, "Propose a plan.", collaborationMode=COLLAB("plan"))
    r.turn(tid, "Go ahead.", collaborationMode=COLLAB("default"))
    r.probe("thread/read includeTurns (the thread is loaded)", "thread/read",
            {"threadId": tid, "includeTurns": True})
    r.probe("thread/resume of the loaded thread", "thread/resume", {"threadId": tid})


def sc_plan_mode_unterminated(r):
    tid = r.start_thread()
    r.turn(tid, "Propose a plan.", collaborationMode=COLLAB("plan"))
    r.probe("thread/read includeTurns", "thread/read", {"threadId": tid, "includeTurns": True})


def sc_plan_mode_update_plan(r):
    tid = r.start_thread()
    r.turn(tid, "Plan the work.", collaborationMode=COLLAB("plan"))


def sc_plan_mode_only_text(r):
    tid = r.start_thread()
    r.turn(tid, "Just answer.", collaborationMode=COLLAB("plan"))
    r.turn(tid, "Which tag?", collaborationMode=COLLAB("plan"))
    # No collaborationMode at all: does plan mode persist (a plan item for a block at line
    # start, the same developer message)?
    r.turn(tid, "And now a plan, without naming the mode.")
    r.probe("thread/read includeTurns", "thread/read", {"threadId": tid, "includeTurns": True})


def sc_plan_mode_edge_cases(r):
    tid = r.start_thread()
    r.turn(tid, "Hi.")
    plan = COLLAB("plan")
    r.turn(tid, "Indented tags.", collaborationMode=plan)
    r.turn(tid, "A tag line with more text.", collaborationMode=plan)
    r.turn(tid, "Two blocks.", collaborationMode=plan)
    r.turn(tid, "An empty block.", collaborationMode=plan)
    r.turn(tid, "CRLF lines.", collaborationMode=plan)
    custom = copy.deepcopy(plan)
    custom["settings"]["developer_instructions"] = "Custom plan instructions."
    r.turn(tid, "Custom instructions.", collaborationMode=custom)
    # Effort: the mode's settings against turn/start's own `effort`; then null again.
    high = copy.deepcopy(plan)
    high["settings"]["reasoning_effort"] = "high"
    r.turn(tid, "Effort high in settings, low in the turn.", collaborationMode=high,
           effort="low")
    r.turn(tid, "Effort null in settings.", collaborationMode=plan)
    r.probe("thread/read includeTurns", "thread/read", {"threadId": tid, "includeTurns": True})


def sc_collaboration_modes(r):
    r.probe("collaborationMode/list {}", "collaborationMode/list", {})


def sc_default_mode_explicit(r):
    tid = r.start_thread()
    r.turn(tid, "Say hello.", collaborationMode=COLLAB("default"))
    r.turn(tid, "Again, default.", collaborationMode=COLLAB("default"))
    # A second thread: a turn without collaborationMode, then one with default explicitly.
    tid2 = r.start_thread()
    r.turn(tid2, "No mode.")
    r.turn(tid2, "Now default explicitly.", collaborationMode=COLLAB("default"))


def sc_model_reroute(r):
    tid = r.start_thread()
    r.turn(tid, "First, rerouted.")
    r.turn(tid, "Second, a tool call then text, both rerouted.")
    r.turn(tid, "Third, the same model in other case.")
    r.probe("thread/read includeTurns", "thread/read", {"threadId": tid, "includeTurns": True})


def COLLAB_WITH(mode, model, effort, instructions):
    return {"mode": mode, "settings": {"model": model, "reasoning_effort": effort,
                                       "developer_instructions": instructions}}


def sc_collaboration_mode_changes(r):
    tid = r.start_thread(developerInstructions="Thread dev instr.")
    r.turn(tid, "No mode.")
    r.turn(tid, "Plan with custom instructions.",
           collaborationMode=COLLAB_WITH("plan", MODEL, None, "PLAN-X"),
           approvalPolicy="on-request", personality="friendly")
    r.turn(tid, "Default with another model and effort.",
           collaborationMode=COLLAB_WITH("default", "gpt-5.2", "low", "DEF-Y"))
    tid2 = r.start_thread(developerInstructions="Thread dev instr.")
    r.turn(tid2, "Plan on the first turn.",
           collaborationMode=COLLAB_WITH("plan", MODEL, None, "PLAN-Z"))


STALL_THEN = lambda text: {"items": [{"text": "Once upon a time"}], "stall": True,  # noqa: E731
                           "after_release": [], "match": text}

SCENARIOS = {
    "plain_text": dict(fn=sc_plain_text, steps=[{"text": "Hello! How can I help?",
                                                 "usage": USAGE}],
                       about="thread/start, one turn: one assistant message; usage set"),
    "reasoning": dict(fn=sc_reasoning, steps=[{"items": [
        {"reasoning": {"summary": ["**Thinking**\n\nFirst part.", "Second part."],
                       "encrypted_content": "gAAAAB-opaque"}},
        {"text": "The answer is 42."}]}],
        about="a reasoning item (two summary parts) then a message"),
    "multi_turn": dict(fn=sc_multi_turn, steps=[{"text": "Answer one."}, {"text": "Answer two."}],
                       about="two turns in a row"),
    "update_plan": dict(fn=sc_update_plan, steps=[
        {"function_call": {"name": "update_plan", "call_id": "call_plan_1", "arguments": {
            "explanation": "Three steps.",
            "plan": [{"step": "Read the code", "status": "completed"},
                     {"step": "Write the fix", "status": "in_progress"},
                     {"step": "Run the tests", "status": "pending"}]}},
         "delay_ms": 150},
        {"text": "Plan recorded."}], about="update_plan function call, then an answer"),
    "dynamic_tool": dict(fn=sc_dynamic_tool, steps=[
        # The pauses between events let the tool call finish before response.completed
        # (whose token count Codex reports concurrently with the call otherwise).
        {"function_call": {"name": "get_weather", "arguments": {"city": "Paris"},
                           "call_id": "call_dyn_1"}, "delay_ms": 150},
        {"text": "It is sunny in Paris."}],
        about="thread/start with dynamicTools; the model calls it; the client answers "
              "item/tool/call"),
    "steer": dict(fn=sc_steer, steps=[
        {"items": [{"text": "Once upon a time"}], "stall": True, "after_release": []},
        {"text": "Short version: the end."}],
        about="the first stream stalls after a partial message; turn/steer with the right "
              "expectedTurnId; the stream is then released and completes; Codex sends a "
              "second request carrying the steer input"),
    "interrupt_stream": dict(fn=sc_interrupt_stream, steps=[
        {"items": [{"reasoning": {"summary": ["Starting."]}}], "stall": True},
        {"text": "Quick answer."}],
        about="turn/interrupt during a stalled stream, then a normal turn"),
    "failed": dict(fn=sc_failed, steps=[
        {"items": [{"text": "Partial"}], "failed": {
            "code": "context_length_exceeded",
            "message": "Your input exceeds the context window of this model."}},
        {"text": "Summary: the user asked for something that failed."},
        {"text": "Works now."}], stream_retries=1,
        about="response.failed context_length_exceeded (not retried although "
              "stream_max_retries = 1), then a turn, which Codex opens with an automatic "
              "compaction (request 2, answered with the summary), then request 3"),
    "failed_quota": dict(fn=sc_failed, steps=[
        {"items": [{"text": "Partial"}], "failed": {
            "code": "insufficient_quota", "message": "You exceeded your current quota."}},
        {"text": "Works now."}], stream_retries=1,
        about="response.failed insufficient_quota (not retried although "
              "stream_max_retries = 1), then a normal turn"),
    "retry": dict(fn=sc_retry, steps=[
        {"http_error": {"status": 500, "message": "internal trouble"}},
        {"text": "Fine after the retry."}], stream_retries=1,
        about="HTTP 500, then success; request_max_retries = 0, stream_max_retries = 1"),
    "errors": dict(fn=sc_errors, steps=[STALL_THEN("Stall here."), STALL_THEN("Stall again.")],
                   about="error answers of turn/start, turn/steer, turn/interrupt (see probes)"),
    "turn_overrides": dict(fn=sc_turn_overrides, steps=[{"text": "Defaults."},
                                                        {"text": "Overridden."},
                                                        {"text": "Not overridden."}],
                           about="a turn with the thread's settings; a turn/start with model, "
                                 "effort, cwd (<root>/other), approvalPolicy, sandboxPolicy, "
                                 "summary; then a turn without overrides"),
    "output_schema": dict(fn=sc_output_schema, steps=[{"text": "{\"answer\":\"42\"}"},
                                                      {"text": "Plain again."}],
                          about="turn/start with outputSchema, then a turn without"),
    "agents_md": dict(fn=sc_agents_md, steps=[{"text": "Following them."}],
                      files={"AGENTS.md": "# Project rules\n\nAlways answer in English.\n"},
                      about="an AGENTS.md in the thread's cwd (no git repository)"),
    "plan_mode": dict(fn=sc_plan_mode, steps=[
        chunked_message(PLAN_CHUNKS, "msg_plan_1", "resp_plan_1"),
        {"text": "Going ahead.", "usage": USAGE}],
        about="collaborationMode/list; turn/start with collaborationMode plan, the message "
              "(streamed in 5 deltas, two boundaries inside the tags) holds a "
              "<proposed_plan> block; then a turn with collaborationMode default; then "
              "thread/read includeTurns and thread/resume (see probes)"),
    "plan_mode_unterminated": dict(fn=sc_plan_mode_unterminated, steps=[
        chunked_message(["Plan:\n<proposed_plan>\n- a", "\n- b"], "msg_unterm_1",
                        "resp_unterm_1")],
        about="plan mode; the message opens <proposed_plan> and never closes it (2 deltas); "
              "then thread/read includeTurns"),
    "plan_mode_update_plan": dict(fn=sc_plan_mode_update_plan, steps=[
        {"function_call": {"name": "update_plan", "call_id": "call_plan_1", "arguments": {
            "explanation": "Three steps.",
            "plan": [{"step": "Read the code", "status": "completed"},
                     {"step": "Write the fix", "status": "in_progress"},
                     {"step": "Run the tests", "status": "pending"}]}},
         "delay_ms": 150},
        {"text": "Plan recorded."}],
        about="plan mode; the model calls update_plan, then answers text"),
    "plan_mode_only_text": dict(fn=sc_plan_mode_only_text, steps=[
        {"text": "No plan needed, the answer is 42."},
        {"text": "In plan mode, use the <proposed_plan> tag.\nInline <proposed_plan>x"
                 "</proposed_plan> too."},
        {"text": "Sure.\n<proposed_plan>\n- only step\n</proposed_plan>"}],
        about="plan mode: a message without a plan block; then (plan mode again) one where "
              "<proposed_plan> is not at line start; then a turn WITHOUT collaborationMode "
              "whose message has a block at line start (does plan mode persist?); then "
              "thread/read includeTurns"),
    "plan_mode_edge_cases": dict(fn=sc_plan_mode_edge_cases, steps=[
        {"text": "Hello."},
        {"text": "Intro\n  <proposed_plan>  \n- x\n\t</proposed_plan>\t\nOutro"},
        {"text": "<proposed_plan> extra\n- y\n</proposed_plan>\nend"},
        chunked_message(["<proposed_plan>\n- first\n</proposed_plan>\nmid\n",
                         "<proposed_plan>\n- second\n</proposed_plan>\n"], "msg_two_1",
                        "resp_two_1"),
        {"text": "<proposed_plan>\n</proposed_plan>\n"},
        {"text": "A\r\n<proposed_plan>\r\n- crlf\r\n</proposed_plan>\r\nB"},
        {"text": "Ok."}, {"text": "Effort."}, {"text": "Effort again."}],
        about="a turn without collaborationMode, then plan-mode turns (the switch default -> "
              "plan mid-thread): tag lines with surrounding spaces/tabs; an open tag line "
              "with more text; two blocks in one message (2 deltas); a message that is only "
              "an empty block; CRLF line ends; plan with custom developer_instructions; plan with "
              "settings.reasoning_effort high and turn/start effort low; plan with "
              "reasoning_effort null again; then thread/read includeTurns"),
    "collaboration_modes": dict(fn=sc_collaboration_modes, steps=[],
                                about="collaborationMode/list {} (see probes)"),
    "default_mode_explicit": dict(fn=sc_default_mode_explicit, steps=[
        {"text": "Hello! How can I help?", "usage": USAGE},
        {"text": "Again.\n<proposed_plan>\n- not a plan\n</proposed_plan>\n"},
        {"text": "No mode."}, {"text": "Default now."}],
        about="as plain_text, but turn/start has collaborationMode default (explicit); a "
              "second turn with default again (its answer holds a <proposed_plan> block); "
              "then a second thread: a turn without collaborationMode, then a turn with "
              "default explicitly"),
    "model_reroute": dict(fn=sc_model_reroute, steps=[
        {"text": "Answer one.", "headers": {"OpenAI-Model": "gpt-5.2"}},
        {"function_call": {"name": "update_plan", "call_id": "call_plan_1", "arguments": {
            "plan": [{"step": "Do it", "status": "in_progress"}]}},
         "delay_ms": 150, "headers": {"OpenAI-Model": "gpt-5.2"}},
        {"text": "Answer two.", "headers": {"OpenAI-Model": "gpt-5.2"}},
        {"text": "Answer three.", "headers": {"openai-model": "GPT-5.1-CODEX"}}],
        about="three turns; the mock answers with response header OpenAI-Model: gpt-5.2 "
              "(thread model gpt-5.1-codex) in turn 1 (text) and on both requests of turn 2 "
              "(update_plan call, then text); turn 3 answers openai-model: GPT-5.1-CODEX "
              "(only case differs); then thread/read includeTurns"),
    "collaboration_mode_changes": dict(fn=sc_collaboration_mode_changes, steps=[
        {"text": "One."}, {"text": "Two."}, {"text": "Three."}, {"text": "Four."}],
        about="thread/start developerInstructions \"Thread dev instr.\"; turn 1 without "
              "collaborationMode; turn 2 plan (developer_instructions PLAN-X) with "
              "approvalPolicy on-request and personality friendly; turn 3 default with "
              "model gpt-5.2, reasoning_effort low, developer_instructions DEF-Y; then a "
              "second thread (same developerInstructions) whose first turn is plan "
              "(PLAN-Z)"),
}


# --------------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------------

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
KIND_OF_KEY = {
    "threadId": "thread", "thread_id": "thread", "conversationId": "thread",
    "conversation_id": "thread", "session_id": "thread", "sessionId": "thread",
    "prompt_cache_key": "thread", "parentThreadId": "thread",
    "turnId": "turn", "turn_id": "turn", "expectedTurnId": "turn",
    "itemId": "item", "item_id": "item",
    "callId": "call", "call_id": "call",
}
KIND_OF_PARENT = {"thread": "thread", "turn": "turn", "item": "item"}
TS_KEYS = {"createdAt", "updatedAt", "startedAt", "completedAt", "timestamp", "created_at",
           "updated_at", "started_at", "completed_at", "resetsAt", "resets_at"}
MS_KEYS = {"durationMs", "duration_ms"}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")


def _classify(value, kinds, parent=None, key=None):
    if isinstance(value, dict):
        for k, v in value.items():
            _classify(v, kinds, key, k)
    elif isinstance(value, list):
        for v in value:
            _classify(v, kinds, parent, key)
    elif isinstance(value, str) and UUID.fullmatch(value):
        kind = KIND_OF_KEY.get(key) or (KIND_OF_PARENT.get(parent) if key == "id" else None)
        if kind:
            kinds.setdefault(value, kind)


def _times(value, key=None):
    if isinstance(value, dict):
        return {k: _times(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_times(v, key) for v in value]
    if key in TS_KEYS and isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return "<ts>"
    if key in MS_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return "<ms>"
    return value


def normalize(record, root):
    kinds = {}
    # Thread and turn ids first from where they are certain, then by key name anywhere.
    _classify(record, kinds)
    text = json.dumps(_times(record), ensure_ascii=False)
    for path, name in ((os.path.join(root, "home"), "<home>"),
                       (os.path.join(root, "work"), "<cwd>"), (root, "<root>"),
                       (os.path.expanduser("~"), "<user_home>")):
        text = text.replace(path, name)
    text = re.sub(r"(127\.0\.0\.1|localhost):\d{2,5}", r"\1:<port>", text)
    text = re.sub(r"rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-", "rollout-<ts>-", text)
    text = re.sub(r"sessions/\d{4}/\d{2}/\d{2}/", "sessions/<date>/", text)
    text = ISO.sub("<ts>", text)
    text = re.sub(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])", "<date>", text)
    seen, counts = {}, {}

    def sub(m):
        u = m.group(0)
        if u not in seen:
            kind = kinds.get(u, "id")
            counts[kind] = counts.get(kind, 0) + 1
            seen[u] = f"<{kind}:{counts[kind]}>"
        return seen[u]
    text = UUID.sub(sub, text)
    return json.loads(text)


# --------------------------------------------------------------------------------------------
# Shared strings and tool definitions
# --------------------------------------------------------------------------------------------

LONG = 1000
REF = re.compile(r"^<shared:(.+)>$")


def intern(scenarios):
    """Moves tool definitions of request bodies and strings of LONG+ characters into a shared
    map (names in order of first appearance), leaving "<shared:NAME>" references."""
    shared, by_value, counts = {}, {}, {}

    def name_for(value, kind):
        key = json.dumps(value, sort_keys=True, ensure_ascii=False)
        if key in by_value:
            return by_value[key]
        counts[kind] = counts.get(kind, 0) + 1
        name = kind if counts[kind] == 1 and kind.startswith("tool:") else \
            (f"{kind}#{counts[kind]}" if kind.startswith("tool:") else f"{kind}:{counts[kind]}")
        by_value[key] = name
        shared[name] = value
        return name

    def walk(value, key=None):
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k == "tools" and isinstance(v, list) and all(isinstance(t, dict) for t in v):
                    out[k] = ["<shared:" + name_for(t, "tool:" + str(
                        t.get("name") or t.get("type"))) + ">" for t in v]
                else:
                    out[k] = walk(v, k)
            return out
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str) and len(value) >= LONG:
            kind = "instructions" if key in ("instructions", "base_instructions") else "text"
            return "<shared:" + name_for(value, kind) + ">"
        return value
    return {name: walk(sc) for name, sc in scenarios.items()}, shared


def expand(value, shared):
    if isinstance(value, dict):
        return {k: expand(v, shared) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, shared) for v in value]
    if isinstance(value, str):
        m = REF.match(value)
        if m and m.group(1) in shared:
            return copy.deepcopy(shared[m.group(1)])
    return value


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def is_init(direction, msg):
    """initialize, its answer and `initialized` (left out of the record)."""
    if direction == "->":
        return msg.get("method") in ("initialize", "initialized")
    return "method" not in msg and msg.get("id") == 1


def capture(codex, name, spec=None):
    """One scenario (SCENARIOS[name], or the given spec of the same form) -> its record."""
    spec = spec or SCENARIOS[name]
    r = Run(codex, spec["steps"], spec.get("request_retries", 0), spec.get("stream_retries", 0),
            spec.get("files"))
    error = None
    try:
        spec["fn"](r)
    except Exception as e:  # keep what was captured; the failure is recorded
        error = f"{type(e).__name__}: {e}"
    finally:
        r.close()
    http = []
    for q in r.mock.requests:
        entry = {"n": q.get("n"), "method": q.get("method"), "path": q.get("path"),
                 "query": q.get("query"), "step": q.get("step"), "headers": q.get("headers")}
        if "body" in q:
            entry["body"] = q["body"]
        if "body_error" in q:
            entry["body_error"] = q["body_error"]
        if q.get("violations"):
            entry["violations"] = q["violations"]
        http.append(entry)
    record = {"about": spec["about"], "config": r.config,
              "script": [s for s in spec["steps"] if not callable(s)],
              "jsonrpc": [{"dir": d, "msg": m} for d, m in r.log if not is_init(d, m)]}
    if r.probes:
        record["probes"] = r.probes
    if r.notes:
        record["notes"] = r.notes
    record["http"] = http
    record["rollout"] = r.rollouts()
    if error:
        record["capture_error"] = error
    record = normalize(record, r.root)
    if not os.environ.get("CAPTURE_KEEP"):
        shutil.rmtree(r.root, ignore_errors=True)
    return record


def sequence(record):
    """Notification methods in order with their key fields, consecutive deltas collapsed."""
    out = []
    for e in record["jsonrpc"]:
        m = e["msg"]
        if "method" not in m:
            label = f"{e['dir']} answer {m.get('id')}: " + ("error" if "error" in m else "result")
        else:
            p = m.get("params") or {}
            label = ("-> " if e["dir"] == "->" else "") + m["method"] + \
                (" (request)" if "id" in m and e["dir"] == "<-" else "")
            if "item" in p and isinstance(p["item"], dict):
                label += f" {p['item'].get('type')}"
                if "status" in p["item"]:
                    label += f" status={p['item']['status']}"
            if m["method"] == "thread/status/changed":
                label += " " + json.dumps(p.get("status"))
            if m["method"] in ("turn/started", "turn/completed"):
                label += f" status={p['turn'].get('status')}"
                if p["turn"].get("error"):
                    label += " error=" + json.dumps(p["turn"]["error"])
            if m["method"] == "error":
                label += f" willRetry={p.get('willRetry')} " + json.dumps(p.get("error"))
        if out and out[-1][0] == label:
            out[-1][1] += 1
        else:
            out.append([label, 1])
    return [f"{lbl} x{n}" if n > 1 else lbl for lbl, n in out]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codex", default=CODEX_117)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("scenarios", nargs="*")
    args = ap.parse_args()
    for n in args.scenarios:
        if n not in SCENARIOS:
            ap.error(f"unknown scenario {n}; known: {', '.join(SCENARIOS)}")
    golden = {}
    if os.path.exists(args.out):
        with open(args.out) as f:
            old = json.load(f)
        golden = {k: expand(v, old.get("shared", {})) for k, v in old["scenarios"].items()}
    if args.summary:
        for name in args.scenarios or list(golden):
            print(f"== {name}")
            for line in sequence(golden[name]):
                print("  " + line)
        return
    names = args.scenarios or list(SCENARIOS)
    if not args.scenarios:
        golden = {}
    for name in names:
        t = time.time()
        golden[name] = capture(args.codex, name)
        g = golden[name]
        print(f"{name}: {len(g['jsonrpc'])} messages, {len(g['http'])} requests, "
              f"{sum(len(v) for v in g['rollout'].values())} rollout lines, "
              f"{time.time() - t:.1f}s" + (f", ERROR {g['capture_error']}"
                                          if "capture_error" in g else ""), flush=True)
    write_golden(args.out, "tests/agent/capture_codex_turns.py",
                 __doc__.split("\n\n", 2)[2].strip(), golden, SCENARIOS)


def write_golden(path, captured_by, readme, golden, order):
    """Writes the captured scenarios (in `order`), their long strings interned, as a golden
    file; the other capture scripts of tests/agent write theirs with it too."""
    ordered = {k: golden[k] for k in order if k in golden}
    scenarios, shared = intern(ordered)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"codex": "0.117.0", "captured_by": captured_by, "readme": readme,
                   "scenarios": scenarios, "shared": shared}, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
