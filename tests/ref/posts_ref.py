#!/usr/bin/env python3
"""posts_ref.py — an independent, exact reference for weir's posts queries.

Written from ../shared/spec/events.md (§1 post events, §2 tokenization,
§3 time, §4 posts) and ../shared/spec/queries.md ("Posts"), with the choices
docs/posts.md writes down where the spec is silent; it shares no code with
weir. The integration test (tests/integration/posts_reference.sh) compares
`weir query ...` with this script's output byte for byte.

    posts_ref.py --query NAME [--window hour|day|week] [--tag T] [--keyword K]
                 [--keywords K1,K2,...] [--limit N] [--from T] [--to T] FILE...|-
    posts_ref.py --batch SPECS --out DIR [--keywords K1,K2,...] FILE...

--batch reads the input once and answers many queries: each line of SPECS is
`NAME [options]` (as after --query), its CSV goes to DIR/N.csv (N = line
number, from 1).

NAME: posts, keywords, post-locations, trending, posts-raw (queries.md).
Several files are read in order as one stream (as several `weir ingest`
runs into one store).

The rules (docs/posts.md):
  * A post event needs id (string, or an integer kept as its decimal text),
    author and text (strings); followers, likes, shares, replies and views
    are integers >= 0 when present; location, author_location and lang are
    strings; hashtags is an array of strings; null means absent. Anything
    else rejects the line (and so do invalid JSON, invalid UTF-8, a NUL byte,
    an unknown kind or platform, a bad ts).
  * All arrivals of one id are one post. Its identity (created_at, author,
    text, location, and from the text its hashtags, keywords and sentiment)
    is that of its arrival with the smallest ts (ties: the first to
    arrive); its counters (likes, shares, replies, views, author followers,
    author_location) are those of its arrival with the largest ts (ties: the
    last to arrive). An absent counter counts 0.
  * Hashtags: the `hashtags` field when present (each without leading '#',
    ASCII-lowercased, empty ones dropped), else every '#' followed by a run
    of ASCII letters, digits, '_' or non-ASCII bytes in text, lowercased;
    distinct per post. An empty location is no location.
  * Keywords: a term is tokenized (§2) and matches a post whose words
    contain the term's words consecutively; its name is the words joined by
    one space.
  * Sentiment: VADER's compound score as the npm package vader-sentiment
    computes it (this script runs tests/ref/vader_ref.mjs with node), mean
    over the window's posts.
  * Windows (hour, day, week) of created_at; a week is an ISO week, Monday
    00:00 UTC to the next Monday, printed as its Monday's date; distinct
    authors by exact name.
  * trending: baseline = mean posts of the tag over the 6 windows before
    (missing windows count 0, earlier data than --from counts), score =
    posts / (baseline + 1); --limit (default 10) rows per window.
  * posts-raw: --limit default 100; an absent count prints 0, an absent
    string empty.
"""
import argparse
import gzip
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

MAX_LINE = 1048576
WS_RE = re.compile(rb"[ \t\r\n\x0b\x0c]+")
ASCII_WS = b" \t\r\n\x0b\x0c"
PUNCT = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
TAG_RE = re.compile(rb"#([A-Za-z0-9_\x80-\xff]+)")
KINDS = ("chat", "followers", "stream", "chatters", "post")
PLATFORMS = ("twitch", "youtube", "twitter", "facebook")
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
MONDAY0_MS = 4 * DAY_MS  # 1970-01-05, the first Monday after the epoch (a Thursday)


def window_start(ts, grain):
    """The start of the hour, day or ISO week (Monday 00:00 UTC) holding ts."""
    if grain == WEEK_MS:
        return (ts - MONDAY0_MS) // WEEK_MS * WEEK_MS + MONDAY0_MS
    return ts // grain * grain
TS_MIN = -2208988800000  # 1900-01-01
TS_MAX = 253402300799999  # 9999-12-31T23:59:59.999
HERE = os.path.dirname(os.path.abspath(__file__))


def tokenize(text):
    """§2: the words of text (bytes)."""
    out = []
    for tok in WS_RE.split(text):
        w = tok.strip(PUNCT)
        if w:
            out.append(w.lower())
    return out


RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$")


def parse_rfc3339(s):
    m = RFC3339_RE.match(s)
    if not m:
        return None
    try:
        base = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=timezone.utc)
    except ValueError:
        return None
    ms = int(base.timestamp()) * 1000
    if m.group(4) is None:
        return ms
    hh, mi, ss = int(m.group(4)), int(m.group(5)), int(m.group(6))
    if hh > 23 or mi > 59 or ss > 59:
        return None
    ms += (hh * 3600 + mi * 60 + ss) * 1000
    if m.group(7):
        ms += int((m.group(7)[1:] + "000")[:3])
    z = m.group(8)
    if z not in ("Z", "z"):
        oh, om = int(z[1:3]), int(z[4:6])
        if oh > 23 or om > 59:
            return None
        off = (oh * 60 + om) * 60_000
        ms -= off if z[0] == "+" else -off
    return ms


def fmt_time(ms):
    s = datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return s + (".%03d" % (ms % 1000) if ms % 1000 else "") + "Z"


def fmt_day(ms):
    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%d")


def fmt_real(x):
    s = "%.6f" % x
    s = s.rstrip("0")
    return s[:-1] if s.endswith(".") else s


class Reject(Exception):
    pass


def _no_constants(name):
    raise ValueError(name)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def opt_count(obj, name):
    v = obj.get(name)
    if v is None:
        return None
    if not is_int(v):
        raise Reject("wrong_type")
    if v < 0:
        raise Reject("bad_value")
    return v


def opt_str(obj, name):
    v = obj.get(name)
    if v is None:
        return None
    if not isinstance(v, str):
        raise Reject("wrong_type")
    return v


def req_str(obj, name):
    v = obj.get(name)
    if v is None:
        raise Reject("missing_field")
    if not isinstance(v, str):
        raise Reject("wrong_type")
    return v


def validate(obj):
    """A post dict of bytes/ints, None for a valid event of another kind; raises Reject."""
    if not isinstance(obj, dict):
        raise Reject("not_object")
    kind = req_str(obj, "kind")
    if kind not in KINDS:
        raise Reject("unknown_kind")
    if req_str(obj, "platform") not in PLATFORMS:
        raise Reject("unknown_platform")
    ts = obj.get("ts")
    if ts is None:
        raise Reject("missing_field")
    if is_int(ts):
        pass
    elif isinstance(ts, str):
        ts = parse_rfc3339(ts)
        if ts is None:
            raise Reject("bad_timestamp")
    elif isinstance(ts, float):
        raise Reject("bad_timestamp")
    else:
        raise Reject("wrong_type")
    if ts < TS_MIN or ts > TS_MAX:
        raise Reject("bad_timestamp")
    if kind != "post":
        return None  # other kinds do not change posts results
    enc = lambda s: None if s is None else s.encode("utf-8", "surrogatepass")
    pid = obj.get("id")
    if pid is None:
        raise Reject("missing_field")
    if is_int(pid):
        pid = str(pid)
    elif not isinstance(pid, str):
        raise Reject("wrong_type")
    post = {"id": enc(pid), "ts": ts, "author": enc(req_str(obj, "author")),
            "text": enc(req_str(obj, "text"))}
    for k in ("followers", "likes", "shares", "replies", "views"):
        post[k] = opt_count(obj, k)
    for k in ("location", "author_location", "lang"):
        post[k] = enc(opt_str(obj, k))
    tags = obj.get("hashtags")
    if tags is not None:
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise Reject("wrong_type")
        tags = [enc(t) for t in tags]
    post["hashtags"] = tags
    return post


def read_posts(paths):
    """Every accepted post arrival, in input order."""
    out = []
    for path in paths:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for line in lines:
            if len(line) > MAX_LINE or line.strip(ASCII_WS) == b"" or b"\x00" in line:
                continue
            try:
                obj = json.loads(line.decode("utf-8"), parse_constant=_no_constants)
                post = validate(obj)
            except (UnicodeDecodeError, ValueError, Reject):
                continue
            if post is not None:
                out.append(post)
    return out


def hashtags(post):
    if post["hashtags"] is not None:
        tags = [t.lstrip(b"#").lower() for t in post["hashtags"]]
    else:
        tags = [t.lower() for t in TAG_RE.findall(post["text"])]
    return sorted(set(t for t in tags if t))


def keyword_terms(spec):
    terms = []
    for t in spec.split(","):
        words = tokenize(t.encode("utf-8"))
        if not words:
            sys.exit("posts_ref: keyword %r has no word" % t)
        if words not in terms:
            terms.append(words)
    return terms


def matches(words, term):
    k = len(term)
    return any(words[i:i + k] == term for i in range(len(words) - k + 1))


def vader(texts):
    """Compound × 10000 of each text, from the npm package (node)."""
    if not texts:
        return []
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl", delete=False) as f:
        for t in texts:
            f.write(json.dumps(t.decode("utf-8", "surrogatepass")) + "\n")
        name = f.name
    try:
        out = subprocess.run(["node", os.path.join(HERE, "vader_ref.mjs"), "--json", name],
                             check=True, capture_output=True).stdout.decode().split()
    finally:
        os.unlink(name)
    if len(out) != len(texts):
        sys.exit("posts_ref: vader_ref.mjs gave %d scores for %d texts" % (len(out), len(texts)))
    return [int(round(float(x) * 10000)) for x in out]


def merge_posts(arrivals, terms):
    """id -> the post: identity of its earliest arrival, counters of its latest."""
    posts = {}
    for a in arrivals:
        p = posts.get(a["id"])
        if p is None:
            posts[a["id"]] = {"first": a, "last": a}
            continue
        if a["ts"] < p["first"]["ts"]:
            p["first"] = a
        if a["ts"] >= p["last"]["ts"]:
            p["last"] = a
    order = sorted(posts)
    scores = vader([posts[i]["first"]["text"] for i in order])
    for i, s in zip(order, scores):
        p = posts[i]
        f = p["first"]
        p["sentiment"] = s
        p["tags"] = hashtags(f)
        words = tokenize(f["text"])
        p["kws"] = [b" ".join(t) for t in terms if matches(words, t)]
        p["location"] = f["location"] or None
    return posts


def stats(posts, grain):
    """(kind, name, window) -> [posts, likes, shares, replies, authors set, sentiment sum]."""
    agg = {}
    for p in posts.values():
        f, l = p["first"], p["last"]
        w = window_start(f["ts"], grain)
        keys = [("tag", t) for t in p["tags"]] + [("kw", k) for k in p["kws"]]
        if p["location"]:
            keys.append(("loc", p["location"]))
        for kind, name in keys:
            a = agg.setdefault((kind, name, w), [0, 0, 0, 0, set(), 0])
            a[0] += 1
            a[1] += l["likes"] or 0
            a[2] += l["shares"] or 0
            a[3] += l["replies"] or 0
            a[4].add(f["author"])
            a[5] += p["sentiment"]
    return agg


def in_range(w, lo, hi):
    return (lo is None or w >= lo) and (hi is None or w < hi)


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


def query_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--query", choices=("posts", "keywords", "post-locations", "trending", "posts-raw"))
    ap.add_argument("--window", choices=("hour", "day", "week"), default="hour")
    ap.add_argument("--tag")
    ap.add_argument("--keyword")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--from", dest="from_")
    ap.add_argument("--to")
    return ap


def answer(posts, a, out):
    """Writes the CSV of query a (parsed options) over the merged posts."""
    lo = parse_rfc3339(a.from_) if a.from_ else None
    hi = parse_rfc3339(a.to) if a.to else None
    grain = {"hour": HOUR_MS, "day": DAY_MS, "week": WEEK_MS}[a.window]
    fmt = fmt_time if grain == HOUR_MS else fmt_day

    if a.query == "posts-raw":
        rows = []
        for pid in sorted(posts, key=lambda i: (posts[i]["first"]["ts"], i)):
            p = posts[pid]
            f, l = p["first"], p["last"]
            if not in_range(f["ts"], lo, hi):
                continue
            rows.append((pid, fmt_time(f["ts"]), p["location"] or b"", f["text"], l["shares"] or 0,
                         l["likes"] or 0, f["author"], l["author_location"] or b"", l["followers"] or 0))
        write_csv(out, "id,created_at,location,text,shares,likes,author,author_location,author_followers",
                  rows[:100 if a.limit is None else a.limit])
        return

    agg = stats(posts, grain)
    by_name = sorted(agg.items(), key=lambda kv: (kv[0][1], kv[0][2]))
    if a.query in ("posts", "keywords"):
        kind = "tag" if a.query == "posts" else "kw"
        want = None
        if a.query == "posts" and a.tag is not None:
            want = a.tag.lstrip("#").encode().lower()
        if a.query == "keywords" and a.keyword is not None:
            want = b" ".join(tokenize(a.keyword.encode()))
        rows = []
        for (k, name, w), v in by_name:
            if k != kind or (want is not None and name != want) or not in_range(w, lo, hi):
                continue
            rows.append((fmt(w), name, v[0], v[1], v[2], v[3], len(v[4]),
                         fmt_real(v[5] / (v[0] * 10000)).encode()))
        col = "tag" if kind == "tag" else "keyword"
        write_csv(out, "window,%s,posts,likes,shares,replies,authors,sentiment" % col, rows)
    elif a.query == "post-locations":
        rows = [(fmt(w), name, v[0]) for (k, name, w), v in by_name if k == "loc" and in_range(w, lo, hi)]
        write_csv(out, "window,location,posts", rows)
    else:  # trending
        counts = {(name, w): v[0] for (k, name, w), v in agg.items() if k == "tag"}
        rows = []
        for (name, w), n in counts.items():
            if not in_range(w, lo, hi):
                continue
            base = sum(counts.get((name, w - i * grain), 0) for i in range(1, 7)) / 6
            rows.append((w, name, n, base, n / (base + 1)))
        rows.sort(key=lambda r: (r[0], -r[4], r[1]))
        limit = 10 if a.limit is None else a.limit
        out_rows, seen = [], {}
        for w, name, n, base, score in rows:
            seen[w] = seen.get(w, 0) + 1
            if seen[w] <= limit:
                out_rows.append((fmt(w), name, n, fmt_real(base).encode(), fmt_real(score).encode()))
        write_csv(out, "window,tag,posts,baseline,score", out_rows)


def main(argv=None):
    ap = query_parser()
    ap.add_argument("--keywords", default="")
    ap.add_argument("--batch")
    ap.add_argument("--out")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args(argv)
    terms = keyword_terms(a.keywords) if a.keywords else []
    posts = merge_posts(read_posts(a.files), terms)
    if a.batch is None:
        if a.query is None:
            ap.error("--query or --batch is required")
        answer(posts, a, sys.stdout.buffer)
        return 0
    qp = query_parser()
    for n, line in enumerate(open(a.batch, encoding="utf-8"), 1):
        words = shlex.split(line)
        if not words:
            continue
        q = qp.parse_args(["--query"] + words)
        with open(os.path.join(a.out, "%d.csv" % n), "wb") as out:
            answer(posts, q, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
