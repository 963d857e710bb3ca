#!/usr/bin/env python3
# Captures Codex 0.113.0's own `thread/read` (includeTurns) answer for each hand-written rollout
# in this folder: NAME.rollout.jsonl -> NAME.turns.json (the answer's result.thread.turns).
# Usage: capture.py [CODEX_BINARY] [NAME...]
import glob, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
from codex_thread_read import codex_binary, read_thread  # noqa: E402


def main():
    args = sys.argv[1:]
    codex = codex_binary(args)
    names = args or sorted(os.path.basename(p)[: -len(".rollout.jsonl")]
                           for p in glob.glob(os.path.join(HERE, "*.rollout.jsonl")))
    for name in names:
        turns = read_thread(codex, os.path.join(HERE, name + ".rollout.jsonl"))["turns"]
        with open(os.path.join(HERE, name + ".turns.json"), "w") as f:
            json.dump(turns, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{name}: {len(turns)} turns")


if __name__ == "__main__":
    main()
