#!/usr/bin/env python3
"""Records how the real Codex 0.117.0 app-server judges and describes shell commands: for each
case of CASES, one turn whose scripted model calls `exec_command` with that `cmd`, under
approval_policy "untrusted" and sandbox_mode "read-only", every approval request answered
{"decision": "decline"} so that nothing it asks about runs. Writes golden/codex_117_commands.json
with, per case:
  cmd, shell, login    what the model asked for (shell/login only when given),
  command              the commandExecution item's `command` (the argv Codex runs, joined),
  asked_approval       whether item/commandExecution/requestApproval came (Codex did not think
                       the command known-safe); false means it ran at once, in the sandbox,
  approval             that request's params (threadId, turnId, itemId left out),
  command_actions      the item's `commandActions` (the same in item/started, item/completed
                       and the approval request, or the capture says where they differ),
  status               the item's final status.
threadlog's api/agent/shell_command.{h,cc} follows this file (tests/agent/shell_command_test.cc
checks every case against it).

Usage: capture_codex_commands.py [--codex BINARY] [--out FILE]
Nothing leaves 127.0.0.1: the provider is the mock (tests/mock_responses); plugins, apps and
update checks are off. Paths under the scratch cwd are written as <cwd>.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "replay"))
from codex_driver import CODEX_117, AppServer, MockResponses  # noqa: E402
from capture_117 import OFFLINE  # noqa: E402

OUT = os.path.join(HERE, "golden", "codex_117_commands.json")

CONFIG = """model = "gpt-5.1-codex"
model_provider = "mock"
approval_policy = "untrusted"
sandbox_mode = "read-only"
{offline}
[model_providers.mock]
name = "mock"
base_url = "{base_url}"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 600000
"""

# The files of the scratch cwd (a git repository with one commit), so that what runs finds
# something to read.
FILES = {
    "README.md": "# demo\nline two\nline three\nTODO: more\n",
    "Cargo.toml": "[package]\nname = \"demo\"\n",
    "data.csv": "a,b\n1,2\n",
    "src/main.rs": "fn main() {\n    // TODO\n}\n",
    "src/lib.rs": "pub fn f() {}\n",
}

# (cmd, extra exec_command arguments). Grouped by what they probe; every one is run.
CASES = [
    # Plain known-safe commands and the read/list/search actions.
    ("ls -la", {}),
    ("pwd", {}),
    ("cat README.md", {}),
    ("cat -- README.md", {}),
    ("cat README.md Cargo.toml", {}),
    ("echo \"hello world\"", {}),
    ("grep -rn TODO src", {}),
    ("grep -n 'foo bar' -- README.md", {}),
    ("head -n 5 README.md", {}),
    ("head -50 README.md", {}),
    ("tail -n +3 README.md", {}),
    ("wc -l README.md", {}),
    ("cut -d, -f1 data.csv", {}),
    ("which git", {}),
    ("/bin/ls -la src", {}),
    ("numfmt 1000", {}),
    ("tac README.md", {}),
    ("awk '{print $1}' README.md", {}),
    ("tree -L 2 src", {}),
    ("echo 123 456", {}),
    ("ls -- -weird", {}),
    ("ls ~", {}),
    ("ls *.md", {}),
    ("echo a=b", {}),
    # ripgrep and its unsafe flags.
    ("rg -n \"fn main\" src", {}),
    ("rg --files | head -n 20", {}),
    ("rg --files src", {}),
    ("rg -l TODO src", {}),
    ("rg --pre cat TODO", {}),
    ("rg --pre=cat TODO", {}),
    ("rg -z TODO", {}),
    ("rg --search-zip TODO", {}),
    ("rg --hostname-bin x TODO", {}),
    # find and its unsafe options.
    ("find . -name '*.rs'", {}),
    ("find src -type f", {}),
    ("find . -name '*.tmp' -delete", {}),
    ("find . -type f -exec cat {} \\;", {}),
    ("find . -fprint out.txt", {}),
    # sed.
    ("sed -n '1,2p' README.md", {}),
    ("sed -n 5p README.md", {}),
    ("sed -n 1,2p README.md Cargo.toml", {}),
    ("sed -i 's/a/b/' README.md", {}),
    ("sed 's/a/b/' README.md", {}),
    ("nl -ba README.md | sed -n '1,2p'", {}),
    ("sed -n 1,2p README.md | nl -ba", {}),
    ("nl -ba src/main.rs", {}),
    # base64.
    ("base64 README.md", {}),
    ("base64 -o out.bin README.md", {}),
    # git.
    ("git status", {}),
    ("git status --porcelain | wc -l", {}),
    ("git log --oneline -n 5", {}),
    ("git log -p -1", {}),
    ("git diff HEAD", {}),
    ("git diff --ext-diff", {}),
    ("git show HEAD", {}),
    ("git branch", {}),
    ("git branch --show-current", {}),
    ("git branch -d feature", {}),
    ("git branch new-branch", {}),
    ("git -c core.pager=cat log -n 1", {}),
    ("git -C . status", {}),
    ("git --git-dir=.git status", {}),
    ("git --no-pager log -n 1", {}),
    ("git -p log -1", {}),
    ("git log --output=out.txt", {}),
    ("git checkout main", {}),
    ("git grep TODO src", {}),
    ("git ls-files src", {}),
    ("git status -s && git diff --stat", {}),
    # Compound commands: every part judged on its own.
    ("ls && rm -rf build", {}),
    ("ls; pwd; echo done", {}),
    ("cat missing.txt || echo missing", {}),
    ("ls | wc -l", {}),
    ("ls | xargs rm", {}),
    ("cat README.md | python3 -c 'import sys'", {}),
    ("true && ls", {}),
    ("echo hi && cat README.md", {}),
    ("cd src && cat main.rs", {}),
    ("cd /tmp && ls", {}),
    ("cd src && rm main.rs", {}),
    ("cat README.md | head -n 2", {}),
    ("grep TODO README.md | head -n 3", {}),
    ("ls -la | sed -n '1,10p'", {}),
    ("ls | sort", {}),
    ("ls\npwd", {}),
    ("ls;", {}),
    # Redirections, subshells, substitutions, expansions, other syntax.
    ("ls > out.txt", {}),
    ("ls 2>&1", {}),
    ("ls 2>/dev/null", {}),
    ("echo hi > /dev/null", {}),
    ("cat < README.md", {}),
    ("cat <<EOF\nhello\nEOF", {}),
    ("(ls)", {}),
    ("ls || (pwd && echo hi)", {}),
    ("{ ls; pwd; }", {}),
    ("echo $(pwd)", {}),
    ("echo `pwd`", {}),
    ("echo $HOME", {}),
    ("echo \"hi $USER\"", {}),
    ("echo \"${HOME}\"", {}),
    ("echo {a,b}", {}),
    ("FOO=bar ls", {}),
    ("ls & pwd", {}),
    ("ls -la # list", {}),
    ("[ -f README.md ] && cat README.md", {}),
    ("ls &&", {}),
    ("echo \"unterminated", {}),
    ("if true; then ls; fi", {}),
    # Quoting.
    ("ls 'my file'", {}),
    ("echo 'it'\\''s'", {}),
    ("echo foo\\ bar", {}),
    ("echo \"a\\\"b\"", {}),
    ("echo \"/usr\"'/'\"local\"/bin", {}),
    ("rg -n \"foo\" -g\"*.rs\"", {}),
    ("'ls' -la", {}),
    ("\"git status\"", {}),
    ("echo ''", {}),
    # Nested shells.
    ("bash -lc 'ls -la'", {}),
    ("bash -c 'rm -rf x'", {}),
    ("bash -lc 'cat README.md && pwd'", {}),
    ("sh -c 'ls'", {}),
    # More git: which options and subcommand flags Codex 0.117.0 lets through.
    ("git log -c", {}),
    ("git status --git-dir=x", {}),
    ("git --paginate log -1", {}),
    ("git log --paginate -1", {}),
    ("git show --textconv HEAD", {}),
    ("git log --exec=x", {}),
    ("git diff --output x", {}),
    ("git branch -a", {}),
    ("git branch -vv", {}),
    ("git branch --list", {}),
    ("git branch --format=x", {}),
    ("git branch -l foo", {}),
    ("git -C. status", {}),
    ("git", {}),
    ("/usr/bin/git status", {}),
    ("git --work-tree . status", {}),
    ("git --config-env core.pager=X log", {}),
    ("git -c", {}),
    # Which shells are unwrapped, and how deep.
    ("/tmp/bash -lc ls", {}),
    ("./bash -c ls", {}),
    ("zsh -lc ls", {}),
    ("/usr/bin/bash -c ls", {}),
    ("bash -lc ls extra", {}),
    ("bash -lc \"bash -lc 'ls'\"", {}),
    ("bash -lc 'ls > x'", {}),
    ("sudo ls", {}),
    ("env ls", {}),
    # Lexical corners of the parser.
    ("ls -la\n", {}),
    ("\nls", {}),
    ("ls &&\npwd", {}),
    ("ls ; ; pwd", {}),
    ("echo \"a\nb\"", {}),
    ("cat 'a b'\"c\"", {}),
    ("echo 1.5 0x1F -5 10#7", {}),
    ("7z l x.zip", {}),
    ("123", {}),
    ("export FOO=1", {}),
    ("time ls", {}),
    ("! ls", {}),
    ("echo [ab] a[1]", {}),
    ("echo {1..3}", {}),
    ("echo \\$HOME", {}),
    ("echo a\\\\b", {}),
    ("echo \"x\" \"y\"z", {}),
    ("echo a#b", {}),
    ("echo ''\"\"", {}),
    ("ls\t-la", {}),
    ("ls | | wc", {}),
    ("&& ls", {}),
    ("ls ;; pwd", {}),
    ("ls |& wc", {}),
    # More command actions.
    ("cat README.md | head -n 2 | tail -n 1", {}),
    ("sed -n '1,5p' README.md | head", {}),
    ("rg --files -g '*.rs' src | wc -l", {}),
    ("ls -la src/ && cat src/main.rs", {}),
    ("cd src; ls", {}),
    ("cd .. && cat README.md", {}),
    ("cd src && cd .. && cat README.md", {}),
    ("cat src/lib.rs src/main.rs", {}),
    ("tail -n 5 README.md | nl -ba", {}),
    ("yes | head -n 1", {}),
    ("printf 'x' && cat README.md", {}),
    ("less README.md", {}),
    ("fd main src", {}),
    ("du -sh src", {}),
    ("rg -n TODO src | head -n 5 | nl -ba", {}),
    ("python -c \"import glob; print(glob.glob('*'))\"", {}),
    ("awk -F, '{print $2}' data.csv", {}),
    ("grep -e foo -e bar README.md", {}),
    ("echo done; cat README.md", {}),
    ("ls && echo ok", {}),
    ("cat README.md && true", {}),
    ("head -n 3 README.md && tail -n 3 README.md", {}),
    ("rg TODO", {}),
    ("grep -R TODO .", {}),
    ("find . -type f | head -n 5", {}),
    ("git diff | head -n 20", {}),
    ("cat README.md | grep TODO", {}),
    ("cat README.md | xargs sed -i s/a/b/", {}),
    ("bash -lc 'cd src && cat main.rs'", {}),
    ("python3 - <<'EOF'\nprint(1)\nEOF", {}),
    ("cat > out.txt <<EOF\nhi\nEOF", {}),
    ("cat <<< hi", {}),
    # The rest of the allowlist, and look-alikes that are not on it.
    ("expr 1 + 1", {}),
    ("false", {}),
    ("id", {}),
    ("paste data.csv", {}),
    ("rev README.md", {}),
    ("seq 3", {}),
    ("stat README.md", {}),
    ("echo abc | tr a b", {}),
    ("uname -a", {}),
    ("uniq README.md", {}),
    ("whoami", {}),
    ("date", {}),
    ("file README.md", {}),
    ("diff README.md Cargo.toml", {}),
    ("basename src/main.rs", {}),
    ("realpath README.md", {}),
    ("sort README.md", {}),
    ("printenv", {}),
    ("hostname", {}),
    ("sed -n 1,2p", {}),
    ("sed -n '1,2p;3p' README.md", {}),
    ("sed -n 2,p README.md", {}),
    ("base64 -oout.bin README.md", {}),
    ("base64 --output=out.bin README.md", {}),
    ("find . -execdir ls \\;", {}),
    ("find . -ok ls \\;", {}),
    ("find . -fls out.txt", {}),
    ("find . -fprint0 out.txt", {}),
    ("find . -fprintf out.txt %p", {}),
    ("rg --hostname-bin=x TODO", {}),
    ("cd src", {}),
    ("cd src && ls | wc -l", {}),
    # Heredocs: never auto-approved; whether an amendment is proposed.
    ("FOO=1 python3 - <<'EOF'\nprint(1)\nEOF", {}),
    ("cat <<EOF | grep x\nhi\nEOF", {}),
    ("cat <<-EOF\n\thi\n\tEOF", {}),
    ("cat \"a\" <<EOF\nhi\nEOF", {}),
    ("cat <<EOF && ls\nhi\nEOF", {}),
    # Clearly unsafe.
    ("rm README.md", {}),
    ("python3 -c \"import os; print(os.listdir('.'))\"", {}),
    ("touch new.txt", {}),
    ("npm install", {}),
    ("cargo build", {}),
    # The shell and login arguments of exec_command.
    ("ls -la", {"login": False}),
    ("cat README.md", {"shell": "/bin/sh"}),
    ("rm README.md", {"shell": "/bin/sh", "login": False}),
]


def run_cases(codex, cases, keep=False):
    root = tempfile.mkdtemp(prefix="cmds117-", dir=os.path.expanduser("~"))
    home = os.path.join(root, "home")
    cwd = os.path.join(root, "work")
    os.makedirs(home)
    os.makedirs(cwd)
    for name, text in FILES.items():
        path = os.path.join(cwd, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    git = ["git", "-c", "user.name=capture", "-c", "user.email=capture@example.invalid"]
    subprocess.run(["git", "init", "-q", "-b", "main", cwd], check=True)
    subprocess.run(git + ["-C", cwd, "add", "-A"], check=True)
    subprocess.run(git + ["-C", cwd, "commit", "-q", "-m", "init"], check=True)

    steps = []
    for i, (cmd, extra) in enumerate(cases):
        args = {"cmd": cmd, "yield_time_ms": 2000}
        args.update(extra)
        steps.append({"function_call": {"name": "exec_command", "arguments": args,
                                        "call_id": f"call{i}"}})
        steps.append({"text": "Done."})
    mock = MockResponses(steps, default_text="Done.").start()
    with open(os.path.join(home, "config.toml"), "w") as f:
        f.write(CONFIG.format(offline=OFFLINE, base_url=mock.base_url))

    def serve(msg):
        if msg["method"].endswith("requestApproval"):
            return {"decision": "decline"}
        return {}

    server = AppServer(codex, home, cwd, on_server_request=serve)
    server.initialize()
    tid = None
    try:
        for i, (cmd, extra) in enumerate(cases):
            if i % 20 == 0:  # a fresh thread now and then keeps requests small
                r = server.request("thread/start", {"cwd": cwd})
                tid = r["result"]["thread"]["id"]
            mark = server.mark()
            r = server.request("turn/start", {"threadId": tid,
                                              "input": [{"type": "text", "text": "Run it."}]})
            turn = r["result"]["turn"]["id"]
            server.wait_for(lambda m: m.get("method") == "turn/completed" and
                            m["params"]["turn"]["id"] == turn, timeout=60, start=mark)
            print(f"{i:3d} {cmd!r}", flush=True)
    finally:
        time.sleep(1.0)  # the last items' completions
        server.close()
        mock.stop()
    # Each case's item and approval request by the item's id (the call id), wherever they fell:
    # an item can complete after its turn did.
    out = [record(cmd, extra, server.messages, f"call{i}") for i, (cmd, extra) in enumerate(cases)]
    text = json.dumps(out, ensure_ascii=False).replace(cwd, "<cwd>").replace(root, "<root>")
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    return json.loads(text), CONFIG.format(offline=OFFLINE, base_url="http://127.0.0.1:<port>/v1")


def record(cmd, extra, messages, call_id):
    rec = {"cmd": cmd}
    rec.update(extra)
    started = completed = approval = None
    approvals = []
    for m in messages:
        meth = m.get("method")
        p = m.get("params") or {}
        item = p.get("item") if isinstance(p.get("item"), dict) else None
        if item is not None and item.get("id") != call_id:
            continue
        if item is None and p.get("itemId") != call_id:
            continue
        if meth == "item/started" and item and item.get("type") == "commandExecution":
            started = item
        elif meth == "item/completed" and item and item.get("type") == "commandExecution":
            completed = item
        elif meth and meth.endswith("requestApproval") and "id" in m:
            approvals.append({k: v for k, v in p.items()
                              if k not in ("threadId", "turnId", "itemId")})
            if approval is None and started is None:
                approval = approvals[-1]
    item = completed or started
    rec["command"] = item["command"] if item else None
    rec["asked_approval"] = approval is not None
    if approval is not None:
        rec["approval"] = approval
    if len(approvals) > (1 if approval is not None else 0):
        rec["other_approval_requests"] = approvals[1:] if approval is not None else approvals
    actions = item["commandActions"] if item else None
    rec["command_actions"] = actions
    differ = {}
    for name, src in (("item/started", started), ("item/completed", completed)):
        if src is not None and src.get("commandActions") != actions:
            differ[name] = src.get("commandActions")
    if approval is not None and approval.get("commandActions") != actions:
        differ["requestApproval"] = approval.get("commandActions")
    if differ:
        rec["command_actions_elsewhere"] = differ
    rec["status"] = item["status"] if item else None
    if item is None:
        rec["note"] = "no commandExecution item"
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codex", default=CODEX_117)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = ap.parse_args()
    cases, config = run_cases(args.codex, CASES, keep=args.keep)
    for i, c in enumerate(cases):
        print(f"{i:3d} {'ASK ' if c['asked_approval'] else 'safe'} {c['cmd']!r}")
    with open(args.out, "w") as f:
        json.dump({"codex": "0.117.0", "captured_by": "tests/agent/capture_codex_commands.py",
                   "readme": __doc__.strip(), "config": config,
                   "files": FILES, "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(cases)} cases, {sum(c['asked_approval'] for c in cases)} asked approval")


if __name__ == "__main__":
    main()
