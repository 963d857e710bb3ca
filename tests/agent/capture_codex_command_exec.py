#!/usr/bin/env python3
"""Records how the real Codex 0.117.0 app-server answers command/exec and its controls
(command/exec/write, command/exec/terminate, command/exec/resize), and writes
golden/codex_117_command_exec.json: for each request of one scripted session, its answer
(result or error), and for each streamed process the bytes of each stream joined (the chunks
are the OS's) with the capReached flags seen. The session: buffered commands (exit code,
stdout and stderr apart, env changes and unsets, the output cap, a timeout, a read-only
sandboxPolicy, a program or cwd that does not exist), the requests Codex refuses (no command,
an empty one, tty or streaming without a processId, conflicting caps and timeouts, size without
tty, zero rows, a negative timeout, a write with nothing to write, controls of unknown
processes, a duplicate processId), a streamed pipe process fed by command/exec/write and
closeStdin, a process ended by command/exec/terminate (its write and resize refused), and a
terminal process with its size, resized and written to.
Paths read <cwd>. threadlog answers the same (tests/agent/exec_golden_test.py,
CommandExecGoldenTest).

Usage: capture_codex_command_exec.py [--codex BINARY] [--out FILE]
Nothing leaves 127.0.0.1: the provider is the mock; plugins, apps and update checks are off."""
import base64
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import capture_codex_turns as ct  # noqa: E402


def b64(text):
    return base64.b64encode(text.encode()).decode()


def run(start_server):
    """The scripted session against `start_server(home, cwd, log)`'s app-server (started in
    `cwd`, the commands' default working directory)."""
    session = ct.Session("cexec117-", [], start_server)
    server, cwd = session.server, session.cwd
    answers = []
    next_id = [1000]

    def ask(label, method, params):
        answers.append([label, server.request(method, params, timeout=20)])

    def send(method, params):
        next_id[0] += 1
        server._send({"id": next_id[0], "method": method, "params": params})
        return next_id[0]

    streamed = {}  # id -> label
    with session:
        ask("plain", "command/exec",
            {"command": ["bash", "-c", "echo out; echo err >&2; exit 3"], "cwd": cwd})
        ask("default cwd", "command/exec", {"command": ["pwd"]})
        ask("relative cwd", "command/exec", {"command": ["pwd"], "cwd": "nope"})
        ask("missing cwd", "command/exec", {"command": ["pwd"], "cwd": "/nonexistent/dir"})
        ask("no such program", "command/exec", {"command": ["nosuchprog-117"]})
        ask("env", "command/exec", {"command": ["bash", "-c", "echo $FOO-$HOME"],
                                    "env": {"FOO": "bar", "HOME": None}})
        ask("cap", "command/exec",
            {"command": ["bash", "-c", "printf 0123456789; printf XYZXYZXYZ >&2"],
             "outputBytesCap": 5})
        ask("no cap", "command/exec", {"command": ["bash", "-c", "head -c 1200000 /dev/zero | "
                                                   "tr '\\0' x | wc -c"],
                                       "disableOutputCap": True})
        ask("timeout", "command/exec", {"command": ["sleep", "5"], "timeoutMs": 300})
        ask("read-only sandbox", "command/exec",
            {"command": ["touch", os.path.join(cwd, "x.txt")], "sandboxPolicy": {"type": "readOnly"}})
        ask("exists after read-only", "command/exec", {"command": ["ls", cwd]})
        ask("no command", "command/exec", {})
        ask("empty command", "command/exec", {"command": []})
        ask("tty without processId", "command/exec", {"command": ["true"], "tty": True})
        ask("stream without processId", "command/exec",
            {"command": ["true"], "streamStdoutStderr": True})
        ask("both caps", "command/exec",
            {"command": ["true"], "outputBytesCap": 10, "disableOutputCap": True})
        ask("both timeouts", "command/exec",
            {"command": ["true"], "timeoutMs": 10, "disableTimeout": True})
        ask("negative timeout", "command/exec", {"command": ["true"], "timeoutMs": -1})
        ask("size without tty", "command/exec",
            {"command": ["true"], "size": {"rows": 10, "cols": 20}, "processId": "p0"})
        ask("zero rows", "command/exec", {"command": ["true"], "tty": True, "processId": "p0",
                                          "size": {"rows": 0, "cols": 20}})
        ask("write nothing", "command/exec/write", {"processId": "p0"})
        ask("write unknown", "command/exec/write", {"processId": "nope", "deltaBase64": b64("hi")})
        ask("terminate unknown", "command/exec/terminate", {"processId": "nope"})
        ask("resize unknown", "command/exec/resize",
            {"processId": "nope", "size": {"rows": 5, "cols": 5}})
        # A streamed pipe process fed through command/exec/write.
        streamed[send("command/exec", {
            "command": ["bash", "-c", "echo one; echo two >&2; read x; echo got $x; cat"],
            "processId": "p1", "streamStdoutStderr": True, "streamStdin": True})] = "p1"
        time.sleep(0.8)
        ask("duplicate processId", "command/exec", {"command": ["true"], "processId": "p1"})
        ask("write p1", "command/exec/write", {"processId": "p1", "deltaBase64": b64("hello\n")})
        ask("write p1 and close", "command/exec/write",
            {"processId": "p1", "deltaBase64": b64("rest\n"), "closeStdin": True})
        time.sleep(0.8)
        # A buffered process ended by terminate.
        streamed[send("command/exec", {"command": ["sleep", "30"], "processId": "p2"})] = "p2"
        time.sleep(0.5)
        ask("write p2 (no stdin)", "command/exec/write",
            {"processId": "p2", "deltaBase64": b64("hi")})
        ask("resize p2 (no tty)", "command/exec/resize",
            {"processId": "p2", "size": {"rows": 5, "cols": 5}})
        ask("terminate p2", "command/exec/terminate", {"processId": "p2"})
        time.sleep(0.8)
        # A terminal.
        streamed[send("command/exec", {
            "command": ["bash", "-c", "stty size; tty >/dev/null && echo istty; read x; "
                        "echo got $x; stty size"],
            "processId": "p3", "tty": True, "size": {"rows": 30, "cols": 100}})] = "p3"
        time.sleep(0.8)
        ask("resize p3", "command/exec/resize",
            {"processId": "p3", "size": {"rows": 40, "cols": 120}})
        ask("write p3", "command/exec/write", {"processId": "p3", "deltaBase64": b64("hi\n")})
        time.sleep(1.0)
    processes = {}
    for direction, m in session.log:
        if direction != "<-":
            continue
        if m.get("method") == "command/exec/outputDelta":
            p = m["params"]
            entry = processes.setdefault(p["processId"], {"stdout": "", "stderr": "",
                                                          "capReached": []})
            entry[p["stream"]] += base64.b64decode(p["deltaBase64"]).decode(errors="replace")
            if p["capReached"]:
                entry["capReached"].append(p["stream"])
        elif m.get("id") in streamed and "method" not in m:
            entry = processes.setdefault(streamed[m["id"]], {"stdout": "", "stderr": "",
                                                             "capReached": []})
            entry["answer"] = {k: m[k] for k in ("result", "error") if k in m}
    answered = [[label, {k: a[k] for k in ("result", "error") if k in a}] for label, a in answers]
    return session.normalized({"answers": answered, "processes": processes})


def main():
    ct.digest_main(run, "codex_117_command_exec.json", __file__, __doc__)


if __name__ == "__main__":
    main()
