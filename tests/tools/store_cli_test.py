"""The store under damage and pressure, through the binary: inspect and verify read without
writing (beside a running serve), a write-ahead log damaged in its middle stops every command
with the file and offset and `threadlog repair` recovers it, a damaged table file makes rebuild
fail without harming the store, and a full disk refuses writes, keeps reads and resumes once
space is freed (on a small tmpfs in a private mount namespace; skipped where that is not
possible)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from rpc_client import StdioClient  # noqa: E402

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "threadlog"
FIXTURE = os.path.join(HERE, "..", "fixtures", "codex-0.113.0", "basic")
INIT = {"clientInfo": {"name": "t", "version": "1"}}


def run(*args, env=None):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=120, env=env)


def snapshot(store):
    """Every file of the store with its size and modification time."""
    out = {}
    for root, _, files in os.walk(store):
        for name in files:
            path = os.path.join(root, name)
            st = os.stat(path)
            out[os.path.relpath(path, store)] = (st.st_size, st.st_mtime_ns)
    return out


class Serve:
    def __init__(self, store, env=None):
        self.client = StdioClient([BINARY, "--home", store, "serve"], env=env)
        self.next_id = 0
        assert "result" in self.call("initialize", INIT)

    def call(self, method, params):
        self.next_id += 1
        self.client.send({"id": self.next_id, "method": method, "params": params})
        while True:
            msg = self.client.recv(timeout=30)
            if msg is None or msg.get("id") == self.next_id:
                return msg

    def stop(self):
        self.client.close_stdin()
        return self.client.wait()


class StoreCliTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="threadlog-store-cli-")
        self.store = os.path.join(self.dir, "store")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def named_thread(self, renames):
        """A thread renamed `renames` times through serve, each rename acknowledged (synced);
        serve is then killed so the renames live only in the write-ahead log."""
        serve = Serve(self.store)
        thread = serve.call("thread/start", {"cwd": "/tmp"})["result"]["thread"]["id"]
        for i in range(renames):
            answer = serve.call("thread/name/set", {"threadId": thread, "name": f"name-{i}"})
            self.assertEqual(answer.get("result"), {}, answer)
        os.kill(serve.client.proc.pid, signal.SIGKILL)
        serve.client.wait()
        return thread

    def test_inspect_and_verify_write_nothing_and_run_beside_serve(self):
        self.assertEqual(run("--home", self.store, "import", FIXTURE).returncode, 0)
        serve = Serve(self.store)
        serve.call("thread/name/set", {"threadId": "01a20edc-6f3a-7f83-8d85-eff1cc9a2d26",
                                       "name": "renamed while serving"})
        before = snapshot(self.store)
        listed = run("--home", self.store, "inspect", "list", "--json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("renamed while serving", listed.stdout)
        verified = run("--home", self.store, "verify")
        self.assertEqual(verified.returncode, 0, verified.stderr)
        exported = run("--home", self.store, "export", "01a20edc-6f3a-7f83-8d85-eff1cc9a2d26")
        self.assertEqual(exported.returncode, 0, exported.stderr)
        self.assertEqual(snapshot(self.store), before, "a read-only command changed the store")
        self.assertEqual(serve.stop(), 0)

    def test_damaged_log_stops_every_command_and_repair_recovers(self):
        thread = self.named_thread(50)
        logs = sorted(f for f in os.listdir(self.store) if f.endswith(".log"))
        log = os.path.join(self.store, logs[-1])
        size = os.path.getsize(log)
        with open(log, "r+b") as f:
            f.seek(size // 2)
            byte = f.read(1)
            f.seek(size // 2)
            f.write(bytes([byte[0] ^ 0x55]))
        before = snapshot(self.store)
        for command in (["inspect", "list"], ["verify"], ["serve"]):
            result = subprocess.run([BINARY, "--home", self.store, *command], input="",
                                    capture_output=True, text=True, timeout=60)
            self.assertNotEqual(result.returncode, 0, command)
            self.assertIn(f"{logs[-1]} is damaged at byte", result.stderr, command)
            self.assertIn("threadlog repair", result.stderr, command)
        self.assertEqual(snapshot(self.store), before, "a refused open changed the store")

        repaired = run("--home", self.store, "repair")
        self.assertEqual(repaired.returncode, 0, repaired.stderr)
        self.assertIn(f"{logs[-1]} was damaged at byte", repaired.stdout)
        self.assertIn("lost: 1 write batch(es) that cannot be read at all", repaired.stdout)
        # The renames after the damaged one are read but belong after a gap: saved, not lost.
        self.assertIn("saved to", repaired.stdout)
        saved = repaired.stdout.split("saved to ")[1].split("\n")[0].strip()
        lost = [json.loads(line) for line in open(saved)]
        self.assertTrue(lost)
        self.assertEqual({e["thread"] for e in lost}, {thread})
        self.assertEqual(lost[-1]["payload"]["thread_name"], "name-49")

        listed = run("--home", self.store, "inspect", "list", "--json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        row = json.loads(listed.stdout.splitlines()[0])  # one JSON object per line
        kept = int(row["name"].split("-")[1])
        # What was kept is exactly what precedes the damage and the lost ones follow it.
        self.assertEqual(lost[0]["payload"]["thread_name"], f"name-{kept + 2}")
        self.assertEqual(run("--home", self.store, "verify").returncode, 0)
        again = run("--home", self.store, "repair")
        self.assertIn("nothing to repair", again.stdout)

    def test_failed_rebuild_leaves_a_working_store(self):
        self.assertEqual(run("--home", self.store, "import", FIXTURE).returncode, 0)
        listed = run("--home", self.store, "inspect", "list").stdout
        # One damaged block in the events family: its largest table file.
        tables = [os.path.join(self.store, f) for f in os.listdir(self.store)
                  if f.endswith(".sst")]
        largest = max(tables, key=os.path.getsize)
        with open(largest, "r+b") as f:
            f.seek(os.path.getsize(largest) // 3)
            byte = f.read(1)
            f.seek(os.path.getsize(largest) // 3)
            f.write(bytes([byte[0] ^ 0xff]))
        rebuilt = run("--home", self.store, "rebuild")
        self.assertEqual(rebuilt.returncode, 1, rebuilt.stdout)
        self.assertIn("threadlog:", rebuilt.stderr)
        # The projections were never touched: everything answers as before.
        after = run("--home", self.store, "inspect", "list")
        self.assertEqual(after.returncode, 0, after.stderr)
        self.assertEqual(after.stdout, listed)
        serve = Serve(self.store)
        answer = serve.call("thread/list", {"modelProviders": []})
        self.assertEqual(len(answer["result"]["data"]), 2, answer)
        self.assertEqual(serve.stop(), 0)

    def test_full_disk_refuses_writes_keeps_reads_and_resumes(self):
        if shutil.which("unshare") is None:
            self.skipTest("unshare is not installed")
        probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=1m none "
                                f"{self.dir}"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("no private mount namespace here (unshare -rm): "
                          + probe.stderr.decode(errors="replace").strip())
        script = os.path.join(HERE, "full_disk_child.py")
        result = subprocess.run(["unshare", "-rm", sys.executable, script, BINARY, self.dir],
                                capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        print(result.stdout)


if __name__ == "__main__":
    unittest.main()
