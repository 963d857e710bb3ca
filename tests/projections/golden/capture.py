#!/usr/bin/env python3
# Captures Codex 0.113.0's own `thread/read` (includeTurns) answer for each hand-written rollout
# in this folder: NAME.rollout.jsonl -> NAME.turns.json (the answer's result.thread.turns).
# Usage: capture.py [CODEX_BINARY] [NAME...]
import glob, json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CODEX = "/opt/codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex/codex"


def thread_id_of(path):
    with open(path) as f:
        first = json.loads(f.readline())
    return first["payload"]["id"]


def capture(codex, rollout):
    tid = thread_id_of(rollout)
    home = tempfile.mkdtemp(prefix="codex-golden-")
    try:
        day = os.path.join(home, "sessions", "2026", "11", "24")
        os.makedirs(day)
        shutil.copy(rollout, os.path.join(day, f"rollout-2026-11-24T10-00-00-{tid}.jsonl"))
        reqs = [
            {"id": 1, "method": "initialize",
             "params": {"clientInfo": {"name": "t", "version": "1"},
                        "capabilities": {"experimentalApi": True}}},
            {"method": "initialized"},
            {"id": 2, "method": "thread/read", "params": {"threadId": tid, "includeTurns": True}},
        ]
        stdin = "".join(json.dumps(r) + "\n" for r in reqs)
        env = dict(os.environ, CODEX_HOME=home)
        proc = subprocess.Popen([codex, "app-server"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                text=True)
        proc.stdin.write(stdin)
        proc.stdin.flush()
        answer = None
        for line in proc.stdout:
            msg = json.loads(line)
            if msg.get("id") == 2:
                answer = msg
                break
        proc.stdin.close()
        proc.wait(timeout=30)
        if answer is None or "result" not in answer:
            raise SystemExit(f"{rollout}: no thread/read result: {answer}")
        return answer["result"]["thread"]["turns"]
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main():
    args = sys.argv[1:]
    codex = CODEX
    if args and os.path.isfile(args[0]) and os.access(args[0], os.X_OK):
        codex = args.pop(0)
    names = args or sorted(os.path.basename(p)[: -len(".rollout.jsonl")]
                           for p in glob.glob(os.path.join(HERE, "*.rollout.jsonl")))
    for name in names:
        turns = capture(codex, os.path.join(HERE, name + ".rollout.jsonl"))
        with open(os.path.join(HERE, name + ".turns.json"), "w") as f:
            json.dump(turns, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{name}: {len(turns)} turns")


if __name__ == "__main__":
    main()
