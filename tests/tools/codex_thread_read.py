#!/usr/bin/env python3
# Asks the real Codex app-server (0.117.0 by default) for its thread/read {includeTurns} answer on one rollout
# placed in a scratch CODEX_HOME: the source of every golden answer under tests/.
import json, os, shutil, subprocess, tempfile

CODEX = ("/work/ref/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex/"
         "codex")  # Codex 0.117.0, the contract


def codex_binary(args):
    """Pops a leading executable path off `args` (the optional CODEX_BINARY argument)."""
    if args and os.path.isfile(args[0]) and os.access(args[0], os.X_OK):
        return args.pop(0)
    return CODEX


def read_thread(codex, rollout, session_index=None):
    """The `thread` of Codex's thread/read answer for `rollout` (path rewritten to a stable
    /home/dev/.codex form, since the scratch home's name is random)."""
    with open(rollout) as f:
        tid = json.loads(f.readline())["payload"]["id"]
    home = tempfile.mkdtemp(prefix="codex-golden-")
    try:
        day = os.path.join(home, "sessions", "2026", "11", "24")
        os.makedirs(day)
        shutil.copy(rollout, os.path.join(day, f"rollout-2026-11-24T10-00-00-{tid}.jsonl"))
        if session_index and os.path.exists(session_index):
            shutil.copy(session_index, os.path.join(home, "session_index.jsonl"))
        reqs = [
            {"id": 1, "method": "initialize",
             "params": {"clientInfo": {"name": "t", "version": "1"},
                        "capabilities": {"experimentalApi": True}}},
            {"method": "initialized"},
            {"id": 2, "method": "thread/read", "params": {"threadId": tid, "includeTurns": True}},
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
            raise SystemExit(f"{rollout}: no thread/read result: {answer}")
        thread = answer["result"]["thread"]
        if isinstance(thread.get("path"), str):
            thread["path"] = thread["path"].replace(home, "/home/dev/.codex")
        return thread
    finally:
        shutil.rmtree(home, ignore_errors=True)
