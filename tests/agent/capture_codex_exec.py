#!/usr/bin/env python3
"""Records how the real Codex 0.117.0 app-server runs its unified-exec tools (`exec_command`,
`write_stdin`, offered to gpt-5.1-codex): drives `codex app-server` (stdio JSON-RPC,
experimentalApi) against the scripted mock Responses server once per scenario, each in a fresh
CODEX_HOME and process, with capture_codex_turns.py's harness (Run, normalize, intern), and
writes golden/codex_117_exec.json with, per scenario and in order:
  jsonrpc  every JSON-RPC message both ways after `initialize`,
  http     every HTTP request the mock received: headers and the FULL JSON body (the
           function_call_output items in `input` are what the model gets),
  rollout  the rollout lines Codex wrote under $CODEX_HOME/sessions/ (default persistence),
  rollout_extended  the rollout of a second run of the same scenario whose thread/start has
           persistExtendedHistory: true (only its rollout is kept),
  outputs  digest: each tool call the model made (name, arguments) with the output it got back,
  probes / notes  (some scenarios) answers to individual requests, process listings.
golden/EXEC_117.md summarises it.

Usage: capture_codex_exec.py [--codex BINARY] [--out FILE] [--summary | --timing] [SCENARIO...]
  Naming scenarios re-captures only those and keeps the others of an existing --out file.
  --summary prints each scenario's notification sequence and tool outputs, and exits.
  --timing runs the scenarios once and prints each notification with its time and the raw
           (unnormalized) tool outputs; it writes nothing.
Nothing leaves 127.0.0.1: the provider is the mock; plugins, apps and update checks are off.

The app-server runs in a fixed environment, not the caller's: PATH = Codex's vendored `path`
folder (as the npm launcher codex.js prepends it) + the standard root PATH; HOME = a fresh
folder under the caller's HOME holding only ~/bin/rg (the vendored ripgrep) and a ~/.profile
putting ~/bin first in PATH (Debian's stock lines); SHELL=/bin/bash, LANG=en_US.UTF-8,
TERM=xterm-256color, PAGER=less, GIT_PAGER=less, COLORTERM=truecolor (values Codex overrides,
chosen to differ from its own), CODEX_MANAGED_BY_NPM=1 (codex.js sets it), and the canaries
THREADLOG_PLAIN, THREADLOG_API_KEY, THREADLOG_SECRET, THREADLOG_TOKEN; the driver adds
CODEX_HOME, MOCK_API_KEY, RUST_LOG.

Stable placeholders replace what changes from run to run, consistently within a scenario:
those of capture_codex_turns.py (<thread:N>, <turn:N>, <item:N>, <call:N>, <id:N>, <ts>,
<date>, <ms>, <port>, <home>, <cwd>, <root>, <user_home>) and: <session:N> (unified-exec
session ids, random numbers; left unquoted inside write_stdin's JSON arguments), <chunk> (the
hex digits after "Chunk ID: "), each digit of a "Wall time: " value and of "aborted by user
after N.Ns" as N (the shape is kept: "Wall time: N.NNNN seconds"), "<secs>"/"<nanos>" in the
rollout's {secs, nanos} durations, "<len>" for request content-length headers, <codex> and
<pid:N> (OS process ids in `ps` output), <arg0> (the random suffix of Codex's
$CODEX_HOME/tmp/arg0/codex-arg0XXXXXX folder), /dev/pts/<n>, <thread:N>.<n>.sh (shell snapshot
file names). Token counts ("Original token count") are those of the real, unnormalized text.
Long strings and tool definitions are stored once in the top-level "shared" map and
referenced as "<shared:NAME>".
"""
import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import capture_codex_turns as ct  # noqa: E402

OUT = os.path.join(HERE, "golden", "codex_117_exec.json")
VENDOR_PATH = os.path.join(os.path.dirname(os.path.dirname(ct.CODEX_117)), "path")
STD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def fixed_env(user_home):
    """The app-server's environment. Values Codex may override differ from its own (LANG,
    TERM, PAGER, GIT_PAGER, COLORTERM), so the child's env shows who set what."""
    return {"PATH": VENDOR_PATH + ":" + STD_PATH, "HOME": user_home, "SHELL": "/bin/bash",
            "LANG": "en_US.UTF-8", "TERM": "xterm-256color", "PAGER": "less",
            "GIT_PAGER": "less", "COLORTERM": "truecolor", "CODEX_MANAGED_BY_NPM": "1",
            "THREADLOG_PLAIN": "plain-value", "THREADLOG_API_KEY": "key-value",
            "THREADLOG_SECRET": "secret-value", "THREADLOG_TOKEN": "token-value"}


def make_user_home():
    """A fresh HOME for the login shell: only Debian's stock ~/.profile line that puts ~/bin
    first in PATH, and ~/bin/rg (the vendored ripgrep; /etc/profile resets PATH for root, so
    the launcher's PATH entry does not survive a login shell)."""
    # Not under /tmp: Codex refuses to make its arg0 helper folder (and PATH entry) under a
    # temporary dir, and CODEX_HOME lies below this HOME.
    home = tempfile.mkdtemp(prefix="exec117-user-", dir=os.path.expanduser("~"))
    os.makedirs(os.path.join(home, "bin"))
    os.symlink(os.path.join(VENDOR_PATH, "rg"), os.path.join(home, "bin", "rg"))
    with open(os.path.join(home, ".profile"), "w") as f:
        f.write('if [ -d "$HOME/bin" ] ; then\n    PATH="$HOME/bin:$PATH"\nfi\n')
    return home


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------

DELAY = 150  # ms before each SSE event: a quick command ends before response.completed


def call(name, args, call_id, delay=DELAY):
    return {"function_call": {"name": name, "arguments": args, "call_id": call_id},
            "delay_ms": delay}


def exec_call(call_id, **args):
    return call("exec_command", args, call_id)


def _output_of(body, call_id):
    for item in (body or {}).get("input", []):
        if item.get("type") == "function_call_output" and item.get("call_id") == call_id:
            out = item.get("output")
            if isinstance(out, list):
                out = "".join(c.get("text", "") for c in out if isinstance(c, dict))
            return out if isinstance(out, str) else json.dumps(out)
    return None


def stdin_after(call_id, source, **args):
    """A step made when the request carries `source`'s output: write_stdin to the session id
    named there ("Process running with session ID N")."""
    def step(body):
        out = _output_of(body, source)
        if out is None:
            return None
        m = re.search(r"session ID (\d+)", out)
        return call("write_stdin", dict({"session_id": int(m.group(1)) if m else 0}, **args),
                    call_id)
    step.describe = {"write_stdin after": source, "call_id": call_id,
                     "arguments": dict({"session_id": f"<the session id in {source}'s output>"},
                                       **args)}
    return step


def exec_in_cwd(call_id, sub, **args):
    """exec_command with workdir = the thread's cwd (read from the request's
    <environment_context>) joined with `sub`: an absolute workdir."""
    def step(body):
        m = re.search(r"<cwd>([^<]+)</cwd>", json.dumps(body or {}))
        if not m:
            return None
        return exec_call(call_id, workdir=os.path.join(m.group(1), sub), **args)
    step.describe = {"exec_command": dict(args, workdir=f"<cwd>/{sub}"), "call_id": call_id}
    return step


DONE = {"text": "Done."}


# --------------------------------------------------------------------------------------------
# Scenario bodies
# --------------------------------------------------------------------------------------------


def one_turn(text="Run it."):
    def fn(r):
        tid = r.start_thread()
        r.turn(tid, text)
    return fn


def make_files(r, files):
    for name, text in files.items():
        path = os.path.join(r.cwd, name)
        if name.endswith("/"):
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def sc_env(r):
    tid = r.start_thread()
    turn_id, mark = r.start_turn(tid, "Run it.")
    # the shell snapshot Codex sources in login shells, while the thread is loaded
    r.wait_item("commandExecution", mark)
    snaps = os.path.join(r.home, "shell_snapshots")
    for n in sorted(os.listdir(snaps)) if os.path.isdir(snaps) else []:
        with open(os.path.join(snaps, n), errors="replace") as f:
            r.notes.setdefault("shell_snapshots", {})[n] = f.read()
    r.wait_turn(turn_id, mark)
    time.sleep(0.3)


def sc_yield_running(r):
    tid = r.start_thread()
    turn_id, mark = r.start_turn(tid, "Run it.")
    r.server.wait_for(lambda m: m.get("method") == "item/started" and
                      m["params"]["item"]["type"] == "commandExecution", start=mark)
    time.sleep(0.5)
    ps_note(r, "0.5 s after item/started (the real argv of the running command)")
    r.wait_turn(turn_id, mark)
    time.sleep(0.3)


def sc_output_streaming(r):
    one_turn()(r)
    time.sleep(2.0)  # the unpolled command ends after the turn


def sc_workdir(r):
    make_files(r, {"sub/": None})
    one_turn()(r)


def descendants(pid):
    """The processes below `pid`: [(depth, comm, args)]."""
    parent, info = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            with open(f"/proc/{d}/cmdline", "rb") as f:
                args = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        parent[int(d)] = int(fields[1])
        info[int(d)] = (comm, args, fields[0])
    out = []

    def walk(p, depth):
        for c in sorted(k for k, v in parent.items() if v == p):
            comm, args, state = info[c]
            out.append({"depth": depth, "comm": comm, "args": args, "state": state})
            walk(c, depth + 1)
    walk(pid, 1)
    return out


def ps_note(r, label):
    procs = descendants(r.server.proc.pid)
    note = {"when": label, "processes": procs}
    if r.notes.get("watch_sleep_30"):
        note["sleep_30_alive"] = any(p["args"][:2] == ["sleep", "30"] and p["state"] != "Z"
                                     for p in procs)
    r.notes.setdefault("processes_below_codex", []).append(note)
    # `ps` itself, for the record (OS pids normalized)
    if label.startswith("1 s after"):
        out = subprocess.run(["ps", "-o", "pid,ppid,stat,args", "--ppid",
                              str(r.server.proc.pid)], capture_output=True, text=True).stdout
        kids = re.findall(r"^\s*(\d+)", out, re.M)
        for k in kids:  # grandchildren too (the shell's sleep)
            out += subprocess.run(["ps", "-o", "pid,ppid,stat,args", "--no-headers", "--ppid",
                                   k], capture_output=True, text=True).stdout
        names = {str(r.server.proc.pid): "<codex>"}

        def pid(m):
            return names.setdefault(m.group(0), f"<pid:{len(names)}>")
        # (columns joined by one space: their widths follow the pids' digits)
        out = "\n".join(re.sub(r"^\d+ \d+", lambda m: re.sub(r"\d+", pid, m.group(0)),
                               re.sub(r" +", " ", ln.strip())) for ln in out.splitlines())
        r.notes.setdefault("ps_output", {})[label] = out


def sc_interrupt(r):
    r.notes["watch_sleep_30"] = True
    tid = r.start_thread()
    turn_id, mark = r.start_turn(tid, "Run the long job.")
    r.server.wait_for(lambda m: m.get("method") == "item/started" and
                      m["params"]["item"]["type"] == "commandExecution", start=mark)
    started = time.time()
    time.sleep(1.0)
    ps_note(r, "1 s after item/started, before turn/interrupt")
    r.probe("turn/interrupt 1 s after the commandExecution item started", "turn/interrupt",
            {"threadId": tid, "turnId": turn_id})
    r.wait_turn(turn_id, mark)
    time.sleep(0.2)
    ps_note(r, "0.2 s after turn/completed (interrupted)")
    time.sleep(2.0)
    ps_note(r, "2.2 s after turn/completed (interrupted)")
    r.turn(tid, "Never mind.")
    ps_note(r, "after the next turn completed")
    # Does anything arrive when the orphaned `sleep 30` ends on its own?
    time.sleep(max(0.0, started + 32.0 - time.time()))
    ps_note(r, "32 s after item/started (sleep 30 has ended)")


ACTION_FILES = {"README.md": "# Readme\nfoo here\n", "a.txt": "".join(
    f"line {i}\n" for i in range(1, 21)), "src/main.py": "print('foo')\n",
    "src/util.py": "def foo():\n    return 1\n", "src/notes.txt": "no match\n"}
ACTION_CMDS = ["cat README.md", "ls -la src", "rg foo src", "grep -rn foo .", "git status",
               "sed -n 1,10p a.txt", "head -5 a.txt", "find . -name '*.py'", "cd src && ls",
               "echo hi | wc -l"]


FIXED_MTIME = 1704164640  # 2024-01-02 03:04 UTC: `ls -la` prints the same dates every run


def sc_command_actions(r):
    make_files(r, ACTION_FILES)
    subprocess.run(["git", "init", "-q", r.cwd], check=True)
    for d, dirs, files in os.walk(r.cwd):
        for n in files + dirs:
            os.utime(os.path.join(d, n), (FIXED_MTIME, FIXED_MTIME))
    os.utime(r.cwd, (FIXED_MTIME, FIXED_MTIME))
    one_turn("Look around.")(r)


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------

SCENARIOS = {
    "exec_echo": dict(fn=one_turn(), steps=[exec_call("call_echo", cmd="echo hello"), DONE],
                      about="exec_command {cmd: \"echo hello\"}, then text"),
    "exec_exit_code": dict(fn=one_turn(), steps=[
        exec_call("call_exit", cmd="echo out; echo err 1>&2; exit 3"), DONE],
        about="stdout and stderr, exit code 3"),
    "exec_workdir": dict(fn=sc_workdir, steps=[
        exec_call("call_rel", cmd="pwd", workdir="sub"),
        exec_in_cwd("call_abs", "sub", cmd="pwd"),
        exec_call("call_missing", cmd="pwd", workdir="nope"), DONE],
        about="pwd with workdir \"sub\" (exists under cwd), with workdir <cwd>/sub "
              "(absolute), with workdir \"nope\" (does not exist); then text"),
    "exec_long_output": dict(fn=one_turn(), steps=[
        exec_call("call_seq", cmd="seq 1 20000"),
        exec_call("call_seq_50", cmd="seq 1 20000", max_output_tokens=50),
        exec_call("call_seq_20000", cmd="seq 1 20000", max_output_tokens=20000),
        exec_call("call_seq_big", cmd="seq 1 200000"), DONE],
        about="seq 1 20000 (108894 bytes) with the default budget, with max_output_tokens "
              "50, with max_output_tokens 20000 (above the 10000-token truncation policy); "
              "seq 1 200000 (1288895 bytes, above the 1 MiB output buffer)"),
    "exec_yield_running": dict(fn=sc_yield_running, steps=[
        exec_call("call_sleep", cmd="sleep 2; echo late", yield_time_ms=250),
        stdin_after("call_poll", "call_sleep", chars="", yield_time_ms=3000), DONE],
        about="exec_command yields after 250 ms while running; write_stdin with empty chars "
              "and yield_time_ms 3000 polls the rest"),
    "exec_stdin": dict(fn=one_turn(), steps=[
        exec_call("call_read", cmd="read x; echo got:$x", tty=True, yield_time_ms=500),
        stdin_after("call_write", "call_read", chars="abc\n"), DONE],
        about="a tty command waiting on stdin; write_stdin {chars: \"abc\\n\"}"),
    "exec_tty_false": dict(fn=one_turn(), steps=[
        exec_call("call_notty", cmd="tty; echo $TERM", tty=False),
        exec_call("call_tty", cmd="tty; echo $TERM", tty=True), DONE],
        about="tty; echo $TERM with tty false, then tty true"),
    "exec_not_found": dict(fn=one_turn(), steps=[
        exec_call("call_nf", cmd="definitely-not-a-command-xyz"), DONE],
        about="a command that does not exist"),
    "exec_bad_args": dict(fn=one_turn(), steps=[
        call("exec_command", {"workdir": "."}, "call_nocmd"),
        call("write_stdin", {"session_id": 424242, "chars": ""}, "call_nosession"),
        call("exec_command", "{not json", "call_badjson"), DONE],
        about="exec_command without cmd; write_stdin to an unknown session 424242; "
              "exec_command whose arguments are not JSON (\"{not json\")"),
    "exec_env": dict(fn=sc_env, steps=[
        exec_call("call_env", cmd="env | sort"),
        exec_call("call_env_tty", cmd="env | sort", tty=True),
        exec_call("call_env_nologin", cmd="env | sort", login=False), DONE],
        about="env | sort: the child's environment (the app-server's own is fixed, see "
              "readme); again with tty true; again with login false"),
    "exec_parallel": dict(fn=one_turn(), steps=[
        {"items": [{"function_call": {"name": "exec_command", "call_id": "call_first",
                                      "arguments": {"cmd": "sleep 1; echo first"}}},
                   {"function_call": {"name": "exec_command", "call_id": "call_second",
                                      "arguments": {"cmd": "echo second"}}}],
         "delay_ms": DELAY}, DONE],
        about="one response with two exec_command calls (\"sleep 1; echo first\", "
              "\"echo second\")"),
    "exec_interrupt": dict(fn=sc_interrupt, steps=[
        exec_call("call_sleep30", cmd="sleep 30", yield_time_ms=10000), DONE],
        about="sleep 30 (yield_time_ms 10000); turn/interrupt 1 s after item/started; the "
              "processes below codex are listed before and after (notes); then a turn "
              "\"Never mind.\" (its request shows the history); then a wait until 32 s "
              "after item/started (what comes when the sleep ends)"),
    "exec_output_streaming": dict(fn=sc_output_streaming, steps=[
        exec_call("call_stream", cmd="echo first; sleep 0.5; echo second"),
        exec_call("call_unpolled", cmd="echo first; sleep 1.5; echo second",
                  yield_time_ms=100), DONE],
        about="which output becomes outputDelta and aggregatedOutput: a command printing "
              "before and after a pause, finishing within its yield; then one with "
              "yield_time_ms 100 that the model never polls (the turn ends first; the item "
              "completes later)"),
    "exec_yield_clamps": dict(fn=one_turn(), steps=[
        exec_call("call_y100", cmd="sleep 7; echo done", yield_time_ms=100),
        stdin_after("call_poll_1000", "call_y100", chars="", yield_time_ms=1000),
        stdin_after("call_poll_long", "call_poll_1000", chars="", yield_time_ms=60000),
        exec_call("call_default", cmd="sleep 11; echo late"),
        stdin_after("call_poll_default", "call_default", chars=""), DONE],
        about="yield clamps (the wall times are normalized here; --timing prints them): "
              "exec_command yield_time_ms 100 on sleep 7; an empty write_stdin with "
              "yield_time_ms 1000, then one with 60000 (returns at exit); exec_command "
              "without yield_time_ms on sleep 11, then an empty write_stdin without "
              "yield_time_ms"),
    "exec_command_actions": dict(fn=sc_command_actions, steps=[
        exec_call(f"call_act_{i}", cmd=c) for i, c in enumerate(ACTION_CMDS, 1)] + [DONE],
        about="one turn, ten calls in a row: " + "; ".join(ACTION_CMDS) + " (cwd: a git "
              "repository without commits holding README.md, a.txt, src/main.py, "
              "src/util.py, src/notes.txt)"),
}


# --------------------------------------------------------------------------------------------
# Normalization (beyond capture_codex_turns.normalize)
# --------------------------------------------------------------------------------------------

SESSION_RE = re.compile(r'"process(?:Id|_id)": "?(\d+)|Process running with session ID (\d+)')


def exec_normalize(record):
    # unified-exec session ids: named in outputs, in write_stdin arguments, processId fields
    text = json.dumps(record, ensure_ascii=False)
    order = []  # in order of first appearance, as a process id field or in an output
    for m in SESSION_RE.finditer(text):
        sid = m.group(1) or m.group(2)
        if sid not in order:
            order.append(sid)
    for n, sid in enumerate(order, 1):
        ph = f"<session:{n}>"
        # in text, in the JSON text of write_stdin's arguments (left unquoted there), and as
        # a JSON value (a string then)
        text = re.sub(rf"(session ID ){sid}\b", lambda m: m.group(1) + ph, text)
        text = re.sub(rf'(\\"session_id\\": ?){sid}\b', lambda m: m.group(1) + ph, text)
        text = re.sub(rf'("(?:processId|process_id|session_id)": ?)"?{sid}"?(?=[,}}])',
                      lambda m: m.group(1) + f'"{ph}"', text)
    # request sizes follow the lengths of session ids and other normalized values
    text = re.sub(r'("content-length": )"\d+"', r'\1"<len>"', text)
    text = re.sub(r"Chunk ID: [0-9a-f]+", "Chunk ID: <chunk>", text)
    text = re.sub(r"Wall time: (\d+\.\d+)",
                  lambda m: "Wall time: " + re.sub(r"\d", "N", m.group(1)), text)
    text = re.sub(r"codex-arg0[A-Za-z0-9]+", "codex-arg0<arg0>", text)
    text = re.sub(r"/dev/pts/\d+", "/dev/pts/<n>", text)
    text = re.sub(r"(<thread:\d+>)\.\d+\.sh", r"\1.<n>.sh", text)
    text = re.sub(r"(aborted by user after )(\d+(?:\.\d+)?)s",
                  lambda m: m.group(1) + re.sub(r"\d", "N", m.group(2)) + "s", text)
    text = re.sub(r'"secs": \d+, "nanos": \d+', '"secs": "<secs>", "nanos": "<nanos>"', text)
    return json.loads(text)


def outputs(record):
    """Each tool call with its output, in order, from the request bodies."""
    calls, outs = {}, {}
    for q in record["http"]:
        for item in (q.get("body") or {}).get("input", []):
            if item.get("type") == "function_call":
                calls.setdefault(item["call_id"], item)
            elif item.get("type") == "function_call_output":
                outs.setdefault(item["call_id"], item.get("output"))
    return [{"call_id": c, "name": it.get("name"), "arguments": it.get("arguments"),
             "output": outs.get(c)} for c, it in calls.items()]


def capture_once(codex, name, extended):
    spec = dict(SCENARIOS[name])
    fn = spec["fn"]

    def wrapped(r):
        if extended:
            r.start_thread = functools.partial(r.start_thread, persistExtendedHistory=True)
        fn(r)
    spec["fn"] = wrapped
    record = ct.capture(codex, name, spec)
    described = [getattr(s, "describe", None) for s in spec["steps"] if callable(s)]
    if described:  # the callable steps, which ct.capture leaves out of "script"
        record["script_functions"] = described
    record = exec_normalize(record)
    record["outputs"] = outputs(record)
    return record


def capture(codex, name):
    """The scenario with the default (limited) persistence, then once more with thread/start
    persistExtendedHistory: true, of which only the rollout is kept (rollout_extended)."""
    record = capture_once(codex, name, False)
    again = capture_once(codex, name, True)
    record["rollout_extended"] = again["rollout"]
    if "capture_error" in again:
        record["capture_error_extended"] = again["capture_error"]
    return record


def timing(codex, name):
    """Runs the scenario once, printing each notification with its time (s since
    thread/start) and the raw tool outputs: for the facts normalization hides (wall times,
    yield clamps, when items start and end)."""
    spec = SCENARIOS[name]
    r = ct.Run(codex, spec["steps"])
    t0 = time.time()
    stamped = []

    class Stamped(list):
        def append(self, x):
            stamped.append(time.time() - t0)
            super().append(x)
    log = r.server.log = Stamped()
    try:
        spec["fn"](r)
    finally:
        r.close()
    print(f"== {name}")
    for (d, m), t in zip(log, stamped):
        if m.get("method") in ("account/rateLimits/updated", "thread/tokenUsage/updated"):
            continue
        p = m.get("params") or {}
        what = ""
        if isinstance(p.get("item"), dict):
            it = p["item"]
            what = f"{it.get('type')} {it.get('id')} {it.get('status', '')}"
            for k in ("exitCode", "durationMs"):
                if it.get(k) is not None:
                    what += f" {k}={it[k]}"
            if it.get("aggregatedOutput") is not None:
                what += " aggregatedOutput=" + json.dumps(it["aggregatedOutput"])[:100]
        for k in ("delta", "stdin"):
            if k in p:
                what += f" {k}=" + json.dumps(p[k])[:100]
        print(f"  {t:7.3f} {d} {m.get('method', 'answer ' + str(m.get('id')))} {what}")
    for q in r.mock.requests:
        print(f"  request {q['n']} at {q['time'] - t0:.3f}" if "time" in q else "")
    reqs = r.mock.responses_requests()
    for item in (reqs[-1].get("body") or {}).get("input", []) if reqs else []:
        if item.get("type") == "function_call_output":
            print(f"  {item['call_id']}: {json.dumps(item['output'])[:400]}")
    if not os.environ.get("CAPTURE_KEEP"):
        shutil.rmtree(r.root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codex", default=ct.CODEX_117)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--timing", action="store_true",
                    help="run the scenarios once, print a timed log and raw outputs, "
                         "write nothing")
    ap.add_argument("scenarios", nargs="*")
    args = ap.parse_args()
    for n in args.scenarios:
        if n not in SCENARIOS:
            ap.error(f"unknown scenario {n}; known: {', '.join(SCENARIOS)}")
    golden = {}
    if os.path.exists(args.out):
        with open(args.out) as f:
            old = json.load(f)
        golden = {k: ct.expand(v, old.get("shared", {})) for k, v in old["scenarios"].items()}
    if args.summary:
        for name in args.scenarios or list(golden):
            print(f"== {name}")
            for line in ct.sequence(golden[name]):
                print("  " + line)
            for o in golden[name].get("outputs", []):
                print(f"  {o['name']} {o['arguments']}\n    -> {json.dumps(o['output'])[:600]}")
        return
    names = args.scenarios or list(SCENARIOS)
    if not args.scenarios:
        golden = {}
    user_home = make_user_home()
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(fixed_env(user_home))
    if saved.get("CAPTURE_KEEP"):  # debugging: keep the scratch folders (seen by the child)
        os.environ["CAPTURE_KEEP"] = saved["CAPTURE_KEEP"]
    try:
        for name in names if args.timing else []:
            timing(args.codex, name)
        for name in [] if args.timing else names:
            t = time.time()
            golden[name] = capture(args.codex, name)
            g = golden[name]
            print(f"{name}: {len(g['jsonrpc'])} messages, {len(g['http'])} requests, "
                  f"{sum(len(v) for v in g['rollout'].values())} rollout lines, "
                  f"{time.time() - t:.1f}s" + (f", ERROR {g['capture_error']}"
                                              if "capture_error" in g else ""), flush=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if not os.environ.get("CAPTURE_KEEP"):
            shutil.rmtree(user_home, ignore_errors=True)
    if args.timing:
        return
    ct.write_golden(args.out, "tests/agent/capture_codex_exec.py",
                    __doc__.split("\n\n", 1)[1].strip(), golden, SCENARIOS)


if __name__ == "__main__":
    main()
