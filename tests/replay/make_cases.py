#!/usr/bin/env python3
# Writes events.jsonl of the hand-written replay cases (realistic Codex 0.113.0 rollouts, one
# rule group each); capture.py then asks the real Codex 0.113.0 for each expected.json.
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
CLOCK = [0]


def ts():
    # A strictly increasing wall clock, 7 ms per line, as Codex stamps each line on write.
    CLOCK[0] += 7
    s, ms = divmod(CLOCK[0], 1000)
    m, s = divmod(s, 60)
    return f"2026-11-24T10:{m:02d}:{s:02d}.{ms:03d}Z"


def line(kind, payload):
    return {"timestamp": ts(), "type": kind, "payload": payload}


def meta(tid, source="vscode", git=None, **extra):
    p = {"id": tid, "timestamp": "2026-11-24T10:00:00.001Z", "cwd": "/home/dev/project",
         "originator": "codex_vscode", "cli_version": "0.113.0", "source": source,
         "model_provider": "openai", "base_instructions": {"text": "You are Codex."}}
    p.update(extra)
    if git is not None:
        p["git"] = git
    return line("session_meta", p)


def ev(payload):
    return line("event_msg", payload)


def msg(role, text, kind=None):
    kind = kind or ("output_text" if role == "assistant" else "input_text")
    return line("response_item", {"type": "message", "role": role,
                                  "content": [{"type": kind, "text": text}]})


def context():
    return [msg("developer", "<permissions instructions>sandbox</permissions instructions>"),
            msg("user", "<environment_context>\n  <cwd>/home/dev/project</cwd>\n"
                        "</environment_context>")]


def turn_context(turn):
    return line("turn_context", {
        "turn_id": turn, "cwd": "/home/dev/project", "approval_policy": "on-request",
        "sandbox_policy": {"type": "workspace-write", "writable_roots": [],
                           "network_access": False},
        "model": "gpt-5.1-codex", "summary": "auto"})


def token_count():
    return ev({"type": "token_count", "info": None, "rate_limits": None})


def user_turn_start(turn, text, explicit=True):
    out = []
    if explicit:
        out.append(ev({"type": "task_started", "turn_id": turn, "model_context_window": 258400,
                       "collaboration_mode_kind": "default"}))
    out += [turn_context(turn), msg("user", text),
            ev({"type": "user_message", "message": text, "images": [], "local_images": [],
                "text_elements": []}),
            token_count()]
    return out


def agent_says(text):
    return [ev({"type": "agent_message", "message": text, "phase": None}),
            msg("assistant", text), token_count()]


def complete(turn, last=None):
    return [ev({"type": "task_complete", "turn_id": turn, "last_agent_message": last})]


def shell_call(call, command):
    return line("response_item", {"type": "function_call", "name": "shell_command",
                                  "arguments": json.dumps({"command": command}),
                                  "call_id": call})


def shell_output(call, output):
    return line("response_item", {"type": "function_call_output", "call_id": call,
                                  "output": output})


def exec_end(call, turn, command, output, exit_code, ms=40):
    status = "completed" if exit_code == 0 else "failed"
    return ev({"type": "exec_command_end", "call_id": call, "process_id": "4242",
               "turn_id": turn, "command": ["/bin/bash", "-lc", command],
               "cwd": "/home/dev/project",
               "parsed_cmd": [{"type": "unknown", "cmd": command}], "source": "agent",
               "stdout": "", "stderr": "", "aggregated_output": output,
               "exit_code": exit_code, "duration": {"secs": 0, "nanos": ms * 1000000},
               "formatted_output": "", "status": status})


def patch_end(call, turn, path, content):
    return ev({"type": "patch_apply_end", "call_id": call, "turn_id": turn,
               "stdout": f"Success. Updated the following files:\nA {path}\n", "stderr": "",
               "success": True, "changes": {path: {"type": "add", "content": content}},
               "status": "completed"})


def error(message, info=None):
    p = {"type": "error", "message": message}
    if info is not None:
        p["codex_error_info"] = info
    return ev(p)


def aborted(turn, reason="interrupted"):
    return ev({"type": "turn_aborted", "turn_id": turn, "reason": reason})


def tid(n):
    return f"01a20edc-1000-7000-8000-{n:012x}"


def turn(n, k):
    return f"01a20edc-2000-7000-8000-{n:06x}{k:06x}"


CASES = {}

# A turn interrupted while a command runs (turn/interrupt), then a normal turn.
T = tid(1)
CASES["interrupted_turn"] = [meta(T)] + context() + (
    user_turn_start(turn(1, 1), "run the long build") +
    [shell_call("call-1", "sleep 600 && make")] + [token_count()] +
    [aborted(turn(1, 1))] +
    user_turn_start(turn(1, 2), "never mind, say hi") + agent_says("hi") +
    complete(turn(1, 2), "hi"))

# Model failures in an Extended thread: a failed turn with codex_error_info, a later success,
# and a failure without error info.
T = tid(2)
CASES["failed_turn"] = [meta(T)] + context() + (
    user_turn_start(turn(2, 1), "first try") +
    [error("stream disconnected before completion", {"response_stream_disconnected":
                                                     {"http_status_code": 502}})] +
    complete(turn(2, 1)) +
    user_turn_start(turn(2, 2), "again") + agent_says("done now") + complete(turn(2, 2)) +
    user_turn_start(turn(2, 3), "and once more") +
    [error("Quota exceeded. Check your plan and billing details.", "usage_limit_exceeded")] +
    complete(turn(2, 3)))

# A legacy file (before task_started existed): turns come from user_message boundaries.
T = tid(3)
CASES["legacy_no_task_started"] = [meta(T, source="cli", originator="codex_cli_rs")] + (
    context() + user_turn_start(None, "what is in this repo?", explicit=False) +
    agent_says("A C++ project.") +
    user_turn_start(None, "count the files", explicit=False) +
    [shell_call("call-1", "ls | wc -l"), shell_output("call-1", "12")] +
    agent_says("There are 12 files."))

# Compacted history: a compaction mid-thread with replacement history, then more turns.
T = tid(4)
CASES["compacted_history"] = [meta(T)] + context() + (
    user_turn_start(turn(4, 1), "explain the log format") +
    agent_says("It is JSONL.") + complete(turn(4, 1)) +
    user_turn_start(turn(4, 2), "/compact") +
    [line("compacted", {"message": "The user asked about the log format; it is JSONL.",
                        "replacement_history": [
                            {"type": "message", "role": "user",
                             "content": [{"type": "input_text",
                                          "text": "explain the log format"}]},
                            {"type": "message", "role": "user",
                             "content": [{"type": "input_text",
                                          "text": "The user asked about the log format."}]}]}),
     ev({"type": "context_compacted"})] + complete(turn(4, 2)) +
    user_turn_start(turn(4, 3), "and the index?") + agent_says("A RocksDB family.") +
    complete(turn(4, 3)))


# The same session in Limited and Extended mode: Extended adds the command, the patch and the
# error; Limited keeps only what Codex's policy keeps in both modes.
def pair(t, extended):
    out = [meta(t, git={"commit_hash": "0123abcd", "branch": "main",
                        "repository_url": "https://example.com/repo.git"})] + context()
    out += user_turn_start(turn(5, 1), "run: echo hi") + [shell_call("call-1", "echo hi")]
    if extended:
        out.append(exec_end("call-1", turn(5, 1), "echo hi", "hi\n", 0))
    out += [shell_output("call-1", "hi\n")] + agent_says("It printed hi.") + complete(
        turn(5, 1))
    out += user_turn_start(turn(5, 2), "run: false") + [shell_call("call-2", "false")]
    if extended:
        out.append(exec_end("call-2", turn(5, 2), "false", "", 1))
    out += [shell_output("call-2", "exit 1")] + agent_says("It failed.") + complete(turn(5, 2))
    out += user_turn_start(turn(5, 3), "add a.txt") + [
        line("response_item", {"type": "custom_tool_call", "status": "completed",
                               "call_id": "call-3", "name": "apply_patch",
                               "input": "*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch"})]
    if extended:
        out.append(patch_end("call-3", turn(5, 3), "/home/dev/project/a.txt", "a\n"))
    out += [line("response_item", {"type": "custom_tool_call_output", "call_id": "call-3",
                                   "output": "Success."})]
    out += agent_says("Added a.txt.") + complete(turn(5, 3))
    out += user_turn_start(turn(5, 4), "this will fail")
    if extended:
        out.append(error("unexpected status 500 Internal Server Error", "internal_server_error"))
    out += complete(turn(5, 4))
    return out


CLOCK[0] = 0
CASES["pair_limited"] = pair(tid(5), extended=False)
CLOCK[0] = 0
CASES["pair_extended"] = pair(tid(6), extended=True)

# Sources and git as Codex maps them into the v2 Thread: a thread_spawn sub-agent.
T = tid(7)
CLOCK[0] = 0
CASES["subagent_source"] = [meta(T, source={"subagent": {"thread_spawn": {
    "parent_thread_id": tid(6), "depth": 1, "agent_nickname": "Euclid",
    "agent_role": "explorer"}}}, agent_nickname="Euclid", agent_role="explorer",
    git={"branch": "feature"})] + context() + (
    user_turn_start(turn(7, 1), "explore src/") + agent_says("Explored.") + complete(turn(7, 1)))


def main():
    for name, lines in CASES.items():
        os.makedirs(os.path.join(HERE, name), exist_ok=True)
        with open(os.path.join(HERE, name, "events.jsonl"), "w") as f:
            for l in lines:
                f.write(json.dumps(l, separators=(",", ":")) + "\n")
        print(f"{name}: {len(lines)} lines")


if __name__ == "__main__":
    main()
