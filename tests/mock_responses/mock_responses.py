#!/usr/bin/env python3
"""A scripted stand-in for the OpenAI Responses API (POST /v1/responses, SSE), for driving Codex
or threadlog's turn engine offline. Python 3 standard library only; see README.md.

As a program:  mock_responses.py SCRIPT.json [--port 0] [--log requests.jsonl] [--default-text T]
prints `listening on http://127.0.0.1:PORT` and serves until killed.
In-process:    server = MockResponses(steps, log_path=...); server.start(); ... server.stop()
"""
import argparse
import json
import select
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CALL_KINDS = {"function_call": "function_call_output",
              "custom_tool_call": "custom_tool_call_output",
              "local_shell_call": "function_call_output"}
OUTPUT_KINDS = {"function_call_output", "custom_tool_call_output"}


# ---------------------------------------------------------------------------------------------
# Script steps -> output items and SSE events
# ---------------------------------------------------------------------------------------------

class ScriptError(ValueError):
    pass


def _item_from_shorthand(spec, n):
    """One Responses output item from a one-key shorthand dict; `n` makes ids unique."""
    if not isinstance(spec, dict) or len(spec) == 0:
        raise ScriptError(f"item shorthand must be a non-empty object: {spec!r}")
    if "raw_item" in spec:
        return spec["raw_item"]
    if "text" in spec:
        return {"type": "message", "role": "assistant", "id": spec.get("id", f"msg_{n}"),
                "status": "completed",
                "content": [{"type": "output_text", "text": spec["text"], "annotations": []}]}
    if "reasoning" in spec:
        r = spec["reasoning"]
        if isinstance(r, str):
            r = {"summary": [r]}
        item = {"type": "reasoning", "id": r.get("id", f"rs_{n}"),
                "summary": [{"type": "summary_text", "text": s} for s in r.get("summary", [])],
                "encrypted_content": r.get("encrypted_content", f"enc-{n}")}
        if "content" in r:
            item["content"] = [{"type": "reasoning_text", "text": t} for t in r["content"]]
        return item
    if "function_call" in spec:
        f = spec["function_call"]
        args = f.get("arguments", {})
        if not isinstance(args, str):
            args = json.dumps(args)
        item = {"type": "function_call", "id": f.get("id", f"fc_{n}"), "name": f["name"],
                "arguments": args, "call_id": f.get("call_id", f"call_{n}"), "status": "completed"}
        if "namespace" in f:
            item["namespace"] = f["namespace"]
        return item
    if "custom_tool_call" in spec:
        c = spec["custom_tool_call"]
        return {"type": "custom_tool_call", "id": c.get("id", f"ctc_{n}"), "name": c["name"],
                "input": c["input"], "call_id": c.get("call_id", f"call_{n}"),
                "status": "completed"}
    if "apply_patch" in spec:
        p = spec["apply_patch"]
        if isinstance(p, str):
            p = {"input": p}
        return {"type": "custom_tool_call", "id": p.get("id", f"ctc_{n}"), "name": "apply_patch",
                "input": p["input"], "call_id": p.get("call_id", f"call_{n}"),
                "status": "completed"}
    if "local_shell_call" in spec:
        s = spec["local_shell_call"]
        action = {"type": "exec", "command": s["command"]}
        for k in ("working_directory", "timeout_ms", "env"):
            if k in s:
                action[k] = s[k]
        return {"type": "local_shell_call", "id": s.get("id", f"lsc_{n}"),
                "call_id": s.get("call_id", f"call_{n}"), "status": "completed",
                "action": action}
    raise ScriptError(f"unknown item shorthand: {sorted(spec)}")


def _item_events(item):
    """The streamed events for one output item: added, deltas, done."""
    events = []
    added = dict(item)
    if item["type"] == "message":
        added["content"] = []
        added["status"] = "in_progress"
    elif item["type"] == "reasoning":
        added["summary"] = []
    events.append({"type": "response.output_item.added", "item": added})
    if item["type"] == "message":
        for c, part in enumerate(item.get("content", [])):
            if part.get("type") == "output_text":
                events.append({"type": "response.output_text.delta", "item_id": item.get("id"),
                               "output_index": 0, "content_index": c, "delta": part["text"]})
    elif item["type"] == "reasoning":
        for i, part in enumerate(item.get("summary", [])):
            events.append({"type": "response.reasoning_summary_part.added",
                           "item_id": item.get("id"), "summary_index": i,
                           "part": {"type": "summary_text", "text": ""}})
            events.append({"type": "response.reasoning_summary_text.delta",
                           "item_id": item.get("id"), "summary_index": i, "delta": part["text"]})
        for i, part in enumerate(item.get("content", []) or []):
            events.append({"type": "response.reasoning_text.delta", "item_id": item.get("id"),
                           "content_index": i, "delta": part["text"]})
    events.append({"type": "response.output_item.done", "item": item})
    return events


DEFAULT_USAGE = {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens": 10, "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": 110}


STEP_KEYS = {"text", "reasoning", "function_call", "custom_tool_call", "apply_patch",
             "local_shell_call", "raw_item", "items", "raw", "failed", "http_error", "cut",
             "stall", "after_release", "usage", "response_id", "delay_ms", "match",
             "raw_sse", "split", "hold_open", "headers", "no_chunking"}


class Step:
    """One scripted answer. Built from a script entry (see README.md for the forms)."""

    def __init__(self, spec, index):
        if isinstance(spec, str):
            spec = {"text": spec}
        if not isinstance(spec, dict):
            raise ScriptError(f"step {index}: must be an object or a string")
        unknown = set(spec) - STEP_KEYS
        if unknown:
            raise ScriptError(f"step {index}: unknown keys {sorted(unknown)}")
        self.spec = spec
        self.index = index
        self.match = spec.get("match")
        if self.match is not None and not isinstance(self.match, str):
            raise ScriptError(f"step {index}: match must be a string")
        self.response_id = spec.get("response_id", f"resp_{index}")
        self.delay = float(spec.get("delay_ms", 0)) / 1000.0
        self.http_error = spec.get("http_error")
        if isinstance(self.http_error, int):
            self.http_error = {"status": self.http_error}
        self.stall = bool(spec.get("stall"))
        self.cut = bool(spec.get("cut"))
        self.hold_open = bool(spec.get("hold_open"))
        self.split = int(spec.get("split", 0))
        if self.split < 0:
            raise ScriptError(f"step {index}: split must be a byte count")
        self.no_chunking = bool(spec.get("no_chunking"))
        self.headers = spec.get("headers", {})
        if not isinstance(self.headers, dict):
            raise ScriptError(f"step {index}: headers must be an object")
        self.raw_sse = spec.get("raw_sse")
        if isinstance(self.raw_sse, str):
            self.raw_sse = [self.raw_sse]
        if self.raw_sse is not None and not (
                isinstance(self.raw_sse, list) and all(isinstance(x, str) for x in self.raw_sse)):
            raise ScriptError(f"step {index}: raw_sse must be a string or a list of strings")
        self.release = threading.Event()
        self.after_release = None
        if self.raw_sse is not None:
            self.events = []
            return
        if "raw" in spec:
            if not isinstance(spec["raw"], list):
                raise ScriptError(f"step {index}: raw must be a list of events")
            self.events = list(spec["raw"])
            return
        item_specs = list(spec.get("items", []))
        for key in ("text", "reasoning", "function_call", "custom_tool_call", "apply_patch",
                    "local_shell_call", "raw_item"):
            if key in spec:
                item_specs.append({key: spec[key]})
        items = [_item_from_shorthand(s, f"{index}_{i}") for i, s in enumerate(item_specs)]
        created = {"id": self.response_id, "object": "response", "status": "in_progress",
                   "output": []}
        self.events = [{"type": "response.created", "response": created}]
        for item in items:
            self.events.extend(_item_events(item))
        if "failed" in spec:
            err = spec["failed"] or {}
            self.events.append({"type": "response.failed", "response": {
                "id": self.response_id, "status": "failed",
                "error": {"code": err.get("code", "server_error"),
                          "message": err.get("message", "scripted failure")}}})
        elif not self.cut and not self.stall:
            self.events.append(self._completed(items))
        # A stall with `after_release` finishes normally once released: those items, then
        # response.completed. Without it, a released stall closes the stream unfinished.
        self.after_release = None
        if self.stall and "after_release" in spec:
            later = [_item_from_shorthand(s, f"{index}_r{i}")
                     for i, s in enumerate(spec["after_release"])]
            self.after_release = [e for item in later for e in _item_events(item)]
            self.after_release.append(self._completed(items + later))

    def _completed(self, items):
        return {"type": "response.completed", "response": {
            "id": self.response_id, "object": "response", "status": "completed",
            "output": items, "usage": self.spec.get("usage", DEFAULT_USAGE)}}


def _script_entry(spec, index):
    """A script entry: a Step, or a callable(request body) -> step spec or None, kept as is."""
    return spec if callable(spec) else Step(spec, index)


def sse_frame(event):
    """One SSE frame the way the Responses API writes it: `event:` then `data:`."""
    return (f"event: {event.get('type', 'message')}\n"
            f"data: {json.dumps(event, separators=(',', ':'))}\n\n").encode()


# ---------------------------------------------------------------------------------------------
# History invariant
# ---------------------------------------------------------------------------------------------

def history_violations(body):
    """Problems with the call/output pairing in a request body's `input` (list of strings)."""
    problems = []
    items = body.get("input") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return problems
    calls, outputs = {}, {}
    for pos, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind in CALL_KINDS or kind in OUTPUT_KINDS:
            cid = item.get("call_id")
            if not isinstance(cid, str) or cid == "":
                problems.append(f"input[{pos}] {kind} has an empty or missing call_id")
                continue
            (calls if kind in CALL_KINDS else outputs).setdefault(cid, []).append(kind)
    for cid, kinds in calls.items():
        for kind in kinds:
            want = CALL_KINDS[kind]
            if want not in outputs.get(cid, []):
                problems.append(f"{kind} {cid} has no {want}")
    for cid, kinds in outputs.items():
        for kind in kinds:
            have = [k for k in calls.get(cid, []) if CALL_KINDS[k] == kind]
            if not have:
                problems.append(f"{kind} {cid} has no matching call")
    return problems


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------

class MockResponses:
    """The scripted server. Thread-safe; answers requests to /v1/responses with the next step.

    steps: list of script entries (see README.md); default_text: the answer once they run out.
    """

    def __init__(self, steps=(), log_path=None, default_text="Done.", host="127.0.0.1", port=0,
                 ssl_context=None, redact_authorization=True):
        self._lock = threading.Lock()
        self._steps = [_script_entry(s, i) for i, s in enumerate(steps)]
        self._used = [False] * len(self._steps)
        self._answered = 0  # /responses requests answered so far
        self.default_text = default_text
        self.log_path = log_path
        self.requests = []      # every logged request (dicts, as written to the log)
        self.violations = []    # (request number, problem)
        self._stalled = []      # steps currently stalling
        self.hangups = []       # (time, step index): a client closed a held stream
        self.redact_authorization = redact_authorization
        self._arrived = threading.Condition(self._lock)
        self._httpd = _Server((host, port), _make_handler(self), ssl_context)
        self._httpd.daemon_threads = True
        self._thread = None
        self.scheme = "https" if ssl_context is not None else "http"

    # --- control -------------------------------------------------------------------------
    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def base_url(self):
        return f"{self.scheme}://127.0.0.1:{self.port}/v1"

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.release()
        self._httpd.shutdown()
        self._httpd.server_close()

    def push(self, *steps):
        """Appends steps to the script."""
        with self._lock:
            base = len(self._steps)
            self._steps.extend(_script_entry(s, base + i) for i, s in enumerate(steps))
            self._used.extend([False] * len(steps))

    def release(self):
        """Lets every stalled stream finish (they then close without response.completed)."""
        with self._lock:
            stalled, self._stalled = self._stalled, []
        for step in stalled:
            step.release.set()

    def wait_requests(self, count, timeout=30, path="/v1/responses"):
        """Blocks until `count` requests to `path` were logged; returns them (or raises)."""
        deadline = time.time() + timeout
        with self._arrived:
            while True:
                got = [r for r in self.requests if r["path"] == path]
                if len(got) >= count:
                    return got
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"{len(got)} of {count} requests to {path} arrived")
                self._arrived.wait(left)

    def wait_stalled(self, timeout=30):
        """Blocks until some stream is stalling."""
        deadline = time.time() + timeout
        with self._arrived:
            while not self._stalled:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("no stream stalled")
                self._arrived.wait(left)

    def wait_hangup(self, count=1, timeout=30):
        """Blocks until `count` held streams (stall, hold_open) saw their client hang up;
        returns the (time, step index) pairs."""
        deadline = time.time() + timeout
        with self._arrived:
            while len(self.hangups) < count:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"{len(self.hangups)} of {count} hang-ups")
                self._arrived.wait(left)
            return list(self.hangups)

    def responses_requests(self):
        return [r for r in self.requests if r["path"].endswith("/responses")]

    # --- used by the handler ---------------------------------------------------------------
    def _take_step(self, body, raw):
        """The first unused step that accepts this request (a step without `match` accepts
        any; a callable entry accepts when it returns a spec), else the default text."""
        with self._lock:
            self._answered += 1
            for i, entry in enumerate(self._steps):
                if self._used[i]:
                    continue
                if callable(entry):
                    try:
                        spec = entry(body)
                    except Exception as e:  # a broken callable must not kill the server
                        spec = {"http_error": {"status": 500, "message": f"script error: {e}"}}
                    if spec is None:
                        continue
                    self._used[i] = True
                    return Step(spec, i)
                if entry.match is not None and entry.match not in raw:
                    continue
                self._used[i] = True
                return entry
            n = len(self._steps) + self._answered
        return Step({"text": self.default_text}, n)

    def _hung_up(self, step):
        with self._arrived:
            self.hangups.append((time.time(), step.index))
            self._arrived.notify_all()

    def _stalling(self, step, on):
        with self._arrived:
            if on:
                self._stalled.append(step)
            elif step in self._stalled:
                self._stalled.remove(step)
            self._arrived.notify_all()

    def _log(self, entry):
        with self._arrived:
            entry["n"] = len(self.requests)
            self.requests.append(entry)
            for problem in entry.get("violations", []):
                self.violations.append((entry["n"], problem))
            if self.log_path:
                with open(self.log_path, "a") as f:
                    f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._arrived.notify_all()


class _Server(ThreadingHTTPServer):
    """The HTTP server, or HTTPS when given an ssl.SSLContext: the handshake runs in the
    request's own thread, so a client that fails it (an untrusted certificate) harms nothing."""

    def __init__(self, address, handler, ssl_context):
        self.ssl_context = ssl_context
        super().__init__(address, handler)

    def finish_request(self, request, client_address):
        if self.ssl_context is not None:
            try:
                request.settimeout(10)
                request = self.ssl_context.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError):
                return
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.RequestHandlerClass(request, client_address, self)


def _make_handler(mock):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mock-responses/1"

        def log_message(self, *args):  # quiet; the JSONL log is the record
            pass

        def _read_body(self):
            length = self.headers.get("Content-Length")
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = b""
                while True:
                    line = self.rfile.readline()
                    size = int(line.strip().split(b";")[0] or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    data += self.rfile.read(size)
                    self.rfile.readline()
                return data
            try:
                return self.rfile.read(int(length)) if length else b""
            except ValueError:
                return b""

        def _entry(self, raw):
            headers = {k: ("<redacted>" if k.lower() == "authorization" and
                           mock.redact_authorization else v)
                       for k, v in self.headers.items()}
            entry = {"time": time.time(), "method": self.command, "path": self.path.split("?")[0],
                     "query": self.path.partition("?")[2], "headers": headers}
            if raw:
                try:
                    entry["body"] = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    entry["body_error"] = f"not JSON ({len(raw)} bytes, content-encoding " \
                                          f"{self.headers.get('Content-Encoding')!r})"
            return entry

        def _send_json(self, status, obj, extra_headers=()):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra_headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            entry = self._entry(b"")
            path = entry["path"]
            if path == "/_mock/state":
                mock._log(entry)
                return self._send_json(200, {"requests": len(mock.requests),
                                             "violations": mock.violations,
                                             "hangups": [h[1] for h in mock.hangups],
                                             "stalled": len(mock._stalled)})
            mock._log(entry)
            if path == "/v1/models":
                # The real API lists models here; Codex's own catalog does not depend on it.
                return self._send_json(200, {"object": "list", "data": []})
            self._send_json(404, {"error": {"message": f"no route {path}", "type":
                                            "invalid_request_error", "code": "not_found"}})

        def do_POST(self):
            try:
                raw = self._read_body()
            except Exception as e:  # a broken client: log and drop the connection
                mock._log({"time": time.time(), "path": self.path, "read_error": str(e)})
                self.close_connection = True
                return
            entry = self._entry(raw)
            path = entry["path"]
            if path == "/_mock/release":
                mock._log(entry)
                mock.release()
                return self._send_json(200, {"released": True})
            if path == "/_mock/push":
                mock._log(entry)
                try:
                    steps = entry.get("body")
                    mock.push(*(steps if isinstance(steps, list) else [steps]))
                except ScriptError as e:
                    return self._send_json(400, {"error": str(e)})
                return self._send_json(200, {"pushed": True})
            if not path.endswith("/responses"):
                mock._log(entry)
                return self._send_json(404, {"error": {"message": f"no route {path}"}})
            entry["tls"] = mock.scheme == "https"
            entry["violations"] = history_violations(entry.get("body"))
            step = mock._take_step(entry.get("body"), raw.decode("utf-8", "replace"))
            entry["step"] = step.index
            mock._log(entry)
            self._answer(step)

        def _answer(self, step):
            if step.http_error:
                err = step.http_error
                status = int(err.get("status", 500))
                headers = list(step.headers.items())
                if "retry_after" in err:
                    headers.append(("Retry-After", str(err["retry_after"])))
                body = err.get("body", {"error": {
                    "message": err.get("message", f"scripted HTTP {status}"),
                    "type": "rate_limit_exceeded" if status == 429 else "server_error",
                    "code": err.get("code")}})
                if isinstance(body, str):  # a body that is not JSON, sent as is
                    data = body.encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers:
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                    return
                return self._send_json(status, body, headers)
            self._chunked = not step.no_chunking
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            for k, v in step.headers.items():
                self.send_header(k, v)
            if self._chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:  # the body ends when the connection closes
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            try:
                for piece in step.raw_sse or []:
                    if step.delay:
                        time.sleep(step.delay)
                    self._body(step, piece.encode())
                for event in step.events:
                    if step.delay:
                        time.sleep(step.delay)
                    self._body(step, sse_frame(event))
                if step.stall:
                    released = self._hang(step)
                    if released and step.after_release is not None:
                        for event in step.after_release:
                            self._body(step, sse_frame(event))
                        self._end()
                        return
                    self.close_connection = True
                    return
                if step.cut:
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if step.hold_open:
                    self._hang(step)
                    self.close_connection = True
                    return
                self._end()
            except (BrokenPipeError, ConnectionResetError, OSError):
                self.close_connection = True

        def _body(self, step, data):
            """Writes body bytes: in `split`-byte writes (each flushed) when the step asks."""
            if step.split <= 0:
                return self._chunk(data)
            for i in range(0, len(data), step.split):
                self._chunk(data[i:i + step.split])
                time.sleep(0.001)

        def _end(self):
            if self._chunked:
                self._chunk(b"")

        def _chunk(self, data):
            if not self._chunked:
                if data:
                    self.wfile.write(data)
                    self.wfile.flush()
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def _hang(self, step):
            """Holds the stream open until released (True) or the client goes away (False)."""
            mock._stalling(step, True)
            try:
                while not step.release.is_set():
                    # A short select so that a hang-up is seen (and logged) at once.
                    readable, _, _ = select.select([self.connection], [], [], 0.02)
                    if readable:
                        try:
                            # TLS cannot peek; the client sends nothing more on a held
                            # stream, so a read there only ever sees the close.
                            if isinstance(self.connection, ssl.SSLSocket):
                                got = self.connection.recv(1)
                            else:
                                got = self.connection.recv(1, socket.MSG_PEEK)
                            if not got:
                                mock._hung_up(step)
                                return False  # client closed
                        except ssl.SSLWantReadError:
                            continue  # TLS bytes that are not application data yet
                        except OSError:
                            mock._hung_up(step)
                            return False
                return True
            finally:
                mock._stalling(step, False)

    return Handler


def load_script(path):
    with open(path) as f:
        script = json.load(f)
    if isinstance(script, dict):
        return script.get("steps", []), script.get("default_text")
    return script, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("script", nargs="?", help="JSON script: a list of steps or {steps, default_text}")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", help="append every request as one JSON line here")
    ap.add_argument("--default-text", help="the answer once the script is exhausted")
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (chain)")
    ap.add_argument("--tls-key", help="the certificate's PEM private key")
    ap.add_argument("--show-authorization", action="store_true",
                    help="log the Authorization header as sent instead of <redacted>")
    args = ap.parse_args()
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    steps, default_text = (load_script(args.script) if args.script else ([], None))
    mock = MockResponses(steps, log_path=args.log,
                         default_text=args.default_text or default_text or "Done.",
                         port=args.port, ssl_context=context,
                         redact_authorization=not args.show_authorization)
    print(f"listening on {mock.scheme}://127.0.0.1:{mock.port}", flush=True)
    try:
        mock._httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
