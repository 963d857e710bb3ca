#!/usr/bin/env python3
"""Asks the real Codex 0.117.0 app-server every scenario of ../bootstrap_scenarios.py and
writes its normalized answers to <scenario>.json here; bootstrap_test.py compares threadlog's
with them. Run by hand when the reference or a scenario changes:

    tests/api/bootstrap_golden/capture.py [CODEX_BINARY] [SCENARIO...]

The binary defaults to $THREADLOG_CODEX_BIN, else node_modules/ under the repository. Each
scenario gets a scratch CODEX_HOME and HOME; nothing leaves the machine (no scenario makes a
network request: the ChatGPT usage fetch of account/rateLimits/read is not asked)."""
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import bootstrap_scenarios as scenarios  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
DEFAULT = os.path.join(REPO, "node_modules", "@openai", "codex-linux-x64", "vendor",
                       "x86_64-unknown-linux-musl", "codex", "codex")


def main():
    args = sys.argv[1:]
    codex = os.environ.get("THREADLOG_CODEX_BIN", DEFAULT)
    if args and os.path.isfile(args[0]):
        codex = args.pop(0)
    names = args or list(scenarios.SCENARIOS)
    for name in names:
        root = tempfile.mkdtemp(prefix=f"golden-{name}-")
        try:
            requests = scenarios.make_root(root, name)
            if any(method == "__until_ok__" for method, _ in requests):
                # Codex answers from its state database once it has indexed the history (a
                # resumed thread then keeps its model); the very first run, while it indexes,
                # answers differently. Record the steady state: run once, then again.
                scenarios.run([codex, "app-server"], root, requests, settle=2.0)
            result = scenarios.run([codex, "app-server"], root, requests, settle=0.8)
            result = scenarios.normalize(result, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        result = {"scenario": name, "source": "codex-cli 0.117.0 app-server (stdio)", **result}
        with open(os.path.join(HERE, f"{name}.json"), "w") as f:
            json.dump(result, f, indent=1, ensure_ascii=False, sort_keys=True)
            f.write("\n")
        print(f"{name}: {len(result['exchanges'])} exchanges")


if __name__ == "__main__":
    main()
