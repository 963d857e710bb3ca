#!/usr/bin/env python3
"""The real Codex 0.117.0 terminal client against `threadlog serve` (WebSocket), driven in
tmux: first start with a scratch CODEX_HOME, login with an API key, the prompt, /resume listing
a whole Codex home that serve --codex-home adopted (tests/fixtures/codex-0.113.0/basic), opening
a thread with its turns, /quit; then, against a server with the built-in openai provider, a
login and a later client that finds the stored key and needs none; then, with the scripted
mock as the server's model provider, two prompts that run turns and show their answers. Every message both ways goes through ws_proxy.py; the client's
requests must be the ones it sends the real Codex app-server in the same scenario
(transcripts/codex-0.117.0-app-server.jsonl, from capture_reference.py) and none may be
answered with an error. The transcript of the run is kept in the build directory.

Usage: tui_test.py THREADLOG_BINARY [OUTPUT_DIR]
Exit 77 (ctest SKIP_RETURN_CODE) when tmux or the Codex binary is missing."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import tui_driver

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "codex-0.113.0", "basic")
REFERENCE = os.path.join(HERE, "transcripts", "codex-0.117.0-app-server.jsonl")
SKIP = 77


def client_requests(flow):
    """The client's requests and notifications, in order (connection numbers dropped: each
    side numbers its own)."""
    return [what for _, direction, what in flow if direction == "client->server"]


def start_serve(binary, store, root, work, name, *args):
    """`threadlog serve` on a free loopback port; returns (process, port, stderr path)."""
    port = tui_driver.free_port()
    err_path = os.path.join(root, f"{name}.stderr")
    env = dict(os.environ, CODEX_HOME=os.path.join(root, f"{name}-codex-home"), HOME=root)
    proc = subprocess.Popen([binary, "--home", store, "serve", "--listen", f"ws://127.0.0.1:{port}",
                             *args], env=env, cwd=work, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=open(err_path, "w"))
    tui_driver.wait_port(port)
    return proc, port, err_path


def second_start_needs_no_login(codex, binary, root, work):
    """With the built-in openai provider (no config.toml) a key given once is kept: a client
    that starts later (a new client home) gets account {type: apiKey} and goes straight on."""
    store = os.path.join(root, "store-openai")
    server, port, _ = start_serve(binary, store, root, work, "serve-openai")
    log = os.path.join(root, "transcript-second-start.jsonl")
    proxy, proxy_port = tui_driver.start_proxy(port, log)
    try:
        for run, client in enumerate(("client-a", "client-b")):
            home = os.path.join(root, client)
            os.makedirs(home)
            tui = tui_driver.Tui(codex, f"ws://127.0.0.1:{proxy_port}", home, work,
                                 f"tui-test-{os.getpid()}-{run}", root)
            try:
                if run == 0:
                    tui_driver.login_with_api_key(tui)
                    tui_driver.decline_upgrade_and_reach_prompt(tui, "gpt-5.3-codex")
                else:
                    tui_driver.decline_upgrade_and_reach_prompt(
                        tui, "gpt-5.3-codex", forbidden=["Provide your own API key"])
                tui_driver.quit(tui)
            finally:
                tui.close()
    finally:
        proxy.terminate()
        server.terminate()
        server.wait(timeout=30)
    reads = [e["msg"]["result"] for e in tui_driver.read_transcript(log)
             if e["dir"] == "server->client" and "account" in e.get("msg", {}).get("result", {})]
    assert reads[0] == {"account": None, "requiresOpenaiAuth": True}, reads
    assert reads[-1] == {"account": {"type": "apiKey"}, "requiresOpenaiAuth": True}, reads


def prompts_run_turns(codex, binary, root, work):
    """The point of it all: with a model provider in the server's config.toml (the scripted
    mock), a prompt typed into the client runs a turn on threadlog and the answer shows; a
    second prompt carries the first exchange to the model; every turn is in threadlog's log."""
    sys.path.insert(0, os.path.join(HERE, "..", "mock_responses"))
    from mock_responses import MockResponses
    mock = MockResponses([{"text": "Hello from the mock model."},
                          {"text": "Second answer, with the history."}],
                         log_path=os.path.join(root, "prompt-requests.jsonl")).start()
    server_home = os.path.join(root, "prompt-server-codex-home")
    os.makedirs(server_home)
    with open(os.path.join(server_home, "config.toml"), "w") as f:
        f.write(f'model = "gpt-5.1-codex"\nmodel_provider = "mock"\n[model_providers.mock]\n'
                f'name = "mock"\nbase_url = "{mock.base_url}"\nwire_api = "responses"\n'
                f'env_key = "MOCK_API_KEY"\n')
    store = os.path.join(root, "store-prompt")
    port = tui_driver.free_port()
    env = dict(os.environ, CODEX_HOME=server_home, HOME=root, MOCK_API_KEY="mock-key")
    server = subprocess.Popen([binary, "--home", store, "serve", "--listen",
                               f"ws://127.0.0.1:{port}"], env=env, cwd=work,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(root, "serve-prompt.stderr"), "w"))
    log = os.path.join(root, "transcript-prompt.jsonl")
    proxy = tui = None
    try:
        tui_driver.wait_port(port)
        proxy, proxy_port = tui_driver.start_proxy(port, log)
        home = os.path.join(root, "client-prompt")
        os.makedirs(home)
        tui = tui_driver.Tui(codex, f"ws://127.0.0.1:{proxy_port}", home, work,
                             f"tui-test-{os.getpid()}-prompt", root)
        tui_driver.login_with_api_key(tui)
        tui_driver.decline_upgrade_and_reach_prompt(tui, "gpt-5.1-codex")
        tui.type("Say hello please")
        time.sleep(0.3)
        tui.keys("Enter")
        tui.wait_for("Say hello please", "Hello from the mock model.", step="first answer")
        tui.type("And again")
        time.sleep(0.3)
        tui.keys("Enter")
        screen = tui.wait_for("Second answer, with the history.", step="second answer")
        print(f"--- screen: prompts\n{screen.rstrip()}")
        tui_driver.quit(tui)
        flow = tui_driver.method_flow(tui_driver.read_transcript(log))
        errors = [what for _, _, what in flow if what.startswith("error:")]
        assert not errors, f"threadlog answered the client with errors: {errors}"
        completed = [w for _, d, w in flow if d == "server->client" and w == "turn/completed"]
        assert len(completed) == 2, f"expected two turn/completed, got {flow}"
        bodies = [r["body"] for r in mock.responses_requests()]
        assert len(bodies) == 2, f"the model was asked {len(bodies)} times"
        texts = [part.get("text") for item in bodies[1]["input"]
                 for part in item.get("content", []) if isinstance(part, dict)]
        assert "Hello from the mock model." in texts and "And again" in texts, texts
        # A client started later reopens the thread with /resume and sees the whole exchange.
        tui.close()
        tui = tui_driver.Tui(codex, f"ws://127.0.0.1:{proxy_port}", home, work,
                             f"tui-test-{os.getpid()}-prompt-resume", root)
        # The mock provider needs no OpenAI auth: account/read answers no account, as Codex
        # does, and the client offers its login again.
        tui_driver.login_with_api_key(tui)
        tui_driver.decline_upgrade_and_reach_prompt(tui, "gpt-5.1-codex")
        tui.type("/resume")
        time.sleep(0.5)
        tui.keys("Enter")
        tui.wait_for("Resume a previous session", "Say hello please", step="/resume lists it")
        tui.keys("Enter")
        screen = tui.wait_for("Hello from the mock model.", "Second answer, with the history.",
                              step="resumed thread")
        print(f"--- screen: resumed\n{screen.rstrip()}")
        tui_driver.quit(tui)
    finally:
        if tui:
            tui.close()
        if proxy:
            proxy.terminate()
        server.terminate()
        server.wait(timeout=30)
        mock.stop()
    # The turns are in the log, as an offline reader finds them.
    found = subprocess.run([binary, "--home", store, "inspect", "find", "Second answer"],
                           capture_output=True, text=True, check=True).stdout
    assert found.strip(), "inspect find does not see the second answer"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    out_dir = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    if shutil.which("tmux") is None:
        print("SKIPPED: tmux is not installed (apt-get install tmux)")
        return SKIP
    codex = tui_driver.find_codex()
    if codex is None:
        print("SKIPPED: no Codex 0.117.0 binary (npm install --no-save @openai/codex@0.117.0 in "
              "the repository, or set THREADLOG_CODEX_BIN)")
        return SKIP

    root = tempfile.mkdtemp(prefix="tui-test-")
    store, codex_home, client_home, work = (
        os.path.join(root, d) for d in ("store", "codex-home", "client", "work"))
    shutil.copytree(FIXTURE, codex_home)
    os.makedirs(client_home)
    os.makedirs(work)
    port = tui_driver.free_port()
    server_err = open(os.path.join(root, "serve.stderr"), "w")
    env = dict(os.environ, CODEX_HOME=os.path.join(root, "unused-codex-home"), HOME=root)
    server = subprocess.Popen([binary, "--home", store, "serve", "--listen",
                               f"ws://127.0.0.1:{port}", "--codex-home", codex_home],
                              env=env, cwd=work, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=server_err)
    log = os.path.join(root, "transcript.jsonl")
    proxy = tui = None
    failure = None
    try:
        tui_driver.wait_port(port)
        deadline = time.time() + 60
        while "Codex home imported" not in open(server_err.name).read():
            if time.time() > deadline or server.poll() is not None:
                raise AssertionError("serve did not adopt the Codex home:\n" +
                                     open(server_err.name).read())
            time.sleep(0.1)
        proxy, proxy_port = tui_driver.start_proxy(port, log)
        tui = tui_driver.Tui(codex, f"ws://127.0.0.1:{proxy_port}", client_home, work,
                             f"tui-test-{os.getpid()}", root)
        screens = tui_driver.run_bootstrap_and_resume(
            tui, "mock-model", ["You said: hello there", "The command finished.", "after the fork"],
            ["hello there"])
        flow = tui_driver.method_flow(tui_driver.read_transcript(log))
        errors = [what for _, _, what in flow if what.startswith("error:")]
        assert not errors, f"threadlog answered the client with errors: {errors}"
        expected = client_requests(tui_driver.method_flow(tui_driver.read_transcript(REFERENCE)))
        got = client_requests(flow)
        assert got == expected, ("the client asked threadlog other things than it asks Codex:\n"
                                 f"  codex:     {expected}\n  threadlog: {got}")
        login = [e["msg"] for e in tui_driver.read_transcript(log)
                 if e.get("msg", {}).get("method") == "account/login/start"]
        assert login and login[0]["params"]["type"] == "apiKey"
        with open(log) as f:
            assert tui_driver.FAKE_KEY not in f.read(), "the API key reached the transcript"
        auth = os.path.join(store, "auth.json")
        assert os.stat(auth).st_mode & 0o777 == 0o600, oct(os.stat(auth).st_mode)
        for name, screen in screens.items():
            print(f"--- screen: {name}\n{screen.rstrip()}")
        second_start_needs_no_login(codex, binary, root, work)
        prompts_run_turns(codex, binary, root, work)
    except AssertionError as e:
        failure = e
    finally:
        if tui:
            tui.close()
        if proxy:
            proxy.terminate()
        server.terminate()
        server.wait(timeout=30)
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
            for name in ("transcript.jsonl", "serve.stderr", "transcript-second-start.jsonl",
                         "serve-openai.stderr", "transcript-prompt.jsonl", "serve-prompt.stderr"):
                if os.path.exists(os.path.join(root, name)):
                    shutil.copy(os.path.join(root, name), os.path.join(out_dir, name))
        shutil.rmtree(root, ignore_errors=True)
    if failure:
        print(f"FAILED: {failure}")
        return 1
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
