#!/usr/bin/env python3
"""streams_ref.py — an independent, exact reference for weir's stream queries.

Written from ../shared/spec/events.md (§1 canonical events, §3 time, §4 the
streams bullet), ../shared/spec/queries.md ("Streams") and the choices
documented in docs/streams.md; it shares no code with weir. The integration
test (tests/integration/streams_reference.sh) compares `weir query ...` CSV
with this script's output byte for byte.

Python 3 standard library only. It is the batch definition: every valid
`stream` event of the input is read, each channel's samples are sorted by
ts, and the intervals between consecutive samples are evaluated at once —
so the order of the lines and any lateness do not matter, which is exactly
what weir must reproduce.

    streams_ref.py --query NAME [--window minute|hour|day] [--channel C]
                   [--by hours_watched|airtime_min|channels] [--language L]
                   [--limit N] [--from T] [--to T] FILE...|-

NAME is one of
    streams            window,channel,airtime_min,hours_watched,avg_viewers,
                       peak_viewers,streams,game          (channel, window)
    game-ranking       rank,game,hours_watched,airtime_min,channels  (rank)
    streamer-schedule  started_at,ended_at,airtime_min,peak_viewers  (started_at)
    summary            one JSON line: stream samples kept, duplicates,
                       rejected (viewers above the maximum), dead letters
                       (lines rejected as a stream or before their kind is known)
    script             --script FILE: each line "OUT NAME [ARGS...]" writes that
                       query's output to the file OUT (one read of the input
                       for many queries)

Files are read in order as one input (as several `weir ingest` runs into one
store). The rules (docs/streams.md):
  * a line is rejected (dead letter) when it is not a valid event: JSON
    object, kind/platform known, ts RFC 3339 or integer ms in 1900..9999;
    for `stream`: channel a non-empty string, live a bool, viewers an
    integer >= 0, game/language/title strings, started_at a time (null =
    absent for the optional ones).
  * a sample with viewers > 100000000 is dropped (impossible value).
  * samples of one channel (lowercased ASCII) with the same ts: the first
    in input order is kept, the others are duplicates.
  * a live sample covers [ts, next ts) when next ts - ts <= 10 minutes; its
    viewers (0 when absent) count for that time; the last sample of a
    channel covers nothing.
  * a window's share of an interval is the part inside it; peak = max
    viewers over the covered pieces in the window; game = the game (not
    empty) with the most covered time, ties by name bytes.
  * a broadcast = (channel, started_at) of live samples with started_at;
    it exists when it has covered time; it is counted in `streams` in the
    window that holds started_at; ended_at = end of its last covered
    interval; peak = max viewers of its covered samples.
  * game-ranking: windows of the grain (default hour) starting in
    [from, to); channels = channels with covered time for the game.
"""
import argparse
import io
import json
import re
import sys
from datetime import datetime, timedelta, timezone

MIN_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
GRAINS = {"minute": MIN_MS, "hour": HOUR_MS, "day": DAY_MS}
MAX_GAP = 10 * MIN_MS
MAX_VIEWERS = 100_000_000
TS_MIN = -2208988800000   # 1900-01-01
TS_MAX = 253402300799999  # 9999-12-31T23:59:59.999
KINDS = ("chat", "followers", "stream", "chatters", "post")
PLATFORMS = ("twitch", "youtube", "twitter", "facebook")
ASCII_WS = b" \t\r\n\x0b\x0c"

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$"
)


def parse_time(s):
    """RFC 3339 (or a bare date) to ms since the epoch, or None."""
    m = RFC3339_RE.match(s)
    if not m:
        return None
    try:
        day = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=timezone.utc)
    except ValueError:
        return None
    ms = (day - EPOCH).days * DAY_MS
    if m.group(4) is None:
        return ms
    hh, mi, ss = int(m.group(4)), int(m.group(5)), int(m.group(6))
    if hh > 23 or mi > 59 or ss > 59:
        return None
    ms += ((hh * 60 + mi) * 60 + ss) * 1000
    if m.group(7):
        ms += int((m.group(7)[1:] + "000")[:3])
    z = m.group(8)
    if z not in ("Z", "z"):
        oh, om = int(z[1:3]), int(z[4:6])
        if oh > 23 or om > 59:
            return None
        off = (oh * 60 + om) * MIN_MS
        ms = ms - off if z[0] == "+" else ms + off
    return ms


def fmt_time(ms):
    """RFC 3339 UTC, milliseconds only when not zero."""
    r = ms % 1000
    s = (EPOCH + timedelta(milliseconds=ms - r)).strftime("%Y-%m-%dT%H:%M:%S")
    return s + (".%03dZ" % r if r else "Z")


def fmt_day(ms):
    return (EPOCH + timedelta(milliseconds=ms - ms % DAY_MS)).strftime("%Y-%m-%d")


def fmt_real(x):
    s = "%.6f" % x
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def csv_field(s):
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


class Reject(Exception):
    pass


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def get_time(obj, name, required):
    if name not in obj or obj[name] is None:
        if required:
            raise Reject("missing_field")
        return None
    v = obj[name]
    if is_int(v):
        ms = v
    elif isinstance(v, str):
        ms = parse_time(v)
        if ms is None:
            raise Reject("bad_timestamp")
    elif isinstance(v, float):
        raise Reject("bad_timestamp" if name == "ts" else "wrong_type")
    else:
        raise Reject("wrong_type")
    if ms < TS_MIN or ms > TS_MAX:
        raise Reject("bad_timestamp")
    return ms


def get_str(obj, name, required):
    if name not in obj or obj[name] is None:
        if required:
            raise Reject("missing_field")
        return None
    if not isinstance(obj[name], str):
        raise Reject("wrong_type")
    return obj[name]


def validate(obj):
    """A stream sample as a tuple, None for a valid event of another kind;
    raises Reject for an invalid line."""
    if not isinstance(obj, dict):
        raise Reject("not_object")
    kind = get_str(obj, "kind", True)
    if kind not in KINDS:
        raise Reject("unknown_kind")
    if get_str(obj, "platform", True) not in PLATFORMS:
        raise Reject("unknown_platform")
    ts = get_time(obj, "ts", True)
    if kind != "stream":
        return None  # other kinds are not this reference's business
    ch = get_str(obj, "channel", True)
    if "live" not in obj or obj["live"] is None:
        raise Reject("missing_field")
    if not isinstance(obj["live"], bool):
        raise Reject("wrong_type")
    viewers = obj.get("viewers")
    if viewers is not None:
        if not is_int(viewers):
            raise Reject("wrong_type")
        if viewers < 0:
            raise Reject("bad_value")
    game = get_str(obj, "game", False)
    lang = get_str(obj, "language", False)
    get_str(obj, "title", False)
    started = get_time(obj, "started_at", False)
    chb = ch.encode("utf-8", "surrogatepass")
    chb = bytes(c + 32 if 65 <= c <= 90 else c for c in chb)
    if not chb:
        raise Reject("bad_value")
    return (chb, ts, obj["live"], viewers, started, game or "", lang or "")


def no_constants(name):
    raise ValueError(name)


def read(paths):
    """Per channel: {ts: sample} (first arrival wins), plus counters."""
    chans = {}
    st = {"samples": 0, "duplicates": 0, "rejected": 0, "dead_letters": 0}
    for path in paths:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for line in lines:
            if len(line) > 1048576:
                st["dead_letters"] += 1
                continue
            if line.strip(ASCII_WS) == b"":
                continue
            try:
                if b"\x00" in line:
                    raise Reject("nul_byte")
                try:
                    obj = json.loads(line.decode("utf-8"), parse_constant=no_constants)
                except (UnicodeDecodeError, ValueError):
                    raise Reject("invalid")
                smp = validate(obj)
            except Reject:
                st["dead_letters"] += 1
                continue
            if smp is None:
                continue
            ch, ts = smp[0], smp[1]
            if smp[3] is not None and smp[3] > MAX_VIEWERS:
                st["rejected"] += 1
                continue
            per = chans.setdefault(ch, {})
            if ts in per:
                st["duplicates"] += 1
                continue
            per[ts] = smp
            st["samples"] += 1
    return chans, st


def compute(chans, width):
    """Windows of `width` ms and broadcasts, from the sorted samples."""
    wins = {}   # (channel, start) -> [ms, viewer_ms, peak, {game: ms}]
    bcs = {}    # (channel, started_at) -> [ms, end, peak]
    for ch, per in chans.items():
        seq = [per[t] for t in sorted(per)]
        for a, b in zip(seq, seq[1:]):
            _, t0, live, viewers, started, game, _lang = a
            t1 = b[1]
            if not live or t1 - t0 > MAX_GAP:
                continue
            v = viewers or 0
            ws = (t0 // width) * width
            while ws < t1:
                piece = min(t1, ws + width) - max(t0, ws)
                w = wins.setdefault((ch, ws), [0, 0, 0, {}])
                w[0] += piece
                w[1] += piece * v
                w[2] = max(w[2], v)
                if game:
                    w[3][game] = w[3].get(game, 0) + piece
                ws += width
            if started is not None:
                bc = bcs.setdefault((ch, started), [0, t1, 0])
                bc[0] += t1 - t0
                bc[1] = max(bc[1], t1)
                bc[2] = max(bc[2], v)
    return wins, bcs


def game_rows(chans, width, language):
    """(channel, start, game) -> [ms, viewer_ms] for one language or all."""
    rows = {}
    for ch, per in chans.items():
        seq = [per[t] for t in sorted(per)]
        for a, b in zip(seq, seq[1:]):
            _, t0, live, viewers, _started, game, lang = a
            t1 = b[1]
            if not live or t1 - t0 > MAX_GAP or not game:
                continue
            if language is not None and lang != language:
                continue
            ws = (t0 // width) * width
            while ws < t1:
                piece = min(t1, ws + width) - max(t0, ws)
                r = rows.setdefault((ch, ws, game), [0, 0])
                r[0] += piece
                r[1] += piece * (viewers or 0)
                ws += width
    return rows


def in_range(t, lo, hi):
    return (lo is None or t >= lo) and (hi is None or t < hi)


def q_streams(chans, args, out):
    width = GRAINS[args.window or "hour"]
    wins, bcs = compute(chans, width)
    starts = {}
    for (ch, started), bc in bcs.items():
        if bc[0] > 0:
            k = (ch, (started // width) * width)
            starts[k] = starts.get(k, 0) + 1
    keys = {k for k, w in wins.items() if w[0] > 0} | set(starts)
    out.write("window,channel,airtime_min,hours_watched,avg_viewers,peak_viewers,streams,game\n")
    for ch, ws in sorted(keys):
        if args.channel is not None and ch != args.channel:
            continue
        if not in_range(ws, args.lo, args.hi):
            continue
        ms, vms, peak, games = wins.get((ch, ws), [0, 0, 0, {}])
        game = ""
        if games:
            game = min(games.items(), key=lambda kv: (-kv[1], kv[0].encode("utf-8")))[0]
        win = fmt_day(ws) if width == DAY_MS else fmt_time(ws)
        out.write(",".join([
            win, csv_field(ch.decode("utf-8")), fmt_real(ms / 60000), fmt_real(vms / 3600000),
            fmt_real(vms / ms if ms else 0.0), str(peak if ms else 0), str(starts.get((ch, ws), 0)),
            csv_field(game)]) + "\n")


def q_game_ranking(chans, args, out):
    width = GRAINS[args.window or "hour"]
    by = args.by or "hours_watched"
    if by not in ("hours_watched", "airtime_min", "channels"):
        sys.exit("streams_ref: --by %s" % by)
    agg = {}  # game -> [viewer_ms, ms, {channel: ms}]
    for (ch, ws, game), (ms, vms) in game_rows(chans, width, args.language).items():
        if not in_range(ws, args.lo, args.hi):
            continue
        g = agg.setdefault(game, [0, 0, {}])
        g[0] += vms
        g[1] += ms
        g[2][ch] = g[2].get(ch, 0) + ms
    rows = []
    for game, (vms, ms, per) in agg.items():
        if ms > 0:
            rows.append((game, vms, ms, sum(1 for v in per.values() if v > 0)))
    key = {"hours_watched": 1, "airtime_min": 2, "channels": 3}[by]
    rows.sort(key=lambda r: (-r[key], r[0].encode("utf-8")))
    limit = 10 if args.limit is None else args.limit
    out.write("rank,game,hours_watched,airtime_min,channels\n")
    for i, (game, vms, ms, n) in enumerate(rows[:limit], 1):
        out.write("%d,%s,%s,%s,%d\n" % (i, csv_field(game), fmt_real(vms / 3600000), fmt_real(ms / 60000), n))


def q_schedule(chans, args, out):
    if args.channel is None:
        sys.exit("streams_ref: streamer-schedule needs --channel")
    _, bcs = compute(chans, HOUR_MS)
    out.write("started_at,ended_at,airtime_min,peak_viewers\n")
    for (ch, started), (ms, end, peak) in sorted(bcs.items()):
        if ch != args.channel or ms <= 0 or not in_range(started, args.lo, args.hi):
            continue
        out.write("%s,%s,%s,%d\n" % (fmt_time(started), fmt_time(end), fmt_real(ms / 60000), peak))


def parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--query", required=True,
                    choices=("streams", "game-ranking", "streamer-schedule", "summary", "script"))
    ap.add_argument("--script")
    ap.add_argument("--window", choices=tuple(GRAINS))
    ap.add_argument("--channel")
    ap.add_argument("--by")
    ap.add_argument("--language")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--from", dest="frm")
    ap.add_argument("--to")
    ap.add_argument("files", nargs="*")
    return ap


def fix_args(args):
    args.lo = parse_time(args.frm) if args.frm else None
    args.hi = parse_time(args.to) if args.to else None
    if args.channel is not None:
        args.channel = bytes(c + 32 if 65 <= c <= 90 else c for c in args.channel.encode("utf-8"))
    return args


def run(args, chans, st, out):
    if args.query == "streams":
        q_streams(chans, args, out)
    elif args.query == "game-ranking":
        q_game_ranking(chans, args, out)
    elif args.query == "streamer-schedule":
        q_schedule(chans, args, out)
    else:
        out.write(json.dumps(st, sort_keys=True) + "\n")


def main():
    args = fix_args(parser().parse_args())
    if not args.files:
        sys.exit("streams_ref: no input files")
    chans, st = read(args.files)
    if args.query == "script":
        for line in open(args.script, encoding="utf-8"):
            words = line.split()
            if not words:
                continue
            sub = fix_args(parser().parse_args(["--query"] + words[1:] + ["-"]))
            with open(words[0], "w", encoding="utf-8", errors="surrogatepass", newline="\n") as out:
                run(sub, chans, st, out)
        return
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="surrogatepass", newline="\n")
    run(args, chans, st, out)
    out.flush()


if __name__ == "__main__":
    main()
