"""What a client asks before its first turn, of the real `threadlog serve` (stdio and WebSocket),
every message validated against the Codex 0.117.0 schema (rpc_client): account/*, model/list,
skills/list, config/read, configRequirements/read, the configWarning after initialize, and
thread/start's defaults — compared with Codex 0.117.0's own answers to the same scenarios
(bootstrap_golden/, bootstrap_scenarios.py), plus what only threadlog does (the API key file,
restarts, broadcasts to every client, refusals of what it cannot do).
Usage: bootstrap_test.py THREADLOG_BINARY"""
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

import bootstrap_scenarios as scenarios
import rpc_client
from rpc_client import Conformance, StdioClient, WsClient

BINARY = None
HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "bootstrap_golden")
INIT = scenarios.INIT

# Where threadlog answers differently from Codex on purpose (api/METHODS.md says why):
#   config/read: Codex adds its own feature flags' defaults under `features`; threadlog has
#   none of those features and reports only what config.toml sets.
KNOWN_DIFFERENCES = {
    "config/read": lambda answer: answer.get("result", {}).get("config", {}).pop("features", 0),
}


def threadlog_argv(root):
    # --codex-home: the history in it is adopted (the scenarios that have one need it), and its
    # config is the one CODEX_HOME names anyway.
    return [BINARY, "--home", os.path.join(root, "store"), "serve", "--codex-home",
            os.path.join(root, "home/.codex")]


class GoldenTest(unittest.TestCase):
    """Each scenario against threadlog, compared with Codex's recorded answers."""

    def compare(self, name, adjust_mine=None):
        """Runs scenario `name` and compares it with Codex's golden answers; `adjust_mine`, given
        a method's answer, takes out what threadlog adds on purpose."""
        with open(os.path.join(GOLDEN, f"{name}.json")) as f:
            golden = json.load(f)
        root = tempfile.mkdtemp(prefix=f"bootstrap-{name}-")
        self.addCleanup(shutil.rmtree, root, True)
        requests = scenarios.make_root(root, name)
        raw = scenarios.run(threadlog_argv(root), root, requests, settle=0.2)
        conformance = Conformance()
        conformance.sent({"id": 0, "method": "initialize"})
        conformance.received(raw["initialize"])
        for msg in raw["after_initialize"]:
            conformance.received(msg)
        for ex in raw["exchanges"]:
            conformance.sent(ex["request"])
            for msg in ex["before"] + [ex["answer"]] + ex["after"]:
                conformance.received(msg)
        got = scenarios.normalize(raw, root)
        self.assertEqual(got["initialize"], golden["initialize"])
        self.assertEqual(got["after_initialize"], golden["after_initialize"])
        self.assertEqual(len(got["exchanges"]), len(golden["exchanges"]))
        for mine, theirs in zip(got["exchanges"], golden["exchanges"]):
            request = mine["request"]
            adjust = KNOWN_DIFFERENCES.get(request["method"])
            if adjust:
                adjust(mine["answer"])
                adjust(theirs["answer"])
            if adjust_mine:
                adjust_mine(mine["answer"])
            context = f"{name}: {json.dumps(request)[:300]}"
            self.assertEqual(mine["before"], theirs["before"], context)
            self.assertEqual(mine["answer"], theirs["answer"], context)
            self.assertEqual(mine["after"], theirs["after"], context)
        return got

    def test_account(self):
        self.compare("account")

    def test_account_with_a_provider_that_needs_no_openai_account(self):
        self.compare("account_mock_provider")

    def test_models(self):
        self.compare("models")

    def test_a_configured_model_outside_the_catalog_is_listed_first(self):
        # Codex 0.117.0 leaves config.toml's unknown model out of model/list; the issue asks for
        # it to be listed (and not refused), so threadlog's answer is Codex's plus that entry.
        def without_configured(answer):
            data = answer["result"]["data"]
            self.assertEqual(data[0]["id"], "mock-model")
            self.assertEqual((data[0]["model"], data[0]["displayName"], data[0]["hidden"],
                              data[0]["isDefault"]), ("mock-model", "mock-model", False, False))
            data.pop(0)
        self.compare("models_configured_unknown_model", adjust_mine=without_configured)

    def test_skills(self):
        self.compare("skills")

    def test_config_read(self):
        self.compare("config")
        self.compare("config_empty")

    def test_config_with_a_mistyped_value(self):
        self.compare("config_wrong_type")

    def test_config_with_an_unknown_variant(self):
        self.compare("config_unknown_variant")

    def test_config_with_an_unknown_provider(self):
        self.compare("config_unknown_provider")

    def test_thread_start_defaults_from_config(self):
        self.compare("thread_start_defaults")

    def test_resume_and_fork_settings_from_config(self):
        self.compare("thread_settings_from_config")
        self.compare("thread_settings_defaults")


def err(msg):
    assert "error" in msg, f"expected an error, got {msg}"
    return msg["error"]["code"], msg["error"]["message"]


class ServerCase(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="bootstrap-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.store = os.path.join(self.root, "store")
        self.codex_home = os.path.join(self.root, "home/.codex")
        os.makedirs(self.codex_home)
        os.makedirs(os.path.join(self.root, "work"))
        self.env = dict(os.environ, HOME=os.path.join(self.root, "home"),
                        CODEX_HOME=self.codex_home)
        self.env.pop("OPENAI_API_KEY", None)

    def stdio(self, *args, env=None):
        c = StdioClient([BINARY, "--home", self.store, "serve", *args], env=env or self.env,
                        cwd=os.path.join(self.root, "work"))
        self.addCleanup(c.kill)
        self.assertIn("codexHome", c.call(0, "initialize", INIT)["result"])
        c.send({"method": "initialized"})
        return c

    def ws_server(self):
        c = StdioClient([BINARY, "--home", self.store, "serve", "--listen", "ws://127.0.0.1:0"],
                        env=self.env, cwd=os.path.join(self.root, "work"))
        self.addCleanup(c.kill)
        deadline = time.time() + 30
        while True:
            for line in c.stderr:
                if "listening on ws://" in line:
                    return c, int(line.rsplit(":", 1)[1])
            self.assertLess(time.time(), deadline, "".join(c.stderr))
            time.sleep(0.05)

    def ws_client(self, port, initialize=True):
        w = WsClient(port)
        self.addCleanup(w.sock.close)
        if initialize:
            self.assertIn("result", w.call(0, "initialize", INIT))
            w.send({"method": "initialized"})
        return w


class AccountTest(ServerCase):
    def test_api_key_is_stored_0600_in_threadlog_home_never_echoed_and_survives_restart(self):
        key = "sk-secret-value-1234"
        c = self.stdio()
        self.assertEqual(c.call(1, "account/login/start", {"type": "apiKey", "apiKey": key}),
                         {"id": 1, "result": {"type": "apiKey"}})
        self.assertEqual(c.recv()["method"], "account/login/completed")
        self.assertEqual(c.recv()["params"], {"authMode": "apikey", "planType": None})
        auth = os.path.join(self.store, "auth.json")
        self.assertEqual(stat.S_IMODE(os.stat(auth).st_mode), 0o600)
        with open(auth) as f:
            self.assertEqual(json.load(f)["OPENAI_API_KEY"], key)
        # Nothing is written into the Codex home.
        self.assertFalse(os.path.exists(os.path.join(self.codex_home, "auth.json")))
        c.close_stdin()
        c.wait()
        self.assertNotIn(key, "".join(c.stderr))
        again = self.stdio()
        self.assertEqual(again.call(1, "account/read", {})["result"]["account"], {"type": "apiKey"})
        # A logout is remembered across a restart too.
        self.assertEqual(again.call(2, "account/logout")["result"], {})
        self.assertEqual(again.recv()["params"], {"authMode": None, "planType": None})
        with open(auth) as f:
            self.assertIsNone(json.load(f)["OPENAI_API_KEY"])
        again.close_stdin()
        again.wait()
        third = self.stdio()
        self.assertIsNone(third.call(1, "account/read", {})["result"]["account"])

    def test_a_codex_home_auth_json_is_picked_up_and_the_environment_is_not(self):
        with open(os.path.join(self.codex_home, "auth.json"), "w") as f:
            json.dump({"auth_mode": "apikey", "OPENAI_API_KEY": "sk-from-codex"}, f)
        c = self.stdio()
        self.assertEqual(c.call(1, "account/read", {})["result"],
                         {"account": {"type": "apiKey"}, "requiresOpenaiAuth": True})
        os.remove(os.path.join(self.codex_home, "auth.json"))
        c.kill()  # one server per store at a time
        # Codex 0.117.0's app-server does not take OPENAI_API_KEY from its environment.
        d = self.stdio(env=dict(self.env, OPENAI_API_KEY="sk-env"))
        self.assertIsNone(d.call(1, "account/read", {})["result"]["account"])

    def test_an_unreadable_auth_json_is_no_account_not_a_dead_server(self):
        with open(os.path.join(self.codex_home, "auth.json"), "w") as f:
            f.write("not json")
        c = self.stdio()
        self.assertIsNone(c.call(1, "account/read", {})["result"]["account"])

    def test_what_threadlog_refuses(self):
        c = self.stdio()
        code, message = err(c.call(1, "account/login/start", {"type": "chatgpt"}))
        self.assertEqual(code, -32600)
        self.assertIn("ChatGPT browser sign-in is not available", message)
        # Codex accepts an empty key; threadlog will not store a key that cannot work.
        self.assertEqual(err(c.call(2, "account/login/start", {"type": "apiKey", "apiKey": ""})),
                         (-32600, "apiKey must not be empty"))
        self.assertIsNone(c.call(3, "account/read", {})["result"]["account"])
        c.call(4, "account/login/start", {"type": "chatgptAuthTokens",
                                          "accessToken": scenarios.EMAIL_PRO,
                                          "chatgptAccountId": "a"})
        c.recv(), c.recv()
        self.assertEqual(err(c.call(5, "account/rateLimits/read")),
                         (-32603, "failed to fetch codex rate limits: threadlog does not query "
                                  "ChatGPT usage"))
        # ChatGPT tokens live in memory only.
        self.assertFalse(os.path.exists(os.path.join(self.store, "auth.json")))

    def test_login_notifications_go_to_every_initialized_client(self):
        _, port = self.ws_server()
        a, b = self.ws_client(port), self.ws_client(port)
        stranger = self.ws_client(port, initialize=False)
        a.send({"id": 1, "method": "account/login/start",
                "params": {"type": "apiKey", "apiKey": "sk-ws"}})
        self.assertEqual(a.recv(), {"id": 1, "result": {"type": "apiKey"}})
        for client in (a, b):
            self.assertEqual(client.recv()["method"], "account/login/completed")
            self.assertEqual(client.recv(), {"method": "account/updated",
                                             "params": {"authMode": "apikey", "planType": None}})
        b.send({"id": 2, "method": "account/logout"})
        self.assertEqual(b.recv(), {"id": 2, "result": {}})
        for client in (a, b):
            self.assertEqual(client.recv()["params"], {"authMode": None, "planType": None})
        # The uninitialized connection heard nothing: its next message is its own answer.
        stranger.send({"id": 9, "method": "account/read", "params": {}})
        self.assertEqual(err(stranger.recv()), (-32600, "Not initialized"))


class ConfigTest(ServerCase):
    def test_a_broken_config_toml_warns_every_client_and_the_server_keeps_serving(self):
        with open(os.path.join(self.codex_home, "config.toml"), "w") as f:
            f.write("model_provider = \n")
        _, port = self.ws_server()
        for _ in range(2):
            w = WsClient(port)
            self.addCleanup(w.sock.close)
            self.assertIn("result", w.call(0, "initialize", INIT))
            warning = w.recv()
            self.assertEqual(warning["method"], "configWarning")
            self.assertEqual(warning["params"]["summary"], "Invalid configuration; using defaults.")
            self.assertEqual(warning["params"]["path"],
                             os.path.join(self.codex_home, "config.toml"))
            self.assertEqual(warning["params"]["range"]["start"]["line"], 1)
            w.send({"method": "initialized"})
            code, message = err(w.call(1, "config/read", {}))
            self.assertEqual(code, -32603)
            self.assertTrue(message.startswith("failed to read configuration layers: " +
                                               os.path.join(self.codex_home, "config.toml") +
                                               ":1:"), message)
            self.assertEqual(len(w.call(2, "model/list", {"limit": 1})["result"]["data"]), 1)

    def test_codex_home_option_wins_over_the_environment(self):
        other = os.path.join(self.root, "other-codex-home")
        os.makedirs(other)
        with open(os.path.join(other, "config.toml"), "w") as f:
            f.write('model = "from-option"\n')
        with open(os.path.join(self.codex_home, "config.toml"), "w") as f:
            f.write('model = "from-environment"\n')
        c = self.stdio("--codex-home", other)
        self.assertEqual(c.call(1, "config/read", {})["result"]["config"]["model"], "from-option")
        c.kill()  # one server per store at a time
        d = self.stdio()
        self.assertEqual(d.call(1, "config/read", {})["result"]["config"]["model"],
                         "from-environment")

    def test_initialize_reports_the_codex_home(self):
        c = StdioClient([BINARY, "--home", self.store, "serve"], env=self.env,
                        cwd=os.path.join(self.root, "work"))
        self.addCleanup(c.kill)
        result = c.call(0, "initialize", INIT)["result"]
        self.assertEqual((result["codexHome"], result["platformFamily"], result["platformOs"]),
                         (self.codex_home, "unix", "linux"))


class SkillsTest(ServerCase):
    def test_skills_over_websocket_and_a_system_skill_folder(self):
        scenarios.skill(self.codex_home, "skills/.system/sys", "name: sys\ndescription: system\n")
        scenarios.skill(self.codex_home, "skills/mine", "name: mine\ndescription: user\n")
        _, port = self.ws_server()
        w = self.ws_client(port)
        data = w.call(1, "skills/list", {"cwds": [self.root]})["result"]["data"]
        self.assertEqual([(s["name"], s["scope"]) for s in data[0]["skills"]],
                         [("mine", "user"), ("sys", "system")])


def main():
    global BINARY
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
