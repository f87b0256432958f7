#!/usr/bin/env python3
"""followers_ref.py — an independent, exact reference for weir's follower queries.

Written from ../shared/spec/events.md (§1 events and reference data, §3 time,
§4 followers), ../shared/spec/queries.md ("Followers") and the choices
docs/events.md and docs/followers.md write down; it shares no code with weir.
The integration test compares `weir query ...` output with this script's
output byte for byte. It computes everything in one batch over all events.

Python 3 standard library only.

    followers_ref.py --query NAME [--window minute|hour|day] [--platform P]
                     [--channel C] [--streamer S] [--by followers|gain]
                     [--game G] [--genre G] [--language L] [--console C]
                     [--limit N] [--from T] [--to T] [--reference FILE]...
                     FILE...|-
    followers_ref.py --batch QUERIES --out DIR FILE...|-

--batch reads the events once and answers every line of QUERIES (the
options above, shell-quoted, --reference included) into DIR/N.csv, N the
line's number from 1: one process for a test's many comparisons.

NAME is one of
    followers           window,platform,channel,first,last,min,max,gain
    streamer-followers  window,streamer,followers,gain
    follower-ranking    rank,streamer,followers,gain

FILEs are NDJSON (plain or gzip), read in order as one stream (like several
`weir ingest` runs into one store). --reference files (CSV or JSON tables of
streamers or games) are applied in order before any event, as `weir ingest
--reference` upserts them.

The rules, from the documents above:
  * Validation (docs/events.md): kind, platform, ts required; followers:
    channel (string), followers (integer >= 0), streamer optional string;
    stream: channel, live (bool), optional viewers (integer >= 0), game,
    language, title (strings), started_at (time). null = absent for optional
    fields, missing for required ones. channel is lowercased (ASCII); an
    empty channel is rejected. ts years 1900-9999.
  * first/last = the count with the smallest/largest ts in the window; on
    equal ts, the larger count (both).
  * An account (platform, channel) belongs to the streamer the reference
    data names, else to the `streamer` of its latest followers event (equal
    ts: the larger name); streamer names are lowercased; empty = absent.
    A streamers row replaces that streamer's accounts.
  * follower-ranking works on hours whose start is in [from, to); its
    filters look at the latest stream event (by ts, then game, then
    language bytes; empty = absent) of the streamer's Twitch channels in
    that range; --genre/--console through the games table; all filter
    values compare ASCII-case-insensitively. Ties by streamer; rank is the
    row's position.
"""
import argparse
import csv
import gzip
import io
import json
import re
import shlex
import sys
from datetime import datetime, timezone

MAX_LINE = 1048576
KINDS = ("chat", "followers", "stream", "chatters", "post")
PLATFORMS = ("twitch", "youtube", "twitter", "facebook")
GRAIN_MS = {"minute": 60_000, "hour": 3_600_000, "day": 86_400_000}
TS_MIN = -2208988800000  # 1900-01-01
TS_MAX = 253402300799999  # 9999-12-31T23:59:59.999
I64 = 2**63


def alower(s):
    """ASCII-only lowercase (what weir does to channels and names)."""
    return s.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


# ------------------------------------------------------------------ time

TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$")


def parse_time(s):
    m = TIME_RE.match(s)
    if not m:
        return None
    try:
        day = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=timezone.utc)
    except ValueError:
        return None
    ms = (day - datetime(1970, 1, 1, tzinfo=timezone.utc)).days * 86_400_000
    if m.group(4) is None:
        return ms
    hh, mi, ss = int(m.group(4)), int(m.group(5)), int(m.group(6))
    if hh > 23 or mi > 59 or ss > 59:
        return None
    ms += (hh * 3600 + mi * 60 + ss) * 1000
    if m.group(7):
        ms += int((m.group(7)[1:] + "00")[:3])
    z = m.group(8)
    if z not in ("Z", "z"):
        oh, om = int(z[1:3]), int(z[4:6])
        if oh > 23 or om > 59:
            return None
        off = (oh * 60 + om) * 60_000
        ms += -off if z[0] == "+" else off
    return ms


def fmt_time(ms):
    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_day(ms):
    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%d")


# ------------------------------------------------------------ validation

class Bad(Exception):
    pass


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and -I64 <= v < I64


def req(o, k, ok):
    if o.get(k) is None or not ok(o[k]):
        raise Bad(k)
    return o[k]


def opt(o, k, ok):
    v = o.get(k)
    if v is not None and not ok(v):
        raise Bad(k)
    return v


def time_value(v):
    if is_int(v):
        ms = v
    elif isinstance(v, str):
        ms = parse_time(v)
        if ms is None:
            raise Bad("time")
    else:
        raise Bad("time")
    if ms < TS_MIN or ms > TS_MAX:
        raise Bad("time range")
    return ms


def count_ok(v):
    return is_int(v) and v >= 0


def is_str(v):
    return isinstance(v, str)


def event(obj):
    """(kind, fields) of a valid followers or stream event, None for any
    other valid kind; raises Bad for a line weir rejects."""
    if not isinstance(obj, dict):
        raise Bad("not an object")
    kind = req(obj, "kind", is_str)
    if kind not in KINDS:
        raise Bad("kind")
    platform = req(obj, "platform", is_str)
    if platform not in PLATFORMS:
        raise Bad("platform")
    if obj.get("ts") is None:
        raise Bad("ts")
    ts = time_value(obj["ts"])
    if kind == "followers":
        ch = req(obj, "channel", is_str)
        n = req(obj, "followers", is_int)
        if n < 0:
            raise Bad("followers")
        st = opt(obj, "streamer", is_str)
        if not ch:
            raise Bad("channel")
        return kind, (platform, alower(ch), ts, n, alower(st) if st else None)
    if kind == "stream":
        ch = req(obj, "channel", is_str)
        req(obj, "live", lambda v: isinstance(v, bool))
        opt(obj, "viewers", count_ok)
        game = opt(obj, "game", is_str)
        lang = opt(obj, "language", is_str)
        opt(obj, "title", is_str)
        if obj.get("started_at") is not None:
            time_value(obj["started_at"])
        if not ch:
            raise Bad("channel")
        return kind, (alower(ch), ts, game or "", lang or "")
    return None


def no_constants(name):
    raise ValueError(name)


def read_events(paths):
    follows, streams = [], []
    for path in paths:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for line in lines:
            if len(line) > MAX_LINE or b"\x00" in line or not line.strip(b" \t\r\n\x0b\x0c"):
                continue
            try:
                obj = json.loads(line.decode("utf-8"), parse_constant=no_constants)
                ev = event(obj)
            except (UnicodeDecodeError, ValueError, Bad):
                continue
            if ev and ev[0] == "followers":
                follows.append(ev[1])
            elif ev:
                streams.append(ev[1])
    return follows, streams


# --------------------------------------------------------- reference data

STREAMER_COLS = ("streamer", "display_name", "twitch", "youtube", "twitter", "language")
GAME_COLS = ("game", "genre", "console")


def read_table(path):
    """(table, rows as dicts of the table's columns, None = empty)."""
    text = open(path, "rb").read().decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.lstrip(" \t\r\n").startswith("["):
        items = json.loads(text)
        rows = [{alower(k.strip()): v for k, v in o.items()} for o in items]
        keys = rows[0].keys() if rows else ()
    else:
        recs = [r for r in csv.reader(io.StringIO(text, newline="")) if r and r != [""]]
        keys = [alower(h.strip()) for h in recs[0]]
        rows = [dict(zip(keys, r)) for r in recs[1:]]
    table = "streamers" if "streamer" in keys else "games" if "game" in keys else None
    if table is None:
        sys.exit("followers_ref: %s: not a reference table" % path)
    cols = STREAMER_COLS if table == "streamers" else GAME_COLS
    return table, [{c: (r[c] or None) for c in cols} for r in rows]


def load_reference(paths):
    links, games = {}, {}
    for path in paths:
        table, rows = read_table(path)
        for r in rows:
            if table == "games":
                games[alower(r["game"])] = (r["genre"], r["console"])
                continue
            name = alower(r["streamer"])
            for k in [k for k, v in links.items() if v == name]:
                del links[k]
            for p in ("twitch", "youtube", "twitter"):
                if r[p]:
                    links[(p, alower(r[p]))] = name
    return links, games


# ---------------------------------------------------------------- queries

def in_range(start, lo, hi):
    return (lo is None or start >= lo) and (hi is None or start < hi)


def windows(follows, width):
    """{(platform, channel, start): [first_key, last_key, min, max]} with
    first_key = (ts, -count), last_key = (ts, count)."""
    w = {}
    for platform, ch, ts, n, _ in follows:
        k = (platform, ch, ts // width * width)
        a = w.get(k)
        if a is None:
            w[k] = [(ts, -n), (ts, n), n, n]
        else:
            a[0] = min(a[0], (ts, -n))
            a[1] = max(a[1], (ts, n))
            a[2] = min(a[2], n)
            a[3] = max(a[3], n)
    return w


def resolver(follows, ref_links):
    ev = {}
    for platform, ch, ts, _, st in follows:
        if st and (ev.get((platform, ch)) is None or (ts, st) > ev[(platform, ch)]):
            ev[(platform, ch)] = (ts, st)

    def resolve(platform, ch):
        if (platform, ch) in ref_links:
            return ref_links[(platform, ch)]
        return ev[(platform, ch)][1] if (platform, ch) in ev else None

    return resolve


def q_followers(a, follows, **_):
    width = GRAIN_MS[a.window or "hour"]
    plat = alower(a.platform) if a.platform else None
    ch = alower(a.channel) if a.channel else None
    rows = []
    for (p, c, start), (f, l, mn, mx) in sorted(windows(follows, width).items()):
        if (plat and p != plat) or (ch and c != ch) or not in_range(start, a.lo, a.hi):
            continue
        rows.append([start, p, c, -f[1], l[1], mn, mx, l[1] + f[1]])
    return ["window", "platform", "channel", "first", "last", "min", "max", "gain"], rows


def q_streamer_followers(a, follows, resolve, **_):
    width = GRAIN_MS[a.window or "hour"]
    want = alower(a.streamer) if a.streamer else None
    agg = {}
    for (p, c, start), (f, l, _, _) in windows(follows, width).items():
        s = resolve(p, c)
        if s is None or (want and s != want) or not in_range(start, a.lo, a.hi):
            continue
        t = agg.setdefault((s, start), [0, 0])
        t[0] += l[1]
        t[1] += l[1] + f[1]
    rows = [[start, s, t[0], t[1]] for (s, start), t in sorted(agg.items())]
    return ["window", "streamer", "followers", "gain"], rows


def q_follower_ranking(a, follows, streams, resolve, games, **_):
    hour = GRAIN_MS["hour"]
    plat = alower(a.platform) if a.platform else None
    acct = {}  # (platform, channel) -> [earliest key, latest key]
    for p, c, ts, n, _ in follows:
        if (plat and p != plat) or not in_range(ts // hour * hour, a.lo, a.hi):
            continue
        k = acct.get((p, c))
        if k is None:
            acct[(p, c)] = [(ts, -n), (ts, n)]
        else:
            k[0] = min(k[0], (ts, -n))
            k[1] = max(k[1], (ts, n))
    per = {}
    for (p, c), (e, l) in acct.items():
        s = resolve(p, c)
        if s is None:
            continue
        t = per.setdefault(s, [0, 0])
        t[0] += l[1]
        t[1] += -e[1]
    sample = {}  # streamer -> (ts, game bytes, language bytes, game, language)
    for ch, ts, game, lang in streams:
        if not in_range(ts // hour * hour, a.lo, a.hi):
            continue
        s = resolve("twitch", ch)
        if s is None:
            continue
        key = (ts, game.encode(), lang.encode(), game, lang)
        if s not in sample or key > sample[s]:
            sample[s] = key

    def keep(s):
        if not (a.game or a.language or a.genre or a.console):
            return True
        if s not in sample:
            return False
        game, lang = sample[s][3], sample[s][4]
        if a.game and alower(a.game) != alower(game):
            return False
        if a.language and alower(a.language) != alower(lang):
            return False
        if a.genre or a.console:
            g = games.get(alower(game)) if game else None
            if g is None:
                return False
            if a.genre and (g[0] is None or alower(a.genre) != alower(g[0])):
                return False
            if a.console and (g[1] is None or alower(a.console) != alower(g[1])):
                return False
        return True

    by_gain = a.by == "gain"
    ranked = []
    for s, (latest, earliest) in per.items():
        if keep(s):
            ranked.append((-(latest - earliest) if by_gain else -latest, s, latest, latest - earliest))
    ranked.sort()
    limit = 10 if a.limit is None else a.limit
    rows = [[i + 1, s, f, g] for i, (_, s, f, g) in enumerate(ranked[:limit])]
    return ["rank", "streamer", "followers", "gain"], rows


QUERIES = {
    "followers": q_followers,
    "streamer-followers": q_streamer_followers,
    "follower-ranking": q_follower_ranking,
}


def csv_field(v):
    s = str(v)
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--query", choices=sorted(QUERIES))
    ap.add_argument("--window", choices=sorted(GRAIN_MS))
    for f in ("platform", "channel", "streamer", "by", "game", "genre", "language", "console"):
        ap.add_argument("--" + f)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--from", dest="lo")
    ap.add_argument("--to", dest="hi")
    ap.add_argument("--reference", action="append", default=[])
    return ap


def answer(a, follows, streams, refcache, out):
    a.lo = parse_time(a.lo) if a.lo else None
    a.hi = parse_time(a.hi) if a.hi else None
    key = tuple(a.reference)
    if key not in refcache:
        refcache[key] = load_reference(a.reference)
    ref_links, games = refcache[key]
    resolve = resolver(follows, ref_links)
    cols, rows = QUERIES[a.query](a, follows=follows, streams=streams, resolve=resolve, games=games)
    out.write(",".join(cols) + "\n")
    day = a.window == "day"
    for r in rows:
        if cols[0] == "window":
            r[0] = fmt_day(r[0]) if day else fmt_time(r[0])
        out.write(",".join(csv_field(v) for v in r) + "\n")


def main():
    ap = parser()
    ap.add_argument("--batch")
    ap.add_argument("--out")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    follows, streams = read_events(a.files)
    refcache = {}
    if not a.batch:
        if not a.query:
            ap.error("--query or --batch is required")
        answer(a, follows, streams, refcache, sys.stdout)
        return
    qp = parser()
    with open(a.batch, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            q = qp.parse_args(shlex.split(line))
            if not q.query:
                sys.exit("followers_ref: %s:%d: no --query" % (a.batch, n))
            with open("%s/%d.csv" % (a.out, n), "w", encoding="utf-8", newline="") as out:
                answer(q, follows, streams, refcache, out)


if __name__ == "__main__":
    main()
