#!/usr/bin/env python3
"""chat_ref.py — an independent, exact reference for weir's chat queries.

Written from ../shared/spec/events.md (§1 canonical events, §1.1 Twitch IRC,
§2 tokenization, §3 time) and ../shared/spec/queries.md (chat queries) alone;
it shares no code with weir. The integration tests compare `weir query ...`
output with this script's output byte for byte.

Python 3 standard library only. Everything is computed on bytes, so the
tokenization is exact (no Unicode whitespace splitting, no Unicode case
folding).

    chat_ref.py --format irc|ndjson --query NAME [--window minute|hour|day]
                [--channel C] [--limit N] [--from T] [--to T] FILE...|-

NAME is one of
    chat-minutes   minute,channel,messages,words,chatters   (channel, minute)
    chat           window,channel,messages,words,chatters   (channel, window)
    top-words      word,count   (count desc, word bytes asc; --limit, default 10)
    top-users      user,count   (same order)
    summary        one JSON line like `weir ingest --summary json`:
                   lines, events, dead_letters, reasons, by_kind, blank,
                   duplicates ("events" and "by_kind" count every valid
                   event line, repeated ids included; "duplicates" = how
                   many of those repeated an earlier id)
    dead-letters   CSV line,reason,detail for every rejected line (the line
                   number is 1-based, within its file)

Files may be plain or gzip (.gz); "-" is stdin. Several files are read in
order as one stream; ids seen in an earlier file make later copies
duplicates (as for several `weir ingest` runs into one store).

Choices where the spec leaves room (kept in line with the tests):
  * NDJSON: optional fields are not type-checked, except a chat `id`, which
    must be a string (it is the duplicate key). `null` for a required field
    counts as wrong_type.
  * ts: JSON integer (not a bool, not a float) = ms; a string must be
    RFC 3339 (separator T, t or space; fraction optional, truncated to ms;
    Z/z or +hh:mm/-hh:mm), or a bare date YYYY-MM-DD (midnight UTC).
  * IRC: a line is split at LF; one trailing CR is dropped. Every logger
    prefix (even on a line that is not IRC) sets "the last prefix time".
"""
import argparse
import gzip
import json
import re
import sys
from datetime import datetime, timezone

MAX_LINE_DEFAULT = 1048576
WS_RE = re.compile(rb"[ \t\r\n\x0b\x0c]+")
ASCII_WS = b" \t\r\n\x0b\x0c"
# §2: ASCII punctuation, including the backquote.
PUNCT = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
KINDS = ("chat", "followers", "stream", "chatters", "post")
PLATFORMS = ("twitch", "youtube", "twitter", "facebook")

MIN_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000


# ---------------------------------------------------------------- tokenizer

def tokenize(text):
    """§2: words of `text` (bytes) as a list of bytes."""
    out = []
    for tok in WS_RE.split(text):
        w = tok.strip(PUNCT)
        if w:
            out.append(w.lower())  # bytes.lower() touches ASCII A-Z only
    return out


# --------------------------------------------------------------------- time

RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$"
)


def parse_rfc3339(s):
    """ms since the epoch, or None."""
    m = RFC3339_RE.match(s)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        base = datetime(y, mo, d, tzinfo=timezone.utc)
    except ValueError:
        return None
    ms = int(base.timestamp()) * 1000
    if m.group(4) is None:
        return ms
    hh, mi, ss = int(m.group(4)), int(m.group(5)), int(m.group(6))
    if hh > 23 or mi > 59 or ss > 59:
        return None
    ms += (hh * 3600 + mi * 60 + ss) * 1000
    frac = m.group(7)
    if frac:
        ms += int((frac[1:] + "000")[:3])
    z = m.group(8)
    if z not in ("Z", "z"):
        oh, om = int(z[1:3]), int(z[4:6])
        if oh > 23 or om > 59:
            return None
        off = (oh * 60 + om) * MIN_MS
        ms -= off if z[0] == "+" else -off
    return ms


def fmt_time(ms):
    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_day(ms):
    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%d")


def floor(t, w):
    return (t // w) * w  # Python's // floors, also for negative t


# ------------------------------------------------------------------ reading

def open_input(path):
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def split_lines(data):
    """Physical lines (without the LF); no phantom line after a final LF."""
    if not data:
        return []
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


class Result:
    """Accepted chat events plus ingest counters."""

    def __init__(self):
        self.chats = []  # (channel bytes, ts ms, user bytes, text bytes)
        self.lines = 0
        self.events = 0
        self.blank = 0
        self.duplicates = 0
        self.reasons = {}
        self.by_kind = {}
        self.dead = []  # (source, line, reason, detail)
        self.ids = set()

    def reject(self, source, lineno, reason, detail=""):
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        self.dead.append((source, lineno, reason, detail))

    def accept(self, kind, chat=None, msg_id=None):
        # "events" and "by_kind" count every valid event line, duplicates
        # included (as weir's summary does); "duplicates" says how many of
        # them repeated an id seen before and so changed nothing.
        self.events += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        if msg_id is not None:
            if msg_id in self.ids:
                self.duplicates += 1
                return
            self.ids.add(msg_id)
        if chat is not None:
            self.chats.append(chat)


class Reject(Exception):
    def __init__(self, reason, detail=""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _no_constants(name):
    raise ValueError("non-JSON constant " + name)


def _req(obj, name, typ):
    if name not in obj:
        raise Reject("missing_field", name)
    v = obj[name]
    if typ is int:
        ok = isinstance(v, int) and not isinstance(v, bool)
    else:
        ok = isinstance(v, typ) and not (typ is not bool and isinstance(v, bool))
    if not ok:
        raise Reject("wrong_type", name)
    return v


def validate_event(obj):
    """Returns (kind, chat-tuple-or-None, dedup-id-or-None); raises Reject."""
    if not isinstance(obj, dict):
        raise Reject("not_object")
    kind = _req(obj, "kind", str)
    if kind not in KINDS:
        raise Reject("unknown_kind", kind)
    plat = _req(obj, "platform", str)
    if plat not in PLATFORMS:
        raise Reject("unknown_platform", plat)
    if "ts" not in obj:
        raise Reject("missing_field", "ts")
    ts = obj["ts"]
    if isinstance(ts, bool) or not isinstance(ts, (int, str, float)):
        raise Reject("wrong_type", "ts")
    if isinstance(ts, float):
        raise Reject("bad_timestamp", "ts")
    if isinstance(ts, str):
        ts = parse_rfc3339(ts)
        if ts is None:
            raise Reject("bad_timestamp", "ts")
    if kind == "chat":
        ch = _req(obj, "channel", str)
        user = _req(obj, "user", str)
        text = _req(obj, "text", str)
        mid = None
        if "id" in obj:
            mid = obj["id"]
            if not isinstance(mid, str):
                raise Reject("wrong_type", "id")
        enc = lambda s: s.encode("utf-8", "surrogatepass")
        return kind, (enc(ch).lower(), ts, enc(user), enc(text)), (
            ("chat", enc(mid)) if mid is not None else None)
    if kind == "followers":
        _req(obj, "channel", str)
        n = _req(obj, "followers", int)
        if n < 0:
            raise Reject("bad_value", "followers")
    elif kind == "stream":
        _req(obj, "channel", str)
        _req(obj, "live", bool)
    elif kind == "chatters":
        _req(obj, "channel", str)
        users = _req(obj, "users", list)
        if not all(isinstance(u, str) for u in users):
            raise Reject("wrong_type", "users")
    elif kind == "post":
        _req(obj, "id", str)
        _req(obj, "author", str)
        _req(obj, "text", str)
    return kind, None, None


def read_ndjson(res, source, data, max_line):
    for n, line in enumerate(split_lines(data), 1):
        res.lines += 1
        if len(line) > max_line:
            res.reject(source, n, "line_too_long")
            continue
        if line.strip(ASCII_WS) == b"":
            res.blank += 1
            continue
        if b"\x00" in line:
            res.reject(source, n, "nul_byte")
            continue
        try:
            s = line.decode("utf-8")
        except UnicodeDecodeError:
            res.reject(source, n, "invalid_utf8")
            continue
        try:
            obj = json.loads(s, parse_constant=_no_constants)
        except ValueError:
            res.reject(source, n, "invalid_json")
            continue
        try:
            kind, chat, mid = validate_event(obj)
        except Reject as r:
            res.reject(source, n, r.reason, r.detail)
            continue
        res.accept(kind, chat, mid)


PREFIX_RE = re.compile(rb"^(\d{4})-(\d{2})-(\d{2})_(\d{2}):(\d{2}):(\d{2}) ;;; ")
COMMAND_RE = re.compile(rb"^(?:[A-Za-z]+|[0-9]{3})$")


def parse_tags(s):
    tags = {}
    for kv in s.split(b";"):
        k, _, v = kv.partition(b"=")
        tags[k] = v
    return tags


def read_irc(res, source, data, max_line):
    last_prefix = None
    for n, line in enumerate(split_lines(data), 1):
        res.lines += 1
        if len(line) > max_line:
            res.reject(source, n, "line_too_long")
            continue
        if line.endswith(b"\r"):
            line = line[:-1]
        m = PREFIX_RE.match(line)
        t_line = last_prefix
        if m:
            y, mo, d, hh, mi, ss = (int(g) for g in m.groups())
            try:
                t = datetime(y, mo, d, hh, mi, ss, tzinfo=timezone.utc)
                last_prefix = int(t.timestamp()) * 1000
            except ValueError:
                res.reject(source, n, "bad_timestamp")
                continue
            t_line = last_prefix
            line = line[m.end():]
        if line.strip(ASCII_WS) == b"":
            res.blank += 1
            continue
        rest = line
        tags = {}
        if rest.startswith(b"@"):
            tagstr, _, rest = rest[1:].partition(b" ")
            tags = parse_tags(tagstr)
        rest = rest.lstrip(b" ")
        src = b""
        if rest.startswith(b":"):
            src, _, rest = rest[1:].partition(b" ")
            rest = rest.lstrip(b" ")
        cmd, _, rest = rest.partition(b" ")
        if not COMMAND_RE.match(cmd):
            res.reject(source, n, "irc_malformed")
            continue
        params = []
        trailing = None
        while rest:
            rest = rest.lstrip(b" ")
            if rest.startswith(b":"):
                trailing = rest[1:]
                break
            p, _, rest = rest.partition(b" ")
            if p:
                params.append(p)
        if trailing is not None:
            params.append(trailing)
        if cmd.upper() != b"PRIVMSG":
            res.by_kind.setdefault("irc_skipped", 0)
            res.by_kind["irc_skipped"] += 1
            continue
        if len(params) < 2 or not src:
            res.reject(source, n, "irc_malformed")
            continue
        target, text = params[0], params[1]
        if not target.startswith(b"#") or len(target) < 2:
            res.reject(source, n, "irc_no_channel")
            continue
        nick = src.split(b"!", 1)[0].split(b"@", 1)[0].lower()
        if text.startswith(b"\x01ACTION ") or text == b"\x01ACTION\x01":
            text = text[8:]
            if text.endswith(b"\x01"):
                text = text[:-1]
        ts = t_line
        if tags.get(b"tmi-sent-ts", b"").isdigit():
            ts = int(tags[b"tmi-sent-ts"])
        if ts is None:
            sys.exit("chat_ref: line %d has no time (no tag, no prefix before it)" % n)
        mid = tags.get(b"id") or None
        res.accept("chat", (target[1:].lower(), ts, nick, text),
                   ("chat", mid) if mid else None)
    res.by_kind.pop("irc_skipped", None)


# ------------------------------------------------------------------ queries

def in_range(start, lo, hi):
    return (lo is None or start >= lo) and (hi is None or start < hi)


def chat_windows(chats, width, lo, hi, channel):
    agg = {}
    for ch, ts, user, text in chats:
        if channel is not None and ch != channel:
            continue
        w = floor(ts, width)
        if not in_range(w, lo, hi):
            continue
        a = agg.get((ch, w))
        if a is None:
            a = agg[(ch, w)] = [0, 0, set()]
        a[0] += 1
        a[1] += len(tokenize(text))
        a[2].add(user)
    return [(ch, w, a[0], a[1], len(a[2])) for (ch, w), a in sorted(agg.items())]


def top(chats, what, lo, hi, channel, limit):
    cnt = {}
    for ch, ts, user, text in chats:
        if ch != channel or not in_range(floor(ts, MIN_MS), lo, hi):
            continue
        keys = tokenize(text) if what == "words" else [user]
        for k in keys:
            cnt[k] = cnt.get(k, 0) + 1
    rows = sorted(cnt.items(), key=lambda kv: (-kv[1], kv[0]))
    return rows[:limit]


def csv_field(v):
    if isinstance(v, int):
        return str(v).encode()
    if isinstance(v, str):
        v = v.encode("utf-8")
    if any(c in v for c in (b",", b'"', b"\r", b"\n")):
        return b'"' + v.replace(b'"', b'""') + b'"'
    return v


def write_csv(out, header, rows):
    out.write(header.encode() + b"\n")
    for r in rows:
        out.write(b",".join(csv_field(v) for v in r) + b"\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--format", choices=("ndjson", "irc"), default="ndjson")
    ap.add_argument("--query", required=True,
                    choices=("chat-minutes", "chat", "top-words", "top-users",
                             "summary", "dead-letters"))
    ap.add_argument("--window", choices=("minute", "hour", "day"), default="hour")
    ap.add_argument("--channel")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--from", dest="from_")
    ap.add_argument("--to")
    ap.add_argument("--max-line", type=int, default=MAX_LINE_DEFAULT)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args(argv)

    res = Result()
    for path in a.files:
        data = open_input(path)
        (read_irc if a.format == "irc" else read_ndjson)(res, path, data, a.max_line)

    lo = hi = None
    if a.from_ is not None:
        lo = parse_rfc3339(a.from_)
        if lo is None:
            sys.exit("chat_ref: bad --from")
    if a.to is not None:
        hi = parse_rfc3339(a.to)
        if hi is None:
            sys.exit("chat_ref: bad --to")
    channel = a.channel.encode().lower() if a.channel is not None else None
    out = sys.stdout.buffer

    if a.query == "summary":
        s = {"lines": res.lines, "events": res.events,
             "dead_letters": len(res.dead), "reasons": res.reasons,
             "by_kind": res.by_kind, "blank": res.blank,
             "duplicates": res.duplicates}
        out.write(json.dumps(s, sort_keys=True).encode() + b"\n")
    elif a.query == "dead-letters":
        write_csv(out, "line,reason,detail",
                  [(ln, r, d) for _, ln, r, d in res.dead])
    elif a.query in ("chat-minutes", "chat"):
        width = {"minute": MIN_MS, "hour": HOUR_MS, "day": DAY_MS}[
            "minute" if a.query == "chat-minutes" else a.window]
        fmt = fmt_day if width == DAY_MS else fmt_time
        rows = chat_windows(res.chats, width, lo, hi, channel)
        if a.query == "chat-minutes":
            write_csv(out, "minute,channel,messages,words,chatters",
                      [(fmt(w), ch, m, wd, c) for ch, w, m, wd, c in rows])
        else:
            write_csv(out, "window,channel,messages,words,chatters",
                      [(fmt(w), ch, m, wd, c) for ch, w, m, wd, c in rows])
    else:
        if channel is None:
            sys.exit("chat_ref: %s needs --channel" % a.query)
        what = "words" if a.query == "top-words" else "users"
        rows = top(res.chats, what, lo, hi, channel, a.limit)
        write_csv(out, "word,count" if what == "words" else "user,count", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
