#!/usr/bin/env python3
"""Records how the real Codex 0.117.0 app-server runs the view_image tool for gpt-5.1-codex,
and writes golden/codex_117_view_image.json: one turn whose model calls view_image with a small
PNG by a cwd-relative path, a path that does not exist, a text file, a directory, and a PNG
larger than Codex's 2048x768 box; what the model got back for each call (the image as a data
URL, or Codex's words), the imageView items clients were told, and the items thread/read
rebuilt from Extended history. Paths read <cwd>.
threadlog answers the same, but for the large image, which it cannot shrink
(tests/agent/exec_golden_test.py, ViewImageGoldenTest).

Usage: capture_codex_view_image.py [--codex BINARY] [--out FILE]
Nothing leaves 127.0.0.1: the provider is the mock; plugins, apps and update checks are off."""
import os
import struct
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import capture_codex_turns as ct  # noqa: E402

CALLS = [("v_small", "pic.png"), ("v_missing", "/nonexistent/x.png"),
         ("v_text", "notimage.txt"), ("v_dir", "sub"), ("v_large", "large.png")]


def png(width, height):
    """A red RGB PNG, as zlib's default level packs it."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def run(start_server):
    steps = [{"function_call": {"name": "view_image", "call_id": cid, "arguments": {"path": p}}}
             for cid, p in CALLS] + [{"text": "Seen."}]
    with ct.Session("view117-", steps, start_server) as session:
        server, cwd = session.server, session.cwd
        os.makedirs(os.path.join(cwd, "sub"))
        with open(os.path.join(cwd, "pic.png"), "wb") as f:
            f.write(png(2, 2))
        with open(os.path.join(cwd, "large.png"), "wb") as f:
            f.write(png(3000, 1000))
        with open(os.path.join(cwd, "notimage.txt"), "w") as f:
            f.write("hello\n")
        tid = server.request("thread/start", {"cwd": cwd, "persistExtendedHistory": True})[
            "result"]["thread"]["id"]
        mark = server.mark()
        server.request("turn/start", {"threadId": tid,
                                      "input": [{"type": "text", "text": "Look."}]})
        server.wait_for(lambda m: m.get("method") == "turn/completed", timeout=60, start=mark)
        time.sleep(0.3)
        read = server.request("thread/read", {"threadId": tid, "includeTurns": True})
    outputs = {}
    for q in session.mock.requests:
        for item in (q.get("body") or {}).get("input", []):
            if item.get("type") == "function_call_output":
                outputs[item["call_id"]] = item["output"]
    told = [[m["method"], m["params"]["item"]] for d, m in session.log
            if d == "<-" and m.get("method") in ("item/started", "item/completed") and
            m["params"]["item"]["type"] == "imageView"]
    items = [i for i in read["result"]["thread"]["turns"][0]["items"] if i["type"] == "imageView"]
    return session.normalized({"outputs": outputs, "told": told, "read": items})


def main():
    ct.digest_main(run, "codex_117_view_image.json", __file__, __doc__)


if __name__ == "__main__":
    main()
