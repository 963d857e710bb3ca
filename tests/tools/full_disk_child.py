"""The full-disk scenario of store_cli_test.py, run inside a private mount namespace (it
mounts a small tmpfs): fill the disk through serve, check that writes are refused with a clear
error while reads go on, free space, check that writes resume without a restart and that
nothing acknowledged was lost. Exits 0 on success; an assertion names what failed."""
import base64
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from rpc_client import StdioClient  # noqa: E402

binary, root = sys.argv[1], sys.argv[2]
mnt = os.path.join(root, "disk")
os.makedirs(mnt, exist_ok=True)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "none", mnt], check=True)
filler = os.path.join(mnt, "filler")
with open(filler, "wb") as f:
    f.write(os.urandom(12 << 20))
store = os.path.join(mnt, "store")

client = StdioClient([binary, "--home", store, "serve"])
next_id = [0]


def call(method, params):
    next_id[0] += 1
    client.send({"id": next_id[0], "method": method, "params": params})
    while True:
        msg = client.recv(timeout=60)
        assert msg is not None, "serve died: " + "".join(client.stderr)[-2000:]
        if msg.get("id") == next_id[0]:
            return msg


assert "result" in call("initialize", {"clientInfo": {"name": "t", "version": "1"}})
big = base64.b64encode(os.urandom(150_000)).decode()  # incompressible
threads = []
refusal = None
for _ in range(400):
    answer = call("thread/start", {"cwd": "/tmp", "baseInstructions": big})
    if "error" in answer:
        refusal = answer["error"]
        break
    threads.append(answer["result"]["thread"]["id"])
assert refusal is not None, "the disk never filled"
assert threads, "nothing could be written at all"
assert refusal["code"] == -32603, refusal
assert "full" in refusal["message"] and store in refusal["message"], refusal
print(f"refused after {len(threads)} threads: {refusal['message']}")

# Reads go on; writes keep being refused while the disk is full; the server stays up.
read = call("thread/read", {"threadId": threads[0]})
assert read.get("result", {}).get("thread", {}).get("id") == threads[0], read
again = call("thread/start", {"cwd": "/tmp", "baseInstructions": big})
assert "error" in again, again

os.remove(filler)
resumed = None
for _ in range(40):
    resumed = call("thread/name/set", {"threadId": threads[0], "name": "after the disk was freed"})
    if "result" in resumed:
        break
assert "result" in resumed, resumed
assert "result" in call("thread/start", {"cwd": "/tmp"})
client.close_stdin()
assert client.wait(timeout=60) == 0, "".join(client.stderr)[-2000:]

verify = subprocess.run([binary, "--home", store, "verify"], capture_output=True, text=True)
assert verify.returncode == 0, verify.stderr
listed = subprocess.run([binary, "--home", store, "inspect", "list", "--json"],
                        capture_output=True, text=True)
assert listed.returncode == 0, listed.stderr
rows = {row["id"]: row for row in map(json.loads, listed.stdout.splitlines())}
missing = [t for t in threads if t not in rows]
assert not missing, f"acknowledged threads missing: {missing}"
names = [row.get("name") for row in rows.values()]
assert "after the disk was freed" in names, names
print("writes resumed; every acknowledged thread is in the store")
