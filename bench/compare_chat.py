#!/usr/bin/env python3
"""Checks that weir's stored chat results equal DuckDB's (bench/run.sh).

    bench/compare_chat.py WEIR STORE_URI DUCKDB_DIR [--channels all|N]

Exports weir's answers with `WEIR query chat-minutes|top-words|top-users
--format csv` (top words and users for every channel, or the N busiest) and
compares them with DUCKDB_DIR/{chat_minutes,top_words,top_users}.csv written by
bench/duckdb_chat.mjs: every chat-minute row, and each channel's top-10 list in
order. CSVs are parsed (RFC 4180), so quoting style does not matter; values are
compared as exact strings. Prints a summary; exits 1 on any mismatch.
"""
import argparse
import concurrent.futures
import csv
import io
import os
import subprocess
import sys

MAX_SHOWN = 10


def run_csv(cmd):
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode != 0:
        raise SystemExit("compare: %s failed (exit %d): %s"
                         % (" ".join(cmd), p.returncode, p.stderr.decode(errors="replace").strip()))
    rows = list(csv.reader(io.StringIO(p.stdout.decode("utf-8"), newline="")))
    return rows[0], rows[1:]


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("weir")
    ap.add_argument("store")
    ap.add_argument("duckdb_dir")
    ap.add_argument("--channels", default="all", help="'all' or the N busiest channels")
    a = ap.parse_args()
    problems = []

    def bad(msg):
        problems.append(msg)

    # Chat minutes: every row, in order (channel, minute).
    hdr, w_cm = run_csv([a.weir, "query", "chat-minutes", "--store", a.store, "--format", "csv"])
    d_hdr, d_cm = read_csv(os.path.join(a.duckdb_dir, "chat_minutes.csv"))
    want_hdr = ["minute", "channel", "messages", "words", "chatters"]
    if hdr != want_hdr:
        bad("weir chat-minutes header %s, want %s" % (hdr, want_hdr))
    if d_hdr != want_hdr:
        bad("duckdb chat_minutes header %s, want %s" % (d_hdr, want_hdr))
    w_map = {(r[1], r[0]): r[2:] for r in w_cm}
    d_map = {(r[1], r[0]): r[2:] for r in d_cm}
    if len(w_map) != len(w_cm):
        bad("weir chat-minutes has %d repeated (channel, minute) rows" % (len(w_cm) - len(w_map)))
    if [(r[1], r[0]) for r in w_cm] != sorted((r[1], r[0]) for r in w_cm):
        bad("weir chat-minutes rows are not ordered by channel, minute")
    only_w = sorted(set(w_map) - set(d_map))
    only_d = sorted(set(d_map) - set(w_map))
    diff = sorted(k for k in set(w_map) & set(d_map) if w_map[k] != d_map[k])
    for k in only_w[:MAX_SHOWN]:
        bad("chat-minutes %s %s only in weir: %s" % (k[0], k[1], w_map[k]))
    for k in only_d[:MAX_SHOWN]:
        bad("chat-minutes %s %s only in duckdb: %s" % (k[0], k[1], d_map[k]))
    for k in diff[:MAX_SHOWN]:
        bad("chat-minutes %s %s: weir messages,words,chatters=%s duckdb=%s"
            % (k[0], k[1], ",".join(w_map[k]), ",".join(d_map[k])))
    n_cm_bad = len(only_w) + len(only_d) + len(diff)
    if n_cm_bad > MAX_SHOWN:
        bad("chat-minutes: %d differing rows in all" % n_cm_bad)

    # Top words and users per channel: the ordered top-10 lists.
    messages = {}
    for r in d_cm:
        messages[r[1]] = messages.get(r[1], 0) + int(r[2])
    channels = sorted(messages, key=lambda c: (-messages[c], c))
    if a.channels != "all":
        channels = channels[:int(a.channels)]
    n_top_bad = 0
    for query, fname, key in (("top-words", "top_words.csv", "word"), ("top-users", "top_users.csv", "user")):
        d_hdr, d_rows = read_csv(os.path.join(a.duckdb_dir, fname))
        if d_hdr != ["channel", key, "count"]:
            bad("duckdb %s header %s" % (fname, d_hdr))
        d_top = {}
        for ch, k, n in d_rows:
            d_top.setdefault(ch, []).append([k, n])

        def weir_top(ch):
            return ch, run_csv([a.weir, "query", query, "--store", a.store, "--channel", ch,
                                "--limit", "10", "--format", "csv"])

        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
            for ch, (hdr, rows) in ex.map(weir_top, channels):
                if hdr != [key, "count"]:
                    bad("weir %s header %s, want %s" % (query, hdr, [key, "count"]))
                if rows != d_top.get(ch, []):
                    n_top_bad += 1
                    if n_top_bad <= MAX_SHOWN:
                        bad("%s --channel %s:\n    weir   %s\n    duckdb %s"
                            % (query, ch, rows, d_top.get(ch, [])))
    if n_top_bad > MAX_SHOWN:
        bad("top lists: %d differing channel lists in all" % n_top_bad)

    total = sum(messages.values())
    if problems:
        print("compare: MISMATCH between weir and DuckDB:")
        for p in problems:
            print("  " + p)
        return 1
    print("compare: answers agree: %d chat-minute rows (%d messages), top-10 words and users of %d channels%s"
          % (len(w_cm), total, len(channels), "" if a.channels == "all" else " (the busiest)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
