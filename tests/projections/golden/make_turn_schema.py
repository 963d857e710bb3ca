#!/usr/bin/env python3
# Writes turn.schema.json: the definitions reachable from `Turn`, copied verbatim from Codex's
# generated v2 schema (default: the 0.117.0 experimental schema in /work/shared/spec).
# Usage: make_turn_schema.py [codex_app_server_protocol.v2.schemas.json]
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = "/work/shared/spec/codex-0.117.0-experimental/codex_app_server_protocol.v2.schemas.json"


def refs(node, out):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            out.add(ref[len("#/definitions/"):])
        for v in node.values():
            refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def main():
    spec_path = sys.argv[1] if len(sys.argv) > 1 else SPEC
    defs = json.load(open(spec_path))["definitions"]
    keep, todo = set(), ["Turn"]
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        found = set()
        refs(defs[name], found)
        todo.extend(found - keep)
    out = {"$comment": "Definitions reachable from Turn, copied verbatim from Codex 0.117.0's "
                       "codex_app_server_protocol.v2.schemas.json (make_turn_schema.py).",
           "definitions": {k: defs[k] for k in sorted(keep)}}
    with open(os.path.join(HERE, "turn.schema.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"{len(keep)} definitions")


if __name__ == "__main__":
    main()
