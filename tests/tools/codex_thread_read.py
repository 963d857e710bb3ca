#!/usr/bin/env python3
# Asks the real Codex app-server (0.117.0 by default) for its thread/read {includeTurns} answer
# (or its thread/list rows) on one rollout placed in a scratch CODEX_HOME: the source of every
# golden answer under tests/.
import json, os, shutil, subprocess, tempfile

CODEX = ("/work/ref/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex/"
         "codex")  # Codex 0.117.0, the contract

# The scratch home's config: nothing but switching off the plugin and app syncs, which would
# otherwise try to reach the network; no answer here depends on them.
OFFLINE_CONFIG = "[features]\nplugins = false\napps = false\n"


def codex_binary(args):
    """Pops a leading executable path off `args` (the optional CODEX_BINARY argument)."""
    if args and os.path.isfile(args[0]) and os.access(args[0], os.X_OK):
        return args.pop(0)
    return CODEX


def _ask(codex, rollout, session_index, method, params):
    """Codex's answer (`result`) to one request about `rollout`, in a scratch CODEX_HOME whose
    name is rewritten to /home/dev/.codex in the answer. `params` gets the thread id."""
    with open(rollout) as f:
        tid = json.loads(f.readline())["payload"]["id"]
    home = tempfile.mkdtemp(prefix="codex-golden-")
    try:
        day = os.path.join(home, "sessions", "2026", "11", "24")
        os.makedirs(day)
        shutil.copy(rollout, os.path.join(day, f"rollout-2026-11-24T10-00-00-{tid}.jsonl"))
        if session_index and os.path.exists(session_index):
            shutil.copy(session_index, os.path.join(home, "session_index.jsonl"))
        with open(os.path.join(home, "config.toml"), "w") as f:
            f.write(OFFLINE_CONFIG)
        reqs = [
            {"id": 1, "method": "initialize",
             "params": {"clientInfo": {"name": "t", "version": "1"},
                        "capabilities": {"experimentalApi": True}}},
            {"method": "initialized"},
            {"id": 2, "method": method, "params": params(tid)},
        ]
        proc = subprocess.Popen([codex, "app-server"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=dict(os.environ, CODEX_HOME=home), text=True)
        proc.stdin.write("".join(json.dumps(r) + "\n" for r in reqs))
        proc.stdin.flush()
        answer = None
        for out in proc.stdout:
            msg = json.loads(out)
            if msg.get("id") == 2:
                answer = msg
                break
        proc.stdin.close()
        proc.wait(timeout=30)
        if answer is None or "result" not in answer:
            raise SystemExit(f"{rollout}: no {method} result: {answer}")
        return json.loads(json.dumps(answer["result"]).replace(home, "/home/dev/.codex"))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def read_thread(codex, rollout, session_index=None):
    """The `thread` of Codex's thread/read {includeTurns: true} answer for `rollout`."""
    return _ask(codex, rollout, session_index, "thread/read",
                lambda tid: {"threadId": tid, "includeTurns": True})["thread"]


def list_threads(codex, rollout, session_index=None):
    """Codex's thread/list {modelProviders: []} answer (every provider, default source kinds)
    for a home holding only `rollout`: {data: [Thread...], nextCursor}."""
    return _ask(codex, rollout, session_index, "thread/list",
                lambda tid: {"modelProviders": []})
