#!/usr/bin/env python3
# Writes CASE/expected.json: the v2 Thread (with turns) that the real Codex app-server (0.117.0
# by default) answers to thread/read {includeTurns: true} for CASE/events.jsonl (and
# CASE/session_index.jsonl when present), read from a scratch CODEX_HOME, and CASE/list.json: its
# answer to thread/list {modelProviders: []} there (list_test.py compares ours with it).
# Usage: capture.py [CODEX_BINARY] CASE...
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from codex_thread_read import codex_binary, list_threads, read_thread  # noqa: E402


def main():
    args = sys.argv[1:]
    codex = codex_binary(args)
    if not args:
        raise SystemExit("usage: capture.py [CODEX_BINARY] CASE...")
    for case in args:
        thread = read_thread(codex, os.path.join(HERE, case, "events.jsonl"),
                             os.path.join(HERE, case, "session_index.jsonl"))
        with open(os.path.join(HERE, case, "expected.json"), "w") as f:
            json.dump(thread, f, indent=1, ensure_ascii=False)
            f.write("\n")
        listed = list_threads(codex, os.path.join(HERE, case, "events.jsonl"),
                              os.path.join(HERE, case, "session_index.jsonl"))
        with open(os.path.join(HERE, case, "list.json"), "w") as f:
            json.dump(listed, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{case}: {len(thread['turns'])} turns")


if __name__ == "__main__":
    main()
