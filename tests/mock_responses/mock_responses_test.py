#!/usr/bin/env python3
"""Tests of the scripted mock Responses server: every answer form, the history check, the log,
keep-alive and the command-line entry point, over real HTTP on 127.0.0.1."""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mock_responses import MockResponses, history_violations  # noqa: E402


def parse_sse(data):
    """[(event name, data JSON)] of an SSE body."""
    events = []
    for frame in data.decode().split("\n\n"):
        if not frame.strip():
            continue
        name, payload = None, None
        for line in frame.split("\n"):
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                payload = json.loads(line[len("data: "):])
        events.append((name, payload))
    return events


class MockTest(unittest.TestCase):
    def start(self, steps, **kw):
        self.tmp = tempfile.mkdtemp(prefix="mock-test-")
        self.log = os.path.join(self.tmp, "log.jsonl")
        self.mock = MockResponses(steps, log_path=self.log, **kw).start()
        self.addCleanup(self.mock.stop)
        return self.mock

    def post(self, body, conn=None, path="/v1/responses", raw=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.mock.port, timeout=10)
        data = raw if raw is not None else json.dumps(body).encode()
        conn.request("POST", path, body=data, headers={"Authorization": "Bearer secret",
                                                       "Content-Type": "application/json"})
        resp = conn.getresponse()
        out = resp, resp.read()
        if own:
            conn.close()
        return out

    def test_text_stream_has_the_responses_api_shape(self):
        self.start([{"text": "Hello", "usage": {"input_tokens": 5, "output_tokens": 1,
                                                "total_tokens": 6}}])
        resp, data = self.post({"input": []})
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Content-Type"), "text/event-stream")
        events = parse_sse(data)
        self.assertEqual([e[0] for e in events],
                         ["response.created", "response.output_item.added",
                          "response.output_text.delta", "response.output_item.done",
                          "response.completed"])
        for name, payload in events:
            self.assertEqual(name, payload["type"])
        self.assertEqual(events[2][1]["delta"], "Hello")
        done = events[3][1]["item"]
        self.assertEqual((done["type"], done["role"]), ("message", "assistant"))
        self.assertEqual(done["content"][0], {"type": "output_text", "text": "Hello",
                                              "annotations": []})
        self.assertEqual(events[4][1]["response"]["usage"]["total_tokens"], 6)

    def test_reasoning_function_custom_and_local_shell_items(self):
        self.start([{"items": [
            {"reasoning": {"summary": ["a", "b"], "encrypted_content": "ENC",
                           "content": ["raw"]}},
            {"function_call": {"name": "exec_command", "arguments": {"cmd": "ls"},
                               "call_id": "c1"}},
            {"apply_patch": {"input": "*** Begin Patch\n*** End Patch", "call_id": "c2"}},
            {"local_shell_call": {"command": ["ls"], "call_id": "c3"}}]}])
        _, data = self.post({"input": []})
        events = parse_sse(data)
        names = [e[0] for e in events]
        self.assertEqual(names.count("response.reasoning_summary_part.added"), 2)
        self.assertEqual([e[1]["summary_index"] for e in events
                          if e[0] == "response.reasoning_summary_text.delta"], [0, 1])
        self.assertIn("response.reasoning_text.delta", names)
        done = [e[1]["item"] for e in events if e[0] == "response.output_item.done"]
        self.assertEqual([d["type"] for d in done],
                         ["reasoning", "function_call", "custom_tool_call", "local_shell_call"])
        self.assertEqual(done[0]["encrypted_content"], "ENC")
        self.assertEqual(json.loads(done[1]["arguments"]), {"cmd": "ls"})
        self.assertEqual((done[2]["name"], done[2]["call_id"]), ("apply_patch", "c2"))
        self.assertEqual(done[3]["action"], {"type": "exec", "command": ["ls"]})
        completed = events[-1][1]["response"]
        self.assertEqual(len(completed["output"]), 4)

    def test_failure_forms(self):
        self.start([{"failed": {"code": "rate_limit_exceeded", "message": "try again in 1s"}},
                    {"http_error": {"status": 429, "retry_after": 3}},
                    {"http_error": 500},
                    {"items": [{"text": "partial"}], "cut": True},
                    {"raw": [{"type": "response.created", "response": {"id": "r"}},
                             {"type": "response.completed", "response": {"id": "r"}}]}])
        _, data = self.post({})
        events = parse_sse(data)
        self.assertEqual(events[-1][0], "response.failed")
        self.assertEqual(events[-1][1]["response"]["error"]["code"], "rate_limit_exceeded")
        self.assertNotIn("response.completed", [e[0] for e in events])
        resp, data = self.post({})
        self.assertEqual((resp.status, resp.getheader("Retry-After")), (429, "3"))
        self.assertIn("error", json.loads(data))
        resp, _ = self.post({})
        self.assertEqual(resp.status, 500)
        # A cut stream ends without the chunked terminator: the client sees an incomplete read.
        conn = http.client.HTTPConnection("127.0.0.1", self.mock.port, timeout=10)
        conn.request("POST", "/v1/responses", body=b"{}")
        resp = conn.getresponse()
        with self.assertRaises(http.client.IncompleteRead):
            resp.read()
        conn.close()
        _, data = self.post({})
        self.assertEqual([e[0] for e in parse_sse(data)],
                         ["response.created", "response.completed"])

    def test_stall_then_release_and_client_hangup(self):
        mock = self.start([{"items": [{"text": "so far"}], "stall": True, "after_release": [
            {"text": "rest"}]}, {"items": [{"text": "hang"}], "stall": True}])
        result = {}

        def reader():
            result["data"] = self.post({})[1]
        t = threading.Thread(target=reader)
        t.start()
        mock.wait_stalled(timeout=10)
        self.assertTrue(t.is_alive())
        mock.release()
        t.join(10)
        events = parse_sse(result["data"])
        self.assertEqual(events[-1][0], "response.completed")
        self.assertEqual(len(events[-1][1]["response"]["output"]), 2)
        # The second stalls until the client goes away; the server notices and stays up.
        sock = socket.create_connection(("127.0.0.1", mock.port), timeout=10)
        sock.sendall(b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        mock.wait_stalled(timeout=10)
        sock.close()
        deadline = time.time() + 10
        while mock._stalled and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(mock._stalled, [])
        _, data = self.post({})
        self.assertEqual(parse_sse(data)[-1][0], "response.completed")

    def test_raw_bodies_tiny_writes_and_response_framing(self):
        raw = ": ping\r\n\r\nevent: x\r\ndata: {\"type\":\"x\"}\r\n\r\n"
        self.start([{"raw_sse": raw},
                    {"raw_sse": ["data: 1\n\n", "data: 2\n\n"], "delay_ms": 20},
                    {"text": "tiny", "split": 1, "headers": {"x-request-id": "req_1"}},
                    {"text": "closed", "no_chunking": True},
                    {"http_error": {"status": 404, "body": "plain words"},
                     "headers": {"cf-ray": "ray"}}])
        _, data = self.post({})
        self.assertEqual(data.decode(), raw)  # verbatim, CRLF and comment included
        start = time.time()
        _, data = self.post({})
        self.assertEqual(data, b"data: 1\n\ndata: 2\n\n")
        self.assertGreaterEqual(time.time() - start, 0.04)
        # One byte per chunk: the same stream as an unsplit one.
        conn = http.client.HTTPConnection("127.0.0.1", self.mock.port, timeout=10)
        conn.request("POST", "/v1/responses", body=b"{}")
        resp = conn.getresponse()
        self.assertEqual(resp.getheader("x-request-id"), "req_1")
        self.assertEqual([e[0] for e in parse_sse(resp.read())][-1], "response.completed")
        conn.close()
        # Without chunking the body runs until the server closes the connection.
        resp, data = self.post({})
        self.assertIsNone(resp.getheader("Transfer-Encoding"))
        self.assertEqual(resp.getheader("Connection"), "close")
        self.assertEqual(parse_sse(data)[-1][0], "response.completed")
        resp, data = self.post({})
        self.assertEqual((resp.status, data, resp.getheader("cf-ray")), (404, b"plain words", "ray"))
        with self.assertRaises(Exception):
            self.start([{"raw_sse": 5}])
        with self.assertRaises(Exception):
            self.start([{"split": -1}])

    def test_hold_open_and_hangups_are_recorded(self):
        mock = self.start([{"text": "held", "hold_open": True}])
        sock = socket.create_connection(("127.0.0.1", mock.port), timeout=10)
        sock.sendall(b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        got = b""
        while b"response.completed" not in got:
            got += sock.recv(65536)
        mock.wait_stalled(timeout=10)  # completed, yet the stream is held open
        self.assertEqual(mock.hangups, [])
        sock.close()
        hangups = mock.wait_hangup(timeout=10)
        self.assertEqual([h[1] for h in hangups], [0])
        conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=10)
        conn.request("GET", "/_mock/state")
        state = json.loads(conn.getresponse().read())
        conn.close()
        self.assertEqual((state["hangups"], state["stalled"]), ([0], 0))

    def test_https_and_the_authorization_header(self):
        import ssl
        sys.path.insert(0, os.path.join(HERE, "..", "agent"))
        from tls_certs import make_certs, server_context
        tmp = tempfile.mkdtemp(prefix="mock-tls-")
        certs = make_certs(tmp)
        mock = self.start([{"text": "secure"}], ssl_context=server_context(certs["cert"],
                                                                           certs["key"]),
                          redact_authorization=False)
        self.assertTrue(mock.base_url.startswith("https://127.0.0.1:"))
        context = ssl.create_default_context(cafile=certs["ca"])
        conn = http.client.HTTPSConnection("127.0.0.1", mock.port, timeout=10, context=context)
        conn.request("POST", "/v1/responses", body=b"{}", headers={"Authorization": "Bearer k"})
        self.assertEqual(parse_sse(conn.getresponse().read())[-1][0], "response.completed")
        conn.close()
        self.assertEqual(mock.requests[0]["headers"]["Authorization"], "Bearer k")
        self.assertTrue(mock.requests[0]["tls"])
        # A client that refuses the certificate harms nothing; the server goes on.
        with self.assertRaises(ssl.SSLError):
            bad = http.client.HTTPSConnection("127.0.0.1", mock.port, timeout=10,
                                              context=ssl.create_default_context())
            bad.request("POST", "/v1/responses", body=b"{}")
        conn = http.client.HTTPSConnection("127.0.0.1", mock.port, timeout=10, context=context)
        conn.request("POST", "/v1/responses", body=b"{}")
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()

    def test_match_and_callable_steps_pick_their_request(self):
        # Concurrent threads (a parent and its sub-agent) ask in no fixed order: a step can
        # name a substring of the request body it is for, or be a function of the body.
        seen = []

        def echo_last_input(body):
            if "dynamic" not in json.dumps(body):
                return None
            seen.append(body)
            return {"text": "saw " + body["input"][-1]["content"][0]["text"]}

        self.start([{"match": "for-b", "text": "B"}, {"text": "any"}, echo_last_input])

        def text_of(data):
            return [e[1]["item"]["content"][0]["text"] for e in parse_sse(data)
                    if e[0] == "response.output_item.done"][0]
        msg = lambda t: {"input": [{"type": "message", "role": "user",
                                    "content": [{"type": "input_text", "text": t}]}]}
        self.assertEqual(text_of(self.post(msg("for-a"))[1]), "any")
        self.assertEqual(text_of(self.post(msg("dynamic one"))[1]), "saw dynamic one")
        self.assertEqual(text_of(self.post(msg("for-b"))[1]), "B")
        self.assertEqual(text_of(self.post(msg("for-b"))[1]), "Done.")  # all used
        self.assertEqual(len(seen), 1)
        with self.assertRaises(Exception):
            MockResponses([{"match": 5}])

    def test_exhausted_script_answers_the_default_text(self):
        self.start([], default_text="fallback")
        for _ in range(2):
            _, data = self.post({})
            done = [e[1] for e in parse_sse(data) if e[0] == "response.output_item.done"]
            self.assertEqual(done[0]["item"]["content"][0]["text"], "fallback")

    def test_history_violations_are_logged_not_fatal(self):
        mock = self.start([])
        bad = {"input": [
            {"type": "function_call", "call_id": "a", "name": "x", "arguments": "{}"},
            {"type": "custom_tool_call_output", "call_id": "b", "output": "o"},
            {"type": "function_call_output", "call_id": "", "output": "o"},
            {"type": "local_shell_call", "call_id": "c", "action": {}},
            {"type": "function_call_output", "call_id": "c", "output": "o"}]}
        resp, _ = self.post(bad)
        self.assertEqual(resp.status, 200)
        problems = [p for _, p in mock.violations]
        self.assertEqual(problems, ["input[2] function_call_output has an empty or missing call_id",
                                    "function_call a has no function_call_output",
                                    "custom_tool_call_output b has no matching call"])
        self.assertEqual(history_violations({"input": [
            {"type": "custom_tool_call", "call_id": "z"},
            {"type": "custom_tool_call_output", "call_id": "z"}]}), [])
        with open(self.log) as f:
            logged = [json.loads(line) for line in f]
        self.assertEqual(logged[0]["violations"], problems)
        self.assertEqual(logged[0]["headers"]["Authorization"], "<redacted>")
        self.assertNotIn("secret", open(self.log).read())

    def test_other_paths_odd_input_and_keep_alive(self):
        mock = self.start([{"text": "one"}, {"text": "two"}])
        conn = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=10)
        conn.request("GET", "/v1/models")
        resp = conn.getresponse()
        self.assertEqual((resp.status, json.loads(resp.read())["object"]), (200, "list"))
        conn.request("GET", "/nowhere")
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 404)
        resp, data = self.post(None, conn=conn, raw=b"\xff not json")
        self.assertEqual(resp.status, 200)
        resp, data = self.post({"input": "not a list"}, conn=conn)
        self.assertEqual(resp.status, 200)
        self.assertIn("body_error", mock.requests[2])
        # Garbage on a raw socket does not take the server down.
        sock = socket.create_connection(("127.0.0.1", mock.port), timeout=10)
        sock.sendall(b"\x00\x01garbage\r\n\r\n")
        sock.recv(100)
        sock.close()
        _, data = self.post({})
        self.assertEqual(parse_sse(data)[-1][0], "response.completed")
        self.assertEqual(len(mock.wait_requests(3)), 3)
        conn.close()

    def test_push_and_release_over_http(self):
        mock = self.start([])
        resp, _ = self.post([{"text": "pushed"}], path="/_mock/push")
        self.assertEqual(resp.status, 200)
        _, data = self.post({})
        done = [e[1] for e in parse_sse(data) if e[0] == "response.output_item.done"]
        self.assertEqual(done[0]["item"]["content"][0]["text"], "pushed")
        resp, _ = self.post([{"bogus": 1}], path="/_mock/push")
        self.assertEqual(resp.status, 400)
        resp, _ = self.post({}, path="/_mock/release")
        self.assertEqual(resp.status, 200)
        self.assertEqual(len(mock.responses_requests()), 1)

    def test_command_line(self):
        tmp = tempfile.mkdtemp(prefix="mock-cli-")
        script = os.path.join(tmp, "script.json")
        with open(script, "w") as f:
            json.dump({"steps": [{"text": "from file"}], "default_text": "after"}, f)
        log = os.path.join(tmp, "log.jsonl")
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "mock_responses.py"), script,
                                 "--log", log], stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            self.assertRegex(line, r"^listening on http://127\.0\.0\.1:\d+$")
            port = int(line.rsplit(":", 1)[1])
            texts = []
            for _ in range(2):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", "/v1/responses", body=b"{}")
                events = parse_sse(conn.getresponse().read())
                conn.close()
                texts += [e[1]["item"]["content"][0]["text"] for e in events
                          if e[0] == "response.output_item.done"]
            self.assertEqual(texts, ["from file", "after"])
        finally:
            proc.terminate()
            proc.wait(10)
        with open(log) as f:
            self.assertEqual(len(f.readlines()), 2)


if __name__ == "__main__":
    unittest.main()
