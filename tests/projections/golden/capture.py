#!/usr/bin/env python3
# Captures Codex's own `thread/read` (includeTurns) answer (0.117.0 by default) for each
# hand-written rollout in this folder: NAME.rollout.jsonl -> NAME.turns.json (the answer's
# result.thread.turns), and, when no NAME is given, for the desktop rollouts in
# tests/fixtures/codex-rollouts -> codex-rollouts/STEM.turns.json.
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
    if args:
        return
    desktop = os.path.join(HERE, "..", "..", "fixtures", "codex-rollouts")
    for path in sorted(glob.glob(os.path.join(desktop, "*.jsonl"))):
        stem = os.path.basename(path)[: -len(".jsonl")]
        turns = read_thread(codex, path)["turns"]
        with open(os.path.join(HERE, "codex-rollouts", stem + ".turns.json"), "w") as f:
            json.dump(turns, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"codex-rollouts/{stem}: {len(turns)} turns")


if __name__ == "__main__":
    main()
