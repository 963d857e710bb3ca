#!/usr/bin/env python3
"""Records the context messages the real Codex 0.117.0 puts at the start of a thread's model
request, in every permission situation: runs `codex app-server` (stdio JSON-RPC) against the
scripted mock Responses server (tests/mock_responses), once per scenario with a fresh
CODEX_HOME and cwd, and writes golden/codex_117_context.json: for each Responses request the
instructions (sha256, length, which model of api/agent/codex_models.json they equal), the whole
`input` (for later requests only the items after the previous request's input), the tool names
and the other body fields; and the rollout lines Codex wrote (session_meta keys only,
turn_context and response_item payloads verbatim, other events by type).

Usage: capture_codex_context.py [--codex BINARY] [--out FILE] [--keep] [SCENARIO...]
  With SCENARIO names, only those run and are merged into an existing FILE.
Nothing leaves 127.0.0.1: the provider is the mock; plugins, apps and update checks are off.
Scratch paths become "<cwd>", "<home>", "<root>"; the thread id "<thread_id>", turn ids
"<turn_id_N>", today's date "<date>" (inside <current_date> and turn_context.current_date).
Scenarios run one after another (one app-server at a time).
"""
import argparse
import contextlib
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT_DIR = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "replay"))
from codex_driver import CODEX_117, AppServer, MockResponses  # noqa: E402

OUT = os.path.join(HERE, "golden", "codex_117_context.json")
MODELS = os.path.join(ROOT_DIR, "api", "agent", "codex_models.json")

# The config every scenario starts from: the capture_117.py OFFLINE block (no plugin/app syncs,
# no analytics, no update check); approval/sandbox as codex_driver's template unless a scenario
# replaces them (`top`). `tables` go after [analytics] and before the provider.
CONFIG = """model = "{model}"
model_provider = "mock"
{top}check_for_update_on_startup = false

[features]
plugins = false
apps = false
tool_suggest = false
{features}
[analytics]
enabled = false
{tables}
[model_providers.mock]
name = "mock"
base_url = "{base_url}"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 600000
"""
DEFAULT_TOP = 'approval_policy = "never"\nsandbox_mode = "danger-full-access"\n'

SKILL_DEMO = "---\nname: demo\ndescription: Demo skill.\n---\n\n# Demo\n\nSay demo.\n"
SKILL_LOCAL = "---\nname: local\ndescription: Local repo skill.\n---\n\n# Local\n\nBe local.\n"


# --- instructions: which model's text they are ------------------------------------------------

def _model_texts():
    """(label, text) for every base_instructions and every personality rendering of
    model_messages.instructions_template in codex_models.json."""
    try:
        with open(MODELS) as f:
            models = json.load(f)["models"]
    except (OSError, ValueError, KeyError):
        return []
    out = []
    for m in models:
        if m.get("base_instructions"):
            out.append((f"{m['slug']}:base_instructions", m["base_instructions"]))
        mm = m.get("model_messages") or {}
        tpl = mm.get("instructions_template")
        if tpl:
            for var, val in sorted((mm.get("instructions_variables") or {}).items()):
                out.append((f"{m['slug']}:instructions_template[{var}]",
                            tpl.replace("{{ personality }}", val or "")))
            out.append((f"{m['slug']}:instructions_template[empty]",
                        tpl.replace("{{ personality }}", "")))
    return out


MODEL_TEXTS = _model_texts()


def describe_instructions(text, extra=()):
    if text is None:
        return None
    matches = [label for label, t in list(MODEL_TEXTS) + list(extra) if t == text]
    return {"sha256": hashlib.sha256(text.encode()).hexdigest(), "length": len(text),
            "equals": matches}


# --- placeholders ------------------------------------------------------------------------------

class Scrub:
    def __init__(self):
        self.pairs = []   # (literal, placeholder), longest literal first

    def add(self, literal, placeholder):
        if literal:
            self.pairs.append((literal, placeholder))
            self.pairs.sort(key=lambda p: -len(p[0]))

    def text(self, s):
        for lit, ph in self.pairs:
            s = s.replace(lit, ph)
        s = re.sub(r"<current_date>\d{4}-\d{2}-\d{2}</current_date>",
                   "<current_date><date></current_date>", s)
        return s

    def __call__(self, obj):
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, list):
            return [self(x) for x in obj]
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if k == "current_date" and isinstance(v, str) and \
                        re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                    out[k] = "<date>"
                else:
                    out[self.text(k)] = self(v)
            return out
        return obj


# --- one scenario ------------------------------------------------------------------------------

@contextlib.contextmanager
def env_overlay(env):
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class World:
    """A scenario's scratch tree: root/home (CODEX_HOME), root/work (cwd) unless moved."""

    def __init__(self, cwd_rel="work"):
        self.root = os.path.realpath(tempfile.mkdtemp(prefix="ctx117-",
                                                      dir=os.path.expanduser("~")))
        self.home = os.path.join(self.root, "home")
        self.cwd = os.path.join(self.root, cwd_rel)
        os.makedirs(self.home)
        os.makedirs(self.cwd)


def body_summary(body, scrub, extra_texts=()):
    out = {"model": body.get("model"),
           "body_keys": list(body.keys()),
           "instructions": describe_instructions(body.get("instructions"), extra_texts),
           "tools": [t.get("name") or t.get("type") for t in body.get("tools") or []]}
    for k in ("reasoning", "include", "text", "parallel_tool_calls", "tool_choice", "store",
              "stream", "prompt_cache_key", "service_tier"):
        if k in body:
            out[k] = scrub(body[k])
    return out


def date_check(body, tz):
    """Which clock <current_date> follows: the UTC date, the TZ date (when TZ is set)."""
    text = json.dumps(body.get("input"))
    m = re.search(r"<current_date>(\d{4}-\d{2}-\d{2})</current_date>", text)
    if not m:
        return None
    now = datetime.datetime.now(datetime.timezone.utc)
    out = {"format": "YYYY-MM-DD" if m else None,
           "equals_utc_date": m.group(1) == now.date().isoformat()}
    if tz:
        local = now.astimezone(zoneinfo.ZoneInfo(tz)).date().isoformat()
        out["equals_TZ_date"] = m.group(1) == local
        out["utc_and_TZ_dates_differ"] = local != now.date().isoformat()
    return out


def rollout_lines(path, scrub, extra_texts=()):
    """Every line of the rollout, reduced: session_meta -> payload keys, turn_context and
    response_item -> payload, event_msg -> payload type; split at each task_complete."""
    turns, cur = [], []
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            t, p = rec.get("type"), rec.get("payload") or {}
            if t == "session_meta":
                cur.append({"type": t, "payload_keys": list(p.keys()),
                            "payload.base_instructions": describe_instructions(
                                (p.get("base_instructions") or {}).get("text"), extra_texts)
                            if isinstance(p.get("base_instructions"), dict) else
                            p.get("base_instructions", "<absent>")})
            elif t in ("turn_context", "response_item"):
                cur.append({"type": t, "payload": scrub(p)})
            elif t == "event_msg":
                cur.append({"type": t, "payload_type": p.get("type")})
                if p.get("type") == "task_complete":
                    turns.append(cur)
                    cur = []
            else:
                cur.append({"type": t, "payload": scrub(p)})
    if cur:
        turns.append(cur)
    return turns


def run(codex, name, sc, keep=False):
    world = World(sc.get("cwd_rel", "work"))
    scrub = Scrub()
    scrub.add(world.cwd, "<cwd>")
    scrub.add(world.home, "<home>")
    scrub.add(world.root, "<root>")
    if sc.get("setup"):
        sc["setup"](world)
    steps = [{"text": t} for t in sc.get("answers", ["Hello!"])]
    mock = MockResponses(steps, log_path=os.path.join(world.root, "requests.jsonl"),
                         default_text="Hello!").start()
    cfg = CONFIG.format(model=sc.get("config_model", "gpt-5.1-codex"),
                        top=sc.get("top", DEFAULT_TOP), features=sc.get("features", ""),
                        tables=sc.get("tables", ""), base_url=mock.base_url)
    write(os.path.join(world.home, "config.toml"), cfg)
    result = {"setup": {}, "notes": " ".join(x for x in (sc.get("notes", ""),
                                                          NOTES.get(name, "")) if x)}
    setup = result["setup"]
    if sc.get("describe"):
        setup["files"] = sc["describe"]
    if sc.get("top") is not None or sc.get("tables") or sc.get("features"):
        setup["config_toml_extra"] = (sc.get("top") or "") + sc.get("features", "") + \
            sc.get("tables", "")
    if sc.get("env"):
        setup["env"] = sc["env"]
    errors = []
    with env_overlay(sc.get("env", {})):
        server = AppServer(codex, world.home, world.cwd)
    tid = None
    turn_ids = []
    try:
        server.initialize()
        params = dict(sc.get("thread_params", {}))
        params.setdefault("cwd", world.cwd)
        setup["thread_start_params"] = scrub(params)
        r = server.request("thread/start", params)
        if "result" not in r:
            raise RuntimeError(f"thread/start: {r}")
        res = r["result"]
        tid = res["thread"]["id"]
        scrub.add(tid, "<thread_id>")
        result["thread_start_result"] = scrub({k: v for k, v in res.items() if k != "thread"})
        turns = sc.get("turns") or [{}]
        setup["turns"] = []
        for i, t in enumerate(turns):
            t = t(world) if callable(t) else dict(t)
            text = t.pop("text", "hi")
            mark = server.mark()
            tparams = {"threadId": tid, "input": [{"type": "text", "text": text}]}
            tparams.update(t)
            setup["turns"].append(scrub(tparams))
            r = server.request("turn/start", tparams)
            if "result" not in r:
                errors.append(scrub({"turn": i, "error": r.get("error")}))
                break
            turn_id = r["result"]["turn"]["id"]
            turn_ids.append(turn_id)
            scrub.add(turn_id, f"<turn_id_{i + 1}>")
            done = server.wait_for(lambda m: m.get("method") == "turn/completed" and
                                   m["params"]["turn"]["id"] == turn_id, timeout=120,
                                   start=mark)
            st = done["params"]["turn"]
            if st.get("status") != "completed":
                errors.append(scrub({"turn": i, "status": st.get("status"),
                                     "error": st.get("error")}))
        time.sleep(0.3)
    finally:
        server.close()
        mock.stop()
    # requests
    reqs = [q for q in mock.responses_requests() if isinstance(q.get("body"), dict)]
    extra_texts = []
    if sc.get("thread_params", {}).get("baseInstructions"):
        extra_texts.append(("thread_start.baseInstructions",
                            sc["thread_params"]["baseInstructions"]))
    out_reqs = []
    prev = None
    for q in reqs:
        body = q["body"]
        s = body_summary(body, scrub, extra_texts)
        meta = q.get("headers", {}).get("x-codex-turn-metadata")
        if meta:
            try:
                s["x-codex-turn-metadata"] = scrub(json.loads(meta))
            except ValueError:
                s["x-codex-turn-metadata"] = scrub(meta)
        inp = body.get("input") or []
        if prev is not None and inp[:len(prev)] == prev:
            s["input_prefix"] = f"the previous request's input ({len(prev)} items)"
            s["input_new"] = scrub(inp[len(prev):])
        else:
            if prev is not None:
                s["input_prefix"] = "NOT the previous request's input"
            s["input"] = scrub(inp)
        prev = inp
        out_reqs.append(s)
    result["requests"] = out_reqs
    if reqs:
        result["current_date_check"] = date_check(reqs[0]["body"], sc.get("env", {}).get("TZ"))
    # rollout
    sessions = os.path.join(world.home, "sessions")
    found = [os.path.join(d, f) for d, _, fs in os.walk(sessions) for f in fs
             if tid and tid in f]
    if len(found) == 1:
        result["rollout_by_turn"] = rollout_lines(found[0], scrub, extra_texts)
    else:
        errors.append(f"rollout files for the thread: {len(found)}")
    # what Codex put in the home (bundled skills)
    skills_dir = os.path.join(world.home, "skills")
    if os.path.isdir(skills_dir):
        result["home_skills"] = sorted(
            os.path.relpath(os.path.join(d), skills_dir) for d, _, fs in os.walk(skills_dir)
            if "SKILL.md" in fs)
    if errors:
        result["errors"] = errors
    if sc.get("post"):
        sc["post"](world, result)
    if keep:
        result["kept_root"] = world.root
    else:
        shutil.rmtree(world.root, ignore_errors=True)
    return result


# --- scenarios --------------------------------------------------------------------------------

SCENARIOS = {}


def scenario(name, **sc):
    SCENARIOS[name] = sc


# A. sandbox x approval via thread/start params
for _sb in ("read-only", "workspace-write", "danger-full-access"):
    for _ap in ("untrusted", "on-failure", "on-request", "never"):
        scenario(f"A_{_sb}_{_ap}", thread_params={"sandbox": _sb, "approvalPolicy": _ap})

_GRANULAR = {
    "all_true": {"sandbox_approval": True, "rules": True, "mcp_elicitations": True,
                 "request_permissions": True, "skill_approval": True},
    "all_false": {"sandbox_approval": False, "rules": False, "mcp_elicitations": False,
                  "request_permissions": False, "skill_approval": False},
    "sandbox_only": {"sandbox_approval": True, "rules": False, "mcp_elicitations": False},
    "rules_perms": {"sandbox_approval": False, "rules": True, "mcp_elicitations": True,
                    "request_permissions": True, "skill_approval": False},
}
for _g, _flags in _GRANULAR.items():
    scenario(f"A_granular_{_g}_workspace-write",
             thread_params={"sandbox": "workspace-write",
                            "approvalPolicy": {"granular": _flags}})
scenario("A_granular_sandbox_only_read-only",
         thread_params={"sandbox": "read-only",
                        "approvalPolicy": {"granular": _GRANULAR["sandbox_only"]}})

scenario("A_ws_network_config_param",
         thread_params={"sandbox": "workspace-write", "approvalPolicy": "on-request"},
         tables="\n[sandbox_workspace_write]\nnetwork_access = true\n",
         notes="thread/start sandbox=workspace-write with the config table")
scenario("A_ws_network_config_only",
         top='approval_policy = "on-request"\nsandbox_mode = "workspace-write"\n',
         tables="\n[sandbox_workspace_write]\nnetwork_access = true\n",
         notes="no thread/start sandbox/approval params; config only")
scenario("A_ws_writable_roots_config_param",
         thread_params={"sandbox": "workspace-write", "approvalPolicy": "on-request"},
         tables='\n[sandbox_workspace_write]\nwritable_roots = ["/tmp/extra"]\n')
scenario("A_ws_writable_roots_config_only",
         top='approval_policy = "on-request"\nsandbox_mode = "workspace-write"\n',
         tables='\n[sandbox_workspace_write]\nwritable_roots = ["/tmp/extra"]\n')
scenario("A_ws_network_and_roots_config_only",
         top='approval_policy = "on-request"\nsandbox_mode = "workspace-write"\n',
         tables='\n[sandbox_workspace_write]\nnetwork_access = true\n'
                'writable_roots = ["/tmp/extra", "/tmp/extra2"]\n')
scenario("A_ws_exclude_tmp_config_only",
         top='approval_policy = "on-request"\nsandbox_mode = "workspace-write"\n',
         tables='\n[sandbox_workspace_write]\nexclude_slash_tmp = true\n'
                'exclude_tmpdir_env_var = true\n')
scenario("A_guardian_on-request",
         thread_params={"sandbox": "workspace-write", "approvalPolicy": "on-request",
                        "approvalsReviewer": "guardian_subagent"})
scenario("A_guardian_on-request_danger",
         thread_params={"sandbox": "danger-full-access", "approvalPolicy": "on-request",
                        "approvalsReviewer": "guardian_subagent"})
scenario("A_turn_sandbox_policies",
         thread_params={"sandbox": "workspace-write", "approvalPolicy": "never"},
         turns=[{"text": "t1 baseline"},
                {"text": "t2 readOnly+network",
                 "sandboxPolicy": {"type": "readOnly", "networkAccess": True}},
                {"text": "t3 externalSandbox restricted",
                 "sandboxPolicy": {"type": "externalSandbox", "networkAccess": "restricted"}},
                {"text": "t4 externalSandbox enabled",
                 "sandboxPolicy": {"type": "externalSandbox", "networkAccess": "enabled"}},
                {"text": "t5 workspaceWrite no tmp",
                 "sandboxPolicy": {"type": "workspaceWrite", "writableRoots": [],
                                   "excludeSlashTmp": True, "excludeTmpdirEnvVar": True}},
                {"text": "t6 dangerFullAccess", "sandboxPolicy": {"type": "dangerFullAccess"}}],
         answers=[f"A{i}." for i in range(1, 7)],
         notes="turn/start sandboxPolicy variants thread/start cannot express")
scenario("A_default_config_no_params", top="",
         notes="neither config nor thread/start says approval/sandbox: Codex's defaults")


# B. AGENTS.md
def _agents_cwd(w):
    write(os.path.join(w.cwd, "AGENTS.md"), "Use tabs.\n")


def _agents_home(w):
    write(os.path.join(w.home, "AGENTS.md"), "Global rule.\n")


def _agents_repo(w):
    repo = os.path.join(w.root, "repo")
    subprocess.run(["git", "init", "-q", repo], check=True)
    write(os.path.join(repo, "AGENTS.md"), "Repo root rule.\n")


scenario("B_cwd_agents", setup=_agents_cwd, describe={"<cwd>/AGENTS.md": "Use tabs.\n"})
scenario("B_home_agents", setup=_agents_home,
         describe={"<home>/AGENTS.md": "Global rule.\n"})
scenario("B_home_and_cwd_agents", setup=lambda w: (_agents_cwd(w), _agents_home(w)),
         describe={"<cwd>/AGENTS.md": "Use tabs.\n", "<home>/AGENTS.md": "Global rule.\n"})
scenario("B_repo_root_sub_cwd_home", cwd_rel="repo/sub",
         setup=lambda w: (_agents_repo(w), _agents_cwd(w), _agents_home(w)),
         describe={"<root>/repo": "git init", "<root>/repo/AGENTS.md": "Repo root rule.\n",
                   "<cwd> = <root>/repo/sub; <cwd>/AGENTS.md": "Use tabs.\n",
                   "<home>/AGENTS.md": "Global rule.\n"})
scenario("B_repo_root_sub_cwd_no_agents_in_cwd", cwd_rel="repo/sub", setup=_agents_repo,
         describe={"<root>/repo": "git init", "<root>/repo/AGENTS.md": "Repo root rule.\n",
                   "<cwd>": "<root>/repo/sub, no AGENTS.md"})
scenario("B_whitespace_agents",
         setup=lambda w: (write(os.path.join(w.cwd, "AGENTS.md"), "\n  Use tabs.  \n\n\n"),
                          write(os.path.join(w.home, "AGENTS.md"), "\n  Global rule.  \n\n")),
         describe={"<cwd>/AGENTS.md": "\n  Use tabs.  \n\n\n",
                   "<home>/AGENTS.md": "\n  Global rule.  \n\n"},
         notes="which whitespace Codex keeps")
scenario("B_blank_cwd_agents_home_agents",
         setup=lambda w: (write(os.path.join(w.cwd, "AGENTS.md"), " \n\n"), _agents_home(w)),
         describe={"<cwd>/AGENTS.md": " \n\n", "<home>/AGENTS.md": "Global rule.\n"})
scenario("B_cwd_agents_with_developer_instructions", setup=_agents_cwd,
         thread_params={"developerInstructions": "Dev rule."},
         describe={"<cwd>/AGENTS.md": "Use tabs.\n"})


# C. skills
def _skill_home(w):
    write(os.path.join(w.home, "skills", "demo", "SKILL.md"), SKILL_DEMO)


def _skill_cwd(w):
    write(os.path.join(w.cwd, ".agents", "skills", "local", "SKILL.md"), SKILL_LOCAL)


scenario("C_home_skill", setup=_skill_home, describe={"<home>/skills/demo/SKILL.md": SKILL_DEMO})
scenario("C_cwd_skill", setup=_skill_cwd,
         describe={"<cwd>/.agents/skills/local/SKILL.md": SKILL_LOCAL})
scenario("C_both_skills", setup=lambda w: (_skill_home(w), _skill_cwd(w)),
         describe={"<home>/skills/demo/SKILL.md": SKILL_DEMO,
                   "<cwd>/.agents/skills/local/SKILL.md": SKILL_LOCAL})
scenario("C_bundled_disabled_no_skills", tables="\n[skills.bundled]\nenabled = false\n")
scenario("C_bundled_disabled_home_skill", setup=_skill_home,
         tables="\n[skills.bundled]\nenabled = false\n",
         describe={"<home>/skills/demo/SKILL.md": SKILL_DEMO})
scenario("C_bundled_disabled_home_skill_disabled_by_name", setup=_skill_home,
         tables='\n[skills.bundled]\nenabled = false\n\n[[skills.config]]\nname = "demo"\n'
                'enabled = false\n',
         describe={"<home>/skills/demo/SKILL.md": SKILL_DEMO})

scenario("C_two_home_skills_order",
         setup=lambda w: (write(os.path.join(w.home, "skills", "zeta", "SKILL.md"),
                                "---\nname: zeta\ndescription: Zeta skill.\n---\n"),
                          write(os.path.join(w.home, "skills", "alpha", "SKILL.md"),
                                "---\nname: alpha\ndescription: Alpha skill.\n---\n"),
                          write(os.path.join(w.home, "skills", "dir-b", "SKILL.md"),
                                "---\nname: aaa-named\ndescription: Named unlike its "
                                "folder.\n---\n")),
         describe={"<home>/skills/zeta/SKILL.md": "name: zeta, description: Zeta skill.",
                   "<home>/skills/alpha/SKILL.md": "name: alpha, description: Alpha skill.",
                   "<home>/skills/dir-b/SKILL.md":
                       "name: aaa-named, description: Named unlike its folder."},
         notes="order within one scope")
scenario("C_cwd_codex_skills_legacy",
         setup=lambda w: write(os.path.join(w.cwd, ".codex", "skills", "legacy", "SKILL.md"),
                               "---\nname: legacy\ndescription: Legacy repo skill.\n---\n"),
         describe={"<cwd>/.codex/skills/legacy/SKILL.md":
                   "name: legacy, description: Legacy repo skill."})
scenario("C_repo_root_and_cwd_skills", cwd_rel="repo/sub",
         setup=lambda w: (_agents_repo(w),
                          write(os.path.join(w.root, "repo", ".agents", "skills", "rootskill",
                                             "SKILL.md"),
                                "---\nname: a-rootskill\ndescription: Repo root skill.\n---\n"),
                          _skill_cwd(w)),
         describe={"<root>/repo": "git init, AGENTS.md 'Repo root rule.'",
                   "<root>/repo/.agents/skills/rootskill/SKILL.md":
                       "name: a-rootskill, description: Repo root skill.",
                   "<cwd> = <root>/repo/sub; <cwd>/.agents/skills/local/SKILL.md": SKILL_LOCAL})

# D. developer / base instructions
scenario("D_developer_instructions",
         thread_params={"developerInstructions": "Always answer in French.\nBe brief."})
scenario("D_base_instructions",
         thread_params={"baseInstructions": "You are a test base.\nNothing else."})
scenario("D_both_instructions",
         thread_params={"developerInstructions": "Always answer in French.",
                        "baseInstructions": "You are a test base."})
scenario("D_developer_instructions_config",
         top=DEFAULT_TOP + 'developer_instructions = "Config dev rule."\n',
         notes="developer_instructions in config.toml rather than thread/start")


# E. personality
scenario("E_gpt53_default", thread_params={"model": "gpt-5.3-codex"})
scenario("E_gpt53_friendly", thread_params={"model": "gpt-5.3-codex", "personality": "friendly"})
scenario("E_gpt53_pragmatic",
         thread_params={"model": "gpt-5.3-codex", "personality": "pragmatic"})
scenario("E_gpt53_none", thread_params={"model": "gpt-5.3-codex", "personality": "none"})
scenario("E_gpt51_friendly", thread_params={"personality": "friendly"},
         notes="gpt-5.1-codex has no model_messages")

scenario("E_gpt51_turn_personality",
         turns=[{"text": "hi"}, {"text": "again", "personality": "friendly"}],
         answers=["Hello!", "Hello again!"],
         notes="personality changed on turn 2 of a gpt-5.1-codex thread (no model_messages)")
scenario("E_gpt53_friendly_then_turn_none",
         thread_params={"model": "gpt-5.3-codex", "personality": "friendly"},
         turns=[{"text": "hi"}, {"text": "again", "personality": "none"},
                {"text": "third", "personality": "pragmatic"}],
         answers=["Hello!", "Hello again!", "Third."])

# F. later turns
def _other(w):
    os.makedirs(os.path.join(w.root, "other"), exist_ok=True)


scenario("F_second_turn_no_change",
         thread_params={"sandbox": "workspace-write", "approvalPolicy": "on-request"},
         turns=[{"text": "hi"}, {"text": "again"}], answers=["Hello!", "Hello again!"])
scenario("F_second_turn_overrides", setup=_other,
         thread_params={"sandbox": "workspace-write", "approvalPolicy": "on-request"},
         turns=[{"text": "hi"},
                lambda w: {"text": "again", "cwd": os.path.join(w.root, "other"),
                           "approvalPolicy": "never",
                           "sandboxPolicy": {"type": "readOnly"},
                           "model": "gpt-5.2-codex"}],
         answers=["Hello!", "Hello again!"])
scenario("F_one_change_per_turn", setup=_other,
         thread_params={"sandbox": "workspace-write", "approvalPolicy": "on-request"},
         turns=[{"text": "t1 baseline"},
                lambda w: {"text": "t2 cwd", "cwd": os.path.join(w.root, "other")},
                {"text": "t3 approval", "approvalPolicy": "untrusted"},
                {"text": "t4 sandbox", "sandboxPolicy": {"type": "dangerFullAccess"}},
                {"text": "t5 sandbox ws+network",
                 "sandboxPolicy": {"type": "workspaceWrite", "networkAccess": True,
                                   "writableRoots": ["/tmp/extra"]}},
                {"text": "t6 model", "model": "gpt-5.2-codex"},
                {"text": "t7 personality", "personality": "friendly"},
                {"text": "t8 effort", "effort": "high"},
                {"text": "t9 no change"}],
         answers=[f"A{i}." for i in range(1, 10)])

scenario("F_all_updates_at_once", setup=_other,
         thread_params={"model": "gpt-5.2-codex", "sandbox": "workspace-write",
                        "approvalPolicy": "on-request"},
         turns=[{"text": "hi"},
                lambda w: {"text": "again", "cwd": os.path.join(w.root, "other"),
                           "approvalPolicy": "never", "sandboxPolicy": {"type": "readOnly"},
                           "model": "gpt-5.3-codex", "personality": "friendly",
                           "effort": "low"}],
         answers=["Hello!", "Hello again!"],
         notes="one turn changes cwd, approval, sandbox, model and personality: the order of "
               "the update parts")
scenario("F_cwd_change_agents",
         setup=lambda w: (_agents_cwd(w), _other(w),
                          write(os.path.join(w.root, "other", "AGENTS.md"), "Use spaces.\n")),
         turns=[{"text": "hi"},
                lambda w: {"text": "again", "cwd": os.path.join(w.root, "other")}],
         answers=["Hello!", "Hello again!"],
         describe={"<cwd>/AGENTS.md": "Use tabs.\n", "<root>/other/AGENTS.md": "Use spaces.\n"},
         notes="turn 2 moves to a cwd with a different AGENTS.md")
scenario("F_developer_instructions_second_turn",
         thread_params={"developerInstructions": "Dev rule."},
         turns=[{"text": "hi"}, {"text": "again"}], answers=["Hello!", "Hello again!"])

# G. dates / timezone
scenario("G_tz_new_york", env={"TZ": "America/New_York"})
scenario("G_tz_kiritimati", env={"TZ": "Pacific/Kiritimati"},
         notes="UTC+14: tells whether current_date follows TZ (see current_date_check)")
scenario("G_shell_env_sh", env={"SHELL": "/bin/sh"},
         notes="$SHELL=/bin/sh in the app-server's environment (the passwd shell is /bin/bash)")
scenario("G_tz_default", notes="the app-server's environment as the harness has it (TZ unset "
         "unless the host sets it)")


# What the captures showed, per scenario (checked against the output when this file was made).
UNTRUSTED = ("untrusted: the approval block starts with a space (\" Approvals are ...\"), "
             "on-failure's does not; approval_policy is named `unless-trusted` in the text. ")
WS_ROOTS = ("Roots from thread/start sandbox=workspace-write: config writable_roots, then "
            "<home>/memories (Codex adds $CODEX_HOME/memories), then cwd, then /tmp. ")
NOTES = {
    "A_read-only_untrusted": UNTRUSTED,
    "A_workspace-write_untrusted": UNTRUSTED + WS_ROOTS,
    "A_danger-full-access_untrusted": UNTRUSTED,
    "A_workspace-write_on-failure": WS_ROOTS,
    "A_workspace-write_never": WS_ROOTS,
    "A_workspace-write_on-request": WS_ROOTS + "The on-request block is the same text for "
        "every sandbox mode, danger-full-access included.",
    "A_danger-full-access_on-request": "Same on-request escalation block as under a sandbox.",
    "A_granular_all_true_workspace-write": "Granular: a fixed header, then 'may still prompt' "
        "and/or 'automatically rejected' lists; categories in the order sandbox_approval, rules, "
        "skill_approval, mcp_elicitations; request_permissions is never listed; no escalation "
        "guidance even with sandbox_approval=true. The tools are unchanged.",
    "A_granular_all_false_workspace-write": "Only the 'automatically rejected' list.",
    "A_granular_sandbox_only_workspace-write": "Both lists, separated by a blank line; flags "
        "omitted from the request (request_permissions, skill_approval) count as false.",
    "A_ws_network_config_param": "[sandbox_workspace_write] network_access = true applies to "
        "thread/start sandbox=workspace-write too; the only change is 'Network access is "
        "enabled.'",
    "A_ws_writable_roots_config_param": "Config writable_roots come first; thread/start's "
        "answer lists writableRoots [/tmp/extra, <home>/memories] (cwd and /tmp implied).",
    "A_ws_network_and_roots_config_only": "Config roots in their config order, before "
        "<home>/memories.",
    "A_ws_exclude_tmp_config_only": "exclude_slash_tmp drops /tmp from the roots line.",
    "A_guardian_on-request": "approvalsReviewer=guardian_subagent appends \"\\n\\n\\n`approvals_"
        "reviewer` is `guardian_subagent`: ...\" to the on-request block (before the roots line); "
        "no other change (tools the same).",
    "A_guardian_on-request_danger": "Same guardian paragraph under danger-full-access.",
    "A_turn_sandbox_policies": "turn/start sandboxPolicy: externalSandbox is described as "
        "`danger-full-access` with its own network phrase (x-codex-turn-metadata sandbox "
        "'external'); readOnly+networkAccess says 'Network access is enabled.'; one writable root "
        "is phrased ' The writable root is `<cwd>`.' (singular); a sandboxPolicy given in "
        "turn/start gets no <home>/memories root. Each change is a developer message with only "
        "the permissions part.",
    "A_default_config_no_params": "Neither config nor params: read-only + on-request.",
    "B_cwd_agents": "Project AGENTS.md verbatim (its trailing newline kept), wrapped as '# "
        "AGENTS.md instructions for <cwd>\\n\\n<INSTRUCTIONS>\\n' + text + '\\n</INSTRUCTIONS>', "
        "as the first input_text part of the user message that also holds environment_context.",
    "B_home_agents": "$CODEX_HOME/AGENTS.md is trimmed (no trailing newline kept).",
    "B_home_and_cwd_agents": "global (trimmed) + '\\n\\n--- project-doc ---\\n\\n' + project "
        "docs.",
    "B_repo_root_sub_cwd_home": "Project docs from the git root down to cwd, each verbatim, "
        "joined with '\\n\\n'; the header names the cwd, not the root.",
    "B_repo_root_sub_cwd_no_agents_in_cwd": "Only the root's AGENTS.md; header still names cwd.",
    "B_whitespace_agents": "Global doc fully trimmed; project doc kept byte for byte (leading "
        "and trailing whitespace).",
    "B_blank_cwd_agents_home_agents": "A whitespace-only project AGENTS.md is dropped, and "
        "with it the '--- project-doc ---' separator.",
    "B_cwd_agents_with_developer_instructions": "developerInstructions go in the developer "
        "message; AGENTS.md stays in the user message.",
    "C_home_skill": "Skills list: one line per skill '- {name}: {description} (file: {path})'; "
        "scopes in the order repo, user, bundled .system; by name within a scope.",
    "C_cwd_skill": "<cwd>/.agents/skills is the repo scope (listed first).",
    "C_both_skills": "repo (local) before user (demo) before .system.",
    "C_bundled_disabled_no_skills": "[skills.bundled] enabled = false: no .system skills are "
        "installed into <home>/skills and, with no other skill, the skills_instructions part "
        "disappears (the developer message has only the permissions part).",
    "C_bundled_disabled_home_skill": "The block remains with only the user skill.",
    "C_bundled_disabled_home_skill_disabled_by_name": "[[skills.config]] name = \"demo\", "
        "enabled = false removes it; no skills left, no block.",
    "C_two_home_skills_order": "Sorted by front-matter name, not folder name.",
    "C_cwd_codex_skills_legacy": "<cwd>/.codex/skills is read too (repo scope).",
    "C_repo_root_and_cwd_skills": "Skills from the git root's .agents/skills and from cwd's "
        "are one scope, sorted by name.",
    "D_developer_instructions": "developerInstructions: verbatim, unwrapped, its own input_text "
        "part of the first developer message, between permissions and skills.",
    "D_base_instructions": "baseInstructions replaces `instructions` verbatim (and session_meta"
        ".base_instructions); nothing in input.",
    "D_both_instructions": "Both at once: each in its own place.",
    "D_developer_instructions_config": "config developer_instructions lands where the param "
        "does.",
    "E_gpt53_default": "No personality given: instructions = gpt-5.3-codex instructions_template "
        "with personality_pragmatic (NOT base_instructions: 12343 vs 12341 chars); turn_context"
        ".personality is 'pragmatic'. reasoning has no summary; text.verbosity low.",
    "E_gpt53_friendly": "personality goes into `instructions` (template rendering); no "
        "personality message in input.",
    "E_gpt53_none": "'none' renders the template with personality_default (the empty string).",
    "E_gpt51_friendly": "A model without model_messages ignores personality: base_instructions.",
    "E_gpt51_turn_personality": "Changing personality on turn/start of a gpt-5.1-codex thread "
        "adds no message.",
    "E_gpt53_friendly_then_turn_none": "turn personality 'none' adds no message; a later "
        "'pragmatic' adds '<personality_spec> The user has requested a new communication style. "
        "Future messages should adhere to the following personality: \\n' + personality text + "
        "' </personality_spec>' as a developer message. `instructions` never change after "
        "thread/start.",
    "F_second_turn_no_change": "Second request = first request's input + the assistant "
        "answer + the new user message; no context items repeat.",
    "F_second_turn_overrides": "One developer message [model_switch, permissions], then a user "
        "message with a full environment_context (all fields), then the user's text. "
        "`instructions` stay those of the thread's first model; the new model's instructions "
        "come inside <model_switch>.",
    "F_one_change_per_turn": "cwd change: a new environment_context only (not a permissions "
        "update, though the roots line would change; the next permissions text names the new "
        "cwd). approval or sandbox change: a developer message with the whole new permissions "
        "text. model change: <model_switch> with the new model's template rendered with the "
        "current personality. personality change: <personality_spec>. effort change: nothing "
        "in input (reasoning.effort changes). An explicit sandboxPolicy drops <home>/memories.",
    "F_all_updates_at_once": "Model + personality change together: only <model_switch>, whose "
        "instructions are the new model's template with the NEW personality; no "
        "<personality_spec>.",
    "F_cwd_change_agents": "Moving to a cwd with another AGENTS.md does NOT add its "
        "instructions; only environment_context with the new cwd.",
    "F_developer_instructions_second_turn": "developerInstructions are not repeated.",
    "G_tz_new_york": "TZ does not change <timezone> (Etc/UTC, from /etc/localtime); "
        "current_date follows TZ (see G_tz_kiritimati, where the dates differ).",
    "G_tz_kiritimati": "current_date = the date in TZ (UTC+14 here, one day ahead of UTC); "
        "<timezone> still Etc/UTC.",
    "G_shell_env_sh": "$SHELL is ignored: <shell> is 'bash' (the passwd shell's name).",
    "G_tz_default": "environment_context fields: cwd, shell, current_date, timezone. A "
        "<network> element would come only from managed requirements (requirements.toml "
        "[network]), not reachable from config.toml; not captured.",
}

PERM_OPEN = "<permissions instructions>\n"
PERM_CLOSE = "</permissions instructions>"
ROOTS_LINE = ('" The writable roots are " + ", ".join("`" + root + "`") + "." for two or more '
              'roots; " The writable root is `" + root + "`." for one')


def split_permissions(text):
    """(sandbox sentence, approval block, writable-roots line or None) of one permissions
    text, or None when it does not have the shape
    OPEN + sandbox + "\n" + approval + "\n" + [roots + "\n"] + CLOSE."""
    if not (text.startswith(PERM_OPEN) and text.endswith("\n" + PERM_CLOSE)):
        return None
    body = text[len(PERM_OPEN):-len(PERM_CLOSE) - 1]
    if "\n" not in body:
        return None
    sandbox, rest = body.split("\n", 1)
    roots = None
    m = re.search(r"\n( The writable roots are .*| The writable root is .*)$", rest)
    if m:
        rest, roots = rest[:m.start()], m.group(1)
    return sandbox, rest, roots


def join_permissions(sandbox, approval, roots):
    return PERM_OPEN + sandbox + "\n" + approval + "\n" + \
        (roots + "\n" if roots is not None else "") + PERM_CLOSE


def approval_label(policy, reviewer):
    if isinstance(policy, dict) and "granular" in policy:
        g = policy["granular"]
        label = "granular(" + ",".join(f"{k}={str(g.get(k)).lower()}" for k in
                                       ("sandbox_approval", "rules", "skill_approval",
                                        "request_permissions", "mcp_elicitations")) + ")"
    else:
        label = str(policy)
    if reviewer and reviewer != "user":
        label += f" + approvalsReviewer={reviewer}"
    return label


def permission_texts(items):
    for it in items or []:
        for c in it.get("content") or []:
            t = c.get("text") or ""
            if t.startswith(PERM_OPEN):
                yield t


def compose_permissions(scenarios):
    """Splits every permissions text seen into its parts, keyed by sandbox mode + network and
    by approval policy (from the thread/start answer of the A_ scenarios), and checks that the
    parts rebuild every text and that each key has one text only."""
    sandbox, approval, problems, rebuilt = {}, {}, [], 0
    for name, sc in scenarios.items():
        for r in sc.get("requests", []):
            for t in permission_texts(r.get("input") or r.get("input_new")):
                parts = split_permissions(t)
                if not parts:
                    problems.append(f"{name}: unexpected shape")
                    continue
                sb, ap, roots = parts
                if join_permissions(sb, ap, roots) != t:
                    problems.append(f"{name}: parts do not rebuild the text")
                    continue
                rebuilt += 1
                m = re.search(r"`sandbox_mode` is `([^`]+)`.*Network access is (\w+)\.$", sb)
                key = f"{m.group(1)}, network {m.group(2)}" if m else sb
                if sandbox.setdefault(key, sb) != sb:
                    problems.append(f"{name}: second sandbox text for {key}")
                if roots is not None and not re.fullmatch(
                        r" The writable roots are `[^`]+`(, `[^`]+`)+\.| The writable root is "
                        r"`[^`]+`\.", roots):
                    problems.append(f"{name}: roots line {roots!r}")
                res = sc.get("thread_start_result") or {}
                if name.startswith("A_") and r is sc["requests"][0] and res:
                    label = approval_label(res.get("approvalPolicy"),
                                           res.get("approvalsReviewer"))
                    if approval.setdefault(label, ap) != ap:
                        problems.append(f"{name}: second approval text for {label}")
                elif ap not in approval.values():
                    approval.setdefault(f"(seen in {name})", ap)
    return {
        "rule": "PERM_OPEN + sandbox[mode, network] + \"\\n\" + approval[policy] + \"\\n\" + "
                "(workspace-write only: roots_line + \"\\n\") + PERM_CLOSE",
        "PERM_OPEN": PERM_OPEN, "PERM_CLOSE": PERM_CLOSE, "roots_line": ROOTS_LINE,
        "sandbox": sandbox, "approval": approval,
        "texts_rebuilt_from_parts": rebuilt, "problems": problems}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--codex", default=CODEX_117)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("scenarios", nargs="*")
    args = ap.parse_args()
    names = args.scenarios or list(SCENARIOS)
    data = {"scenarios": {}}
    if args.scenarios and os.path.exists(args.out):
        with open(args.out) as f:
            data = json.load(f)
    for name in names:
        t0 = time.time()
        try:
            data["scenarios"][name] = run(args.codex, name, SCENARIOS[name], keep=args.keep)
        except Exception as e:  # record and go on
            data["scenarios"][name] = {"errors": [f"{type(e).__name__}: {e}"]}
        res = data["scenarios"][name]
        print(f"{name}: {len(res.get('requests', []))} requests, "
              f"errors {res.get('errors', [])} ({time.time() - t0:.1f}s)", flush=True)
    order = list(SCENARIOS)
    data["scenarios"] = {k: data["scenarios"][k] for k in
                         sorted(data["scenarios"], key=lambda k: order.index(k)
                                if k in order else len(order))}
    data["conventions"] = (
        "Each scenario: a fresh CODEX_HOME (<home>) and cwd (<cwd>, usually <root>/work) under a "
        "scratch <root>; config.toml = model gpt-5.1-codex, provider = the mock, the OFFLINE "
        "block of tests/replay/capture_117.py, approval_policy never + sandbox_mode "
        "danger-full-access unless setup.config_toml_extra says otherwise; thread/start with "
        "setup.thread_start_params, then setup.turns. requests[i]: the i-th POST /v1/responses "
        "body: `input` verbatim for the first, `input_new` (the items after the previous "
        "request's input) for later ones. instructions: sha256/length and which "
        "api/agent/codex_models.json text they equal (base_instructions, or "
        "model_messages.instructions_template with {{ personality }} replaced by the named "
        "instructions_variables entry). rollout_by_turn: the rollout lines, split after each "
        "task_complete. Placeholders: <cwd>, <home>, <root>, <thread_id>, <turn_id_N>, <date> "
        "(the YYYY-MM-DD in <current_date> and turn_context.current_date).")
    data["permissions_composition"] = compose_permissions(data["scenarios"])
    data["codex"] = "0.117.0 (" + os.path.relpath(args.codex, "/work") + ")" \
        if args.codex.startswith("/work") else args.codex
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
