#!/usr/bin/env python3
"""Records how the real Codex 0.117.0 app-server asks about commands and what each answer does:
one thread, one turn per case, the scripted model calling `exec_command` with `touch FILE` (never
known safe), each item/commandExecution/requestApproval answered with the case's decision —
decline, accept, acceptForSession (then the same command again), acceptWithExecpolicyAmendment
(then the same command again), cancel — under approval_policy untrusted, on-failure and
on-request, sandbox_mode read-only; and apply_patch inside and outside the cwd, and declined, under
never (workspace-write, read-only), untrusted and on-request (workspace-write); and under
on-request, commands asking to run outside the sandbox (require_escalated). Writes
golden/codex_117_approvals.json with, per policy ("policies", "patches", "escalations"):
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
# apply_patch (freeform) inside the cwd, outside it (../out.txt), and one declined when asked.
PATCH_CASES = [
    ("p_in", "*** Begin Patch\n*** Update File: in.txt\n@@\n-a\n+A\n*** End Patch", "accept"),
    ("p_out", "*** Begin Patch\n*** Update File: ../out.txt\n@@\n-o\n+O\n*** End Patch",
     "accept"),
    ("p_dec", "*** Begin Patch\n*** Add File: dec.txt\n+d\n*** End Patch", "decline")]
PATCH_POLICIES = [("never", "workspace-write"), ("never", "read-only"),
                  ("untrusted", "workspace-write"), ("on-request", "workspace-write")]
# on-request: exec_command asking to run outside the sandbox (sandbox_permissions
# require_escalated), with a justification, with the model's prefix rule, without either, for a
# known-safe command; and an ordinary command.
ESCALATE = {"sandbox_permissions": "require_escalated"}
ESCALATION_CASES = [
    ("c_esc", "touch a.txt", dict(ESCALATE, justification="Do you want to create a.txt?"),
     "accept"),
    ("c_esc_rule", "touch b.txt", dict(ESCALATE, justification="Create b?", prefix_rule=["touch"]),
     "decline"),
    ("c_esc_nojust", "touch c.txt", ESCALATE, "decline"),
    ("c_safe_esc", "ls", ESCALATE, "accept"),
    ("c_plain", "ls", {}, "accept")]


def capture(codex, policy, sandbox, patches=False, start_server=None, escalations=False):
    """One policy's record. `start_server(home, cwd, serve, log)` runs another app-server in
    Codex's place (tests/agent/exec_golden_test.py runs threadlog's)."""
    root = tempfile.mkdtemp(prefix="appr117-", dir=os.path.expanduser("~"))
    home = os.path.join(root, "home")
    cwd = os.path.join(root, "work")
    os.makedirs(home)
    os.makedirs(cwd)
    if escalations:
        cases = [(cid, cmd, decision) for cid, cmd, _, decision in ESCALATION_CASES]
        extra = {cid: e for cid, _, e, _ in ESCALATION_CASES}
    else:
        cases = PATCH_CASES if patches else CASES
        extra = {}
    steps = []
    for cid, text, _ in cases:
        if patches:
            steps.append({"custom_tool_call": {"name": "apply_patch", "call_id": cid,
                                               "input": text}})
        else:
            steps.append({"function_call": {"name": "exec_command", "call_id": cid,
                                            "arguments": dict({"cmd": text, "yield_time_ms": 2000},
                                                              **extra.get(cid, {}))}})
        steps.append({"text": "Done."})
    if patches:
        with open(os.path.join(cwd, "in.txt"), "w") as f:
            f.write("a\n")
        with open(os.path.join(root, "out.txt"), "w") as f:
            f.write("o\n")
    mock = MockResponses(steps, default_text="Done.").start()
    config = cc.CONFIG.format(offline=OFFLINE, base_url=mock.base_url)
    config = config.replace('approval_policy = "untrusted"', f'approval_policy = "{policy}"')
    config = config.replace('sandbox_mode = "read-only"', f'sandbox_mode = "{sandbox}"')
    with open(os.path.join(home, "config.toml"), "w") as f:
        f.write(config)
    decisions = {cid: d for cid, _, d in cases}
    log = []

    def serve(msg):
        if msg["method"].endswith("requestApproval"):
            return {"decision": decisions.get(msg["params"].get("itemId"), "decline")}
        return {}
    server = (start_server(home, cwd, serve, log) if start_server else
              AppServer(codex, home, cwd, on_server_request=serve, log=log))
    server.initialize()
    try:
        tid = server.request("thread/start", {"cwd": cwd})["result"]["thread"]["id"]
        for cid, _, _ in cases:
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
    if patches:  # the freeform tool's outputs
        record["outputs"] = [
            {"call_id": i["call_id"], "output": i["output"]}
            for q in record["http"] for i in (q.get("body") or {}).get("input", [])
            if i.get("type") == "custom_tool_call_output"]
        record["outputs"] = list({o["call_id"]: o for o in record["outputs"]}.values())
        with open(os.path.join(root, "out.txt")) as f:
            record["outside_file"] = f.read()
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
    print("escalations: on-request / read-only", flush=True)
    out["escalations"] = {"on-request/read-only": capture(args.codex, "on-request", "read-only",
                                                          escalations=True)}
    out["patches"] = {}
    for policy, sandbox in PATCH_POLICIES:
        print(f"apply_patch: {policy} / {sandbox}", flush=True)
        out["patches"][f"{policy}/{sandbox}"] = capture(args.codex, policy, sandbox, True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
