#!/usr/bin/env python3
# Writes the hand-written NAME.rollout.jsonl inputs of this folder (each exercises a group of
# thread_history rules); capture.py then asks Codex 0.113.0 for the matching NAME.turns.json.
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
TS = "2026-11-24T10:00:00.000Z"


def meta(tid):
    return {"type": "session_meta", "payload": {
        "id": tid, "timestamp": TS, "cwd": "/home/dev/project", "originator": "probe",
        "cli_version": "0.113.0", "source": "vscode", "model_provider": "mock",
        "base_instructions": {"text": "x"}}}


def ev(payload):
    return {"type": "event_msg", "payload": payload}


def started(turn_id, alias=False):
    return ev({"type": "turn_started" if alias else "task_started", "turn_id": turn_id,
               "model_context_window": 1000, "collaboration_mode_kind": "default"})


def complete(turn_id, alias=False):
    return ev({"type": "turn_complete" if alias else "task_complete", "turn_id": turn_id,
               "last_agent_message": None})


def user(text, images=None, local_images=(), text_elements=()):
    return ev({"type": "user_message", "message": text, "images": images,
               "local_images": list(local_images), "text_elements": list(text_elements)})


def agent(text, phase=None):
    return ev({"type": "agent_message", "message": text, "phase": phase})


def resp_user(text):
    return {"type": "response_item", "payload": {"type": "message", "role": "user",
                                                  "content": [{"type": "input_text", "text": text}]}}


def hook_prompt(item_id, *texts):
    payload = {"type": "message", "role": "user",
               "content": [{"type": "input_text", "text": t} for t in texts]}
    if item_id is not None:
        payload["id"] = item_id
    return {"type": "response_item", "payload": payload}


def turn_context(turn_id):
    return {"type": "turn_context", "payload": {
        "turn_id": turn_id, "cwd": "/home/dev/project", "approval_policy": "never",
        "sandbox_policy": {"type": "danger-full-access"}, "model": "mock-model",
        "summary": "auto"}}


def dur(ms):
    return {"secs": ms // 1000, "nanos": (ms % 1000) * 1000000 + 123}


def exec_begin(call, turn, command, parsed, source="agent", process_id=None):
    return ev({"type": "exec_command_begin", "call_id": call, "process_id": process_id,
               "turn_id": turn, "command": command, "cwd": "/home/dev/project",
               "parsed_cmd": parsed, "source": source})


def exec_end(call, turn, command, parsed, output, exit_code, status, ms, source="agent",
             process_id=None):
    return ev({"type": "exec_command_end", "call_id": call, "process_id": process_id,
               "turn_id": turn, "command": command, "cwd": "/home/dev/project",
               "parsed_cmd": parsed, "source": source, "stdout": "", "stderr": "",
               "aggregated_output": output, "exit_code": exit_code, "duration": dur(ms),
               "formatted_output": "", "status": status})


CASES = {}

# Explicit turns carrying one of every item Codex rebuilds.
T1 = "01a20edc-0000-7000-8000-000000000101"
T2 = "01a20edc-0000-7000-8000-000000000102"
SENDER = "01a20edc-0000-7000-8000-00000000aaaa"
R1 = "01a20edc-0000-7000-8000-00000000bbb1"
R2 = "01a20edc-0000-7000-8000-00000000bbb2"
PARSED_ALL = [
    {"type": "read", "cmd": "cat a.txt", "name": "a.txt", "path": "/home/dev/project/a.txt"},
    {"type": "list_files", "cmd": "ls src", "path": "src"},
    {"type": "list_files", "cmd": "ls", "path": None},
    {"type": "search", "cmd": "rg foo src", "query": "foo", "path": "src"},
    {"type": "search", "cmd": "rg", "query": None, "path": None},
    {"type": "unknown", "cmd": "make -j2"},
]
CASES["all_items"] = [
    started(T1), turn_context(T1), resp_user("look at these"),
    user("look at 📷 these", images=["https://example.com/a.png", "data:image/png;base64,AAA"],
         local_images=["/tmp/b.png"],
         text_elements=[{"byte_range": {"start": 8, "end": 12}, "placeholder": "[img]"},
                        {"byte_range": {"start": 0, "end": 4}}]),
    ev({"type": "agent_reasoning", "text": "thinking 1"}),
    ev({"type": "agent_reasoning", "text": "thinking 2"}),
    ev({"type": "agent_reasoning_raw_content", "text": "raw 1"}),
    ev({"type": "agent_reasoning", "text": ""}),
    agent("working on it", phase="commentary"),
    ev({"type": "agent_reasoning_raw_content", "text": "raw only"}),
    agent(""),
    exec_begin("call-x1", T1, ["bash", "-lc", "echo 'hi there' && ls \"$HOME\""], PARSED_ALL,
               source="unified_exec_startup", process_id="4242"),
    exec_end("call-x1", T1, ["bash", "-lc", "echo 'hi there' && ls \"$HOME\""], PARSED_ALL,
             "hi there\n", 0, "completed", 1234, source="unified_exec_startup",
             process_id="4242"),
    exec_end("call-x2", T1, ["rm", "-rf", "", "a b", "c'd", "plain", "tab\there", "$x", "*"],
             [{"type": "unknown", "cmd": "rm -rf"}], "", -1, "declined", 0),
    exec_begin("call-x3", T1, ["sleep", "100"], [], source="user_shell"),
    exec_end("call-x4", T1, ["false"], [], "", 1, "failed", 5, source="unified_exec_interaction"),
    ev({"type": "patch_apply_begin", "call_id": "call-p1", "turn_id": T1, "auto_approved": True,
        "changes": {"/p/z.txt": {"type": "add", "content": "new\n"},
                    "/p/a.txt": {"type": "delete", "content": "old\n"}}}),
    ev({"type": "patch_apply_end", "call_id": "call-p1", "turn_id": T1, "stdout": "ok",
        "stderr": "", "success": True, "status": "completed",
        "changes": {"/p/z.txt": {"type": "add", "content": "new\n"},
                    "/p/a.txt": {"type": "delete", "content": "old\n"},
                    "/p/m.txt": {"type": "update", "unified_diff": "@@ -1 +1 @@\n-a\n+b\n",
                                 "move_path": "/p/n.txt"},
                    "/p/u.txt": {"type": "update", "unified_diff": "@@ -1 +1 @@\n-c\n+d\n",
                                 "move_path": None}}}),
    ev({"type": "patch_apply_end", "call_id": "call-p2", "stdout": "", "stderr": "bad",
        "success": False, "status": "failed", "changes": {}}),
    ev({"type": "patch_apply_begin", "call_id": "call-p3", "auto_approved": False,
        "changes": {"/p/q.txt": {"type": "update", "unified_diff": "d"}}}),
    ev({"type": "mcp_tool_call_begin", "call_id": "call-m1",
        "invocation": {"server": "srv", "tool": "t1", "arguments": {"a": 1}}}),
    ev({"type": "mcp_tool_call_end", "call_id": "call-m1",
        "invocation": {"server": "srv", "tool": "t1", "arguments": {"a": 1}},
        "duration": dur(2500),
        "result": {"Ok": {"content": [{"type": "text", "text": "r"}],
                          "structuredContent": {"k": [1, 2]}}}}),
    ev({"type": "mcp_tool_call_end", "call_id": "call-m2",
        "invocation": {"server": "srv", "tool": "t2"}, "duration": dur(7),
        "result": {"Err": "boom"}}),
    ev({"type": "mcp_tool_call_end", "call_id": "call-m3",
        "invocation": {"server": "srv", "tool": "t3", "arguments": None}, "duration": dur(1),
        "result": {"Ok": {"content": [], "isError": True}}}),
    ev({"type": "mcp_tool_call_begin", "call_id": "call-m4",
        "invocation": {"server": "srv", "tool": "t4"}}),
    ev({"type": "web_search_begin", "call_id": "ws-1"}),
    ev({"type": "web_search_end", "call_id": "ws-1", "query": "weather",
        "action": {"type": "search", "query": "weather", "queries": ["weather", "w2"]}}),
    ev({"type": "web_search_end", "call_id": "ws-2", "query": "",
        "action": {"type": "open_page", "url": "https://example.com"}}),
    ev({"type": "web_search_end", "call_id": "ws-3", "query": "q",
        "action": {"type": "find_in_page", "url": "https://e.com", "pattern": "p"}}),
    ev({"type": "web_search_end", "call_id": "ws-4", "query": "q", "action": {"type": "other"}}),
    ev({"type": "web_search_end", "call_id": "ws-5", "query": "q", "action": {"type": "search"}}),
    ev({"type": "web_search_begin", "call_id": "ws-6"}),
    ev({"type": "view_image_tool_call", "call_id": "vi-1", "path": "/tmp/pic.png"}),
    ev({"type": "image_generation_begin", "call_id": "ig-1"}),
    ev({"type": "image_generation_end", "call_id": "ig-1", "status": "completed",
        "revised_prompt": "a cat", "result": "BASE64", "saved_path": "/tmp/cat.png"}),
    ev({"type": "image_generation_begin", "call_id": "ig-2"}),
    ev({"type": "image_generation_end", "call_id": "ig-3", "status": "completed",
        "revised_prompt": None, "result": "B", "saved_path": None}),
    ev({"type": "agent_message", "message": "cited", "phase": "final_answer",
        "memory_citation": {"entries": [{"path": "MEMORY.md", "lineStart": 1, "lineEnd": 3,
                                         "note": "why"}], "rolloutIds": ["r-1", "r-2"]}}),
    ev({"type": "agent_message", "message": "", "phase": None,
        "memory_citation": {"entries": [], "rolloutIds": []}}),
    hook_prompt("hp-1", '<hook_prompt hook_run_id="run-1">fix &amp; retry</hook_prompt>'),
    hook_prompt(None, '  <hook_prompt hook_run_id="run-2">  a  </hook_prompt>\n',
                "<HOOK_PROMPT hook_run_id='run-3'>b<![CDATA[<c>]]><!-- x -->d</HOOK_PROMPT>"),
    hook_prompt("hp-3", '<?xml version="1.0"?><other hook_run_id = "r&quot;4" >e</other > tail'),
    hook_prompt("hp-4", '<hook_prompt hook_run_id="r">&#65;&#x42;<skip>x</skip></hook_prompt>'),
    # Not hook prompts: a blank id, no text, a second text run, an unknown entity, a
    # mismatched end tag, a repeated attribute, mixed with plain text, not a user message.
    hook_prompt("np-1", '<hook_prompt hook_run_id=" ">x</hook_prompt>'),
    hook_prompt("np-2", '<hook_prompt hook_run_id="r">   </hook_prompt>'),
    hook_prompt("np-3", '<hook_prompt hook_run_id="r">a<b>c</b>d</hook_prompt>'),
    hook_prompt("np-4", '<hook_prompt hook_run_id="r">&foo;</hook_prompt>'),
    hook_prompt("np-5", '<hook_prompt hook_run_id="r">x</other>'),
    hook_prompt("np-6", '<hook_prompt hook_run_id="r" hook_run_id="s">x</hook_prompt>'),
    hook_prompt("np-7", '<hook_prompt hook_run_id="r">x</hook_prompt>', "typed"),
    hook_prompt("np-8", '<hook_prompt hook_run_id="r"/>'),
    {"type": "response_item", "payload": {"type": "message", "id": "np-9", "role": "developer",
     "content": [{"type": "input_text", "text": '<hook_prompt hook_run_id="r">x</hook_prompt>'}]}},
    ev({"type": "dynamic_tool_call_request", "callId": "dt-1", "turnId": T1, "tool": "lookup",
        "arguments": {"x": 1}}),
    ev({"type": "dynamic_tool_call_response", "call_id": "dt-1", "turn_id": T1, "tool": "lookup",
        "arguments": {"x": 1}, "content_items": [{"type": "inputText", "text": "res"},
                                                 {"type": "inputImage", "imageUrl": "u"}],
        "success": True, "error": None, "duration": dur(42)}),
    ev({"type": "dynamic_tool_call_response", "call_id": "dt-2", "turn_id": "", "tool": "t",
        "arguments": None, "content_items": [], "success": False, "error": "no",
        "duration": dur(3)}),
    ev({"type": "dynamic_tool_call_request", "callId": "dt-3", "turnId": "", "tool": "t3",
        "arguments": [1, 2]}),
    ev({"type": "collab_agent_spawn_begin", "call_id": "co-1", "sender_thread_id": SENDER,
        "prompt": "do x", "model": "gpt-5.1-codex", "reasoning_effort": "high"}),
    ev({"type": "collab_agent_spawn_end", "call_id": "co-1", "sender_thread_id": SENDER,
        "new_thread_id": R1, "new_agent_nickname": "n", "new_agent_role": "r", "prompt": "do x",
        "model": "gpt-5.1-codex", "reasoning_effort": "low", "status": "pending_init"}),
    ev({"type": "collab_agent_spawn_end", "call_id": "co-2", "sender_thread_id": SENDER,
        "new_thread_id": None, "prompt": "do y", "model": "", "reasoning_effort": "none",
        "status": "running"}),
    ev({"type": "collab_agent_spawn_end", "call_id": "co-3", "sender_thread_id": SENDER,
        "new_thread_id": R2, "prompt": "do z", "model": "m", "reasoning_effort": "xhigh",
        "status": {"errored": "bad"}}),
    ev({"type": "collab_agent_interaction_begin", "call_id": "co-4", "sender_thread_id": SENDER,
        "receiver_thread_id": R1, "prompt": "more"}),
    ev({"type": "collab_agent_interaction_end", "call_id": "co-4", "sender_thread_id": SENDER,
        "receiver_thread_id": R1, "prompt": "more", "status": {"completed": "done!"}}),
    ev({"type": "collab_agent_interaction_end", "call_id": "co-5", "sender_thread_id": SENDER,
        "receiver_thread_id": R2, "prompt": "p", "status": "not_found"}),
    ev({"type": "collab_waiting_begin", "call_id": "co-6", "sender_thread_id": SENDER,
        "receiver_thread_ids": [R2, R1], "receiver_agents": []}),
    ev({"type": "collab_waiting_end", "call_id": "co-6", "sender_thread_id": SENDER,
        "statuses": {R2: {"completed": None}, R1: "shutdown"}, "agent_statuses": []}),
    ev({"type": "collab_waiting_end", "call_id": "co-7", "sender_thread_id": SENDER,
        "statuses": {R1: {"errored": "x"}}}),
    ev({"type": "collab_close_begin", "call_id": "co-8", "sender_thread_id": SENDER,
        "receiver_thread_id": R1}),
    ev({"type": "collab_close_end", "call_id": "co-8", "sender_thread_id": SENDER,
        "receiver_thread_id": R1, "status": "shutdown"}),
    ev({"type": "collab_resume_begin", "call_id": "co-9", "sender_thread_id": SENDER,
        "receiver_thread_id": R2}),
    ev({"type": "collab_resume_end", "call_id": "co-9", "sender_thread_id": SENDER,
        "receiver_thread_id": R2, "status": "running"}),
    ev({"type": "collab_close_begin", "call_id": "co-10", "sender_thread_id": SENDER,
        "receiver_thread_id": R2}),
    ev({"type": "context_compacted"}),
    ev({"type": "entered_review_mode", "target": {"type": "uncommittedChanges"},
        "user_facing_hint": "current changes"}),
    ev({"type": "exited_review_mode", "review_output": {
        "findings": [], "overall_correctness": "ok",
        "overall_explanation": "  Looks good.  ", "overall_confidence_score": 0.5}}),
    ev({"type": "entered_review_mode", "target": {"type": "custom", "instructions": "x"}}),
    ev({"type": "exited_review_mode", "review_output": None}),
    ev({"type": "exited_review_mode", "review_output": {
        "findings": [], "overall_correctness": "ok", "overall_explanation": "   ",
        "overall_confidence_score": 0.1}}),
    ev({"type": "item_started", "thread_id": SENDER, "turn_id": T1,
        "item": {"type": "Plan", "id": "plan-1", "text": "draft"}}),
    ev({"type": "item_completed", "thread_id": SENDER, "turn_id": T1,
        "item": {"type": "Plan", "id": "plan-1", "text": "1. final"}}),
    ev({"type": "item_completed", "thread_id": SENDER, "turn_id": T1,
        "item": {"type": "Plan", "id": "plan-2", "text": ""}}),
    ev({"type": "item_completed", "thread_id": SENDER, "turn_id": "nope",
        "item": {"type": "Plan", "id": "plan-3", "text": "lost"}}),
    ev({"type": "item_completed", "thread_id": SENDER, "turn_id": T1,
        "item": {"type": "AgentMessage", "id": "am", "content": []}}),
    ev({"type": "token_count", "info": None, "rate_limits": None}),
    ev({"type": "undo_completed", "success": True}),
    agent("done", phase="final_answer"),
    complete(T1),
    started(T2, alias=True),
    user("   "),
    user("second message in the same explicit turn"),
    exec_end("call-late", T1, ["echo", "late"], [], "late\n", 0, "completed", 9),
    exec_end("call-lost", "unknown-turn", ["echo", "lost"], [], "x", 0, "completed", 9),
    ev({"type": "item_completed", "thread_id": SENDER, "turn_id": T1,
        "item": {"type": "Plan", "id": "plan-1", "text": "1. revised"}}),
    complete(T2, alias=True),
]

# Status rules: errors, aborts, completions that name other turns, a turn left open.
S = [f"01a20edc-0000-7000-8000-0000000002{i:02d}" for i in range(10)]
CASES["statuses"] = [
    ev({"type": "error", "message": "before any turn"}),
    started(S[0]), user("one"),
    ev({"type": "error", "message": "stream failed", "codex_error_info": {
        "http_connection_failed": {"http_status_code": 502}}}),
    complete(S[0]),
    started(S[1]), user("two"),
    ev({"type": "error", "message": "rollback failed", "codex_error_info": "thread_rollback_failed"}),
    complete(S[1]),
    started(S[2]), user("three"),
    ev({"type": "error", "message": "too long", "codex_error_info": "context_window_exceeded"}),
    ev({"type": "turn_aborted", "turn_id": S[2], "reason": "interrupted"}),
    complete(S[2]),
    started(S[3]), user("four"), ev({"type": "error", "message": "plain"}),
    ev({"type": "error", "message": "other", "codex_error_info": "other"}),
    complete(S[3]),
    started(S[4]), user("five"), ev({"type": "turn_aborted", "reason": "interrupted"}),
    started(S[5]), user("six"),
    ev({"type": "turn_aborted", "turn_id": S[0], "reason": "replaced"}),
    ev({"type": "turn_aborted", "turn_id": "unknown", "reason": "review_ended"}),
    complete("not-this-turn"),
    started(S[6]), user("seven"),
    complete(S[1]),
    ev({"type": "error", "message": "late", "codex_error_info": {
        "response_stream_disconnected": {"http_status_code": None}}}),
    complete(S[6]),
    ev({"type": "error", "message": "between turns"}),
    started(S[7]),
    complete(S[7]),
    started(S[8]), user("nine, never completed"), agent("partial"),
]

# Legacy files: no task_started, so each user message opens a turn; compactions keep turns.
L = "01a20edc-0000-7000-8000-000000000301"
CASES["legacy"] = [
    {"type": "compacted", "payload": {"message": "summary before anything"}},
    agent("orphan agent message before any user message"),
    user("first"), agent("reply one"),
    ev({"type": "agent_reasoning", "text": "hmm"}),
    user("second"),
    {"type": "compacted", "payload": {"message": "summary", "replacement_history": []}},
    user("third"),
    ev({"type": "context_compacted"}),
    user(""),
    ev({"type": "turn_aborted", "reason": "interrupted"}),
    ev({"type": "error", "message": "legacy error"}),
    {"type": "compacted", "payload": {"message": "trailing"}},
]

# Compaction-only turn followed by a user message: the empty compacted turn is reused.
CASES["legacy_compacted_reuse"] = [
    user("before"), complete("x"),
    {"type": "compacted", "payload": {"message": "s"}},
    user("after compaction"), agent("ok"),
    {"type": "compacted", "payload": {"message": "s2"}},
]

# Rollbacks: drop the last N turns and renumber items from what is left.
B = [f"01a20edc-0000-7000-8000-0000000004{i:02d}" for i in range(8)]
CASES["rollback"] = [
    started(B[0]), user("a"), agent("ra"), complete(B[0]),
    started(B[1]), user("b"), agent("rb"), ev({"type": "agent_reasoning", "text": "r"}),
    complete(B[1]),
    started(B[2]), user("c"), agent("rc"), complete(B[2]),
    ev({"type": "thread_rolled_back", "num_turns": 2}),
    started(B[3]), user("d"), agent("rd"),
    ev({"type": "thread_rolled_back", "num_turns": 1}),
    user("e (legacy after rollback)"), agent("re"),
    ev({"type": "thread_rolled_back", "num_turns": 0}),
    started(B[4]), user("f"), complete(B[4]),
    ev({"type": "thread_rolled_back", "num_turns": 1}),
    started(B[5]), user("g"), agent("rg"), complete(B[5]),
]

# Rolling back more turns than exist empties the thread and restarts numbering at item-1.
CASES["rollback_all"] = [
    started(B[6]), user("x"), agent("rx"), complete(B[6]),
    user("legacy y"),
    ev({"type": "thread_rolled_back", "num_turns": 99}),
    started(B[7]), user("z"), agent("rz"), complete(B[7]),
]

# Lines Codex cannot parse are skipped whole; unknown event types are ignored.
M = "01a20edc-0000-7000-8000-000000000501"
CASES["malformed"] = [
    started(M), user("ok"),
    ev({"type": "user_message"}),
    ev({"type": "agent_message", "message": 5}),
    ev({"type": "error", "message": "not steerable",
        "codex_error_info": {"active_turn_not_steerable": {"turn_kind": "review"}}}),
    ev({"type": "exec_command_end", "call_id": "c1", "turn_id": M}),
    ev({"type": "some_future_event", "x": 1}),
    ev({"type": "agent_reasoning"}),
    ev({"type": "thread_rolled_back", "num_turns": -1}),
    agent("still here"),
    complete(M),
]


# Where Codex's serde types are strict (line skipped) or lenient (unknown web search action).
V = "01a20edc-0000-7000-8000-000000000701"
CASES["strictness"] = [
    started(V), user("x"),
    ev({"type": "web_search_end", "call_id": "w1", "query": "q",
        "action": {"type": "future_action", "foo": 1}}),
    ev({"type": "entered_review_mode", "target": {"type": "uncommittedChanges"},
        "user_facing_hint": ""}),
    ev({"type": "turn_aborted", "turn_id": V, "reason": "budget_limited"}),
    ev({"type": "agent_message", "message": "m", "phase": "weird"}),
    ev({"type": "user_message", "message": "y", "text_elements": None}),
    ev({"type": "user_message", "message": "z", "images": ["a"], "local_images": None}),
    ev({"type": "user_message", "message": " ", "text_elements": [{"byte_range": {}}]}),
    ev({"type": "user_message", "message": "w"}),
    # 0.117.0 requires a spawn's model and reasoning effort, a known exec source and a whole
    # memory citation.
    ev({"type": "collab_agent_spawn_begin", "call_id": "co-old", "sender_thread_id": V,
        "prompt": "written by 0.113.0"}),
    ev({"type": "exec_command_begin", "call_id": "x-bad", "turn_id": V, "command": ["ls"],
        "cwd": "/w", "parsed_cmd": [], "source": None}),
    ev({"type": "agent_message", "message": "c", "phase": None,
        "memory_citation": {"entries": []}}),
]

# Command lines: Codex joins argv with Rust shlex 1.3 (mixed '…'/"…" chunks; plain join on NUL).
Q = "01a20edc-0000-7000-8000-000000000601"
ARGVS = [
    ["ls", "-la", "/tmp/x_y.z+@:]"], ["echo", "^abc", "a^b", "^"], ["echo", "it's $HOME"],
    ["echo", "!", "a!b", "hi!'x"], ["echo", "é", "naïve", "日本"], ["echo", "back\\slash"],
    ["echo", "a'b\"c$d`e"], ["sh", "-c", "a\nb", "x\ry", "{a,b}", "c,d", "%x", "~", "#c", "a=b"],
    ["echo", "nul\u0000byte", "a b"], ["echo", "\u007f", "\u0001"], [],
    ["printf", "%s\\n", "[a]", "?", "x|y&z;w<v>u(t)"],
]
CASES["exec_quoting"] = [started(Q), user("quote")] + [
    exec_end(f"q-{i}", Q, argv, [], "", 0, "completed", i) for i, argv in enumerate(ARGVS)
] + [complete(Q)]


def main():
    for name, lines in CASES.items():
        tid = "01a20edc-0000-7000-8000-" + format(sum(map(ord, name)) * 7919, "012x")
        path = os.path.join(HERE, name + ".rollout.jsonl")
        with open(path, "w") as f:
            for item in [meta(tid)] + lines:
                line = {"timestamp": TS, **item}
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        print(path)


if __name__ == "__main__":
    main()
