#!/usr/bin/env python3
"""presence_ref.py — an independent, exact reference for weir's presence queries.

Written from ../shared/spec/events.md (§1 canonical events, §3 time, §4
presence) and ../shared/spec/queries.md ("Presence") alone, plus the choices
docs/presence.md writes down; it shares no code with weir. The integration
test tests/integration/presence_reference.sh compares `weir query ...` CSV
output with this script's output byte for byte.

Python 3 standard library only; it keeps plain sets of user names, so it is
meant for small inputs.

    presence_ref.py --query NAME [--channel C] [--user U] [--a A] [--b B]
                    [--day D] [--from T] [--to T] [--limit N] FILE...|-
    presence_ref.py --batch QUERIES FILE...|-   (one read, many queries: each
                    line of QUERIES is "OUTPUT-FILE --query NAME [options]")

NAME (columns; order):
    presence          snapshot,channel,present               (channel, snapshot)
    presence-daily    day,channel,distinct_users             (channel, day)
    viewers-over-day  slot,present,channels                  (slot)
    user-schedule     snapshot,channel                       (snapshot, channel)
    overlap           day,a,b,a_users,b_users,shared,jaccard (day)
    summary           one JSON line: lines, chatters (valid chatters events;
                      `weir ingest --summary json` has it as by_kind.chatters)

The rules (events.md and docs/presence.md):
  * a `chatters` event is the complete list of users present in a channel's
    chat at ts; channel compared case-insensitively (ASCII lowercased), user
    names as bytes; an empty name "" names no one and is ignored;
  * snapshot / slot = the 5-minute UTC slot of ts; several snapshots of a
    channel in one slot (and repeated lines) count as their union; a
    snapshot with no users still makes a row with present 0;
  * presence-daily: distinct users of the channel's snapshots of the UTC day;
  * viewers-over-day: per slot, present = sum over channels, channels = how
    many channels have a snapshot in the slot; --day D keeps that day's slots;
  * overlap: per day with a snapshot of A or of B: jaccard = shared / |A u B|
    (0 when both are empty), printed with up to 6 decimals;
  * --from/--to keep windows whose start is in [from, to); --limit N keeps
    the first N rows.

A line is rejected (never counted) when it is longer than --max-line bytes
(default 1 MiB), blank lines are skipped, and otherwise when: it holds a NUL
byte, is not UTF-8, is not JSON, is not an object; kind/platform missing, not
strings or unknown; ts missing, not an integer or a string, not RFC 3339
(separator T, t or space, optional fraction, Z or +hh:mm/-hh:mm; a bare date
is midnight UTC) or outside years 1900-9999; for chatters: channel missing or
not a string or empty, users missing or not an array of strings. Lines of
the other kinds do not touch presence.
"""
import argparse
import json
import re
import shlex
import sys
from datetime import datetime, timezone

KINDS = ("chat", "followers", "stream", "chatters", "post")
PLATFORMS = ("twitch", "youtube", "twitter", "facebook")
SLOT_MS = 300_000
DAY_MS = 86_400_000
TS_MIN = -2_208_988_800_000  # 1900-01-01T00:00:00Z
TS_MAX = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
BLANK = b" \t\r\n\x0b\x0c"

TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2}))?$")


def parse_time(s):
    """RFC 3339 text -> ms since the epoch, or None."""
    m = TIME_RE.match(s)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        day = datetime(y, mo, d, tzinfo=timezone.utc)
    except ValueError:
        return None
    # days since the epoch without float or platform limits
    ms = (day.date().toordinal() - datetime(1970, 1, 1).date().toordinal()) * DAY_MS
    if m.group(4) is None:
        return ms
    hh, mi, ss = int(m.group(4)), int(m.group(5)), int(m.group(6))
    if hh > 23 or mi > 59 or ss > 59:
        return None
    ms += ((hh * 60 + mi) * 60 + ss) * 1000
    if m.group(7):
        ms += int((m.group(7) + "00")[:3])
    z = m.group(8)
    if z not in ("Z", "z"):
        oh, om = int(z[1:3]), int(z[4:6])
        if oh > 23 or om > 59:
            return None
        off = (oh * 60 + om) * 60_000
        ms += -off if z[0] == "+" else off
    return ms


def floor(t, w):
    return t // w * w


def fmt_time(ms):
    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_day(ms):
    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%d")


def fmt_real(x):
    s = "%.6f" % x
    s = s.rstrip("0")
    return s[:-1] if s.endswith(".") else s


class Bad(Exception):
    pass


def no_constants(name):
    raise ValueError(name)


def is_str(v):
    return isinstance(v, str)


def chatters_of(obj):
    """(channel bytes, ts, [user bytes]) for a valid chatters event, None for
    another valid kind; raises Bad(reason) for an invalid event."""
    if not isinstance(obj, dict):
        raise Bad("not_object")
    for f, allowed in (("kind", KINDS), ("platform", PLATFORMS)):
        if f not in obj or obj[f] is None:
            raise Bad("missing_field")
        if not is_str(obj[f]):
            raise Bad("wrong_type")
        if obj[f] not in allowed:
            raise Bad("unknown_" + f)
    if "ts" not in obj or obj["ts"] is None:
        raise Bad("missing_field")
    ts = obj["ts"]
    if isinstance(ts, bool) or not isinstance(ts, (int, str)):
        raise Bad("wrong_type" if not isinstance(ts, float) else "bad_timestamp")
    if isinstance(ts, str):
        ts = parse_time(ts)
    if ts is None or ts < TS_MIN or ts > TS_MAX:
        raise Bad("bad_timestamp")
    if obj["kind"] != "chatters":
        return None
    ch, users = obj.get("channel"), obj.get("users")
    if ch is None:
        raise Bad("missing_field")
    if not is_str(ch):
        raise Bad("wrong_type")
    if users is None:
        raise Bad("missing_field")
    if not isinstance(users, list) or not all(is_str(u) for u in users):
        raise Bad("wrong_type")
    ch = ch.encode("utf-8", "surrogatepass").lower()
    if not ch:
        raise Bad("bad_value")
    return ch, ts, [u.encode("utf-8", "surrogatepass") for u in users if u]


def read(paths, max_line):
    """Valid chatters snapshots [(channel, ts, users)] and counters."""
    snaps, st = [], {"lines": 0, "chatters": 0}
    for path in paths:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for line in lines:
            st["lines"] += 1
            try:
                if len(line) > max_line:
                    raise Bad("line_too_long")
                if line.strip(BLANK) == b"":
                    continue
                if b"\0" in line:
                    raise Bad("nul_byte")
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError:
                    raise Bad("invalid_utf8")
                try:
                    obj = json.loads(text, parse_constant=no_constants)
                except ValueError:
                    raise Bad("invalid_json")
                snap = chatters_of(obj)
            except Bad:
                continue  # only chatters are checked in full: no count by reason
            if snap is not None:
                st["chatters"] += 1
                snaps.append(snap)
    return snaps, st


def in_range(t, lo, hi):
    return (lo is None or t >= lo) and (hi is None or t < hi)


def slots_of(snaps):
    """{(channel, slot): set of users}"""
    out = {}
    for ch, ts, users in snaps:
        out.setdefault((ch, floor(ts, SLOT_MS)), set()).update(users)
    return out


def days_of(snaps):
    out = {}
    for ch, ts, users in snaps:
        out.setdefault((ch, floor(ts, DAY_MS)), set()).update(users)
    return out


def query_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--query", required=True)
    ap.add_argument("--channel")
    ap.add_argument("--user")
    ap.add_argument("--a")
    ap.add_argument("--b")
    ap.add_argument("--day")
    ap.add_argument("--from", dest="lo")
    ap.add_argument("--to", dest="hi")
    ap.add_argument("--limit", type=int)
    return ap


def run(a, snaps, st, out):
    """Writes query `a` (parsed arguments) over snaps to the binary stream out."""
    lo = parse_time(a.lo) if a.lo else None
    hi = parse_time(a.hi) if a.hi else None
    rows = []
    q = a.query
    low = lambda s: s.encode("utf-8").lower()
    if q == "summary":
        out.write(json.dumps(st, sort_keys=True).encode() + b"\n")
        return
    if q == "presence":
        head = "snapshot,channel,present"
        want = low(a.channel) if a.channel is not None else None
        for (ch, slot), users in sorted(slots_of(snaps).items()):
            if (want is None or ch == want) and in_range(slot, lo, hi):
                rows.append([fmt_time(slot), ch, len(users)])
    elif q == "presence-daily":
        head = "day,channel,distinct_users"
        want = low(a.channel) if a.channel is not None else None
        for (ch, day), users in sorted(days_of(snaps).items()):
            if (want is None or ch == want) and in_range(day, lo, hi):
                rows.append([fmt_day(day), ch, len(users)])
    elif q == "viewers-over-day":
        head = "slot,present,channels"
        day = floor(parse_time(a.day), DAY_MS) if a.day else None
        agg = {}
        for (ch, slot), users in slots_of(snaps).items():
            if in_range(slot, lo, hi) and (day is None or day <= slot < day + DAY_MS):
                p = agg.setdefault(slot, [0, 0])
                p[0] += len(users)
                p[1] += 1
        for slot in sorted(agg):
            rows.append([fmt_time(slot), agg[slot][0], agg[slot][1]])
    elif q == "user-schedule":
        head = "snapshot,channel"
        u = a.user.encode("utf-8")
        hits = sorted((slot, ch) for (ch, slot), users in slots_of(snaps).items()
                      if u in users and in_range(slot, lo, hi))
        rows = [[fmt_time(slot), ch] for slot, ch in hits]
    elif q == "overlap":
        head = "day,a,b,a_users,b_users,shared,jaccard"
        ca, cb = low(a.a), low(a.b)
        days = days_of(snaps)
        for day in sorted({d for (ch, d) in days if ch in (ca, cb) and in_range(d, lo, hi)}):
            x, y = days.get((ca, day), set()), days.get((cb, day), set())
            shared, union = len(x & y), len(x | y)
            rows.append([fmt_day(day), ca, cb, len(x), len(y), shared,
                         fmt_real(shared / union if union else 0.0)])
    else:
        sys.exit("presence_ref: unknown query " + q)
    if a.limit is not None:
        rows = rows[:a.limit]
    out.write(head.encode() + b"\n")
    for r in rows:
        out.write(b",".join(csv_field(c) for c in r) + b"\n")


def main():
    ap = query_parser()
    ap.add_argument("--max-line", type=int, default=1 << 20)
    ap.add_argument("--batch", metavar="FILE",
                    help="run many queries over one read of the input: each line of FILE is "
                         "OUTPUT-PATH followed by the query's arguments (shell quoting); "
                         "--query is then ignored")
    ap.add_argument("files", nargs="+")
    if "--batch" in sys.argv and "--query" not in sys.argv:
        sys.argv[1:1] = ["--query", "batch"]
    a = ap.parse_args()
    snaps, st = read(a.files, a.max_line)
    if a.batch:
        sub = query_parser()
        for line in open(a.batch, encoding="utf-8"):
            words = shlex.split(line)
            if not words:
                continue
            with open(words[0], "wb") as out:
                run(sub.parse_args(words[1:]), snaps, st, out)
        return
    run(a, snaps, st, sys.stdout.buffer)


def csv_field(v):
    """RFC 4180 field of a str, bytes or int cell, as bytes."""
    b = v if isinstance(v, bytes) else str(v).encode("utf-8")
    if any(c in b for c in b',"\r\n'):
        return b'"' + b.replace(b'"', b'""') + b'"'
    return b


if __name__ == "__main__":
    main()
