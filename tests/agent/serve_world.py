"""A scratch world for driving `threadlog serve` against the scripted model (tests/mock_responses):
a root folder holding the store, a CODEX_HOME whose config.toml makes the mock the provider
(no retries), and a cwd; the environment a server runs in. Shared by the Python tests of
tests/agent."""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "mock_responses"))
from mock_responses import MockResponses  # noqa: E402

CONFIG = """model = "gpt-5.1-codex"
model_provider = "mock"
[model_providers.mock]
name = "mock"
base_url = "{base_url}"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0
"""


class World:
    """root/{codex,work,store}, the mock serving `steps` (its requests logged), `env` for serve."""

    def __init__(self, steps, prefix):
        self.root = tempfile.mkdtemp(prefix=prefix)
        self.home = os.path.join(self.root, "codex")
        self.cwd = os.path.join(self.root, "work")
        self.store = os.path.join(self.root, "store")
        os.makedirs(self.home)
        os.makedirs(self.cwd)
        self.mock = MockResponses(steps, log_path=os.path.join(self.root, "requests.jsonl")).start()
        with open(os.path.join(self.home, "config.toml"), "w") as f:
            f.write(CONFIG.format(base_url=self.mock.base_url))
        self.env = dict(os.environ, CODEX_HOME=self.home, HOME=self.root, MOCK_API_KEY="k")

    def serve_argv(self, binary, *args):
        return [binary, "--home", self.store, "serve", *args]
