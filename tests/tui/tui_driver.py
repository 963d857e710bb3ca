"""Drives the real Codex terminal client (the `codex` binary's TUI) in tmux against an
app-server, through a logging proxy (ws_proxy.py), for tui_test.py and capture_reference.py.

The scenario (run_bootstrap_and_resume) is what a person does on first use: start the client
with a scratch CODEX_HOME, pick "Provide your own API key", type a (fake) key, decline the model
upgrade offer, reach the prompt, type /resume, see the history, open the first thread, see its
turns, /quit. Every step waits for text on the screen and fails with the screen shown."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
CODEX_RELATIVE = os.path.join("node_modules", "@openai", "codex-linux-x64", "vendor",
                              "x86_64-unknown-linux-musl", "codex", "codex")
FAKE_KEY = "sk-threadlog-test-0000000000000000"


def find_codex():
    """The Codex 0.117.0 binary: $THREADLOG_CODEX_BIN, else node_modules under the repo (where
    .ci/run installs it). None when neither exists."""
    candidates = [os.environ.get("THREADLOG_CODEX_BIN"), os.path.join(REPO, CODEX_RELATIVE)]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class StepFailed(AssertionError):
    pass


class Tui:
    """One tmux session running `codex --enable tui_app_server --remote ws://...`."""

    def __init__(self, codex, url, codex_home, cwd, name, log_dir):
        self.name = name
        self.stderr = os.path.join(log_dir, f"{name}.stderr")
        env_prefix = f"CODEX_HOME={codex_home} RUST_LOG=error"
        command = (f"cd {cwd} && {env_prefix} {codex} --enable tui_app_server --remote {url} "
                   f"2> {self.stderr}; echo TUI-EXITED-$?; sleep 30")
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "200", "-y", "50",
                        command], check=True)

    def screen(self):
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], check=True,
                              capture_output=True, text=True).stdout

    def wait_for(self, *texts, timeout=30, step=""):
        deadline = time.time() + timeout
        while True:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            if "TUI-EXITED" in screen or time.time() > deadline:
                err = open(self.stderr).read()[-2000:] if os.path.exists(self.stderr) else ""
                raise StepFailed(f"step '{step}': waited for {texts!r}; screen:\n{screen}\n"
                                 f"client stderr:\n{err}")
            time.sleep(0.2)

    def keys(self, *keys):
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text):
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def start_proxy(upstream_port, log_path):
    """ws_proxy.py on a free port, once it accepts (it says so on stderr; probing the port
    would record an empty connection)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "ws_proxy.py"), "--listen",
                             f"127.0.0.1:{port}", "--upstream", f"127.0.0.1:{upstream_port}",
                             "--log", log_path], stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    if "listening" not in line:
        raise RuntimeError(f"ws_proxy did not start: {line}")
    return proc, port


def login_with_api_key(tui):
    tui.wait_for("Provide your own API key", step="login offer")
    tui.keys("3")
    tui.wait_for("Paste or type your API key", step="API key entry")
    tui.type(FAKE_KEY)
    tui.keys("Enter")


def decline_upgrade_and_reach_prompt(tui, expect_model, forbidden=()):
    """Answers Codex's offer of the catalog's upgrade (gpt-5.3-codex -> gpt-5.4) with "Use
    existing model" when it comes, and waits for the prompt; fails when a `forbidden` text
    shows up on the way."""
    deadline = time.time() + 30
    while True:
        screen = tui.screen()
        for text in forbidden:
            if text in screen:
                raise StepFailed(f"unexpected {text!r} on the way to the prompt:\n{screen}")
        if "Choose how you'd like Codex to proceed" in screen:
            tui.keys("2")
            time.sleep(0.3)
            tui.keys("Enter")
            break
        if "OpenAI Codex (v0.117.0)" in screen or time.time() > deadline:
            break
        time.sleep(0.2)
    return tui.wait_for("OpenAI Codex (v0.117.0)", f"model:     {expect_model}", step="prompt")


def quit(tui):
    tui.type("/quit")
    time.sleep(0.5)
    tui.keys("Enter")
    tui.wait_for("TUI-EXITED-0", step="quit", timeout=20)


def run_bootstrap_and_resume(tui, expect_model, expect_turn_texts, expect_listed):
    """The scenario; returns the screens seen at each step (for the record)."""
    screens = {}
    screens["login"] = tui.wait_for("Provide your own API key", step="login offer")
    login_with_api_key(tui)
    screens["prompt"] = decline_upgrade_and_reach_prompt(tui, expect_model)
    tui.type("/resume")
    time.sleep(0.5)
    tui.keys("Enter")
    screens["resume"] = tui.wait_for("Resume a previous session", *expect_listed, step="/resume")
    tui.keys("Enter")
    screens["thread"] = tui.wait_for(*expect_turn_texts, step="open thread")
    quit(tui)
    return screens


def read_transcript(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def method_flow(transcript):
    """The transcript as a list of (connection, direction, what): method names for requests
    and notifications, "result"/"error" (with the method answered) for responses."""
    pending = {}
    flow = []
    for e in transcript:
        m = e.get("msg")
        if m is None:
            continue
        key = (e["conn"], json.dumps(m.get("id")))
        if "method" in m:
            if "id" in m:
                pending[key] = m["method"]
            flow.append((e["conn"], e["dir"], m["method"]))
        elif "result" in m:
            flow.append((e["conn"], e["dir"], f"result:{pending.get(key)}"))
        elif "error" in m:
            flow.append((e["conn"], e["dir"], f"error:{pending.get(key)}:{m['error']['message']}"))
    return flow
