#!/usr/bin/env python3
"""A logging WebSocket proxy (stdlib only) for recording what a Codex client and an app-server
say to each other.

    ws_proxy.py --listen 127.0.0.1:4600 --upstream 127.0.0.1:4500 --log transcript.jsonl

Bytes are forwarded unchanged in both directions (the HTTP upgrade included), so neither side
can tell the proxy is there; after the upgrade the WebSocket frames of each direction are also
decoded and every text message is appended to the log as one JSON line
{"seq", "t" (seconds since the proxy started), "conn", "dir": "client->server" or
"server->client", "msg"}. Secrets never reach the log: the values of `apiKey`,
`accessToken` and `idToken` members are replaced by "<redacted>". Loopback only."""
import argparse
import json
import socket
import struct
import sys
import threading
import time

SECRET_KEYS = {"apiKey", "accessToken", "idToken", "refreshToken"}


def redact(value):
    if isinstance(value, dict):
        return {k: ("<redacted>" if k in SECRET_KEYS and isinstance(v, str) else redact(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class FrameDecoder:
    """Incremental RFC 6455 decoder: feed bytes, get complete text messages (fragmented
    messages are joined)."""

    def __init__(self):
        self.buf = b""
        self.parts = []

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            if len(self.buf) < 2:
                return out
            b0, b1 = self.buf[0], self.buf[1]
            fin, opcode, masked, n = b0 & 0x80, b0 & 0x0F, b1 & 0x80, b1 & 0x7F
            pos = 2
            if n == 126:
                if len(self.buf) < 4:
                    return out
                n = struct.unpack(">H", self.buf[2:4])[0]
                pos = 4
            elif n == 127:
                if len(self.buf) < 10:
                    return out
                n = struct.unpack(">Q", self.buf[2:10])[0]
                pos = 10
            mask = b""
            if masked:
                if len(self.buf) < pos + 4:
                    return out
                mask = self.buf[pos:pos + 4]
                pos += 4
            if len(self.buf) < pos + n:
                return out
            payload = self.buf[pos:pos + n]
            self.buf = self.buf[pos + n:]
            if masked:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode in (1, 2) or (opcode == 0 and self.parts):
                self.parts.append(payload)
                if fin:
                    out.append(b"".join(self.parts))
                    self.parts = []
            elif opcode == 8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                out.append({"close": code})


class Recorder:
    def __init__(self, path):
        self.out = open(path, "a", buffering=1)
        self.lock = threading.Lock()
        self.start = time.monotonic()
        self.seq = 0

    def record(self, conn, direction, message):
        with self.lock:
            self.seq += 1
            entry = {"seq": self.seq, "t": round(time.monotonic() - self.start, 3),
                     "conn": conn, "dir": direction}
            if isinstance(message, dict):
                entry["event"] = message
            else:
                try:
                    entry["msg"] = redact(json.loads(message))
                except ValueError:
                    entry["raw"] = message.decode(errors="replace")
            self.out.write(json.dumps(entry) + "\n")


def pump(src, dst, recorder, conn, direction):
    """Copies src to dst; after the HTTP head (up to the blank line) decodes frames."""
    head = b""
    decoder = None
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            # Recorded before it is forwarded, so that an answer is never logged before the
            # request it answers.
            frames = data
            if decoder is None:
                head += data
                end = head.find(b"\r\n\r\n")
                frames = b""
                if end >= 0:
                    decoder = FrameDecoder()
                    frames = head[end + 4:]
                    head = b""
            if decoder is not None:
                for message in decoder.feed(frames):
                    recorder.record(conn, direction, message)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", required=True, help="127.0.0.1:PORT to accept on")
    parser.add_argument("--upstream", required=True, help="127.0.0.1:PORT of the server")
    parser.add_argument("--log", required=True, help="JSONL transcript (appended)")
    args = parser.parse_args()
    lhost, lport = args.listen.rsplit(":", 1)
    uhost, uport = args.upstream.rsplit(":", 1)
    for host in (lhost, uhost):
        if not (host.startswith("127.") or host in ("localhost", "::1")):
            sys.exit(f"ws_proxy: {host} is not a loopback address")
    recorder = Recorder(args.log)
    server = socket.create_server((lhost, int(lport)))
    print(f"ws_proxy: listening on {lhost}:{server.getsockname()[1]}", file=sys.stderr,
          flush=True)
    conn_id = 0
    while True:
        client, _ = server.accept()
        conn_id += 1
        try:
            upstream = socket.create_connection((uhost, int(uport)))
        except OSError as e:
            recorder.record(conn_id, "proxy", {"upstream_error": str(e)})
            client.close()
            continue
        recorder.record(conn_id, "proxy", {"connected": True})
        threading.Thread(target=pump, args=(client, upstream, recorder, conn_id,
                                            "client->server"), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client, recorder, conn_id,
                                            "server->client"), daemon=True).start()


if __name__ == "__main__":
    main()
