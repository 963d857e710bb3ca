#!/usr/bin/env python3
# Seeds the basic_* cases from tests/fixtures/codex-0.113.0/basic: each thread's rollout as
# events.jsonl, its session_index.jsonl line, and as expected.json Codex's own thread/read
# answer from transcript.jsonl (the last one for that thread).
import glob, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
BASIC = os.path.join(HERE, "..", "fixtures", "codex-0.113.0", "basic")
CASES = {"basic_limited": "01a20edc-6c30-77d2-8ea8-b69792e25b0b",
         "basic_extended": "01a20edc-6f3a-7f83-8d85-eff1cc9a2d26",
         "basic_forked": "01a20edc-7247-7f03-a843-7f00d3d1bea4"}


def reads():
    pending, answers = {}, {}
    with open(os.path.join(BASIC, "transcript.jsonl")) as f:
        for raw in f:
            rec = json.loads(raw)
            msg = rec["msg"]
            if rec["dir"] == "client->server" and msg.get("method") == "thread/read":
                pending[msg["id"]] = msg["params"]["threadId"]
            elif rec["dir"] == "server->client" and msg.get("id") in pending and "result" in msg:
                answers[pending.pop(msg["id"])] = msg["result"]["thread"]
    return answers


def main():
    answers = reads()
    index = [json.loads(l) for l in open(os.path.join(BASIC, "session_index.jsonl"))]
    for case, tid in CASES.items():
        os.makedirs(os.path.join(HERE, case), exist_ok=True)
        (rollout,) = glob.glob(os.path.join(BASIC, "**", f"rollout-*-{tid}.jsonl"),
                               recursive=True)
        with open(rollout) as src, open(os.path.join(HERE, case, "events.jsonl"), "w") as dst:
            dst.write(src.read())
        names = [e for e in index if e["id"] == tid]
        if names:
            with open(os.path.join(HERE, case, "session_index.jsonl"), "w") as f:
                for e in names:
                    f.write(json.dumps(e, separators=(",", ":")) + "\n")
        with open(os.path.join(HERE, case, "expected.json"), "w") as f:
            json.dump(answers[tid], f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{case}: {len(answers[tid]['turns'])} turns")


if __name__ == "__main__":
    main()
