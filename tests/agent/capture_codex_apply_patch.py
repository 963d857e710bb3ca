#!/usr/bin/env python3
"""Records how the real Codex 0.117.0 applies patches, for threadlog's apply_patch engine
(api/agent/apply_patch.h), into golden/codex_117_apply_patch.json:

  cli         the reference binary run as `apply_patch` (Codex dispatches on argv[0]; a symlink
              of that name), once per case in a fresh scratch folder: the patch (or argv, or
              stdin), the files before, stdout, stderr, the exit code and the files after.
  app_server  `codex app-server` (approval_policy never, danger-full-access) against the
              scripted mock Responses server (tests/mock_responses), whose model calls the
              apply_patch tool (freeform custom_tool_call; also a function call and an
              exec_command heredoc): per call, the files before and after, the fileChange /
              commandExecution item/started and item/completed, item/fileChange/outputDelta,
              turn/diff/updated and the tool output the model got in the next request.

Usage: capture_codex_apply_patch.py [--codex BINARY] [--out FILE] [CASE...]
  Naming cases (cli or app_server) re-captures only those and keeps the others of --out.
Nothing leaves 127.0.0.1.

In every recorded string the scratch folder is written <root> and the folder the patch runs in
(its cwd) <cwd> = <root>/work; a case's patch and argv use the same placeholders, which a
replayer substitutes with its own folders. File paths in `files_before` / `files_after` are
relative to <cwd> (files outside it, e.g. `../x`, are under <root>); `dirs_after` lists every
folder under <root> except the binary's. Durations (<s>, <ms>), process and chunk ids, the
thread (<thread>) and the turn (<turn>) are placeholders; a turn/diff/updated text is kept once
for each time it changed. tests/agent/apply_patch_test.cc replays every case and call.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "replay"))
from codex_driver import CODEX_117, AppServer, MockResponses, write_home  # noqa: E402
from capture_117 import OFFLINE  # noqa: E402

OUT = os.path.join(HERE, "golden", "codex_117_apply_patch.json")


def P(*lines):
    """A patch: the lines between the markers, each with its newline."""
    return "*** Begin Patch\n" + "".join(ln + "\n" for ln in lines) + "*** End Patch"


# --------------------------------------------------------------------------------------------
# CLI cases: name -> dict(about, files, patch | argv (with "<patch>") | stdin, bin)
# --------------------------------------------------------------------------------------------

TEN = "".join(f"line {i}\n" for i in range(1, 11))

CLI = {
    # Add
    "add_file": dict(about="add a file", patch=P("*** Add File: a.txt", "+hello", "+world")),
    "add_nested_dirs": dict(about="add a file whose folders do not exist",
                            patch=P("*** Add File: x/y/z.txt", "+deep")),
    "add_existing_file": dict(about="add a file that exists: overwritten",
                              files={"a.txt": "old\n"}, patch=P("*** Add File: a.txt", "+new")),
    "add_empty": dict(about="add a file with no + lines",
                      patch=P("*** Add File: empty.txt")),
    "add_blank_and_plus_lines": dict(about="add lines that are empty after + or start with +",
                                     patch=P("*** Add File: a.txt", "+", "++plus", "+ space")),
    "add_over_directory": dict(about="add a file where a folder is", dirs=["d"],
                               patch=P("*** Add File: d", "+x")),
    "add_line_without_plus": dict(about="an add hunk's line that lacks + ends the hunk",
                                  patch=P("*** Add File: a.txt", "+one", "two")),
    # Delete
    "delete_file": dict(about="delete a file", files={"a.txt": "x\n", "keep.txt": "k\n"},
                        patch=P("*** Delete File: a.txt")),
    "delete_missing": dict(about="delete a file that does not exist",
                           patch=P("*** Delete File: nope.txt")),
    "delete_directory": dict(about="delete a folder", files={"d/f.txt": "f\n"},
                             patch=P("*** Delete File: d")),
    # Update
    "update_simple": dict(about="replace one line", files={"a.txt": "foo\nbar\nbaz\n"},
                          patch=P("*** Update File: a.txt", "@@", " foo", "-bar", "+BAR",
                                  " baz")),
    "update_without_at": dict(about="the first chunk omits @@",
                              files={"a.txt": "foo\nbar\n"},
                              patch=P("*** Update File: a.txt", " foo", "-bar", "+baz")),
    "update_context_header": dict(
        about="@@ header picks the second of two identical blocks",
        files={"a.py": "def f():\n    return 1\n\ndef g():\n    return 1\n"},
        patch=P("*** Update File: a.py", "@@ def g():", "-    return 1", "+    return 2")),
    "update_context_header_not_found": dict(
        about="@@ header that is not in the file", files={"a.py": "def f():\n    pass\n"},
        patch=P("*** Update File: a.py", "@@ def g():", "-    pass", "+    return 2")),
    "update_two_headers": dict(
        about="two @@ header lines in a row",
        files={"a.py": "class A:\n    def f(self):\n        return 1\n"},
        patch=P("*** Update File: a.py", "@@ class A:", "@@     def f(self):",
                "-        return 1", "+        return 2")),
    "update_multiple_chunks": dict(
        about="two chunks in one file", files={"a.txt": "foo\nbar\nbaz\nqux\n"},
        patch=P("*** Update File: a.txt", "@@", " foo", "-bar", "+BAR", "@@", " baz", "-qux",
                "+QUX")),
    "update_chunks_out_of_order": dict(
        about="a chunk whose lines come before the previous chunk's",
        files={"a.txt": "foo\nbar\nbaz\nqux\n"},
        patch=P("*** Update File: a.txt", "@@", "-qux", "+QUX", "@@", "-foo", "+FOO")),
    "update_no_match": dict(
        about="lines that are not in the file", files={"a.txt": "foo\nbar\n"},
        patch=P("*** Update File: a.txt", "@@", " foo", "-nope", "-nope2", "+x")),
    "update_missing_file": dict(
        about="update a file that does not exist",
        patch=P("*** Update File: nope.txt", "@@", "-a", "+b")),
    "update_trailing_whitespace": dict(
        about="the file's lines have trailing spaces, the patch's not",
        files={"a.txt": "foo  \nbar\t\nbaz\n"},
        patch=P("*** Update File: a.txt", "@@", " foo", "-bar", "+BAR")),
    "update_leading_whitespace": dict(
        about="the file's lines are indented differently from the patch's",
        files={"a.txt": "    foo\n\tbar\nbaz\n"},
        patch=P("*** Update File: a.txt", "@@", " foo", "-bar", "+BAR")),
    "update_unicode_punctuation": dict(
        about="the file has every typographic dash, quote and space Codex reads as ASCII, the "
              "patch ASCII",
        files={"a.txt": "x \u2014 y\n\u201cquoted\u201d \u2018single\u2019\na\u00a0b\n"
                        "\u2010\u2011\u2012\u2013\u2014\u2015\u2212|\u2018\u2019\u201a\u201b|"
                        "\u201c\u201d\u201e\u201f|\u00a0\u2002\u2003\u2004\u2005\u2006\u2007"
                        "\u2008\u2009\u200a\u202f\u205f\u3000|\n"},
        patch=P("*** Update File: a.txt", "@@", "-x - y", "-\"quoted\" 'single'", "-a b",
                "--------|''''|" + '""""' + "|" + " " * 13 + "|", "+replaced")),
    "update_unicode_unmapped": dict(
        about="characters Codex does not read as ASCII: guillemets, primes, en and em quads, "
              "a soft hyphen, an ellipsis, a fullwidth hyphen",
        files={"a.txt": "\u00abq\u00bb\n\u2032\u2033\na\u2000b\u2001c\nx\u00ady\n\u2026\n\uff0d\n"},
        patch=P("*** Update File: a.txt", "@@", "-\"q\"", "-'\"", "-a b c", "-x-y", "-...", "--",
                "+replaced")),
    "update_unicode_in_patch": dict(
        about="the patch has typographic dashes, the file ASCII",
        files={"a.txt": "a - b\nc\n"},
        patch=P("*** Update File: a.txt", "@@", "-a \u2013 b", "+x")),
    "update_unicode_header": dict(
        about="an @@ header found through punctuation normalisation",
        files={"a.txt": "section \u2014 one\nvalue\nsection \u2014 two\nvalue\n"},
        patch=P("*** Update File: a.txt", "@@ section - two", "-value", "+VALUE")),
    "update_eof_anchor": dict(
        about="*** End of File picks the last of two identical blocks",
        files={"a.txt": "x\nend\nx\nend\n"},
        patch=P("*** Update File: a.txt", "@@", "-x", "-end", "+X", "+END",
                "*** End of File")),
    "update_eof_not_at_end": dict(
        about="*** End of File but the lines are not at the end",
        files={"a.txt": "x\nend\ny\n"},
        patch=P("*** Update File: a.txt", "@@", "-x", "-end", "+X", "*** End of File")),
    "update_eof_append": dict(
        about="a pure addition with *** End of File",
        files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@", "+c", "*** End of File")),
    "update_pure_addition": dict(
        about="a chunk with + lines only: appended at the end", files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@", "+c", "+d")),
    "update_pure_addition_after_header": dict(
        about="a chunk with + lines only after an @@ header: still appended at the end",
        files={"a.txt": "a\nb\nc\n"},
        patch=P("*** Update File: a.txt", "@@ a", "+after a")),
    "update_no_final_newline": dict(
        about="the file has no final newline", files={"a.txt": "a\nb"},
        patch=P("*** Update File: a.txt", "@@", " a", "-b", "+B")),
    "update_deletion_only": dict(
        about="a chunk with - lines only", files={"a.txt": "a\nb\nc\n"},
        patch=P("*** Update File: a.txt", "@@", "-b")),
    "update_delete_all": dict(
        about="every line removed", files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@", "-a", "-b")),
    "update_empty_file": dict(
        about="an addition to an empty file", files={"a.txt": ""},
        patch=P("*** Update File: a.txt", "@@", "+first")),
    "update_blank_context_line": dict(
        about="an empty line in a chunk is an empty context line",
        files={"a.txt": "a\n\nb\n"},
        patch=P("*** Update File: a.txt", "@@", " a", "", "-b", "+B")),
    "update_trailing_empty_old_line": dict(
        about="old lines ending with an empty line (the file's final newline)",
        files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@", "-b", "-", "+B", "+")),
    "update_crlf_file": dict(
        about="a file with CRLF line ends", files={"a.txt": "a\r\nb\r\nc\r\n"},
        patch=P("*** Update File: a.txt", "@@", " a", "-b", "+B", " c")),
    "update_crlf_patch": dict(
        about="a patch with CRLF line ends",
        files={"a.txt": "a\nb\n"},
        patch="*** Begin Patch\r\n*** Update File: a.txt\r\n@@\r\n a\r\n-b\r\n+B\r\n"
              "*** End Patch\r\n"),
    "update_eof_marker_mid_chunk": dict(
        about="lines after *** End of File start another chunk",
        files={"a.txt": "a\nb\nc\n"},
        patch=P("*** Update File: a.txt", "@@", "-c", "+C", "*** End of File", "@@", "-a",
                "+A")),
    "update_same_file_twice": dict(
        about="two Update hunks of the same file in one patch", files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@", "-a", "+A", "*** Update File: a.txt", "@@",
                "-A", "+AA")),
    "update_after_add": dict(
        about="a file added then updated in the same patch",
        patch=P("*** Add File: n.txt", "+one", "*** Update File: n.txt", "@@", "-one",
                "+two")),
    "update_ten_lines": dict(
        about="two distant changes in a 10-line file", files={"a.txt": TEN},
        patch=P("*** Update File: a.txt", "@@", " line 1", "-line 2", "+LINE 2", " line 3",
                "@@", " line 8", "-line 9", "+LINE 9", " line 10")),
    "update_exact_before_fuzzy": dict(
        about="an exact match later in the file wins over a fuzzy one earlier",
        files={"a.txt": "foo \nfoo\n"},
        patch=P("*** Update File: a.txt", "@@", "-foo", "+FOO")),
    "update_unicode_whitespace_trim": dict(
        about="Unicode spaces around a line are trimmed like ASCII ones",
        files={"a.txt": "\u3000foo\u00a0\nbar\n"},
        patch=P("*** Update File: a.txt", "@@", "-foo", "+FOO")),
    "update_file_ends_with_blank_line": dict(
        about="a pure addition to a file ending with an empty line goes before it",
        files={"a.txt": "a\n\n"}, patch=P("*** Update File: a.txt", "@@", "+b")),
    "update_indented_header_after_chunk": dict(
        about="an indented *** Add File after a chunk is a context line",
        files={"a.txt": "a\n"},
        patch=P("*** Update File: a.txt", "@@", "-a", "+A", "  *** Add File: b.txt", "+b")),
    "update_whitespace_line_between_chunks": dict(
        about="a tab-only line between two chunks is skipped",
        files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@", "-a", "+A", "\t", "@@", "-b", "+B")),
    "update_blank_line_after_eof": dict(
        about="an empty line after *** End of File, then another chunk",
        files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@", "-a", "+A", "*** End of File", "", "@@", "-b",
                "+B")),
    "update_at_glued": dict(about="@@x (no space) starts the first chunk",
                            files={"a.txt": "a\n"},
                            patch=P("*** Update File: a.txt", "@@x", "-a", "+A")),
    "update_two_updates_disjoint": dict(
        about="two Update hunks of one file changing different lines",
        files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@", "-a", "+A", "*** Update File: a.txt", "@@",
                "-b", "+B")),
    # Move
    "move_file": dict(
        about="update and move", files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "*** Move to: b.txt", "@@", "-b", "+B")),
    "move_to_new_dir": dict(
        about="move into folders that do not exist", files={"old/a.txt": "a\n"},
        patch=P("*** Update File: old/a.txt", "*** Move to: new/dir/a.txt", "@@", "-a", "+A")),
    "move_overwrites": dict(
        about="move onto a file that exists", files={"a.txt": "a\n", "b.txt": "b\n"},
        patch=P("*** Update File: a.txt", "*** Move to: b.txt", "@@", "-a", "+A")),
    "move_without_chunks": dict(
        about="a Move to without any chunk", files={"a.txt": "a\n"},
        patch=P("*** Update File: a.txt", "*** Move to: b.txt")),
    "move_to_same_path": dict(
        about="move a file onto itself", files={"a.txt": "a\n"},
        patch=P("*** Update File: a.txt", "*** Move to: a.txt", "@@", "-a", "+A")),
    # Several files
    "several_files_summary_order": dict(
        about="delete, update, add, move: the summary lists A, then M, then D",
        files={"del.txt": "d\n", "upd.txt": "u\n", "mv.txt": "m\n"},
        patch=P("*** Delete File: del.txt", "*** Update File: upd.txt", "@@", "-u", "+U",
                "*** Add File: add.txt", "+a", "*** Update File: mv.txt",
                "*** Move to: moved.txt", "@@", "-m", "+M", "*** Add File: add2.txt", "+b")),
    "partial_failure": dict(
        about="an add, then an update that does not apply", files={"a.txt": "a\n"},
        patch=P("*** Add File: new.txt", "+new", "*** Update File: a.txt", "@@", "-zzz",
                "+y")),
    # Paths
    "absolute_path": dict(
        about="an absolute path (add, update)", files={"../abs_upd.txt": "a\n"},
        patch=P("*** Add File: <root>/abs_add.txt", "+abs", "*** Update File: <root>/abs_upd.txt",
                "@@", "-a", "+A")),
    "dotdot_path": dict(about="a path that leaves the cwd",
                        patch=P("*** Add File: ../outside.txt", "+out")),
    "path_with_spaces": dict(
        about="a path with inner and trailing spaces; a Move to with a trailing space",
        files={"my file.txt": "a\n"},
        patch=P("*** Add File: sp ace.txt  ", "+x", "*** Update File: my file.txt",
                "*** Move to: moved file.txt ", "@@", "-a", "+A")),
    # Markers and grammar
    "padded_markers": dict(
        about="spaces around the markers and the hunk headers; blank lines around the patch",
        files={"a.txt": "a\n"},
        patch="\n\n  *** Begin Patch  \n   *** Update File: a.txt   \n@@\n-a\n+A\n"
              "  *** End Patch \n\n"),
    "padded_eof_marker": dict(
        about="an indented *** End of File", files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@", "-b", "+B", "  *** End of File")),
    "padded_at_marker": dict(
        about="an @@ with a trailing space and an @@ with leading spaces",
        files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@ ", "-a", "+A", "  @@", "-b", "+B")),
    "lowercase_header": dict(about="a hunk header in lower case",
                             patch=P("*** add file: a.txt", "+x")),
    "err_first_line": dict(about="the first line is not *** Begin Patch",
                           patch="hello\n*** End Patch"),
    "err_last_line": dict(about="the last line is not *** End Patch",
                          patch="*** Begin Patch\n*** Add File: a.txt\n+x"),
    "err_empty_text": dict(about="an empty patch", patch=""),
    "err_only_begin": dict(about="only *** Begin Patch", patch="*** Begin Patch"),
    "err_no_hunks": dict(about="begin and end markers only",
                         patch="*** Begin Patch\n*** End Patch"),
    "err_invalid_hunk_header": dict(about="a line that is no hunk header",
                                    patch=P("*** Frobnicate File: a.txt")),
    "err_update_empty": dict(about="an Update with no chunk", files={"a.txt": "a\n"},
                             patch=P("*** Update File: a.txt")),
    "err_update_empty_then_hunk": dict(about="an Update with no chunk, then an Add",
                                       files={"a.txt": "a\n"},
                                       patch=P("*** Update File: a.txt", "*** Add File: b.txt",
                                               "+b")),
    "err_at_without_lines": dict(about="@@ and nothing after it", files={"a.txt": "a\n"},
                                 patch=P("*** Update File: a.txt", "@@")),
    "err_at_then_eof": dict(about="@@ then *** End of File", files={"a.txt": "a\n"},
                            patch=P("*** Update File: a.txt", "@@", "*** End of File")),
    "err_unexpected_line": dict(about="a chunk line with no prefix", files={"a.txt": "a\n"},
                                patch=P("*** Update File: a.txt", "@@", "bad line")),
    "err_second_chunk_without_at": dict(
        about="a line without prefix after a chunk", files={"a.txt": "a\nb\n"},
        patch=P("*** Update File: a.txt", "@@", "-a", "+A", "b")),
    "err_first_chunk_unexpected": dict(
        about="the first chunk, without @@, starts with a line without prefix",
        files={"a.txt": "a\n"}, patch=P("*** Update File: a.txt", "oops")),
    "err_hunk_line_number": dict(
        about="the line number of an invalid hunk after others",
        files={"a.txt": "a\nb\n"},
        patch=P("*** Add File: x.txt", "+1", "+2", "*** Update File: a.txt", "@@", "-a",
                "+A", "@@", "-b", "+B", "*** Bogus")),
    "err_parse_leaves_files": dict(
        about="a parse error after valid hunks changes nothing",
        patch=P("*** Add File: x.txt", "+1", "*** Nope")),
    "err_delete_then_body": dict(about="lines after a Delete File",
                                 files={"a.txt": "a\n"},
                                 patch=P("*** Delete File: a.txt", "+oops")),
    # Invocations
    "heredoc_argument": dict(
        about="argv [apply_patch, \"<<'EOF'\\n...\\nEOF\\n\"] (lenient heredoc)",
        argv=["<<'EOF'\n" + P("*** Add File: h.txt", "+h") + "\nEOF\n"]),
    "heredoc_argument_unquoted": dict(
        about="argv [apply_patch, \"<<EOF\\n...\\nEOF\"]",
        argv=["<<EOF\n" + P("*** Add File: h.txt", "+h") + "\nEOF"]),
    "heredoc_argument_other_tag": dict(
        about="argv [apply_patch, \"<<'PATCH'\\n...\\nPATCH\"] (only EOF is lenient)",
        argv=["<<'PATCH'\n" + P("*** Add File: h.txt", "+h") + "\nPATCH"]),
    "stdin": dict(about="the patch on stdin, no argument",
                  argv=[], stdin=P("*** Add File: s.txt", "+s")),
    "two_arguments": dict(about="two arguments", argv=[P("*** Add File: a.txt", "+a"), "x"]),
    "applypatch_alias": dict(about="the binary named applypatch", bin="applypatch",
                             patch=P("*** Add File: a.txt", "+a")),
}


def scratch():
    root = os.path.realpath(tempfile.mkdtemp(prefix="ap117-"))
    cwd = os.path.join(root, "work")
    os.makedirs(cwd)
    return root, cwd


def fill(root, cwd, files, dirs=()):
    for d in dirs:
        os.makedirs(os.path.join(cwd, d), exist_ok=True)
    for rel, text in (files or {}).items():
        path = os.path.normpath(os.path.join(cwd, rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", newline="") as f:
            f.write(text)


def snapshot(root, cwd, skip=()):
    files, dirs = {}, []
    for d, subdirs, names in os.walk(root):
        subdirs[:] = sorted(s for s in subdirs if os.path.join(d, s) not in skip)
        rel = os.path.relpath(d, cwd)
        if d != root:
            dirs.append(rel)
        for n in sorted(names):
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                data = f.read()
            files[os.path.relpath(p, cwd)] = data.decode("utf-8", errors="replace")
    return dict(sorted(files.items())), sorted(dirs)


def sub(text, root, cwd):
    return text.replace("<cwd>", cwd).replace("<root>", root)


def unsub(text, root, cwd):
    return text.replace(cwd, "<cwd>").replace(root, "<root>")


def capture_cli(codex, name):
    spec = CLI[name]
    root, cwd = scratch()
    bindir = os.path.join(root, "bin")
    os.makedirs(bindir)
    exe = os.path.join(bindir, spec.get("bin", "apply_patch"))
    os.symlink(codex, exe)
    fill(root, cwd, spec.get("files"), spec.get("dirs", ()))
    before, _ = snapshot(root, cwd, skip={bindir})
    if "argv" in spec:
        args = [sub(a, root, cwd) for a in spec["argv"]]
    else:
        args = [sub(spec["patch"], root, cwd)]
    stdin = sub(spec["stdin"], root, cwd) if "stdin" in spec else None
    env = {"PATH": "/usr/bin:/bin", "HOME": root, "LANG": "C.UTF-8"}
    p = subprocess.run([exe] + args, cwd=cwd, input=(stdin or "").encode(), env=env,
                       capture_output=True, timeout=30)
    after, dirs = snapshot(root, cwd, skip={bindir})
    record = {"about": spec["about"]}
    if "argv" in spec:
        record["argv"] = spec["argv"]
    else:
        record["patch"] = spec["patch"]
    if stdin is not None:
        record["stdin"] = spec["stdin"]
    if "bin" in spec:
        record["bin"] = spec["bin"]
    if spec.get("dirs"):
        record["dirs_before"] = spec["dirs"]
    record.update({
        "files_before": before,
        "stdout": unsub(p.stdout.decode("utf-8", errors="replace"), root, cwd),
        "stderr": unsub(p.stderr.decode("utf-8", errors="replace"), root, cwd),
        "exit_code": p.returncode,
        "files_after": after,
        "dirs_after": dirs,
    })
    shutil.rmtree(root, ignore_errors=True)
    return record


# --------------------------------------------------------------------------------------------
# App-server scenarios: one thread, one turn; the model makes the calls in `calls` in order
# (one per response), then answers "Done.". Each call: dict(files=..., patch=... | step=...).
# Files are (re)written before the turn; every call's files before/after are recorded by
# pausing the mock between responses.
# --------------------------------------------------------------------------------------------

SIX = "".join(f"l{i}\n" for i in range(1, 7))
# Files whose diffs have many equally short edit scripts, to pin down Myers' choices.
MYERS_OLD = "".join(c + "\n" for c in "ABCABBA")
MYERS_NEW = "".join(c + "\n" for c in "CBABAC")
SHUFFLE_OLD = "".join(c + "\n" for c in "abcabbacbbacabcbaccab")
SHUFFLE_NEW = "".join(c + "\n" for c in "cbabacabbcabacbbcaacb")
LETTERS = lambda word: "".join(c + "\n" for c in word)  # noqa: E731
# More of them: an insertion that can slide, repeated blocks, letters drawn at random (fixed
# here), and a file of over 100 lines (similar then diffs line ids) with a block moved.
DIFF_CASES = {
    "slide.txt": (LETTERS("xxy"), LETTERS("xxxz")),
    "repeat.txt": (LETTERS("ababab"), LETTERS("abcab")),
    "random1.txt": (LETTERS("bbbbdbdaccdabcdabddddabdbbdddbbcaaaabccd"),
                    LETTERS("cccdcbbcaccadcacdadbaddcdaacbdcadcca")),
    "random2.txt": (LETTERS("bcdbdacdcacdcbcbacaaacddcaccdc"),
                    LETTERS("aabdadbabbdcddabdcbbbcacbdcbdcbdadaacdadcadd")),
    "long.txt": ("".join(f"line {i}\n" for i in range(150)),
                 "".join(f"line {i}\n" for i in [*range(10), *range(40, 60), *range(10, 40),
                                                  *range(60, 100), 1000, *range(101, 150)])),
}


def REPLACE_ALL(path, old, new):
    """An Update hunk turning the whole of `old` into `new`."""
    return P(f"*** Update File: {path}", "@@", *["-" + ln for ln in old.splitlines()],
             *["+" + ln for ln in new.splitlines()])
TWENTY = "".join(f"row {i}\n" for i in range(1, 21))


def APPLY(patch, call_id):
    return {"apply_patch": {"input": patch, "call_id": call_id}}


APP = {
    "diffs": dict(
        about="successful patches, one call each: add, update (one and two hunks, context "
              "radius), delete, move, a file without final newline, a pure addition, every "
              "line replaced, an add over an existing file, an update that changes nothing, files "
              "rewritten whole whose diffs have many equally short edit scripts (Myers' choices, "
              "similar's compaction, a file of over 100 lines), a CRLF file",
        files={"u.txt": "a\nb\nc\n", "big.txt": TWENTY, "d.txt": "gone\nsoon\n",
               "m.txt": "m1\nm2\n", "nonl.txt": "x\ny", "six.txt": SIX,
               "all.txt": "p\nq\n", "exists.txt": "before\n", "same.txt": "s\n",
               "myers.txt": MYERS_OLD, "shuffle.txt": SHUFFLE_OLD, "crlf.txt": "a\r\nb\r\nc\r\n",
               **{name: old for name, (old, _) in DIFF_CASES.items()}},
        calls=[
            ("add", P("*** Add File: new/added.txt", "+hello", "+world")),
            ("update_one", P("*** Update File: u.txt", "@@", " a", "-b", "+B", " c")),
            ("update_two_hunks", P("*** Update File: big.txt", "@@", "-row 2", "+ROW 2", "@@",
                                   "-row 15", "+ROW 15", "+row 15.5")),
            ("update_close_hunks", P("*** Update File: six.txt", "@@", "-l2", "+L2", "@@",
                                     "-l4", "+L4")),
            ("delete", P("*** Delete File: d.txt")),
            ("move", P("*** Update File: m.txt", "*** Move to: moved/m.txt", "@@", "-m2",
                       "+M2")),
            ("no_final_newline", P("*** Update File: nonl.txt", "@@", " x", "-y", "+Y")),
            ("pure_addition", P("*** Update File: u.txt", "@@", "+d", "+e")),
            ("replace_all", P("*** Update File: all.txt", "@@", "-p", "-q", "+r", "+s", "+t")),
            ("add_existing", P("*** Add File: exists.txt", "+after")),
            ("no_change", P("*** Update File: same.txt", "@@", "-s", "+s")),
            ("myers_classic", REPLACE_ALL("myers.txt", MYERS_OLD, MYERS_NEW)),
            ("myers_shuffle", REPLACE_ALL("shuffle.txt", SHUFFLE_OLD, SHUFFLE_NEW)),
            *[("diff_" + name.split(".")[0], REPLACE_ALL(name, old, new))
              for name, (old, new) in DIFF_CASES.items()],
            ("crlf_file", P("*** Update File: crlf.txt", "@@", " a", "-b", "+B", " c")),
        ]),
    "multi_file": dict(
        about="one patch changing several files (add, update, delete, move), then one with "
              "an absolute path and a path leaving the cwd, then one whose paths sort "
              "differently by component and by byte (the order of the item's changes)",
        files={"one.txt": "1\n", "two.txt": "2\n", "three.txt": "3\n", "../up.txt": "up\n"},
        calls=[
            ("several", P("*** Add File: four.txt", "+4", "*** Update File: one.txt", "@@",
                          "-1", "+one", "*** Delete File: two.txt", "*** Update File: three.txt",
                          "*** Move to: sub/three.txt", "@@", "-3", "+three")),
            ("paths", P("*** Add File: <root>/abs.txt", "+abs", "*** Update File: ../up.txt",
                        "@@", "-up", "+UP")),
            ("ordering", P("*** Add File: z.txt", "+z", "*** Add File: a-b.txt", "+1",
                           "*** Add File: a/b.txt", "+2", "*** Add File: B.txt", "+3",
                           "*** Add File: a.txt", "+4")),
        ]),
    "failures": dict(
        about="patches that fail: lines not found, an @@ header not found, a parse error, "
              "delete and update of missing files, no hunks, an add then a failing update "
              "(does the add stay?), then a success",
        files={"f.txt": "alpha\nbeta\n"},
        calls=[
            ("no_match", P("*** Update File: f.txt", "@@", " alpha", "-gamma", "+delta")),
            ("header_not_found", P("*** Update File: f.txt", "@@ nothing", "-beta", "+b")),
            ("parse_error", "*** Begin Patch\n*** Frob: f.txt\n*** End Patch"),
            ("bad_first_line", "hello"),
            ("delete_missing", P("*** Delete File: missing.txt")),
            ("update_missing", P("*** Update File: missing.txt", "@@", "-a", "+b")),
            ("no_hunks", "*** Begin Patch\n*** End Patch"),
            ("add_then_fail", P("*** Add File: created.txt", "+c", "*** Update File: f.txt",
                                "@@", "-zzz", "+y")),
            ("ok_after", P("*** Update File: f.txt", "@@", "-beta", "+BETA")),
        ]),
    "apply_stage": dict(
        about="patches whose hunks each verify against the files as they are but that fail or "
              "differ when applied one after the other, or fail writing: two updates of one "
              "file (disjoint, then conflicting), an add then an update of the new file, a "
              "move onto itself, an add where a folder is, a delete of a folder, a move under "
              "a file, an update of an empty file, every line deleted",
        files={"t.txt": "a\nb\n", "c.txt": "a\nb\n", "self.txt": "s\n", "dir/x.txt": "x\n",
               "e.txt": "", "del.txt": "a\nb\n", "file": "f\n", "mv.txt": "m\n"},
        calls=[
            ("same_file_disjoint", P("*** Update File: t.txt", "@@", "-a", "+A",
                                     "*** Update File: t.txt", "@@", "-b", "+B")),
            ("same_file_conflict", P("*** Update File: c.txt", "@@", "-a", "+A",
                                     "*** Update File: c.txt", "@@", "-a", "+X")),
            ("add_then_update", P("*** Add File: n.txt", "+one", "*** Update File: n.txt",
                                  "@@", "-one", "+two")),
            ("move_onto_itself", P("*** Update File: self.txt", "*** Move to: self.txt", "@@",
                                   "-s", "+S")),
            ("add_over_directory", P("*** Add File: dir", "+x")),
            ("delete_directory", P("*** Delete File: dir")),
            ("move_under_file", P("*** Update File: mv.txt", "*** Move to: file/mv.txt", "@@",
                                  "-m", "+M")),
            ("update_empty_file", P("*** Update File: e.txt", "@@", "+first", "+second")),
            ("delete_all_lines", P("*** Update File: del.txt", "@@", "-a", "-b")),
        ]),
    "invocations": dict(
        about="apply_patch as a function call {input}; exec_command with an apply_patch "
              "heredoc, with `cd DIR &&`, and a raw patch as the command; fuzzy matches "
              "(trailing whitespace, unicode punctuation) and an EOF anchor through the tool",
        files={"w.txt": "foo  \nbar\n", "u.txt": "x \u2014 y\n", "e.txt": "x\nend\nx\nend\n",
               "sub/s.txt": "s\n", "h.txt": "h\n", "sub dir/keep": ""},
        calls=[
            ("function_form", {"function_call": {"name": "apply_patch", "call_id": "function_form",
                                                 "arguments": {"input": P(
                                                     "*** Update File: h.txt", "@@", "-h",
                                                     "+H")}}}),
            ("exec_heredoc", {"function_call": {"name": "exec_command", "call_id": "exec_heredoc",
                                                "arguments": {"cmd": "apply_patch <<'EOF'\n" + P(
                                                    "*** Add File: via_exec.txt", "+e") +
                                                    "\nEOF\n"}}}),
            ("exec_heredoc_cd", {"function_call": {
                "name": "exec_command", "call_id": "exec_heredoc_cd",
                "arguments": {"cmd": "cd sub && apply_patch <<'EOF'\n" + P(
                    "*** Update File: s.txt", "@@", "-s", "+S") + "\nEOF\n"}}}),
            ("exec_applypatch_unquoted", {"function_call": {
                "name": "exec_command", "call_id": "exec_applypatch_unquoted",
                "arguments": {"cmd": "applypatch <<EOF\n" + P(
                    "*** Add File: unquoted.txt", "+u") + "\nEOF"}}}),
            ("exec_cd_quoted", {"function_call": {
                "name": "exec_command", "call_id": "exec_cd_quoted",
                "arguments": {"cmd": "cd 'sub dir' && apply_patch <<\"PATCH\"\n" + P(
                    "*** Add File: q.txt", "+q") + "\nPATCH\n"}}}),
            ("exec_not_alone", {"function_call": {
                "name": "exec_command", "call_id": "exec_not_alone",
                "arguments": {"cmd": "apply_patch <<'EOF'\n" + P(
                    "*** Add File: alone.txt", "+a") + "\nEOF\necho done"}}}),
            ("exec_raw_patch", {"function_call": {
                "name": "exec_command", "call_id": "exec_raw_patch",
                "arguments": {"cmd": P("*** Add File: raw.txt", "+r")}}}),
            ("trailing_ws", P("*** Update File: w.txt", "@@", " foo", "-bar", "+BAR")),
            ("unicode", P("*** Update File: u.txt", "@@", "-x - y", "+x - z")),
            ("eof_anchor", P("*** Update File: e.txt", "@@", "-x", "-end", "+X", "+END",
                             "*** End of File")),
        ]),
}

KEEP_METHODS = ("item/started", "item/completed", "item/fileChange/outputDelta",
                "turn/diff/updated", "item/commandExecution/outputDelta")


def capture_app(codex, name, start_server=None):
    """One APP scenario's record. `start_server(home, cwd, log)` runs another app-server in
    Codex's place (tests/agent/exec_golden_test.py runs threadlog's)."""
    spec = APP[name]
    root, cwd = scratch()
    home = os.path.join(root, "home")
    fill(root, cwd, spec.get("files"))
    calls = spec["calls"]
    steps = []
    for call_id, c in calls:
        if isinstance(c, str):
            step = APPLY(sub(c, root, cwd), call_id)
        else:
            step = json.loads(sub(json.dumps(c), root, cwd))
        step["delay_ms"] = 20
        steps.append(step)
    steps.append({"text": "Done."})
    # Each response is a callable step: when request k arrives, call k-1 is over (its output
    # is in the request), so the files seen then are those after call k-1 and before call k.
    snapshots = []

    def step_fn(k):
        def fn(body):
            snapshots.append(snapshot(root, cwd, skip={home}))
            return steps[k]
        return fn

    mock = MockResponses([step_fn(k) for k in range(len(steps))], default_text="Done.").start()
    write_home(home, mock.base_url, extra=OFFLINE)
    log = []
    server = (start_server or (lambda h, c, lg: AppServer(codex, h, c, log=lg)))(home, cwd, log)
    records = []
    try:
        server.initialize()
        try:
            server.wait_for(lambda m: m.get("method") == "configWarning", timeout=1.5)
        except TimeoutError:
            pass
        r = server.request("thread/start", {"cwd": cwd})
        tid = r["result"]["thread"]["id"]
        time.sleep(0.3)
        mark = server.mark()
        r = server.request("turn/start", {"threadId": tid, "input": [
            {"type": "text", "text": "Apply the patches."}]})
        turn_id = r["result"]["turn"]["id"]
        server.wait_for(lambda m: m.get("method") == "turn/completed", timeout=90, start=mark)
        time.sleep(0.5)
    finally:
        server.close()
        mock.stop()
    for i, (call_id, c) in enumerate(calls):
        before = snapshots[i][0]
        after, dirs = snapshots[i + 1] if i + 1 < len(snapshots) else (None, None)
        records.append({"call_id": call_id, "call": c, "files_before": before,
                        "files_after": after, "dirs_after": dirs})
    reqs = mock.responses_requests()
    outputs = {}
    for q in reqs:
        for item in (q.get("body") or {}).get("input", []):
            if item.get("type") in ("custom_tool_call_output", "function_call_output"):
                outputs[item["call_id"]] = item
    notes = [m for d, m in log if d == "<-" and m.get("method") in KEEP_METHODS and
             (m["method"] not in ("item/started", "item/completed") or
              m["params"]["item"]["type"] in ("fileChange", "commandExecution"))]
    for rec in records:
        cid = rec["call_id"]
        rec["tool_output"] = outputs.get(cid)
        rec["notifications"] = [m for m in notes if m["method"] != "turn/diff/updated" and (
            m["params"].get("itemId") == cid or m["params"].get("item", {}).get("id") == cid)]
    # turn/diff/updated comes again and again with the same text; kept once per change.
    turn_diffs = []
    for m in notes:
        if m["method"] == "turn/diff/updated" and (
                not turn_diffs or turn_diffs[-1] != m["params"]["diff"]):
            turn_diffs.append(m["params"]["diff"])
    out = {"about": spec["about"], "calls": records, "turn_diff_updated": turn_diffs}
    text = unsub(json.dumps(out, ensure_ascii=False), root, cwd)
    text = text.replace(tid, "<thread>").replace(turn_id, "<turn>")
    text = re.sub(r'\\"duration_seconds\\":[0-9.]+',
                  lambda m: '\\"duration_seconds\\":\\"<s>\\"', text)
    text = re.sub(r'"durationMs": \d+', '"durationMs": "<ms>"', text)
    text = re.sub(r"Wall time: [0-9.]+ seconds", "Wall time: <s> seconds", text)
    text = re.sub(r"Chunk ID: [0-9a-f]+", "Chunk ID: <chunk>", text)
    text = re.sub(r'"processId": "\d+"', '"processId": "<pid>"', text)
    shutil.rmtree(root, ignore_errors=True)
    return json.loads(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codex", default=CODEX_117)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    for n in args.cases:
        if n not in CLI and n not in APP:
            ap.error(f"unknown case {n}")
    golden = {"cli": {}, "app_server": {}}
    if args.cases and os.path.exists(args.out):
        with open(args.out) as f:
            old = json.load(f)
        golden["cli"].update(old.get("cli", {}))
        golden["app_server"].update(old.get("app_server", {}))
    for name in CLI:
        if not args.cases or name in args.cases:
            golden["cli"][name] = capture_cli(args.codex, name)
            g = golden["cli"][name]
            print(f"cli {name}: exit {g['exit_code']}", flush=True)
    for name in APP:
        if not args.cases or name in args.cases:
            golden["app_server"][name] = capture_app(args.codex, name)
            print(f"app_server {name}: {len(golden['app_server'][name]['calls'])} calls",
                  flush=True)
    ordered = {"cli": {k: golden["cli"][k] for k in CLI if k in golden["cli"]},
               "app_server": {k: golden["app_server"][k] for k in APP
                              if k in golden["app_server"]}}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"codex": "0.117.0", "captured_by": "tests/agent/capture_codex_apply_patch.py",
                   "readme": __doc__.split("\n\n", 1)[1].strip(), **ordered}, f, indent=1,
                  ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
