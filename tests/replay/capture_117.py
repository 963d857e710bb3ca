#!/usr/bin/env python3
"""Makes Codex 0.117.0 write rollouts: runs the real `codex app-server` against the scripted mock
Responses server (tests/mock_responses) through one scenario per thread, then stores each as a
replay case tests/replay/v117_<scenario>/ (events.jsonl = the rollout Codex wrote,
expected.json = Codex's own thread/read {includeTurns} answer for that file, read back by a fresh
app-server exactly as capture.py does) plus capture.json (what the live process answered:
thread/read, thread/list, thread/resume, the requests the mock saw, the EventMsg types written).

Usage: capture_117.py [--codex BINARY] [--out DIR] [--survey FILE] [SCENARIO...]
  --out DIR     where the case folders go (default: this folder)
  --survey FILE also runs every scenario in the other persistence mode and writes the EventMsg
                types per mode as JSON (for eventlog/persistence_policy.cc)
  --samples DIR writes a few full request bodies there (tests/mock_responses/samples)
Nothing leaves 127.0.0.1: the model provider is the mock; plugins, apps and update checks are off.
"""
import argparse, base64, json, os, re, shutil, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from codex_driver import CODEX_117, AppServer, MockResponses, write_home  # noqa: E402
from codex_thread_read import list_threads, read_thread  # noqa: E402

# Keeps Codex off the network (it otherwise syncs plugins from GitHub and chatgpt.com).
OFFLINE = """check_for_update_on_startup = false
[features]
plugins = false
apps = false
tool_suggest = false
[analytics]
enabled = false
"""

PATCH_ADD = """*** Begin Patch
*** Add File: notes.txt
+first line
+second line
*** End Patch"""
PATCH_UPDATE = """*** Begin Patch
*** Update File: notes.txt
@@
 first line
-second line
+second line, edited
*** End Patch"""
PNG_1X1 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def exec_call(cmd, call_id, **extra):
    args = {"cmd": cmd, "yield_time_ms": 2000}
    args.update(extra)
    return {"function_call": {"name": "exec_command", "arguments": args, "call_id": call_id}}


class Ctx:
    """One scenario's world: a scratch CODEX_HOME, a cwd, the mock and the app-server."""

    def __init__(self, codex, steps, extended, retries=0):
        self.root = tempfile.mkdtemp(prefix="capture117-", dir=os.path.expanduser("~"))
        self.home = os.path.join(self.root, "home")
        self.cwd = os.path.join(self.root, "work")
        os.makedirs(self.cwd)
        self.mock = MockResponses(steps, log_path=os.path.join(self.root, "requests.jsonl"),
                                  default_text="Done.").start()
        write_home(self.home, self.mock.base_url, extra=OFFLINE, request_retries=retries,
                   stream_retries=retries)
        self.extended = extended
        self.tool_calls = []
        self.server = AppServer(codex, self.home, self.cwd, on_server_request=self.serve)
        self.server.initialize()
        self.answers = {}

    def serve(self, msg):
        if msg["method"] == "item/tool/call":
            self.tool_calls.append(msg["params"])
            args = msg["params"].get("arguments") or {}
            return {"contentItems": [{"type": "inputText",
                                      "text": f"weather in {args.get('city', '?')}: sunny"}],
                    "success": True}
        if msg["method"].endswith("requestApproval"):
            return {"decision": "accept"}
        return {}

    def start_thread(self, **params):
        params.setdefault("cwd", self.cwd)
        if self.extended:
            params["persistExtendedHistory"] = True
        r = self.server.request("thread/start", params)
        if "result" not in r:
            raise RuntimeError(f"thread/start: {r}")
        self.answers["thread/start"] = r["result"]
        return r["result"]["thread"]["id"]

    def start_turn(self, tid, text=None, items=None, **extra):
        mark = self.server.mark()
        params = {"threadId": tid, "input": items or [{"type": "text", "text": text}]}
        params.update(extra)
        r = self.server.request("turn/start", params)
        if "result" not in r:
            raise RuntimeError(f"turn/start: {r}")
        return r["result"]["turn"]["id"], mark

    def wait_turn(self, turn_id, mark, timeout=90):
        return self.server.wait_for(
            lambda m: m.get("method") == "turn/completed" and
            m["params"]["turn"]["id"] == turn_id, timeout=timeout, start=mark)

    def turn(self, tid, text=None, **extra):
        turn_id, mark = self.start_turn(tid, text, **extra)
        return self.wait_turn(turn_id, mark)

    def close(self):
        self.server.close()
        self.mock.stop()


# --- scenarios: each gets a Ctx and its script; returns the thread id -------------------------

def sc_plain_text(c):
    tid = c.start_thread()
    c.turn(tid, "Say hello.")
    return tid


def sc_reasoning(c):
    tid = c.start_thread()
    c.turn(tid, "Think, then answer.")
    return tid


def sc_multi_turn(c):
    tid = c.start_thread()
    for text in ("First question.", "Second question.", "Third question."):
        c.turn(tid, text)
    return tid


def sc_exec(c):
    tid = c.start_thread()
    c.turn(tid, "List the files.")
    return tid


def sc_apply_patch(c):
    tid = c.start_thread()
    c.turn(tid, "Create notes.txt, then edit it.")
    return tid


def sc_update_plan(c):
    tid = c.start_thread()
    c.turn(tid, "Plan the work.")
    return tid


def sc_plan_mode(c):
    tid = c.start_thread()
    c.turn(tid, "Propose a plan for a CLI.",
           collaborationMode={"mode": "plan", "settings": {"model": "gpt-5.1-codex",
                                                           "reasoning_effort": "medium",
                                                           "developer_instructions": None}})
    return tid


def sc_dynamic_tool(c):
    tid = c.start_thread(dynamicTools=[{
        "name": "get_weather", "description": "Weather for a city",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}},
                        "required": ["city"]}}])
    c.turn(tid, "What is the weather in Paris?")
    return tid


def sc_steer(c):
    tid = c.start_thread()
    turn_id, mark = c.start_turn(tid, "Write a long essay.")
    c.mock.wait_stalled()
    r = c.server.request("turn/steer", {"threadId": tid, "expectedTurnId": turn_id,
                                        "input": [{"type": "text", "text": "Make it short."}]})
    c.answers["turn/steer"] = r
    time.sleep(0.5)
    c.mock.release()
    c.wait_turn(turn_id, mark)
    return tid


def sc_interrupt_stream(c):
    tid = c.start_thread()
    turn_id, mark = c.start_turn(tid, "Start something slow.")
    c.mock.wait_stalled()
    c.answers["turn/interrupt"] = c.server.request("turn/interrupt",
                                                   {"threadId": tid, "turnId": turn_id})
    c.wait_turn(turn_id, mark)
    c.turn(tid, "Now something quick.")
    return tid


def sc_interrupt_command(c):
    tid = c.start_thread()
    turn_id, mark = c.start_turn(tid, "Run the long job.")
    c.server.wait_for(lambda m: m.get("method") == "item/started" and
                      m["params"]["item"]["type"] == "commandExecution", start=mark)
    time.sleep(1.0)
    c.answers["turn/interrupt"] = c.server.request("turn/interrupt",
                                                   {"threadId": tid, "turnId": turn_id})
    c.wait_turn(turn_id, mark)
    c.turn(tid, "Never mind.")
    return tid


def sc_compact(c):
    tid = c.start_thread()
    c.turn(tid, "Tell me about A.")
    c.turn(tid, "Tell me about B.")
    mark = c.server.mark()
    c.answers["thread/compact/start"] = c.server.request("thread/compact/start",
                                                         {"threadId": tid})
    c.server.wait_for(lambda m: m.get("method") == "turn/completed", start=mark)
    c.turn(tid, "And C?")
    return tid


def sc_rollback(c):
    tid = c.start_thread()
    for text in ("Turn one.", "Turn two.", "Turn three."):
        c.turn(tid, text)
    c.answers["thread/rollback"] = c.server.request("thread/rollback",
                                                    {"threadId": tid, "numTurns": 2})
    c.turn(tid, "Turn four, after the rollback.")
    return tid


def sc_failed(c):
    tid = c.start_thread()
    c.turn(tid, "This one fails.")
    c.turn(tid, "This one works.")
    return tid


def sc_http_error(c):
    tid = c.start_thread()
    c.turn(tid, "The server errors.")
    c.turn(tid, "Rate limited, then fine.")
    return tid


def sc_stream_cut(c):
    tid = c.start_thread()
    c.turn(tid, "Answer despite a dropped stream.")
    return tid


def sc_image(c):
    path = os.path.join(c.cwd, "dot.png")
    with open(path, "wb") as f:
        f.write(base64.b64decode(PNG_1X1))
    tid = c.start_thread()
    c.turn(tid, items=[{"type": "text", "text": "What is in these images?"},
                       {"type": "image", "url": "data:image/png;base64," + PNG_1X1},
                       {"type": "localImage", "path": path}])
    return tid


def sc_view_image(c):
    with open(os.path.join(c.cwd, "dot.png"), "wb") as f:
        f.write(base64.b64decode(PNG_1X1))
    tid = c.start_thread()
    c.turn(tid, "Look at dot.png.")
    return tid


def _output_of(body, call_id):
    for item in (body or {}).get("input", []):
        if item.get("type") == "function_call_output" and item.get("call_id") == call_id:
            out = item.get("output")
            return out if isinstance(out, str) else json.dumps(out)
    return None


def _agent_id(body):
    """The sub-agent id in spawn_agent's output (a UUID somewhere in it)."""
    match = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                      _output_of(body, "call_spawn") or "")
    return match.group(0) if match else None


def _parent_after(call_id, make):
    """A step for the parent's request that first carries `call_id`'s output."""
    def step(body):
        if _output_of(body, call_id) is None or _output_of(body, _NEXT_CALL[call_id]):
            return None
        return make(body)
    return step


_NEXT_CALL = {"call_spawn": "call_wait", "call_wait": "call_close", "call_close": "call_none"}


def _child_first(body):
    text = json.dumps(body)
    if "Delegate the counting" in text or "Count to three." not in text:
        return None
    return {"text": "1, 2, 3."}


def sc_web_search(c):
    tid = c.start_thread()
    c.turn(tid, "Search the web for the weather.")
    return tid


def sc_collab(c):
    tid = c.start_thread()
    c.turn(tid, "Delegate the counting to a sub-agent.")
    # The sub-agent's own rollout is kept too (run() stores every other thread of the home).
    return tid


COLLAB_STEPS = [
    {"match": "Delegate the counting", "function_call": {
        "name": "spawn_agent", "call_id": "call_spawn",
        "arguments": {"message": "Count to three.", "agent_type": "explorer"}}},
    _child_first,
    _parent_after("call_spawn", lambda b: {"function_call": {
        "name": "wait_agent", "call_id": "call_wait",
        "arguments": {"targets": [_agent_id(b)], "timeout_ms": 20000}}}),
    _parent_after("call_wait", lambda b: {"function_call": {
        "name": "close_agent", "call_id": "call_close", "arguments": {"target": _agent_id(b)}}}),
    _parent_after("call_close", lambda b: {"text": "The sub-agent counted to three."}),
]


SCENARIOS = {
    "plain_text": (sc_plain_text, [{"text": "Hello! How can I help?"}], {}),
    "reasoning": (sc_reasoning, [{"items": [
        {"reasoning": {"summary": ["**Thinking**\n\nFirst part.", "Second part."],
                       "encrypted_content": "gAAAAB-opaque"}},
        {"text": "The answer is 42."}]}], {}),
    "multi_turn": (sc_multi_turn, [{"text": "Answer one."}, {"text": "Answer two."},
                                   {"text": "Answer three."}], {}),
    "exec": (sc_exec, [
        {"items": [{"reasoning": {"summary": ["Listing."]}},
                   exec_call("ls -a && echo done", "call_exec_1")]},
        {"text": "There are no files yet."}], {}),
    "apply_patch": (sc_apply_patch, [
        {"apply_patch": {"input": PATCH_ADD, "call_id": "call_patch_add"}},
        {"apply_patch": {"input": PATCH_UPDATE, "call_id": "call_patch_update"}},
        {"text": "Created and edited notes.txt."}], {}),
    "update_plan": (sc_update_plan, [
        {"function_call": {"name": "update_plan", "call_id": "call_plan_1", "arguments": {
            "explanation": "Three steps.",
            "plan": [{"step": "Read the code", "status": "completed"},
                     {"step": "Write the fix", "status": "in_progress"},
                     {"step": "Run the tests", "status": "pending"}]}}},
        {"text": "Plan recorded."}], {}),
    "plan_mode": (sc_plan_mode, [{"text": "Here is my plan.\n<proposed_plan>\n# CLI plan\n"
                                          "- parse args\n- run\n</proposed_plan>\nTell me "
                                          "if it suits you."}], {}),
    "dynamic_tool": (sc_dynamic_tool, [
        {"function_call": {"name": "get_weather", "arguments": {"city": "Paris"},
                           "call_id": "call_dyn_1"}},
        {"text": "It is sunny in Paris."}], {}),
    "steer": (sc_steer, [
        {"items": [{"text": "Once upon a time"}], "stall": True, "after_release": []},
        {"text": "Short version: the end."}], {}),
    "interrupt_stream": (sc_interrupt_stream, [
        {"items": [{"reasoning": {"summary": ["Starting."]}}], "stall": True},
        {"text": "Quick answer."}], {}),
    "interrupt_command": (sc_interrupt_command, [
        exec_call("sleep 30", "call_sleep", yield_time_ms=20000),
        {"text": "OK."}], {}),
    "compact": (sc_compact, [{"text": "A is the first letter."}, {"text": "B follows A."},
                             {"text": "Summary: we discussed A and B."},
                             {"text": "C follows B."}], {}),
    "rollback": (sc_rollback, [{"text": "One."}, {"text": "Two."}, {"text": "Three."},
                               {"text": "Four."}], {}),
    "failed": (sc_failed, [{"items": [{"text": "Partial"}],
                            "failed": {"code": "server_error", "message": "the model broke"}},
                           {"text": "Works now."}], {}),
    "http_error": (sc_http_error, [
        {"http_error": {"status": 500, "message": "internal trouble"}},
        {"http_error": {"status": 500, "message": "internal trouble again"}},
        {"http_error": {"status": 429, "retry_after": 0, "message": "slow down"}},
        {"text": "Fine after the retry."}], {"retries": 1}),
    "stream_cut": (sc_stream_cut, [{"items": [{"text": "Half an ans"}], "cut": True},
                                   {"text": "A whole answer, after the retry."}],
                   {"retries": 1}),
    "image": (sc_image, [{"text": "A single dot, twice."}], {}),
    "collab": (sc_collab, COLLAB_STEPS, {}),
    "web_search": (sc_web_search, [{"items": [
        {"raw_item": {"type": "web_search_call", "id": "ws_1", "status": "completed",
                      "action": {"type": "search", "query": "weather in Paris"}}},
        {"text": "It is sunny in Paris."}]}], {}),
    "view_image": (sc_view_image, [
        {"function_call": {"name": "view_image", "arguments": {"path": "dot.png"},
                           "call_id": "call_view_1"}},
        {"text": "It is one pixel."}], {}),
}
LIMITED_TOO = ["plain_text", "exec", "apply_patch", "interrupt_command", "compact",
               "dynamic_tool", "failed", "collab", "web_search"]


def event_types(rollout):
    types = []
    with open(rollout) as f:
        for line in f:
            rec = json.loads(line)
            t = rec["type"] if rec["type"] != "event_msg" else "event_msg:" + rec["payload"]["type"]
            if rec["type"] == "response_item":
                t = "response_item:" + rec["payload"].get("type", "?")
            if t not in types:
                types.append(t)
    return types


def run(codex, name, extended):
    fn, steps, opts = SCENARIOS[name]
    c = Ctx(codex, steps, extended, retries=opts.get("retries", 0))
    try:
        tid = fn(c)
        live = {"answers": c.answers, "tool_calls": c.tool_calls}
        live["thread/read"] = c.server.request("thread/read", {"threadId": tid,
                                                               "includeTurns": True})
        live["thread/list"] = c.server.request("thread/list", {})
        time.sleep(0.3)
    finally:
        c.close()
    def rollout_of(thread_id):
        found = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(c.home, "sessions"))
                 for f in fs if thread_id in f]
        if len(found) != 1:
            raise RuntimeError(f"{name}: rollout for {thread_id} not found: {found}")
        return found[0]
    rollouts = [rollout_of(tid)]
    # Threads the scenario's thread made (a sub-agent): stored as CASE_child, CASE_child2, ...
    others = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(c.home, "sessions"))
                    for f in fs if f.endswith(".jsonl") and tid not in f)
    live["other_rollouts"] = {("child" if i == 0 else f"child{i + 1}"): path
                              for i, path in enumerate(others)}
    # A fresh process reads the same file, as every other replay case's answer was made; it
    # also shows thread/resume on a thread it has not loaded.
    fresh = AppServer(codex, c.home, c.cwd)
    try:
        fresh.initialize()
        live["thread/list (fresh)"] = fresh.request("thread/list", {})
        live["thread/resume (fresh)"] = fresh.request("thread/resume", {"threadId": tid})
    finally:
        fresh.close()
    return c, tid, rollouts[0], live


def store(out_dir, case, rollout, live, requests, root):
    os.makedirs(out_dir, exist_ok=True)
    shutil.copy(rollout, os.path.join(out_dir, "events.jsonl"))
    thread = read_thread(CODEX_117_PATH[0], os.path.join(out_dir, "events.jsonl"))
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(thread, f, indent=1, ensure_ascii=False)
        f.write("\n")
    listed = list_threads(CODEX_117_PATH[0], os.path.join(out_dir, "events.jsonl"))
    with open(os.path.join(out_dir, "list.json"), "w") as f:
        json.dump(listed, f, indent=1, ensure_ascii=False)
        f.write("\n")
    live = json.loads(json.dumps(live).replace(root, "/home/dev"))
    live["requests"] = [{"path": r["path"], "step": r.get("step"),
                         "violations": r.get("violations", []),
                         "input_types": [i.get("type") + (":" + i["role"] if "role" in i else "")
                                         for i in r.get("body", {}).get("input", [])]}
                        for r in requests]
    live["event_types"] = event_types(rollout)
    with open(os.path.join(out_dir, "capture.json"), "w") as f:
        json.dump(live, f, indent=1, ensure_ascii=False)
        f.write("\n")


CODEX_117_PATH = [CODEX_117]


def main():
    ap = argparse.ArgumentParser(description="capture Codex 0.117.0 rollouts as replay cases")
    ap.add_argument("--codex", default=CODEX_117)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--survey")
    ap.add_argument("--samples")
    ap.add_argument("scenarios", nargs="*")
    args = ap.parse_args()
    CODEX_117_PATH[0] = args.codex
    names = args.scenarios or list(SCENARIOS)
    survey = {}
    for name in names:
        modes = [(True, f"v117_{name}")]
        if name in LIMITED_TOO:
            modes.append((False, f"v117_{name}_limited"))
        elif args.survey:
            modes.append((False, None))
        for extended, case in modes:
            c, tid, rollout, live = run(args.codex, name, extended)
            reqs = c.mock.requests
            problems = c.mock.violations
            survey.setdefault(name, {})["extended" if extended else "limited"] = \
                event_types(rollout)
            if case:
                others = live.pop("other_rollouts")
                store(os.path.join(args.out, case), case, rollout, live, reqs, c.root)
                for suffix, path in others.items():
                    store(os.path.join(args.out, f"{case}_{suffix}"), case, path,
                          {"note": f"thread spawned by {case}"}, [], c.root)
            else:
                live.pop("other_rollouts")
            if args.samples and extended:
                os.makedirs(args.samples, exist_ok=True)
                for r in c.mock.responses_requests():
                    path = os.path.join(args.samples, f"{name}.request{r['n']}.json")
                    with open(path, "w") as f:
                        json.dump({"headers": r["headers"], "body": r.get("body")}, f,
                                  indent=1, ensure_ascii=False)
                        f.write("\n")
            other = [r["method"] + " " + r["path"] for r in reqs if r["path"] != "/v1/responses"]
            print(f"{case or name + ' (limited, survey)'}: thread {tid}, "
                  f"{len(c.mock.responses_requests())} responses requests, other {other}, "
                  f"violations {problems}", flush=True)
            if not os.environ.get("CAPTURE_KEEP"):
                shutil.rmtree(c.root, ignore_errors=True)
    if args.survey:
        with open(args.survey, "w") as f:
            json.dump(survey, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
