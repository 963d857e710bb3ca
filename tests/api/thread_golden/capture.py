#!/usr/bin/env python3
# Re-makes codex_basic.json: the real Codex app-server's answers (0.117.0 by default) on a
# scratch copy of tests/fixtures/codex-0.113.0/basic, to the requests README.md lists.
# Usage: capture.py [CODEX_BINARY]
import json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
from codex_thread_read import codex_binary  # noqa: E402

EXTENDED, FORK, LIMITED = ("01a20edc-6f3a-7f83-8d85-eff1cc9a2d26",
                           "01a20edc-7247-7f03-a843-7f00d3d1bea4",
                           "01a20edc-6c30-77d2-8ea8-b69792e25b0b")
# Keeps Codex off the network (plugin and app syncs); nothing it answers here depends on them.
OFFLINE = "[features]\nplugins = false\napps = false\n"


def main():
    args = sys.argv[1:]
    codex = codex_binary(args)
    home = tempfile.mkdtemp(prefix="codex-basic-")
    try:
        shutil.copytree(os.path.join(ROOT, "tests", "fixtures", "codex-0.113.0", "basic"), home,
                        dirs_exist_ok=True, ignore=shutil.ignore_patterns("transcript.jsonl"))
        with open(os.path.join(home, "config.toml"), "a") as f:
            f.write(OFFLINE)
        requests = [
            ("list", "thread/list", {}),
            ("list_archived", "thread/list", {"archived": True}),
            ("list_updated_1", "thread/list", {"sortKey": "updated_at", "limit": 1}),
            ("read_6f3a", "thread/read", {"threadId": EXTENDED, "includeTurns": True}),
            ("read_7247", "thread/read", {"threadId": FORK, "includeTurns": True}),
            ("read_6c30", "thread/read", {"threadId": LIMITED, "includeTurns": True}),
            ("resume_6f3a", "thread/resume", {"threadId": EXTENDED}),
            ("rollback_6f3a", "thread/rollback", {"threadId": EXTENDED, "numTurns": 1}),
        ]
        proc = subprocess.Popen([codex, "app-server"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=dict(os.environ, CODEX_HOME=home), text=True)

        def send(msg):
            proc.stdin.write(json.dumps(msg) + "\n")
            proc.stdin.flush()

        send({"id": "init", "method": "initialize",
              "params": {"clientInfo": {"name": "t", "version": "1"},
                         "capabilities": {"experimentalApi": True}}})
        send({"method": "initialized"})
        answers, notifications = {}, []
        pending = iter(requests)

        def next_request():
            key, method, params = next(pending, (None, None, None))
            if key:
                send({"id": key, "method": method, "params": params})
            return key

        waiting = None
        for line in proc.stdout:
            msg = json.loads(line)
            if msg.get("id") == "init":
                waiting = next_request()
            elif "method" in msg and "id" not in msg:
                if waiting == "resume_6f3a":
                    notifications.append(msg)
            elif msg.get("id") == waiting:
                answers[waiting] = msg.get("result", msg.get("error"))
                waiting = next_request()
                if waiting is None:
                    break
        proc.stdin.close()
        proc.wait(timeout=30)
        answers["notifications"] = notifications
        text = json.dumps({"answers": answers,
                           "provenance": "Codex 0.117.0 app-server answers on a copy of "
                                         "tests/fixtures/codex-0.113.0/basic "
                                         "(tests/api/thread_golden/README.md, capture.py)"},
                          indent=1, sort_keys=True, ensure_ascii=False)
        with open(os.path.join(HERE, "codex_basic.json"), "w") as f:
            f.write(text.replace(home, "/home/dev/.codex") + "\n")
        print(sorted(answers))
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
