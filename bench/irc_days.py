#!/usr/bin/env python3
"""bench/irc_days.py LOG.gz DAYS — the real IRC log's chat, repeated DAYS days.

Writes canonical NDJSON chat events to stdout: every PRIVMSG of the log
(events.md §1.1: user = the prefix nick, time = the line's prefix timestamp,
which this log always has), once per day for DAYS consecutive days, shifted by
whole days. Message ids are left out, so the copies are not duplicates. Used
by bench/sketches.sh (SOURCE=irc) for a long range with a real chat's
vocabulary: the simulator's vocabulary is small.
"""
import calendar, gzip, json, sys, time

log, days = sys.argv[1], int(sys.argv[2])
msgs = []
with gzip.open(log, "rt", encoding="utf-8", errors="replace") as f:
    for line in f:
        i = line.find(" PRIVMSG #")
        if i < 0 or " ;;; :" not in line[:40]:
            continue
        ts = calendar.timegm(time.strptime(line[:19], "%Y-%m-%d_%H:%M:%S")) * 1000
        nick = line[25:line.index("!", 25)]
        rest = line[i + 10:].rstrip("\r\n")
        chan, _, text = rest.partition(" :")
        if text.startswith("\x01ACTION ") and text.endswith("\x01"):
            text = text[8:-1]
        msgs.append((ts, chan, nick, text))
out = sys.stdout
for d in range(days):
    shift = d * 86400000
    out.writelines(
        json.dumps({"kind": "chat", "platform": "twitch", "ts": ts + shift, "channel": c, "user": u,
                    "text": t}, ensure_ascii=False) + "\n" for ts, c, u, t in msgs)
