#!/usr/bin/env python3
"""Records what the real Codex 0.117.0 terminal client says to the real Codex 0.117.0
app-server on first use (login with an API key, prompt, /resume, open a thread, quit), through
ws_proxy.py, into transcripts/codex-0.117.0-app-server.jsonl; tui_test.py checks that the same
client asks threadlog the same things. Run by hand when the reference changes:

    tests/tui/capture_reference.py [CODEX_BINARY]

Loopback only; the app-server gets a scratch CODEX_HOME holding a copy of
tests/fixtures/codex-0.113.0/basic (history, and a config.toml naming a local mock provider, so
nothing leaves the machine). Paths of the scratch folders are replaced by <SERVER_HOME>,
<CLIENT_HOME> and <WORK> so that the file does not change from run to run in those."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import tui_driver

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "codex-0.113.0", "basic")
OUT = os.path.join(HERE, "transcripts", "codex-0.117.0-app-server.jsonl")


def main():
    codex = sys.argv[1] if len(sys.argv) > 1 else tui_driver.find_codex()
    if not codex:
        sys.exit("no Codex binary: pass it, set THREADLOG_CODEX_BIN or npm install it")
    root = tempfile.mkdtemp(prefix="tui-ref-")
    server_home, client_home, work = (os.path.join(root, d) for d in ("server", "client", "work"))
    shutil.copytree(FIXTURE, server_home)
    os.makedirs(client_home)
    os.makedirs(work)
    port = tui_driver.free_port()
    env = dict(os.environ, CODEX_HOME=server_home)
    server = subprocess.Popen([codex, "app-server", "--listen", f"ws://127.0.0.1:{port}"],
                              env=env, cwd=work, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    log = os.path.join(root, "transcript.jsonl")
    proxy = None
    tui = None
    try:
        tui_driver.wait_port(port)
        proxy, proxy_port = tui_driver.start_proxy(port, log)
        tui = tui_driver.Tui(codex, f"ws://127.0.0.1:{proxy_port}", client_home, work,
                             f"tui-ref-{os.getpid()}", root)
        tui_driver.run_bootstrap_and_resume(tui, "mock-model",
                                            ["You said: hello there", "after the fork"],
                                            ["hello there"])
    finally:
        if tui:
            tui.close()
        if proxy:
            proxy.terminate()
        server.terminate()
        server.wait()
    with open(log) as f:
        text = f.read()
    for path, name in ((server_home, "<SERVER_HOME>"), (client_home, "<CLIENT_HOME>"),
                       (work, "<WORK>")):
        text = text.replace(os.path.realpath(path), name).replace(path, name)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    for conn, direction, what in tui_driver.method_flow(tui_driver.read_transcript(OUT)):
        print(conn, direction, what[:120])
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
