#!/usr/bin/env python3
"""irc_to_ndjson.py — turn a Twitch IRC log into canonical chat events (NDJSON).

Used by tests/integration/order_chunking.sh to feed weir the same events in
different orders and chunkings. The IRC lines are read with chat_ref.py's
parser (the test reference, not weir's code). Python 3 stdlib only.

    irc_to_ndjson.py [options] LOG[.gz] > out.ndjson
    irc_to_ndjson.py [options] --split N -o PREFIX LOG   # PREFIX.1.ndjson ...

Options:
  --ids             give each event a synthetic, unique "id" ("m<seq>")
  --dups N          append copies (same id) of N random events at random
                    later places (needs --ids)
  --offsets         write some RFC 3339 times with a +05:30 / -08:00 offset
                    (default: alternately integer ms and ...Z with ms)
  --jitter MS       local shuffle that never makes an event late for a
                    lateness of MS: events are ordered by ts + U[0, MS)
                    (so every event's ts > (largest ts before it) - MS)
  --delay-frac F    delay a fraction F of the events by U[0, --delay-max)
  --delay-max MS    (default 600000 = 10 minutes): these events arrive late
  --seed S          random seed (default 1)
  --split N         write N files; --split-mode chunks (contiguous pieces of
                    uneven sizes, default) or interleave (event i -> file i%N)
  --stats-lateness MS  print to stderr how many events arrive with
                    ts <= (largest ts before them) - MS ("late" for a
                    watermark of max - MS)
"""
import argparse
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat_ref  # noqa: E402


def fmt_ts(ms, style):
    if style == 0:
        return ms
    t = datetime.fromtimestamp(ms // 1000, timezone.utc) + timedelta(milliseconds=ms % 1000)
    if style == 1:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)
    off = timedelta(hours=5, minutes=30) if style == 2 else timedelta(hours=-8)
    lt = t + off
    sign = "+05:30" if style == 2 else "-08:00"
    return lt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (ms % 1000) + sign


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--ids", action="store_true")
    ap.add_argument("--dups", type=int, default=0)
    ap.add_argument("--offsets", action="store_true")
    ap.add_argument("--jitter", type=int, default=0)
    ap.add_argument("--delay-frac", type=float, default=0.0)
    ap.add_argument("--delay-max", type=int, default=600000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--split", type=int, default=0)
    ap.add_argument("--split-mode", choices=("chunks", "interleave"), default="chunks")
    ap.add_argument("-o", "--out")
    ap.add_argument("--stats-lateness", type=int)
    a = ap.parse_args()
    rnd = random.Random(a.seed)

    res = chat_ref.Result()
    chat_ref.read_irc(res, a.log, chat_ref.open_input(a.log), chat_ref.MAX_LINE_DEFAULT)

    events = []
    nstyles = 4 if a.offsets else 2
    for i, (ch, ts, user, text) in enumerate(res.chats):
        ev = {"kind": "chat", "platform": "twitch", "ts": fmt_ts(ts, i % nstyles),
              "channel": ch.decode(), "user": user.decode(), "text": text.decode()}
        if a.ids:
            ev["id"] = "m%06d" % i
        events.append((ts, ev))

    # Reorder: key = ts + jitter (+ a delay for some); stable on the original order.
    keyed = []
    for i, (ts, ev) in enumerate(events):
        k = ts
        if a.jitter:
            k += rnd.randrange(a.jitter)
        if a.delay_frac and rnd.random() < a.delay_frac:
            k += rnd.randrange(a.delay_max)
        keyed.append((k, i, ts, ev))
    keyed.sort(key=lambda x: (x[0], x[1]))
    order = [(ts, ev) for _, _, ts, ev in keyed]

    if a.dups:
        if not a.ids:
            sys.exit("--dups needs --ids")
        for _ in range(a.dups):
            j = rnd.randrange(len(order))
            pos = rnd.randrange(j + 1, len(order) + 1)
            order.insert(pos, order[j])

    if a.stats_lateness is not None:
        mx = None
        late = 0
        for ts, _ in order:
            if mx is not None and ts <= mx - a.stats_lateness:
                late += 1
            mx = ts if mx is None else max(mx, ts)
        print("events=%d late_for_%dms=%d" % (len(order), a.stats_lateness, late),
              file=sys.stderr)

    lines = [json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n" for _, ev in order]
    if not a.split:
        sys.stdout.write("".join(lines))
        return 0
    if not a.out:
        sys.exit("--split needs -o PREFIX")
    n = a.split
    parts = [[] for _ in range(n)]
    if a.split_mode == "interleave":
        for i, ln in enumerate(lines):
            parts[i % n].append(ln)
    else:
        # uneven cut points, not on minute boundaries
        cuts = sorted(rnd.sample(range(1, len(lines)), n - 1))
        b = [0] + cuts + [len(lines)]
        for k in range(n):
            parts[k] = lines[b[k]:b[k + 1]]
    for k in range(n):
        with open("%s.%d.ndjson" % (a.out, k + 1), "w", encoding="utf-8") as f:
            f.write("".join(parts[k]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
