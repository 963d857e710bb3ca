#!/usr/bin/env python3
"""Unified exec against Codex 0.117.0: every scenario of golden/codex_117_exec.json (recorded by
capture_codex_exec.py, summarised in EXEC_117.md) run against the real `threadlog serve` on
stdio with the same mock script, config.toml and environment; compared after the capture's own
normalization:
  1. what the model got back for each call (the function_call_output text, byte for byte:
     header lines, token counts, truncation, errors);
  2. each commandExecution item as item/completed reports it (id, command, cwd, processId,
     source, commandActions, status, exitCode; aggregatedOutput where both keep all of it).
The differences made on purpose are listed under KNOWN DIFFERENCES; nothing else is ignored.
Usage: exec_golden_test.py THREADLOG_BINARY"""
import copy
import glob
import json
import os
import re
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "mock_responses"))
import capture_codex_apply_patch as cap  # noqa: E402
import capture_codex_approvals as ca  # noqa: E402
import capture_codex_exec as cx  # noqa: E402
import capture_codex_turns as ct  # noqa: E402
import capture_codex_command_exec as cce  # noqa: E402
import capture_codex_user_shell as cu  # noqa: E402
import capture_codex_view_image as cv  # noqa: E402
import turn_golden_test as tg  # noqa: E402
from mock_responses import MockResponses  # noqa: E402

BINARY = None
with open(os.path.join(HERE, "golden", "codex_117_exec.json")) as f:
    _GOLDEN = json.load(f)
GOLDEN = {n: ct.expand(sc, _GOLDEN["shared"]) for n, sc in _GOLDEN["scenarios"].items()}

# ============================================================================================
# KNOWN DIFFERENCES
# ============================================================================================
# 1. Left out: exec_env (Codex sources a shell snapshot it writes at thread start; threadlog
#    runs the login shell itself: the same variables win, but the listing also shows Codex's
#    own CODEX_HOME/RUST_LOG) and exec_interrupt (threadlog kills the command on interrupt, as
#    issue 12 asks; Codex leaves it running; exec_serve_test.py covers it).
SKIPPED = {"exec_env", "exec_interrupt"}
# 2. The order of stdout and stderr written at once varies in Codex's own runs (EXEC_117.md §8):
#    the output lines after "Output:\n" are compared sorted where the golden says it varies.
UNORDERED_OUTPUT = {"exec_exit_code"}
# 3. Arguments that are not JSON: serde's parse message ("key must be a string at line 1 column
#    2") is not threadlog's parser's; only the "failed to parse function arguments: " prefix is
#    compared.
NOT_JSON_CALLS = {"call_badjson"}
# 4. (none: a tool output over 12000 tokens is cut again in the history, as Codex cuts it)
HISTORY_RECUT_CALLS = set()
# 5. Token counts of outputs that name the scratch folders (pwd): the paths differ in length.
PATHS = ("<cwd>", "<root>", "<home>", "<user_home>")
# 6. aggregatedOutput: Codex starts streaming a command's output about 150 ms after it started
#    and keeps only what came after that for a command that was still running (EXEC_117.md §3);
#    threadlog keeps all of it. Codex's must be the end of threadlog's.


class ExecRun(ct.Run):
    """capture_codex_turns.Run with threadlog in place of Codex: the golden's config.toml and
    the capture's own steps (its callable ones too) and environment."""

    def __init__(self, name):
        spec, golden = cx.SCENARIOS[name], GOLDEN[name]
        self.user_home = cx.make_user_home()
        self.root = tempfile.mkdtemp(prefix="exec-golden-", dir=self.user_home)
        self.home = os.path.join(self.root, "home")
        self.cwd = os.path.join(self.root, "work")
        self.store = os.path.join(self.root, "store")
        os.makedirs(self.cwd)
        os.makedirs(self.home)
        self.mock = MockResponses(spec["steps"], default_text="Done.").start()
        self.config = golden["config"].replace("127.0.0.1:<port>", f"127.0.0.1:{self.mock.port}")
        with open(os.path.join(self.home, "config.toml"), "w") as f:
            f.write(self.config)
        env = dict(cx.fixed_env(self.user_home), CODEX_HOME=self.home, MOCK_API_KEY="x")
        self.log = []
        self.tool_answers = []
        self.probes = []
        self.notes = {}
        self.server = tg.Server([BINARY, "--home", self.store, "serve"], env, self.cwd,
                                self.serve, self.log)
        self.server.proc = self.server.client.proc  # the drivers' process listings look below it
        self.server.initialize()


def run_threadlog(name):
    spec = cx.SCENARIOS[name]
    run = ExecRun(name)
    error = None
    try:
        spec["fn"](run)
    except Exception as e:  # noqa: BLE001 (what was recorded is still compared)
        error = f"{type(e).__name__}: {e}"
    finally:
        run.close()
    record = {"jsonrpc": [{"dir": d, "msg": m} for d, m in run.log if not ct.is_init(d, m)],
              "http": [{"body": q.get("body")} for q in run.mock.requests if q.get("body")]}
    record = cx.exec_normalize(ct.normalize(record, run.root))
    record = json.loads(json.dumps(record).replace(run.user_home, "<user_home>"))
    record["outputs"] = cx.outputs(record)
    if error:
        record["capture_error"] = error
    return record, run


def command_items(record):
    """item/completed of each commandExecution, by id."""
    out = {}
    for e in record["jsonrpc"]:
        m = e["msg"]
        if m.get("method") == "item/completed" and m["params"]["item"]["type"] == "commandExecution":
            out[m["params"]["item"]["id"]] = m["params"]["item"]
    return out


def comparable_output(name, call_id, text):
    if not isinstance(text, str):
        return text
    if call_id in NOT_JSON_CALLS and text.startswith("failed to parse function arguments: "):
        return "failed to parse function arguments: <serde's message>"
    if any(p in text for p in PATHS):
        text = re.sub(r"Original token count: \d+", "Original token count: <n>", text)
    if name in UNORDERED_OUTPUT and "\nOutput:\n" in text:
        head, body = text.split("\nOutput:\n", 1)
        text = head + "\nOutput:\n" + "".join(sorted(body.splitlines(keepends=True)))
    return text


class ExecGoldenTest(unittest.TestCase):
    maxDiff = None

    def check(self, name):
        mine, run = run_threadlog(name)
        self.addCleanup(shutil.rmtree, run.user_home, True)
        golden = copy.deepcopy(GOLDEN[name])
        problems = []
        if "capture_error" in mine:
            problems.append(f"the scenario's driver failed: {mine['capture_error']}")
        problems += [f"schema/protocol: {p}" for p in run.server.problems]
        g_out = {o["call_id"]: o for o in golden["outputs"]}
        m_out = {o["call_id"]: o for o in mine["outputs"]}
        if list(g_out) != list(m_out):
            problems.append(f"calls: golden {list(g_out)} | threadlog {list(m_out)}")
        for call_id, g in g_out.items():
            if call_id in HISTORY_RECUT_CALLS or call_id not in m_out:
                continue
            a = comparable_output(name, call_id, g["output"])
            b = comparable_output(name, call_id, m_out[call_id]["output"])
            if a != b:
                problems.append(f"output of {call_id}:\n  golden    {json.dumps(a)[:1500]}\n"
                                f"  threadlog {json.dumps(b)[:1500]}")
        g_items, m_items = command_items(golden), command_items(mine)
        if sorted(g_items) != sorted(m_items):
            problems.append(f"commandExecution items: golden {sorted(g_items)} | threadlog "
                            f"{sorted(m_items)}")
        for item_id, g in g_items.items():
            m = m_items.get(item_id)
            if m is None:
                continue
            keys = ["id", "command", "cwd", "processId", "source", "commandActions", "status",
                    "exitCode", "type"]
            if name in UNORDERED_OUTPUT:
                same = sorted((g.get("aggregatedOutput") or "").splitlines()) == \
                    sorted((m.get("aggregatedOutput") or "").splitlines())
            else:
                same = isinstance(m.get("aggregatedOutput"), str) and \
                    m["aggregatedOutput"].endswith(g.get("aggregatedOutput") or "")
            if not same:
                problems.append(f"item {item_id} aggregatedOutput: golden "
                                f"{json.dumps(g.get('aggregatedOutput'))[:300]} | threadlog "
                                f"{json.dumps(m.get('aggregatedOutput'))[:300]}")
            for k in keys:
                if g.get(k) != m.get(k):
                    problems.append(f"item {item_id} {k}: golden {json.dumps(g.get(k))[:300]} | "
                                    f"threadlog {json.dumps(m.get(k))[:300]}")
        if problems:
            self.fail(f"scenario {name}: {len(problems)} difference(s) from Codex 0.117.0\n" +
                      "\n".join(problems) + "\n--- serve stderr (tail):\n" +
                      run.server.stderr_tail())


with open(os.path.join(HERE, "golden", "codex_117_approvals.json")) as f:
    _APPROVALS = json.load(f)
APPROVALS = _APPROVALS["policies"]
PATCH_APPROVALS = _APPROVALS["patches"]
ESCALATIONS = _APPROVALS["escalations"]


def run_approvals(policy_key, patches=False, escalations=False):
    """capture_codex_approvals.capture, against threadlog."""
    policy, sandbox = policy_key.split("/")
    store = tempfile.mkdtemp(prefix="appr-golden-store-")
    problems = []

    def start(home, cwd, serve, log):
        env = dict(os.environ, CODEX_HOME=home, MOCK_API_KEY="x")
        server = tg.Server([BINARY, "--home", store, "serve"], env, cwd, serve, log)
        problems.append(server.problems)  # filled as it runs
        return server
    try:
        record = ca.capture(None, policy, sandbox, patches=patches, start_server=start,
                            escalations=escalations)
    finally:
        shutil.rmtree(store, ignore_errors=True)
    return record, [p for ps in problems for p in ps]


def approval_digest(record):
    """What an approval flow shows: each request's params, each item's end (command: its
    status, source, and whether it has a process; file change: status and changes), the
    serverRequest/resolved count, the turns' statuses, the outputs (wall times as <s>)."""
    asked, items, resolved, turns = [], [], 0, []
    for e in record["jsonrpc"]:
        m = e["msg"]
        meth = m.get("method")
        if meth in ("item/commandExecution/requestApproval", "item/fileChange/requestApproval"):
            asked.append({k: v for k, v in m["params"].items() if k not in ("threadId", "turnId")})
        elif meth == "item/completed" and m["params"]["item"]["type"] == "commandExecution":
            it = m["params"]["item"]
            items.append({"id": it["id"], "status": it["status"], "source": it["source"],
                          "has_process": it["processId"] is not None,
                          "exitCode": it["exitCode"]})
        elif meth == "item/completed" and m["params"]["item"]["type"] == "fileChange":
            it = m["params"]["item"]
            # (Codex tells a declined file change twice.)
            if not items or items[-1] != {"id": it["id"], "status": it["status"],
                                          "changes": it["changes"]}:
                items.append({"id": it["id"], "status": it["status"], "changes": it["changes"]})
        elif meth == "serverRequest/resolved":
            resolved += 1
        elif meth == "turn/completed":
            turns.append(m["params"]["turn"]["status"])
    outputs = json.loads(re.sub(r"Wall time: [^ ]+ seconds", "Wall time: <s> seconds",
                                json.dumps(record["outputs"])))
    return {"asked": asked, "items": items, "resolved": resolved, "turns": turns,
            "outputs": outputs, "rules": record["rules"], "files": record["files"],
            "outside_file": record.get("outside_file")}


class ApprovalGoldenTest(unittest.TestCase):
    maxDiff = None

    def test_untrusted(self):
        mine, problems = run_approvals("untrusted/read-only")
        self.assertEqual(problems, [])
        self.assertEqual(approval_digest(mine), approval_digest(APPROVALS["untrusted/read-only"]))

    def test_on_failure(self):
        # The sandbox refuses each `touch` (read-only): no item until the user is asked to run
        # it outside; what it printed in the sandbox is nobody's business.
        mine, problems = run_approvals("on-failure/read-only")
        self.assertEqual(problems, [])
        self.assertEqual(approval_digest(mine), approval_digest(APPROVALS["on-failure/read-only"]))

    def check_patches(self, key):
        mine, problems = run_approvals(key, patches=True)
        self.assertEqual(problems, [])
        self.assertEqual(approval_digest(mine), approval_digest(PATCH_APPROVALS[key]))

    def test_patches_never_workspace_write(self):
        self.check_patches("never/workspace-write")

    def test_patches_never_read_only(self):
        self.check_patches("never/read-only")

    def test_patches_untrusted(self):
        self.check_patches("untrusted/workspace-write")

    def test_patches_on_request(self):
        self.check_patches("on-request/workspace-write")

    def test_escalations_on_request(self):
        key = "on-request/read-only"
        mine, problems = run_approvals(key, escalations=True)
        self.assertEqual(problems, [])
        self.assertEqual(approval_digest(mine), approval_digest(ESCALATIONS[key]))


with open(os.path.join(HERE, "golden", "codex_117_apply_patch.json")) as f:
    PATCH_APP = json.load(f)["app_server"]
# KNOWN DIFFERENCES of the apply_patch tool (see also apply_patch_test.cc, which replays the
# same calls against the engine alone):
# 7. Nothing is written when a hunk fails (Codex wrote the hunks before it), and a file moved
#    onto itself is updated, not lost: the file each of those calls leaves differently is left
#    out of the comparison from then on, and so is that scenario's turn diff.
PATCH_WRITES_DIFFER = {"same_file_conflict": "c.txt", "move_onto_itself": "self.txt"}
# 8. threadlog tells a patch's output in one delta (Codex: one per line it printed, or in
#    pieces): the deltas are compared joined.
# 9. turn/diff/updated: compared for the scenarios whose every call threadlog writes as Codex
#    does (the last diff of the turn).


def run_patch_app(name):
    store = tempfile.mkdtemp(prefix="patch-golden-store-")  # outside the snapshotted root

    def start(home, cwd, log):
        env = dict(os.environ, CODEX_HOME=home, MOCK_API_KEY="x")
        return tg.Server([BINARY, "--home", store, "serve"], env, cwd, lambda m: {}, log)
    try:
        return cap.capture_app(None, name, start_server=start)
    finally:
        shutil.rmtree(store, ignore_errors=True)


def patch_call_digest(rec):
    started = completed = None
    deltas = ""
    command = False
    for m in rec["notifications"]:
        if m["method"] == "item/fileChange/outputDelta":
            deltas += m["params"]["delta"]
        elif m["method"] in ("item/started", "item/completed"):
            it = m["params"]["item"]
            if it["type"] == "commandExecution":
                command = True
                continue
            if m["method"] == "item/started":
                started = it
            else:
                completed = it
    out = rec["tool_output"]
    text = out.get("output") if isinstance(out, dict) else None
    if isinstance(text, str):
        text = re.sub(r"Chunk ID: [0-9a-f]+", "Chunk ID: <chunk>", text)
        text = re.sub(r"Wall time: [^ ]+ seconds", "Wall time: <s> seconds", text)
        text = re.sub(r"Original token count: \d+", "Original token count: <n>", text)
    return {"output": text, "type": out.get("type") if isinstance(out, dict) else None,
            "started": started, "completed": completed, "deltas": deltas, "command": command}


class ApplyPatchGoldenTest(unittest.TestCase):
    maxDiff = None

    def check(self, name):
        golden = PATCH_APP[name]
        mine = run_patch_app(name)
        problems = []
        differing = set()  # files a known difference left otherwise
        for g, m in zip(golden["calls"], mine["calls"]):
            cid = g["call_id"]
            a, b = patch_call_digest(g), patch_call_digest(m)
            if a != b:
                problems.append(f"call {cid}:\n  golden    {json.dumps(a)[:1200]}\n"
                                f"  threadlog {json.dumps(b)[:1200]}")
            if cid in PATCH_WRITES_DIFFER:
                differing.add(PATCH_WRITES_DIFFER[cid])
            fa = {k: v for k, v in (g["files_after"] or {}).items() if k not in differing}
            fb = {k: v for k, v in (m["files_after"] or {}).items() if k not in differing}
            if fa != fb:
                problems.append(f"call {cid}: files after: golden {fa} | threadlog {fb}")
        if len(golden["calls"]) != len(mine["calls"]):
            problems.append("a different number of calls")
        writes_differ = any(c["call_id"] in PATCH_WRITES_DIFFER for c in golden["calls"])
        if not writes_differ and (golden["turn_diff_updated"][-1:] !=
                                  mine["turn_diff_updated"][-1:]):
            problems.append("the turn's last diff:\n  golden    " +
                            json.dumps(golden["turn_diff_updated"][-1:])[:3000] +
                            "\n  threadlog " + json.dumps(mine["turn_diff_updated"][-1:])[:3000])
        if problems:
            self.fail(f"apply_patch scenario {name}: {len(problems)} difference(s) from Codex "
                      "0.117.0\n" + "\n".join(problems))


for _name in PATCH_APP:
    setattr(ApplyPatchGoldenTest, f"test_{_name}", lambda self, n=_name: self.check(n))


for _name in GOLDEN:
    if _name not in SKIPPED:
        setattr(ExecGoldenTest, f"test_{_name}", lambda self, n=_name: self.check(n))


def run_session(capture_run, prefix):
    """A capture script's run(start_server) against threadlog: its record, and what the
    conformance checker found wrong on the wire."""
    store = tempfile.mkdtemp(prefix=prefix)
    servers = []

    def start(home, cwd, log):
        env = dict(os.environ, CODEX_HOME=home, MOCK_API_KEY="x")
        servers.append(tg.Server([BINARY, "--home", store, "serve"], env, cwd, lambda m: {}, log))
        return servers[-1]
    try:
        mine = capture_run(start)
    finally:
        shutil.rmtree(store, ignore_errors=True)
    return mine, [p for server in servers for p in server.problems]


def golden_digest(name):
    with open(os.path.join(HERE, "golden", name)) as f:
        return json.load(f)["digest"]


USER_SHELL = golden_digest("codex_117_user_shell.json")
COMMAND_EXEC = golden_digest("codex_117_command_exec.json")
VIEW_IMAGE = golden_digest("codex_117_view_image.json")


class UserShellGoldenTest(unittest.TestCase):
    """thread/shellCommand: capture_codex_user_shell.py's session against threadlog."""
    maxDiff = None

    def test_the_session_codex_recorded(self):
        mine, problems = run_session(cu.run, "ushell-golden-store-")
        self.assertEqual(problems, [])
        self.assertEqual(mine, USER_SHELL)


class CommandExecGoldenTest(unittest.TestCase):
    """command/exec and its controls: capture_codex_command_exec.py's session against
    threadlog. KNOWN DIFFERENCE 10: an undecodable deltaBase64 is refused in threadlog's words
    (the session sends none)."""
    maxDiff = None

    def test_the_session_codex_recorded(self):
        mine, problems = run_session(cce.run, "cexec-golden-store-")
        self.assertEqual(problems, [])
        self.assertEqual(mine["answers"], COMMAND_EXEC["answers"])
        self.assertEqual(mine["processes"], COMMAND_EXEC["processes"])


class ViewImageGoldenTest(unittest.TestCase):
    """view_image: capture_codex_view_image.py's turn against threadlog. KNOWN DIFFERENCE 11:
    an image larger than 2048x768 is refused (threadlog has no image codec to shrink it, as
    Codex does): no item, and the model reads why."""
    maxDiff = None

    def test_the_calls_codex_recorded(self):
        mine, problems = run_session(cv.run, "view-golden-store-")
        self.assertEqual(problems, [])
        self.assertEqual(mine["outputs"].pop("v_large"),
                         "unable to process image at `<cwd>/large.png`: the image is 3000x1000; "
                         "threadlog cannot yet shrink it to fit 2048x768")
        codex = copy.deepcopy(VIEW_IMAGE)
        del codex["outputs"]["v_large"]
        codex["told"] = [t for t in codex["told"] if t[1]["id"] != "v_large"]
        codex["read"] = [i for i in codex["read"] if i["id"] != "v_large"]
        self.assertEqual(mine, codex)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    tg.BINARY = BINARY
    unittest.main()
