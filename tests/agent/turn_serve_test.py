#!/usr/bin/env python3
"""The turn methods the captured golden scenarios do not cover, through `threadlog serve` on
stdio with the scripted model: thread/compact/start and the history it leaves, a skill input's
SKILL.md in the request, thread/rollback refused and thread/archive stopping a running turn,
a provider answering with another model (model/rerouted), a dynamic tool the client never
answers (the reference binary's answers, asked by hand: see api/METHODS.md "Turn methods"). Every
message is validated against the 0.117.0 schema (rpc_client).
Usage: turn_serve_test.py THREADLOG_BINARY"""
import json
import os
import shutil
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from rpc_client import StdioClient  # noqa: E402
from serve_world import World  # noqa: E402

BINARY = None


class Server:
    """threadlog serve on stdio with a scratch store, CODEX_HOME and the mock as its provider."""

    def __init__(self, steps, serve_args=()):
        world = World(steps, "turn-serve-")
        self.root, self.home, self.cwd, self.mock = world.root, world.home, world.cwd, world.mock
        self.client = StdioClient(world.serve_argv(BINARY, *serve_args), env=world.env,
                                  cwd=self.cwd)
        self.next_id = 1
        self.seen = []  # every notification, in order
        self.request("initialize", {"clientInfo": {"name": "t", "version": "1"},
                                    "capabilities": {"experimentalApi": True}})

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.client.send({"id": rid, "method": method, "params": params})
        while True:
            msg = self.client.recv(timeout=20)
            if msg.get("id") == rid and "method" not in msg:
                return msg
            self.seen.append(msg)

    def wait_for(self, method, turn_id):
        """Reads until notification `method` about `turn_id`; returns the methods seen for it."""
        deadline = time.time() + 20
        while time.time() < deadline:
            for msg in self.seen:
                p = msg.get("params", {})
                if msg.get("method") == method and turn_id in (p.get("turnId"),
                                                                 p.get("turn", {}).get("id")):
                    return [m["method"] for m in self.seen
                            if turn_id in (m.get("params", {}).get("turnId"),
                                           m.get("params", {}).get("turn", {}).get("id"))]
            self.seen.append(self.client.recv(timeout=20))
        raise AssertionError(f"no {method} for {turn_id}")

    def turn(self, thread, text, **extra):
        params = {"threadId": thread, "input": [{"type": "text", "text": text}]}
        params.update(extra)
        answer = self.request("turn/start", params)
        return answer["result"]["turn"]["id"]

    def close(self):
        self.client.kill()
        self.mock.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class TurnServeTest(unittest.TestCase):
    def test_compaction_replaces_the_history(self):
        s = Server([{"text": "A is a letter."}, {"text": "Summary: we discussed A."},
                    {"text": "B follows A."}])
        try:
            thread = s.request("thread/start", {"cwd": s.cwd})["result"]["thread"]["id"]
            s.wait_for("turn/completed", s.turn(thread, "Tell me about A."))
            before = len(s.seen)
            self.assertEqual(s.request("thread/compact/start", {"threadId": thread})["result"], {})
            while not any(m.get("method") == "turn/started" for m in s.seen[before:]):
                s.seen.append(s.client.recv(timeout=20))
            turn = next(m for m in s.seen[before:]
                        if m.get("method") == "turn/started")["params"]["turn"]["id"]
            methods = s.wait_for("turn/completed", turn)
            self.assertIn("thread/compacted", methods)
            self.assertNotIn("item/agentMessage/delta", methods)
            s.wait_for("turn/completed", s.turn(thread, "And B?"))
            bodies = [r["body"] for r in s.mock.responses_requests()]
            self.assertEqual(bodies[1]["tools"], [])
            roles = [i["role"] for i in bodies[2]["input"]]
            self.assertEqual(roles, ["user", "user", "developer", "user", "user"])
            self.assertTrue(bodies[2]["input"][1]["content"][0]["text"].endswith(
                "\nSummary: we discussed A."))
            # Codex's errors for a thread it does not have.
            missing = s.request("thread/compact/start",
                                {"threadId": "01a230c0-e8e5-7da3-a59e-dfee2aa8640c"})
            self.assertEqual(missing["error"], {
                "code": -32600, "message": "thread not found: 01a230c0-e8e5-7da3-a59e-dfee2aa8640c"})
        finally:
            s.close()

    def test_a_skill_input_sends_its_skill_file(self):
        s = Server([{"text": "ok"}])
        try:
            skill = os.path.join(s.home, "skills", "demo", "SKILL.md")
            os.makedirs(os.path.dirname(skill))
            with open(skill, "w") as f:
                f.write("---\nname: demo\ndescription: Demo skill.\n---\n\nSay demo.\n")
            thread = s.request("thread/start", {"cwd": s.cwd})["result"]["thread"]["id"]
            answer = s.request("turn/start", {"threadId": thread, "input": [
                {"type": "text", "text": "use it $demo"},
                {"type": "skill", "name": "demo", "path": skill}]})
            s.wait_for("turn/completed", answer["result"]["turn"]["id"])
            body = s.mock.responses_requests()[0]["body"]
            texts = [i["content"][0]["text"] for i in body["input"]]
            self.assertEqual(texts[-2], "use it $demo")
            self.assertEqual(texts[-1], f"<skill>\n<name>demo</name>\n<path>{skill}</path>\n"
                             "---\nname: demo\ndescription: Demo skill.\n---\n\nSay demo.\n\n"
                             "</skill>")
            # The skill is listed for the model on the thread's first turn too.
            self.assertIn(f"- demo: Demo skill. (file: {skill})",
                          body["input"][0]["content"][-1]["text"])
        finally:
            s.close()

    def test_a_running_turn_refuses_rollback_and_stops_for_archive(self):
        s = Server([{"text": "A", "stall": True}])
        try:
            thread = s.request("thread/start", {"cwd": s.cwd})["result"]["thread"]["id"]
            turn = s.turn(thread, "first")
            s.mock.wait_stalled()
            read = s.request("thread/read", {"threadId": thread, "includeTurns": True})
            self.assertEqual(read["result"]["thread"]["status"]["type"], "active")
            self.assertEqual(read["result"]["thread"]["turns"][-1]["status"], "inProgress")
            rollback = s.request("thread/rollback", {"threadId": thread, "numTurns": 1})
            self.assertEqual(rollback["error"], {
                "code": -32600, "message": "Cannot rollback while a turn is in progress."})
            self.assertEqual(s.request("thread/archive", {"threadId": thread})["result"], {})
            # The turn ended, and was told, before the archive answered.
            ended = [m for m in s.seen if m.get("method") == "turn/completed"]
            self.assertEqual([m["params"]["turn"]["status"] for m in ended], ["interrupted"])
            self.assertEqual(ended[0]["params"]["turn"]["id"], turn)
        finally:
            s.close()

    def test_a_reroute_is_told_once_per_turn_and_warns_the_model(self):
        other = {"OpenAI-Model": "gpt-5.2"}
        s = Server([{"text": "one", "headers": other},
                    {"function_call": {"name": "update_plan", "call_id": "c1", "arguments":
                                       {"plan": [{"step": "a", "status": "pending"}]}},
                     "headers": other},
                    {"text": "two", "headers": other},
                    {"text": "three", "headers": {"openai-model": "GPT-5.1-CODEX"}}])
        try:
            thread = s.request("thread/start", {"cwd": s.cwd})["result"]["thread"]["id"]
            turns = []
            for text in ("a", "b", "c"):
                turns.append(s.turn(thread, text))
                s.wait_for("turn/completed", turns[-1])
            told = [m["params"] for m in s.seen if m.get("method") == "model/rerouted"]
            self.assertEqual(told, [
                {"threadId": thread, "turnId": t, "fromModel": "gpt-5.1-codex",
                 "toModel": "gpt-5.2", "reason": "highRiskCyberActivity"} for t in turns[:2]])
            methods = s.wait_for("turn/completed", turns[0])
            # Told before anything of the response (Codex: right after the HTTP answer).
            self.assertEqual(methods[:5], ["turn/started", "item/started", "item/completed",
                                           "model/rerouted", "item/started"])
            told_at = next(n for n, m in enumerate(s.seen) if m.get("method") == "model/rerouted")
            self.assertEqual(s.seen[told_at + 1]["method"], "account/rateLimits/updated")
            warning = ("Warning: Your account was flagged for potentially high-risk cyber "
                       "activity and this request was routed to gpt-5.2 as a fallback. To regain "
                       "access to gpt-5.3-codex, apply for trusted access: "
                       "https://chatgpt.com/cyber or learn more: "
                       "https://developers.openai.com/codex/concepts/cyber-safety")
            last = s.mock.responses_requests()[-1]["body"]["input"]
            texts = [(i.get("role"), i["content"][0]["text"]) for i in last
                     if i.get("type") == "message"]
            # Once per turn (the second turn made two requests), after the turn's input.
            self.assertEqual(texts[-7:], [("user", "a"), ("user", warning), ("assistant", "one"),
                                          ("user", "b"), ("user", warning), ("assistant", "two"),
                                          ("user", "c")])
            # thread/read shows no item for it, as Codex shows none.
            read = s.request("thread/read", {"threadId": thread, "includeTurns": True})
            items = [[i["type"] for i in t["items"]] for t in read["result"]["thread"]["turns"]]
            self.assertEqual(items, [["userMessage", "agentMessage"]] * 3)
        finally:
            s.close()

    def test_an_unanswered_dynamic_tool_call_fails_and_the_turn_goes_on(self):
        s = Server([{"function_call": {"name": "lookup", "call_id": "call-1",
                                       "arguments": {"q": "x"}}},
                    {"text": "It did not answer."}], serve_args=["--dynamic-tool-timeout", "0.5"])
        try:
            tool = {"name": "lookup", "description": "Looks up.",
                    "inputSchema": {"type": "object", "properties": {"q": {"type": "string"}}}}
            thread = s.request("thread/start", {"cwd": s.cwd, "dynamicTools": [tool]})
            thread = thread["result"]["thread"]["id"]
            turn = s.turn(thread, "look it up")
            methods = s.wait_for("turn/completed", turn)
            asked = [m for m in s.seen if m.get("method") == "item/tool/call"]
            self.assertEqual(len(asked), 1)  # asked, never answered
            done = [m["params"]["item"] for m in s.seen if m.get("method") == "item/completed"
                    and m["params"]["item"]["type"] == "dynamicToolCall"]
            self.assertEqual(len(done), 1)
            self.assertEqual(done[0]["status"], "failed")
            self.assertFalse(done[0]["success"])
            ended = next(m for m in s.seen if m.get("method") == "turn/completed")
            self.assertEqual(ended["params"]["turn"]["status"], "completed")
            self.assertIn("item/agentMessage/delta", methods)
            second = s.mock.responses_requests()[1]["body"]["input"]
            output = next(i for i in second if i.get("type") == "function_call_output")
            self.assertEqual(output["call_id"], "call-1")
            self.assertIn("did not answer item/tool/call within 500ms", json.dumps(output))
            # A late answer changes nothing, and the server goes on serving.
            s.client.send({"id": asked[0]["id"], "result": {"contentItems": [], "success": True}})
            read = s.request("thread/read", {"threadId": thread, "includeTurns": True})
            self.assertEqual(read["result"]["thread"]["turns"][0]["status"], "completed")
        finally:
            s.close()


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
