"""The scenarios asked of both the real Codex 0.117.0 app-server (bootstrap_golden/capture.py
records its answers) and `threadlog serve` (bootstrap_test.py compares): the methods a client
calls before its first turn — account/*, model/list, skills/list, config/read,
configRequirements/read, the configWarning after initialize, thread/start's defaults.

Each scenario lays out files under a scratch ROOT (the Codex home is ROOT/home/.codex, HOME is
ROOT/home, the server runs in ROOT/work), then sends its requests one at a time over stdio.
Paths are written as <ROOT> in the goldens. What the two sides legitimately do differently is
not asked here (see normalize() and bootstrap_test.py)."""
import base64
import json
import os
import queue
import subprocess
import threading
import time

INIT = {"clientInfo": {"name": "golden", "version": "1"}, "capabilities": {"experimentalApi": True}}


def jwt(claims):
    """An unsigned JWT carrying `claims` (Codex reads email and plan from it)."""
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.signature"


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def skill(root, rel, front, body="Body.\n"):
    write(root, os.path.join(rel, "SKILL.md"), f"---\n{front}---\n{body}")


FIXTURE_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                              "codex-0.113.0", "basic", "config.toml")


def fixture_config(root, extra=""):
    with open(FIXTURE_CONFIG) as f:
        write(root, "home/.codex/config.toml", f.read() + extra)


def setup_none(root):
    pass


FIXTURE_HOME = os.path.dirname(FIXTURE_CONFIG)


def fixture_history(root, config_extra):
    """The basic fixture's history (sessions/, archived_sessions/, session_index.jsonl) and a
    config.toml of its mock provider plus `config_extra`."""
    import shutil
    for name in ("sessions", "archived_sessions"):
        shutil.copytree(os.path.join(FIXTURE_HOME, name), os.path.join(root, "home/.codex", name))
    shutil.copy(os.path.join(FIXTURE_HOME, "session_index.jsonl"),
                os.path.join(root, "home/.codex/session_index.jsonl"))
    write(root, "home/.codex/config.toml",
          'model_provider = "mock"\n' + config_extra +
          '[model_providers.mock]\nname = "mock"\nbase_url = "http://127.0.0.1:9/v1"\n'
          'wire_api = "responses"\n')


def setup_skills(root):
    c = "home/.codex/skills"
    skill(root, f"{c}/alpha", "name: alpha\ndescription: Alpha skill\n")
    skill(root, f"{c}/nested/deep/beta",
          "name: beta\ndescription: Beta nested\nmetadata:\n  short-description: short beta\n")
    skill(root, f"{c}/noname", "description: takes the folder's name\n")
    skill(root, f"{c}/nodesc", "name: nodesc\n")
    skill(root, f"{c}/emptydesc", "name: emptydesc\ndescription: \"\"\n")
    write(root, f"{c}/broken/SKILL.md", "no front matter here\n")
    skill(root, f"{c}/longname", f"name: {'n' * 70}\ndescription: c\n")
    skill(root, f"{c}/longdesc", f"name: longdesc\ndescription: {'d' * 1100}\n")
    skill(root, f"{c}/spaces", "name: spaced\ndescription: \"line one\\n  line two  \"\n"
          "metadata:\n  short-description: \"  sd  \"\n")
    skill(root, f"{c}/folded", "name: folded\ndescription: >\n  folded\n  text\n")
    write(root, f"{c}/crlf/SKILL.md", "---\r\nname: crlf\r\ndescription: crlf desc\r\n---\r\nb\r\n")
    skill(root, f"{c}/withyaml", "name: withyaml-renamed\ndescription: \"Has yaml\"\nextra: 1\n")
    write(root, f"{c}/withyaml/agents/openai.yaml",
          'interface:\n  display_name: "WY"\n  icon_small: "./assets/s.svg"\n'
          '  icon_large: "/abs/icon.png"\n  brand_color: "#fff"\n'
          'dependencies:\n  tools:\n    - type: "mcp"\n      value: "gh"\n      command: "run"\n'
          '    - type: "mcp"\n      value: "docs"\n      description: "Docs"\n'
          '      transport: "streamable_http"\n      url: "http://127.0.0.1:9/mcp"\n')
    skill(root, f"{c}/color", "name: color\ndescription: disabled in config.toml\n")
    write(root, f"{c}/color/agents/openai.yaml",
          'interface:\n  brand_color: "#3B82F6"\n  icon_large: "assets/big.png"\n'
          '  default_prompt: "Use $color"\n')
    skill(root, f"{c}/badyaml2", "name: badyaml2\ndescription: broken openai.yaml ignored\n")
    write(root, f"{c}/badyaml2/agents/openai.yaml", "interface: [\n")
    skill(root, f"{c}/dup", "name: dup\ndescription: dup in codex home\n")
    skill(root, f"{c}/.hidden/hid", "name: hid\ndescription: in a hidden folder\n")
    skill(root, "outside/lnk", "name: lnk\ndescription: reached through a symlink\n")
    os.symlink(os.path.join(root, "outside/lnk"), os.path.join(root, c, "symlinked"))
    skill(root, "home/.agents/skills/gamma", "name: gamma\ndescription: Gamma in ~/.agents\n")
    skill(root, "home/.agents/skills/dup", "name: dup\ndescription: dup in agents\n")
    os.makedirs(os.path.join(root, "repo/.git"))
    skill(root, "repo/.agents/skills/delta", "name: delta\ndescription: Delta repo agents\n")
    skill(root, "repo/.codex/skills/eps", "name: eps\ndescription: Eps repo codex\n")
    skill(root, "repo/sub/.agents/skills/zeta", "name: zeta\ndescription: Zeta sub\n")
    skill(root, "plain/.agents/skills/p1", "name: p1\ndescription: \"no repo: cwd only\"\n")
    skill(root, f"{c}/badsyntax", "name: badsyntax\ndescription: a: b\n")
    skill(root, "extra/ex1", "name: ex1\ndescription: an extra user root\n")
    write(root, "home/.codex/config.toml",
          f'[[skills.config]]\npath = "{root}/{c}/color/SKILL.md"\nenabled = false\n')


R = "<ROOT>"
FORKED = "01a20edc-7247-7f03-a843-7f00d3d1bea4"  # threads of the basic fixture
EXTENDED = "01a20edc-6f3a-7f83-8d85-eff1cc9a2d26"
# Not recorded: repeated until it succeeds (threadlog adopts the history in the background).
UNTIL_ADOPTED = ("__until_ok__", {"method": "thread/read", "params": {"threadId": FORKED}})
EMAIL_PRO = jwt({"email": "dev@example.com",
                 "https://api.openai.com/auth": {"chatgpt_plan_type": "pro"}})
PROFILE_EMAIL = jwt({"https://api.openai.com/profile": {"email": "p@example.com"}})
NO_EMAIL = jwt({"sub": "x"})

SCENARIOS = {
    "account": (setup_none, [
        ("account/read", {}),
        ("account/read", None),
        ("account/rateLimits/read", None),
        ("account/login/start", {"type": "apiKey"}),
        ("account/login/start", {"type": "bogus"}),
        ("account/login/start", {"type": "chatgptAuthTokens", "accessToken": "x"}),
        ("account/login/cancel", {"loginId": "nope"}),
        ("account/login/start", {"type": "apiKey", "apiKey": "sk-golden-0000"}),
        ("account/read", {"refreshToken": True}),
        ("account/rateLimits/read", None),
        ("account/login/start",
         {"type": "chatgptAuthTokens", "accessToken": "abc", "chatgptAccountId": "a"}),
        ("account/login/start",
         {"type": "chatgptAuthTokens", "accessToken": EMAIL_PRO, "chatgptAccountId": "a"}),
        ("account/read", {}),
        ("account/login/start", {"type": "apiKey", "apiKey": "sk-golden-0000"}),
        ("account/login/start", {"type": "chatgptAuthTokens", "accessToken": PROFILE_EMAIL,
                                 "chatgptAccountId": "b", "chatgptPlanType": "weird"}),
        ("account/read", {}),
        ("account/login/start", {"type": "chatgptAuthTokens", "accessToken": NO_EMAIL,
                                 "chatgptAccountId": "c", "chatgptPlanType": "plus"}),
        ("account/read", {}),
        ("account/logout", None),
        ("account/read", {}),
        ("account/logout", None),
    ]),
    "account_mock_provider": (fixture_config, [
        ("account/read", {}),
        ("account/login/start", {"type": "apiKey", "apiKey": "sk-golden-0000"}),
        ("account/read", {}),
    ]),
    "models": (setup_none, [
        ("model/list", {"includeHidden": True}),
        ("model/list", {}),
        ("model/list", None),
        ("model/list", {"limit": 2}),
        ("model/list", {"limit": 2, "cursor": "2"}),
        ("model/list", {"limit": 0}),
        ("model/list", {"limit": 2, "cursor": "6", "includeHidden": True}),
        ("model/list", {"cursor": "6"}),
        ("model/list", {"cursor": "13", "includeHidden": True}),
        ("model/list", {"cursor": "7"}),
        ("model/list", {"cursor": "abc"}),
        ("model/list", {"cursor": "-1"}),
        ("model/list", {"limit": -1}),
        ("model/list", {"limit": 1000, "includeHidden": True}),
    ]),
    "models_configured_unknown_model": (
        lambda root: write(root, "home/.codex/config.toml", 'model = "mock-model"\n'),
        [("model/list", {"includeHidden": True})]),
    "skills": (setup_skills, [
        ("skills/list", {"cwds": [f"{R}/repo/sub"]}),
        ("skills/list", {"cwds": [f"{R}/repo", f"{R}/plain"], "forceReload": True,
                         "perCwdExtraUserRoots": [{"cwd": f"{R}/plain",
                                                   "extraUserRoots": [f"{R}/extra"]}]}),
        ("skills/list", {}),
        ("skills/list", {"cwds": ["relative/dir", f"{R}/missing"]}),
        ("skills/list", {"perCwdExtraUserRoots": [{"cwd": f"{R}/plain",
                                                   "extraUserRoots": ["rel"]}]}),
        ("skills/list", {"cwds": "x"}),
        ("skills/list", None),
    ]),
    "config": (lambda root: fixture_config(root, '\n[profiles.fast]\nmodel = "gpt-5.4"\n'
                                                 'approval_policy = "on-request"\n'), [
        ("config/read", {}),
        ("config/read", {"includeLayers": True}),
        ("config/read", None),
        ("configRequirements/read", None),
    ]),
    "config_empty": (setup_none, [
        ("config/read", {"includeLayers": True}),
    ]),
    "config_wrong_type": (lambda root: write(root, "home/.codex/config.toml", "model = 5\n"), [
        ("config/read", {}),
        ("account/read", {}),
    ]),
    "config_unknown_variant": (
        lambda root: write(root, "home/.codex/config.toml", 'approval_policy = "sometimes"\n'), [
            ("config/read", {}),
        ]),
    "config_unknown_provider": (
        lambda root: write(root, "home/.codex/config.toml", 'model_provider = "nope"\n'), [
            ("account/read", {}),
        ]),
    # The thread ran with mock-model, never, danger-full-access (its turn_context): resume keeps
    # the model and takes approvals and sandbox from config.toml; fork takes all three from it.
    "thread_settings_from_config": (
        lambda root: fixture_history(root, 'approval_policy = "untrusted"\n'
                                           'sandbox_mode = "read-only"\nmodel = "gpt-5.4"\n'), [
            UNTIL_ADOPTED,
            ("thread/resume", {"threadId": EXTENDED}),
            ("thread/fork", {"threadId": FORKED}),
        ]),
    "thread_settings_defaults": (lambda root: fixture_history(root, ""), [
        UNTIL_ADOPTED,
        ("thread/resume", {"threadId": EXTENDED}),
        ("thread/fork", {"threadId": FORKED}),
    ]),
    "thread_start_defaults": (fixture_config, [
        ("thread/start", {}),
        ("thread/start", {"approvalPolicy": "on-request", "sandbox": "read-only",
                          "approvalsReviewer": "user"}),
    ]),
}


def make_root(root, name):
    """Lays out scenario `name` under `root`; returns (setup, requests) with <ROOT> filled in."""
    setup, requests = SCENARIOS[name]
    for d in ("home/.codex", "work"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    setup(root)
    filled = json.loads(json.dumps(requests).replace(R, root))
    return filled


def run(argv, root, requests, env_extra=None, settle=0.4):
    """Starts `argv` (a server speaking JSONL on stdio) in ROOT/work with HOME=ROOT/home and
    CODEX_HOME=ROOT/home/.codex; initializes; sends each request after the previous answer and
    collects the notifications that follow it for `settle` seconds. Returns
    {"initialize": {...}, "after_initialize": [...], "exchanges": [...]}."""
    env = dict(os.environ, HOME=os.path.join(root, "home"),
               CODEX_HOME=os.path.join(root, "home/.codex"))
    env.pop("OPENAI_API_KEY", None)
    env.pop("CODEX_API_KEY", None)
    env.update(env_extra or {})
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, cwd=os.path.join(root, "work"))
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout] + [lines.put(None)],
                     daemon=True).start()

    def send(msg):
        proc.stdin.write((json.dumps(msg) + "\n").encode())
        proc.stdin.flush()

    def until_answer(id_, timeout=20):
        before = []
        deadline = time.time() + timeout
        while True:
            line = lines.get(timeout=max(0.1, deadline - time.time()))
            if line is None:
                raise RuntimeError(f"server exited waiting for {id_}")
            msg = json.loads(line)
            if msg.get("id") == id_ and "method" not in msg:
                return msg, before
            before.append(msg)

    def settled():
        out = []
        deadline = time.time() + settle
        while True:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                return out
            if line is None:
                return out
            out.append(json.loads(line))

    try:
        send({"id": 0, "method": "initialize", "params": INIT})
        init, _ = until_answer(0)
        after_init = settled()
        send({"method": "initialized"})
        exchanges = []
        for i, (method, params) in enumerate(requests, start=1):
            if method == "__until_ok__":
                deadline = time.time() + 30
                while True:
                    send({"id": i, **params})
                    answer, _ = until_answer(i)
                    if "result" in answer or time.time() > deadline:
                        break
                    time.sleep(0.1)
                settled()
                continue
            msg = {"id": i, "method": method}
            if params is not None:
                msg["params"] = params
            send(msg)
            answer, before = until_answer(i)
            exchanges.append({"request": msg, "before": before, "answer": answer,
                              "after": settled()})
        return {"initialize": init, "after_initialize": after_init, "exchanges": exchanges}
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def is_machine_warning(msg):
    """Codex's configWarning about this machine's sandbox tools (bubblewrap), not the config."""
    return msg.get("method") == "configWarning" and "bubblewrap" in msg["params"]["summary"]


def normalize(result, root):
    """Paths as <ROOT>; the machine warning dropped; Codex's own bundled system skills (it
    installs them into CODEX_HOME/skills/.system at start) dropped; errors of skills/list
    sorted (Codex lists them in directory order); thread/start reduced to its settings."""
    text = json.dumps(result).replace(os.path.realpath(root), R).replace(root, R)
    result = json.loads(text)
    result["after_initialize"] = [m for m in result["after_initialize"]
                                  if not is_machine_warning(m)]
    for ex in result["exchanges"]:
        for key in ("before", "after"):
            ex[key] = [m for m in ex[key] if not is_machine_warning(m)]
        answer = ex["answer"].get("result")
        method = ex["request"]["method"]
        if method == "skills/list" and answer:
            for entry in answer["data"]:
                entry["skills"] = [s for s in entry["skills"] if s["scope"] != "system"]
                entry["errors"] = sorted(entry["errors"], key=lambda e: e["path"])
        if method in ("thread/start", "thread/resume", "thread/fork") and answer:
            thread = answer.pop("thread")
            answer["thread.modelProvider"] = thread["modelProvider"]
            answer["thread.cwd"] = thread["cwd"]
            ex["before"] = [m["method"] for m in ex["before"]]
            ex["after"] = [m["method"] for m in ex["after"]]
        if method == "initialize":
            pass
    result["initialize"] = sorted(result["initialize"]["result"])
    return result
