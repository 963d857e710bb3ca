#!/usr/bin/env python3
"""Turns that outlive the server process, through `threadlog serve` on stdio with the scripted
model: a server killed (SIGKILL) in the middle of a turn or right after a turn completed, then
started again on the same store; a thread resumed after a clean stop; forks (whole thread, and
after a rollback) whose history stays apart from their parent's. What is checked: thread/read
after the restart (a turn cut by the crash reads `interrupted`, as Codex 0.117.0 reads a turn
without task_complete on a thread that is not running; see projections/TURNS.md), and the
history the model is sent for the next turn (`input` of the Responses request). Every message
is validated against the 0.117.0 schema (rpc_client).
Usage: turn_durability_test.py THREADLOG_BINARY"""
import os
import shutil
import signal
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from rpc_client import StdioClient  # noqa: E402
from serve_world import World  # noqa: E402

BINARY = None


class Store:
    """A scratch store, CODEX_HOME and cwd, and the mock as the provider; `serve()` starts a
    `threadlog serve` on them (again and again: the store outlives each process)."""

    def __init__(self, steps):
        world = World(steps, "turn-durability-")
        self.root, self.home, self.cwd, self.store = world.root, world.home, world.cwd, world.store
        self.mock, self.env = world.mock, world.env
        self.servers = []

    def serve(self):
        server = Server(self)
        self.servers.append(server)
        return server

    def bodies(self, thread=None):
        """The Responses request bodies so far, in order (only `thread`'s when given)."""
        return [r["body"] for r in self.mock.responses_requests()
                if thread is None or r["body"].get("prompt_cache_key") == thread]

    def close(self):
        for server in self.servers:
            server.client.kill()
        self.mock.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class Server:
    """One `threadlog serve` process on the Store's store, initialized."""

    def __init__(self, store):
        self.store = store
        self.client = StdioClient([BINARY, "--home", store.store, "serve"],
                                  env=store.env, cwd=store.cwd)
        self.next_id = 1
        self.seen = []  # every notification, in order
        self.request("initialize", {"clientInfo": {"name": "t", "version": "1"},
                                    "capabilities": {"experimentalApi": True}})

    def recv(self):
        msg = self.client.recv(timeout=20)
        if msg is None:
            raise AssertionError("serve closed its output; stderr:\n"
                                 + "".join(self.client.stderr))
        return msg

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.client.send({"id": rid, "method": method, "params": params})
        while True:
            msg = self.recv()
            if msg.get("id") == rid and "method" not in msg:
                return msg
            self.seen.append(msg)

    def result(self, method, params):
        answer = self.request(method, params)
        if "result" not in answer:
            raise AssertionError(f"{method} {params} -> {answer}")
        return answer["result"]

    def wait_until(self, pred, what):
        """Reads notifications until one satisfies `pred`; returns it."""
        deadline = time.time() + 20
        checked = 0
        while time.time() < deadline:
            while checked < len(self.seen):
                if pred(self.seen[checked]):
                    return self.seen[checked]
                checked += 1
            self.seen.append(self.recv())
        raise AssertionError(f"no {what}")

    def wait_completed(self, turn_id):
        """Waits for turn/completed of `turn_id`; returns that turn."""
        return self.wait_until(
            lambda m: m.get("method") == "turn/completed"
            and m["params"]["turn"]["id"] == turn_id, f"turn/completed for {turn_id}"
        )["params"]["turn"]

    def start_turn(self, thread, text):
        return self.result("turn/start", {"threadId": thread, "input": [
            {"type": "text", "text": text}]})["turn"]["id"]

    def turn(self, thread, text):
        """One turn to its end; asserts it completed."""
        turn = self.wait_completed(self.start_turn(thread, text))
        assert turn["status"] == "completed", turn
        return turn

    def start_thread(self):
        return self.result("thread/start", {"cwd": self.store.cwd})["thread"]["id"]

    def sigkill(self):
        """SIGKILL, no goodbye: what a crash (or the OOM killer) does."""
        self.client.proc.send_signal(signal.SIGKILL)
        self.client.proc.wait(timeout=10)
        assert self.client.proc.returncode == -signal.SIGKILL

    def stop(self):
        """A clean stop: stdin closed, serve finishes and exits 0."""
        self.client.close_stdin()
        assert self.client.wait(timeout=15) == 0, "".join(self.client.stderr)


def messages(body):
    """(role, text) of every user/assistant message of a request's input, context messages
    (AGENTS.md, <environment_context>, <turn_aborted>, …) included; developer ones left out."""
    out = []
    for item in body["input"]:
        if item.get("type") == "message" and item.get("role") in ("user", "assistant"):
            text = "".join(c.get("text", "") for c in item["content"])
            out.append((item["role"], text))
    return out


def conversation(body):
    """messages() without Codex's injected context: what the users and the model said."""
    injected = ("# AGENTS.md instructions", "<environment_context>", "<turn_aborted>",
                "<skill>", "<permissions instructions>")
    return [(role, text) for role, text in messages(body)
            if not (role == "user" and text.lstrip().startswith(injected))]


def items_of(turn):
    return [(i["type"], i["content"][0]["text"] if i["type"] == "userMessage" else i.get("text"))
            for i in turn["items"]]


class TurnDurabilityTest(unittest.TestCase):
    def setUp(self):
        self.stores = []

    def tearDown(self):
        for store in self.stores:
            store.close()

    def make_store(self, steps):
        store = Store(steps)
        self.stores.append(store)
        return store

    def test_a_turn_cut_by_a_crash_reads_interrupted_and_the_thread_goes_on(self):
        store = self.make_store([{"text": "Answer one."},
                                 {"items": [{"text": "Half an answer"}], "stall": True},
                                 {"text": "Answer three."}])
        s = store.serve()
        thread = s.start_thread()
        s.turn(thread, "Question one?")
        turn2 = s.start_turn(thread, "Question two?")
        # The user's input and the streamed output were told before the crash.
        s.wait_until(lambda m: m.get("method") == "item/completed"
                     and m["params"]["turnId"] == turn2
                     and m["params"]["item"]["type"] == "userMessage", "userMessage completed")
        s.wait_until(lambda m: m.get("method") == "item/agentMessage/delta"
                     and m["params"]["turnId"] == turn2, "agentMessage delta")
        s.wait_until(lambda m: m.get("method") == "item/completed"
                     and m["params"]["turnId"] == turn2
                     and m["params"]["item"]["type"] == "agentMessage", "agentMessage completed")
        store.mock.wait_stalled()
        s.sigkill()

        s = store.serve()
        read = s.result("thread/read", {"threadId": thread, "includeTurns": True})["thread"]
        self.assertEqual(read["status"], {"type": "notLoaded"})
        turns = read["turns"]
        self.assertEqual([t["id"] for t in turns][1:], [turn2])
        self.assertEqual([t["status"] for t in turns], ["completed", "interrupted"])
        self.assertEqual(items_of(turns[0]), [("userMessage", "Question one?"),
                                              ("agentMessage", "Answer one.")])
        # The user's message is kept, and so is the answer's item the stream had completed
        # (told as item/completed, so appended before the crash).
        self.assertEqual(items_of(turns[1]), [("userMessage", "Question two?"),
                                              ("agentMessage", "Half an answer")])
        self.assertIsNone(turns[1]["error"])

        resumed = s.result("thread/resume", {"threadId": thread})["thread"]
        self.assertEqual([t["status"] for t in resumed["turns"]], ["completed", "interrupted"])
        self.assertEqual([items_of(t) for t in resumed["turns"]], [items_of(t) for t in turns])
        s.turn(thread, "Question three?")
        bodies = store.bodies(thread)
        self.assertEqual(len(bodies), 3)
        users = [text for role, text in conversation(bodies[2]) if role == "user"]
        self.assertEqual(users, ["Question one?", "Question two?", "Question three?"])
        self.assertEqual(conversation(bodies[2]), [
            ("user", "Question one?"), ("assistant", "Answer one."),
            ("user", "Question two?"), ("assistant", "Half an answer"),
            ("user", "Question three?")])
        self.assertEqual(store.mock.violations, [])
        read = s.result("thread/read", {"threadId": thread, "includeTurns": True})["thread"]
        self.assertEqual([t["status"] for t in read["turns"]],
                         ["completed", "interrupted", "completed"])
        self.assertEqual(items_of(read["turns"][2]), [("userMessage", "Question three?"),
                                                      ("agentMessage", "Answer three.")])

    def test_a_crash_while_the_answer_streams_keeps_the_user_message_only(self):
        # The answer's item was added and streamed in part, never done: not an item yet (Codex
        # records an output item when the stream says it is done), so only the user's message
        # outlives the crash, and the next request has no trace of the partial text.
        half = {"type": "message", "role": "assistant", "id": "msg_half",
                "status": "in_progress", "content": []}
        store = self.make_store([
            {"raw": [{"type": "response.created", "response": {
                        "id": "resp_half", "object": "response", "status": "in_progress",
                        "output": []}},
                     {"type": "response.output_item.added", "output_index": 0, "item": half},
                     {"type": "response.output_text.delta", "item_id": "msg_half",
                      "output_index": 0, "content_index": 0, "delta": "Half-streamed"}],
             "stall": True},
            {"text": "Whole answer."}])
        s = store.serve()
        thread = s.start_thread()
        turn = s.start_turn(thread, "Cut me off.")
        s.wait_until(lambda m: m.get("method") == "item/completed"
                     and m["params"]["turnId"] == turn
                     and m["params"]["item"]["type"] == "userMessage", "userMessage completed")
        s.wait_until(lambda m: m.get("method") == "item/agentMessage/delta"
                     and m["params"]["turnId"] == turn
                     and m["params"]["delta"] == "Half-streamed", "agentMessage delta")
        s.sigkill()

        s = store.serve()
        read = s.result("thread/read", {"threadId": thread, "includeTurns": True})["thread"]
        self.assertEqual([(t["id"], t["status"]) for t in read["turns"]], [(turn, "interrupted")])
        self.assertEqual(items_of(read["turns"][0]), [("userMessage", "Cut me off.")])
        self.assertEqual(read["preview"], "Cut me off.")
        s.result("thread/resume", {"threadId": thread})
        s.turn(thread, "Again, please.")
        body = store.bodies(thread)[-1]
        self.assertEqual(conversation(body), [("user", "Cut me off."),
                                              ("user", "Again, please.")])
        self.assertNotIn("Half-streamed", str(body))

    def test_a_completed_turn_survives_a_kill_right_after_it_was_told(self):
        store = self.make_store([{"text": "Durable answer."}])
        s = store.serve()
        thread = s.start_thread()
        turn = s.wait_completed(s.start_turn(thread, "Keep this?"))
        s.sigkill()  # at once: turn/completed was the last thing read

        s = store.serve()
        read = s.result("thread/read", {"threadId": thread, "includeTurns": True})["thread"]
        self.assertEqual(len(read["turns"]), 1)
        self.assertEqual(read["turns"][0]["id"], turn["id"])
        self.assertEqual(read["turns"][0]["status"], "completed")
        self.assertEqual(items_of(read["turns"][0]), [("userMessage", "Keep this?"),
                                                      ("agentMessage", "Durable answer.")])
        self.assertEqual(read["preview"], "Keep this?")
        listed = s.result("thread/list", {})["data"]
        self.assertEqual([t["id"] for t in listed], [thread])

    def test_a_resumed_thread_sends_its_whole_history(self):
        store = self.make_store([{"text": "Assistant one."}, {"text": "Assistant two."},
                                 {"text": "Assistant three."}])
        s = store.serve()
        thread = s.start_thread()
        s.turn(thread, "User one.")
        s.turn(thread, "User two.")
        s.stop()

        s = store.serve()
        resumed = s.result("thread/resume", {"threadId": thread})
        self.assertEqual(resumed["thread"]["id"], thread)
        self.assertEqual([items_of(t) for t in resumed["thread"]["turns"]], [
            [("userMessage", "User one."), ("agentMessage", "Assistant one.")],
            [("userMessage", "User two."), ("agentMessage", "Assistant two.")]])
        self.assertEqual(resumed["model"], "gpt-5.1-codex")
        s.turn(thread, "User three.")
        bodies = store.bodies(thread)
        self.assertEqual(len(bodies), 3)
        self.assertEqual(conversation(bodies[2]), [
            ("user", "User one."), ("assistant", "Assistant one."),
            ("user", "User two."), ("assistant", "Assistant two."),
            ("user", "User three.")])
        self.assertTrue(bodies[2]["instructions"])
        self.assertEqual(bodies[2]["instructions"], bodies[0]["instructions"])
        self.assertEqual(bodies[2]["model"], "gpt-5.1-codex")
        # Nothing changed since turn 2, so the history is turn 2's request, its answer and the
        # new message: the context is not given again (Codex's resumed reference context).
        self.assertEqual(bodies[2]["input"][:len(bodies[1]["input"])], bodies[1]["input"])
        self.assertEqual(len(bodies[2]["input"]), len(bodies[1]["input"]) + 2)
        self.assertEqual(store.mock.violations, [])

    def test_a_fork_has_its_parents_history_and_then_its_own(self):
        store = self.make_store(["a-answer", "b-answer", "c-answer", "f1-answer",
                                 "p-answer", "f2-answer", "p2-answer"])
        s = store.serve()
        parent = s.start_thread()
        for text in ("A-text", "B-text", "C-text"):
            s.turn(parent, text)
        forked = s.result("thread/fork", {"threadId": parent})
        fork = forked["thread"]["id"]
        self.assertNotEqual(fork, parent)
        # (0.117.0's Thread has no forkedFromId; later releases added it.)
        self.assertNotIn("forkedFromId", forked["thread"])
        self.assertEqual([items_of(t)[0][1] for t in forked["thread"]["turns"]],
                         ["A-text", "B-text", "C-text"])
        s.wait_until(lambda m: m.get("method") == "thread/started"
                     and m["params"]["thread"]["id"] == fork, "thread/started of the fork")

        s.turn(fork, "F1-text")
        self.assertEqual(len(store.bodies(fork)), 1)  # the fork's requests carry its own id
        self.assertEqual(len(store.bodies(parent)), 3)
        f1 = store.bodies(fork)[-1]
        # The fork's first request is the parent's history as it was, then the new message.
        c = store.bodies(parent)[2]
        self.assertEqual(f1["input"][:len(c["input"])], c["input"])
        self.assertEqual(f1["instructions"], c["instructions"])
        self.assertEqual(conversation(f1), [
            ("user", "A-text"), ("assistant", "a-answer"), ("user", "B-text"),
            ("assistant", "b-answer"), ("user", "C-text"), ("assistant", "c-answer"),
            ("user", "F1-text")])

        s.turn(parent, "P-after-fork")
        p = store.bodies(parent)[-1]
        self.assertEqual(conversation(p), [
            ("user", "A-text"), ("assistant", "a-answer"), ("user", "B-text"),
            ("assistant", "b-answer"), ("user", "C-text"), ("assistant", "c-answer"),
            ("user", "P-after-fork")])
        self.assertNotIn("F1-text", str(p))
        self.assertNotIn("f1-answer", str(p))

        s.turn(fork, "F2-text")
        f2 = store.bodies(fork)[-1]
        self.assertNotIn("P-after-fork", str(f2))
        self.assertNotIn("p-answer", str(f2))
        self.assertEqual(conversation(f2)[-3:], [
            ("user", "F1-text"), ("assistant", "f1-answer"), ("user", "F2-text")])

        s.turn(parent, "P2-text")
        p2 = store.bodies(parent)[-1]
        self.assertNotIn("F1-text", str(p2))
        self.assertNotIn("F2-text", str(p2))
        self.assertEqual(conversation(p2)[-3:], [
            ("user", "P-after-fork"), ("assistant", "p-answer"), ("user", "P2-text")])

        # Both stay apart in what thread/read shows, after a restart too.
        s.stop()
        s = store.serve()
        read_fork = s.result("thread/read", {"threadId": fork, "includeTurns": True})["thread"]
        read_parent = s.result("thread/read", {"threadId": parent, "includeTurns": True})["thread"]
        self.assertEqual([items_of(t)[0][1] for t in read_fork["turns"]],
                         ["A-text", "B-text", "C-text", "F1-text", "F2-text"])
        self.assertEqual([items_of(t)[0][1] for t in read_parent["turns"]],
                         ["A-text", "B-text", "C-text", "P-after-fork", "P2-text"])
        self.assertEqual(store.mock.violations, [])

    def test_a_fork_after_a_rollback_leaves_the_dropped_turn_out(self):
        store = self.make_store(["a-answer", "b-answer", "c-answer", "d-answer", "e-answer"])
        s = store.serve()
        parent = s.start_thread()
        for text in ("A-text", "B-text", "C-text"):
            s.turn(parent, text)
        rolled = s.result("thread/rollback", {"threadId": parent, "numTurns": 1})["thread"]
        self.assertEqual([items_of(t)[0][1] for t in rolled["turns"]], ["A-text", "B-text"])
        forked = s.result("thread/fork", {"threadId": parent})["thread"]
        fork = forked["id"]
        self.assertEqual([items_of(t)[0][1] for t in forked["turns"]], ["A-text", "B-text"])

        s.turn(fork, "D-text")
        d = store.bodies(fork)[-1]
        self.assertEqual(conversation(d), [
            ("user", "A-text"), ("assistant", "a-answer"), ("user", "B-text"),
            ("assistant", "b-answer"), ("user", "D-text")])
        self.assertNotIn("C-text", str(d))
        self.assertNotIn("c-answer", str(d))

        # The parent goes on from its rolled-back history, without the fork's turn.
        s.turn(parent, "E-text")
        e = store.bodies(parent)[-1]
        self.assertEqual(conversation(e), [
            ("user", "A-text"), ("assistant", "a-answer"), ("user", "B-text"),
            ("assistant", "b-answer"), ("user", "E-text")])
        self.assertEqual(store.mock.violations, [])


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
