#!/usr/bin/env python3
"""thread/list of every replay case: `threadlog import` the case's rollout into a scratch store,
`threadlog serve` (stdio) answers thread/list {modelProviders: []}, and the rows must equal
CASE/list.json, Codex 0.117.0's answer on a home holding only that rollout (capture.py), but
for `path` and `updatedAt` (README.md: the store keeps no file; Codex's is the file's mtime).
Usage: list_test.py THREADLOG_BINARY [CASE_DIR...]"""
import glob, json, os, shutil, subprocess, sys, tempfile, unittest

HERE = os.path.dirname(os.path.abspath(__file__))
THREADLOG = None
IGNORED = ("path", "updatedAt")


def comparable(rows):
    return [{k: v for k, v in row.items() if k not in IGNORED} for row in rows]


def read_json(path):
    with open(path) as f:
        return json.load(f)


def first_line_thread_id(path):
    with open(path) as f:
        return json.loads(f.readline())["payload"]["id"]


def threadlog_list(case_dir):
    store = tempfile.mkdtemp(prefix="replay-list-")
    try:
        # A Codex home holding the case, as capture.py gave it to Codex (name index included).
        home = os.path.join(store, "codex-home")
        day = os.path.join(home, "sessions", "2026", "11", "24")
        os.makedirs(day)
        events = os.path.join(case_dir, "events.jsonl")
        shutil.copy(events, os.path.join(
            day, f"rollout-2026-11-24T10-00-00-{first_line_thread_id(events)}.jsonl"))
        index = os.path.join(case_dir, "session_index.jsonl")
        if os.path.exists(index):
            shutil.copy(index, os.path.join(home, "session_index.jsonl"))
        subprocess.run([THREADLOG, "import", "--home", os.path.join(store, "db"), home],
                       check=True, capture_output=True, timeout=60)
        requests = [
            {"id": 1, "method": "initialize", "params": {
                "clientInfo": {"name": "t", "version": "1"},
                "capabilities": {"experimentalApi": True}}},
            {"method": "initialized"},
            {"id": 2, "method": "thread/list", "params": {"modelProviders": []}},
        ]
        out = subprocess.run([THREADLOG, "serve", "--home", os.path.join(store, "db")],
                             input="".join(json.dumps(r) + "\n" for r in requests),
                             capture_output=True, text=True, timeout=60).stdout
        for line in out.splitlines():
            msg = json.loads(line)
            if msg.get("id") == 2:
                return msg["result"]
        raise AssertionError(f"no thread/list answer: {out}")
    finally:
        shutil.rmtree(store, ignore_errors=True)


class ListMatchesCodex(unittest.TestCase):
    cases = []

    def test_every_case(self):
        self.assertGreaterEqual(len(self.cases), 1)
        for case_dir in self.cases:
            with self.subTest(case=os.path.basename(case_dir)):
                codex = read_json(os.path.join(case_dir, "list.json"))
                ours = threadlog_list(case_dir)
                self.assertEqual(comparable(ours["data"]), comparable(codex["data"]))
                self.assertEqual(ours["nextCursor"], codex["nextCursor"])


if __name__ == "__main__":
    THREADLOG = sys.argv[1]
    dirs = sys.argv[2:] or sorted(os.path.dirname(p)
                                  for p in glob.glob(os.path.join(HERE, "*", "list.json")))
    ListMatchesCodex.cases = dirs
    unittest.main(argv=[sys.argv[0]])
