#!/usr/bin/env python3
"""Records how the real Codex 0.117.0 app-server runs thread/shellCommand (the command a user
runs in a thread: the TUI's `!`), and writes golden/codex_117_user_shell.json with a digest of
one scripted session (a thread with persistExtendedHistory):
  1. `echo hi; pwd; exit 3` while the thread is idle (a turn of its own);
  2. the requests Codex refuses: an empty command, a thread id that is not one, a thread that is
     not loaded, no command;
  3. `echo during` while a model turn runs (its response held by the mock until the command
     is done): it joins that turn, and the turn asks the model again with its record;
  4. `sleep 30; echo never`, interrupted (turn/interrupt) while it runs;
  5. thread/read with its turns.
The digest ("digest"): the answers to the requests, the notifications (items without their
ids and durations; a run of output deltas joined), the <user_shell_command> records each model
request carried, and the turns thread/read rebuilt. Paths read <cwd>, durations <s>.
threadlog answers the same (tests/agent/exec_golden_test.py, UserShellGoldenTest).

Usage: capture_codex_user_shell.py [--codex BINARY] [--out FILE]
Nothing leaves 127.0.0.1: the provider is the mock; plugins, apps and update checks are off."""
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import capture_codex_turns as ct  # noqa: E402

STEPS = [{"stall": True, "after_release": [{"text": "Slow."}]}, {"text": "Seen."}]
# What the notifications of an item keep (ids, durations and processes differ from run to run).
ITEM_KEYS = ("type", "command", "cwd", "processId", "source", "status", "commandActions",
             "aggregatedOutput", "exitCode", "text", "content")
QUIET = ("account/rateLimits/updated", "thread/tokenUsage/updated", "item/agentMessage/delta",
         "thread/started")


def _item(item):
    return {k: item[k] for k in ITEM_KEYS if k in item}


def digest(log, http_bodies, cwd):
    """The comparable part of one run."""
    answers, notes = [], []
    for direction, msg in log:
        if direction != "<-":
            continue
        if "method" not in msg:
            if "error" in msg or msg.get("result") == {}:
                answers.append(msg.get("error", msg.get("result")))
            continue
        if msg["method"] in QUIET:
            continue
        params = msg.get("params", {})
        if "item" in params:
            notes.append([msg["method"], _item(params["item"])])
        elif msg["method"] == "item/commandExecution/outputDelta":
            # One entry for a run of deltas: how the output is cut is the OS's doing.
            if notes and notes[-1][0] == msg["method"]:
                notes[-1][1] += params["delta"]
            else:
                notes.append([msg["method"], params["delta"]])
        elif msg["method"] in ("turn/started", "turn/completed"):
            notes.append([msg["method"], params["turn"]["status"]])
        elif msg["method"] == "thread/status/changed":
            notes.append([msg["method"], params["status"]])
        else:
            notes.append([msg["method"]])
    records = []
    for body in http_bodies:
        records.append([i["content"][0]["text"] for i in body.get("input", [])
                        if i.get("type") == "message" and i.get("role") == "user" and
                        i["content"][0].get("text", "").startswith("<user_shell_command>")])
    text = json.dumps({"answers": answers, "notifications": notes, "records": records})
    text = text.replace(cwd, "<cwd>")
    text = re.sub(r"Duration: \d+\.\d{4} seconds", "Duration: <s> seconds", text)
    return json.loads(text)


def run(start_server):
    """The scripted session against `start_server(home, cwd, log)`'s app-server."""
    with ct.Session("ushell117-", STEPS, start_server) as session:
        server, mock, cwd = session.server, session.mock, session.cwd
        tid = server.request("thread/start", {"cwd": cwd, "persistExtendedHistory": True})[
            "result"]["thread"]["id"]

        def turn_completed(mark, timeout=60):
            return server.wait_for(lambda m: m.get("method") == "turn/completed",
                                   timeout=timeout, start=mark)

        mark = server.mark()
        server.request("thread/shellCommand", {"threadId": tid, "command": "echo hi; pwd; exit 3"})
        turn_completed(mark)
        time.sleep(0.3)
        server.request("thread/shellCommand", {"threadId": tid, "command": ""})
        server.request("thread/shellCommand", {"threadId": "x", "command": "ls"})
        server.request("thread/shellCommand", {"threadId": "00000000-0000-0000-0000-000000000000",
                                               "command": "ls"})
        server.request("thread/shellCommand", {"threadId": tid})
        mark = server.mark()
        server.request("turn/start", {"threadId": tid,
                                      "input": [{"type": "text", "text": "hello"}]})
        mock.wait_stalled()
        server.request("thread/shellCommand", {"threadId": tid, "command": "echo during"})
        server.wait_for(lambda m: m.get("method") == "item/completed" and
                        m["params"]["item"]["type"] == "commandExecution", timeout=30, start=mark)
        time.sleep(0.3)
        mock.release()
        turn_completed(mark)
        time.sleep(0.3)
        mark = server.mark()
        server.request("thread/shellCommand", {"threadId": tid, "command": "sleep 30; echo never"})
        started = server.wait_for(lambda m: m.get("method") == "turn/started", timeout=30,
                                  start=mark)
        server.wait_for(lambda m: m.get("method") == "item/started", timeout=30, start=mark)
        time.sleep(0.5)
        server.request("turn/interrupt", {"threadId": tid,
                                          "turnId": started["params"]["turn"]["id"]})
        turn_completed(mark)
        time.sleep(0.3)
        read = server.request("thread/read", {"threadId": tid, "includeTurns": True})
    out = digest(session.log, [q["body"] for q in mock.requests if q.get("body")], cwd)
    out["read"] = session.normalized([{"status": t["status"],
                                       "items": [_item(i) for i in t["items"]]}
                                      for t in read["result"]["thread"]["turns"]])
    return out


def main():
    ct.digest_main(run, "codex_117_user_shell.json", __file__, __doc__)


if __name__ == "__main__":
    main()
