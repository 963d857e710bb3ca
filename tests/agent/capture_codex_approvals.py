#!/usr/bin/env python3
"""Records how the real Codex 0.117.0 app-server asks about commands and what each answer does:
one thread, one turn per case, the scripted model calling `exec_command` with `touch FILE` (never
known safe), each item/commandExecution/requestApproval answered with the case's decision —
decline, accept, acceptForSession (then the same command again), acceptWithExecpolicyAmendment
(then the same command again), cancel — under approval_policy untrusted, on-failure and
on-request, sandbox_mode read-only. Writes golden/codex_117_approvals.json with, per policy:
  jsonrpc  every JSON-RPC message both ways after `initialize` (normalized as
           capture_codex_turns.py and capture_codex_exec.py normalize),
  outputs  what the model got back for each call,
  rules    the files Codex left in $CODEX_HOME/rules/,
  files    which of the touched files exist afterwards (what ran outside the sandbox).
threadlog's approvals follow it (tests/agent/exec_serve_test.py).

Usage: capture_codex_approvals.py [--codex BINARY] [--out FILE]
Nothing leaves 127.0.0.1: the provider is the mock; plugins, apps and update checks are off."""
import argparse
import glob
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "replay"))
import capture_codex_commands as cc  # noqa: E402
import capture_codex_exec as cx  # noqa: E402
import capture_codex_turns as ct  # noqa: E402
from capture_117 import OFFLINE  # noqa: E402
from codex_driver import CODEX_117, AppServer, MockResponses  # noqa: E402

OUT = os.path.join(HERE, "golden", "codex_117_approvals.json")
AMEND = {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": ["touch", "e.txt"]}}
# (call id, command, decision); cancel last: it interrupts its turn, whose closing answer the
# mock then still holds.
CASES = [("c_decline", "touch a.txt", "decline"), ("c_accept", "touch b.txt", "accept"),
         ("c_session", "touch d.txt", "acceptForSession"), ("c_session2", "touch d.txt", "accept"),
         ("c_amend", "touch e.txt", AMEND), ("c_amend2", "touch e.txt", "accept"),
         ("c_cancel", "touch c.txt", "cancel")]
POLICIES = [("untrusted", "read-only"), ("on-failure", "read-only"), ("on-request", "read-only")]


def capture(codex, policy, sandbox):
    root = tempfile.mkdtemp(prefix="appr117-", dir=os.path.expanduser("~"))
    home = os.path.join(root, "home")
    cwd = os.path.join(root, "work")
    os.makedirs(home)
    os.makedirs(cwd)
    steps = []
    for cid, cmd, _ in CASES:
        steps.append({"function_call": {"name": "exec_command", "call_id": cid,
                                        "arguments": {"cmd": cmd, "yield_time_ms": 2000}}})
        steps.append({"text": "Done."})
    mock = MockResponses(steps, default_text="Done.").start()
    config = cc.CONFIG.format(offline=OFFLINE, base_url=mock.base_url)
    config = config.replace('approval_policy = "untrusted"', f'approval_policy = "{policy}"')
    config = config.replace('sandbox_mode = "read-only"', f'sandbox_mode = "{sandbox}"')
    with open(os.path.join(home, "config.toml"), "w") as f:
        f.write(config)
    decisions = {cid: d for cid, _, d in CASES}
    log = []

    def serve(msg):
        if msg["method"].endswith("requestApproval"):
            return {"decision": decisions.get(msg["params"].get("itemId"), "decline")}
        return {}
    server = AppServer(codex, home, cwd, on_server_request=serve, log=log)
    server.initialize()
    try:
        tid = server.request("thread/start", {"cwd": cwd})["result"]["thread"]["id"]
        for cid, _, _ in CASES:
            mark = server.mark()
            r = server.request("turn/start", {"threadId": tid,
                                              "input": [{"type": "text", "text": f"Run {cid}."}]})
            turn = r["result"]["turn"]["id"]
            server.wait_for(lambda m: m.get("method") == "turn/completed" and
                            m["params"]["turn"]["id"] == turn, timeout=60, start=mark)
    finally:
        time.sleep(1.0)
        server.close()
        mock.stop()
    record = {"config": config.replace(mock.base_url, "http://127.0.0.1:<port>/v1"),
              "jsonrpc": [{"dir": d, "msg": m} for d, m in log if not ct.is_init(d, m)],
              "http": [{"body": q.get("body")} for q in mock.requests if q.get("body")]}
    record = cx.exec_normalize(ct.normalize(record, root))
    record["outputs"] = cx.outputs(record)
    del record["http"]
    record["rules"] = {os.path.relpath(p, home): open(p).read()
                       for p in sorted(glob.glob(os.path.join(home, "rules", "*")))}
    record["files"] = sorted(os.listdir(cwd))
    shutil.rmtree(root, ignore_errors=True)
    return record


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--codex", default=CODEX_117)
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    out = {"codex": "0.117.0", "captured_by": "tests/agent/capture_codex_approvals.py",
           "readme": __doc__, "policies": {}}
    for policy, sandbox in POLICIES:
        print(f"{policy} / {sandbox}", flush=True)
        out["policies"][f"{policy}/{sandbox}"] = capture(args.codex, policy, sandbox)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
