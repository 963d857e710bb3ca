#!/usr/bin/env python3
# Writes CASE/expected.json: the v2 Thread (with turns) that the real Codex 0.113.0 app-server
# answers to thread/read {includeTurns: true} for CASE/events.jsonl (and CASE/session_index.jsonl
# when present), read from a scratch CODEX_HOME.
# Usage: capture.py [CODEX_BINARY] CASE...
import json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CODEX = "/opt/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex/codex"


def capture(codex, case):
    events = os.path.join(HERE, case, "events.jsonl")
    with open(events) as f:
        tid = json.loads(f.readline())["payload"]["id"]
    home = tempfile.mkdtemp(prefix="codex-replay-")
    try:
        day = os.path.join(home, "sessions", "2026", "11", "24")
        os.makedirs(day)
        shutil.copy(events, os.path.join(day, f"rollout-2026-11-24T10-00-00-{tid}.jsonl"))
        index = os.path.join(HERE, case, "session_index.jsonl")
        if os.path.exists(index):
            shutil.copy(index, os.path.join(home, "session_index.jsonl"))
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
            raise SystemExit(f"{case}: no thread/read result: {answer}")
        thread = answer["result"]["thread"]
        if isinstance(thread.get("path"), str):  # the scratch home's name is random
            thread["path"] = thread["path"].replace(home, "/home/dev/.codex")
        return thread
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main():
    args = sys.argv[1:]
    codex = CODEX
    if args and os.path.isfile(args[0]) and os.access(args[0], os.X_OK):
        codex = args.pop(0)
    if not args:
        raise SystemExit("usage: capture.py [CODEX_BINARY] CASE...")
    for case in args:
        thread = capture(codex, case)
        with open(os.path.join(HERE, case, "expected.json"), "w") as f:
            json.dump(thread, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{case}: {len(thread['turns'])} turns")


if __name__ == "__main__":
    main()
