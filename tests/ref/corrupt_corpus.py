#!/usr/bin/env python3
"""corrupt_corpus.py — a corrupted NDJSON corpus and the checker of weir's
handling of it (tests/integration/corrupt_corpus.sh). Python 3 stdlib only.

    corrupt_corpus.py make CORPUS MANIFEST
        Writes CORPUS: good events (chat and the other kinds) interleaved with
        bad lines of every kind, blank lines, a 1,000,000-byte good line and a
        1,100,000-byte bad one. MANIFEST (JSON) holds what must happen:
        {"lines", "events", "blank", "by_kind", "dead": [{"line", "reason",
        "detail"?}], "long_good_line", "long_bad_line"}.

    corrupt_corpus.py check MANIFEST CORPUS SUMMARY DEAD_LETTERS
        Checks weir's `--summary json` output and its dead-letter file against
        the manifest: every bad line there once, with its reason, line number,
        detail (the field name for missing_field/wrong_type), and its raw
        bytes ("raw", or "raw_b64" when the line is not UTF-8); counts in the
        summary. Prints every problem; exit 1 if any.
"""
import base64
import json
import random
import sys

CHANNELS = ["alpha", "Beta", "GAMMA_ch"]
USERS = ["user%02d" % i for i in range(40)] + ["Bob", "bob", "Ünïcode_user", "x,y", 'q"uote']
WORDS = [
    "Hello,", "WORLD!!!", "don't", "a,b", 'say"hi"', "(!!!)", "ÄBC", "straße", "naïve",
    "日本語", "café", "x\u00a0y", "tab\there", "@user", "#tag", "`code`", "~~strike~~",
    "{brace}", "émoji😀", "\u3000wide", "Kappa", "kappa", "KAPPA", "PogChamp", "LUL",
    "...", "-_-", "vt\x0bff\x0csplit", "cr\rlf\nsplit", "€100", "100%", "e-mail", "a.b.c.",
    "ω", "Ω", "\x01ACTION\x01", "under_score", "back\\slash", "'quoted'", '"dq"',
]
BASE_MS = 1795303800000  # 2026-11-21T23:30:00Z: the corpus crosses midnight UTC


def ts_value(ms, style):
    """ms as JSON: integer ms, or RFC 3339 in one of a few spellings."""
    from datetime import datetime, timedelta, timezone
    if style == 0:
        return ms
    t = datetime.fromtimestamp(ms // 1000, timezone.utc)
    frac = ms % 1000
    if style == 1:
        return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % frac
    if style == 2:
        return (t + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S") + ".%03d+02:00" % frac
    if frac == 0:  # style 3: no fraction, -03:30
        return (t - timedelta(hours=3, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S") + "-03:30"
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03d000Z" % frac  # microseconds


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def make(corpus_path, manifest_path):
    rnd = random.Random(20261122)
    lines = []  # bytes, without LF
    dead = []
    by_kind = {}
    blank = 0
    events = 0
    ms = BASE_MS

    def good_chat(**over):
        nonlocal ms
        ms += rnd.randrange(0, 4000)
        ev = {"kind": "chat", "platform": rnd.choice(["twitch", "youtube"]),
              "ts": ts_value(ms, rnd.randrange(4)), "channel": rnd.choice(CHANNELS),
              "user": rnd.choice(USERS),
              "text": " ".join(rnd.choice(WORDS) for _ in range(rnd.randrange(0, 9)))}
        if rnd.random() < 0.3:
            ev["display_name"] = ev["user"].upper()
            ev["badges"] = ["subscriber/12"]
            ev["user_id"] = "1234"
            ev["extra_unknown"] = {"nested": [1, 2]}
        ev.update(over)
        return ev

    def add_good(ev, raw=None):
        nonlocal events
        lines.append(raw if raw is not None else dumps(ev))
        events += 1
        by_kind[ev["kind"]] = by_kind.get(ev["kind"], 0) + 1

    def add_bad(raw, reason, detail=None):
        lines.append(raw)
        d = {"line": len(lines), "reason": reason}
        if detail is not None:
            d["detail"] = detail
        dead.append(d)

    def chat_without(field):
        ev = good_chat()
        del ev[field]
        return dumps(ev)

    def chat_with(field, value):
        ev = good_chat()
        ev[field] = value
        return dumps(ev)

    bad_makers = [
        lambda: add_bad(dumps(good_chat())[:37], "invalid_json"),  # truncated
        lambda: add_bad(dumps(good_chat())[:-1] + b",}", "invalid_json"),  # trailing comma
        lambda: add_bad(b"hello world", "invalid_json"),
        lambda: add_bad(dumps(good_chat()) + dumps(good_chat()), "invalid_json"),  # two objects
        lambda: add_bad(b"{'kind': 'chat'}", "invalid_json"),  # single quotes
        lambda: add_bad(b'{"kind":"chat","platform":"twitch","ts":NaN,"channel":"a","user":"u","text":"t"}',
                        "invalid_json"),
        lambda: add_bad(chat_with("channel", 5), "wrong_type", "channel"),
        lambda: add_bad(chat_with("ts", True), "wrong_type", "ts"),
        lambda: add_bad(chat_with("user", ["a"]), "wrong_type", "user"),
        lambda: add_bad(chat_with("text", 12), "wrong_type", "text"),
        lambda: add_bad(chat_with("kind", 3), "wrong_type", "kind"),
        lambda: add_bad(chat_with("platform", {}), "wrong_type", "platform"),
        lambda: add_bad(chat_with("ts", {"ms": 1}), "wrong_type", "ts"),
        lambda: add_bad(chat_with("kind", "tweet"), "unknown_kind"),
        lambda: add_bad(chat_with("kind", "Chat"), "unknown_kind"),
        lambda: add_bad(chat_with("platform", "myspace"), "unknown_platform"),
        lambda: add_bad(chat_with("platform", ""), "unknown_platform"),
        lambda: add_bad(chat_without("kind"), "missing_field", "kind"),
        lambda: add_bad(chat_without("platform"), "missing_field", "platform"),
        lambda: add_bad(chat_without("ts"), "missing_field", "ts"),
        lambda: add_bad(chat_without("channel"), "missing_field", "channel"),
        lambda: add_bad(chat_without("user"), "missing_field", "user"),
        lambda: add_bad(chat_without("text"), "missing_field", "text"),
        lambda: add_bad(b"{}", "missing_field", "kind"),
        lambda: add_bad(dumps(good_chat(text="cafXe")).replace(b"cafXe", b"caf\xe9"), "invalid_utf8"),
        lambda: add_bad(dumps(good_chat(user="ovXl")).replace(b"ovXl", b"ov\xc0\xafl"), "invalid_utf8"),
        lambda: add_bad(dumps(good_chat(text="surXr")).replace(b"surXr", b"sur\xed\xa0\x80r"),
                        "invalid_utf8"),
        lambda: add_bad(dumps(good_chat(text="cutX")).replace(b"cutX", b"cut\xe2\x82"), "invalid_utf8"),
        lambda: add_bad(dumps(good_chat(text="nulXhere")).replace(b"nulXhere", b"nul\x00here"),
                        "nul_byte"),
        lambda: add_bad(b"\x00" + dumps(good_chat()), "nul_byte"),
        lambda: add_bad(b"\x00\x00\x00", "nul_byte"),
        lambda: add_bad(b"[" + dumps(good_chat()) + b"]", "not_object"),
        lambda: add_bad(b'"just a string"', "not_object"),
        lambda: add_bad(b"42", "not_object"),
        lambda: add_bad(b"null", "not_object"),
        lambda: add_bad(chat_with("ts", "yesterday"), "bad_timestamp"),
        lambda: add_bad(chat_with("ts", "2026-13-01T00:00:00Z"), "bad_timestamp"),
        lambda: add_bad(chat_with("ts", "2026-04-31T10:00:00Z"), "bad_timestamp"),
        lambda: add_bad(chat_with("ts", "2026-11-22T25:00:00Z"), "bad_timestamp"),
        lambda: add_bad(chat_with("ts", ""), "bad_timestamp"),
        lambda: add_bad(dumps({"kind": "followers", "platform": "twitter", "ts": ms, "channel": "alpha",
                               "followers": -5}), "bad_value"),
        lambda: add_bad(dumps({"kind": "followers", "platform": "twitter", "ts": ms, "channel": "alpha",
                               "followers": "many"}), "wrong_type", "followers"),
        lambda: add_bad(dumps({"kind": "followers", "platform": "twitter", "ts": ms, "channel": "alpha"}),
                        "missing_field", "followers"),
        lambda: add_bad(dumps({"kind": "stream", "platform": "twitch", "ts": ms, "channel": "alpha",
                               "live": "yes"}), "wrong_type", "live"),
        lambda: add_bad(dumps({"kind": "chatters", "platform": "twitch", "ts": ms, "channel": "alpha",
                               "users": "bob"}), "wrong_type", "users"),
        lambda: add_bad(dumps({"kind": "post", "platform": "twitter", "ts": ms, "author": "a",
                               "text": "t"}), "missing_field", "id"),
    ]
    good_others = [
        {"kind": "followers", "platform": "twitter", "channel": "alpha", "followers": 1200,
         "streamer": "alpha"},
        {"kind": "followers", "platform": "youtube", "channel": "Beta", "followers": 0},
        {"kind": "stream", "platform": "twitch", "channel": "alpha", "live": True, "viewers": 321,
         "game": "Dota 2", "started_at": "2026-11-21T22:00:00Z"},
        {"kind": "stream", "platform": "twitch", "channel": "beta", "live": False},
        {"kind": "chatters", "platform": "twitch", "channel": "alpha", "users": ["bob", "eve"]},
        {"kind": "chatters", "platform": "twitch", "channel": "gamma_ch", "users": []},
        {"kind": "post", "platform": "twitter", "id": "1700000000000000001", "author": "alpha",
         "text": "Going live #dota2 #Live", "likes": 3},
        {"kind": "post", "platform": "facebook", "id": "fb_1", "author": "beta", "text": "hi"},
    ]

    blanks = [b"", b"   ", b"\t \t", b"\r", b" \r"]
    nbad = 0
    ngo = 0
    nbl = 0
    for i in range(2400):
        r = rnd.random()
        if r < 0.06 and nbad < len(bad_makers):
            bad_makers[nbad]()
            nbad += 1
        elif r < 0.075 and ngo < len(good_others):
            ms += rnd.randrange(0, 4000)
            ev = dict(good_others[ngo])
            ev["ts"] = ts_value(ms, ngo % 4)
            add_good(ev)
            ngo += 1
        elif r < 0.085:
            lines.append(blanks[nbl % len(blanks)])
            nbl += 1
            blank += 1
        elif r < 0.09:
            ev = good_chat()
            add_good(ev, dumps(ev) + b"\r")  # CRLF line ending: JSON whitespace
        elif r < 0.095:
            ev = good_chat()
            add_good(ev, b"  " + dumps(ev).replace(b",", b" , ", 3) + b"\t")  # spaces
        else:
            add_good(good_chat())
        if i == 1200:
            # a big, good line: 1,000,000 bytes, under the default --max-line (1 MiB)
            ms += 1000
            ev = good_chat(channel="alpha", user="bigmouth", text="")
            ev["text"] = ("spam " * 200_000)[:1_000_000 - 1 - len(dumps(ev))].strip() + "!"
            ev["text"] += "x" * (1_000_000 - len(dumps(ev)))
            raw = dumps(ev)
            assert len(raw) == 1_000_000, len(raw)
            add_good(ev, raw)
            long_good = len(lines)
            # a bad one: 1,100,000 bytes (valid JSON, but longer than 1 MiB)
            ev = good_chat(channel="alpha", user="toolong", text="")
            ev["text"] = "z " * ((1_100_000 - len(dumps(ev))) // 2)
            ev["text"] += "z" * (1_100_000 - len(dumps(ev)))
            raw = dumps(ev)
            assert len(raw) == 1_100_000, len(raw)
            add_bad(raw, "line_too_long")
            long_bad = len(lines)
    while nbad < len(bad_makers):  # the rest, at the end
        bad_makers[nbad]()
        nbad += 1
        add_good(good_chat())
    while ngo < len(good_others):
        ev = dict(good_others[ngo])
        ev["ts"] = ts_value(ms, 1)
        add_good(ev)
        ngo += 1
    # the last line has no final LF
    data = b"\n".join(lines)
    with open(corpus_path, "wb") as f:
        f.write(data)
    manifest = {"lines": len(lines), "events": events, "blank": blank, "by_kind": by_kind,
                "dead": dead, "long_good_line": long_good, "long_bad_line": long_bad}
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
    return 0


def check(manifest_path, corpus_path, summary_path, dead_path):
    man = json.load(open(manifest_path))
    with open(corpus_path, "rb") as f:
        raw_lines = f.read().split(b"\n")
    problems = []

    # summary
    slines = [l for l in open(summary_path, "rb").read().split(b"\n") if l.strip()]
    if len(slines) != 1:
        problems.append("summary: want exactly one JSON line on stdout, got %d" % len(slines))
    summ = {}
    try:
        summ = json.loads(slines[-1]) if slines else {}
    except ValueError as e:
        problems.append("summary: not JSON (%s): %r" % (e, slines[-1][:200]))
    want_reasons = {}
    for d in man["dead"]:
        want_reasons[d["reason"]] = want_reasons.get(d["reason"], 0) + 1
    want = {"lines": man["lines"], "events": man["events"], "dead_letters": len(man["dead"]),
            "blank": man["blank"], "duplicates": 0}
    for k, v in want.items():
        if summ.get(k) != v:
            problems.append("summary.%s: got %r, want %r" % (k, summ.get(k), v))
    got_reasons = {k: v for k, v in (summ.get("reasons") or {}).items() if v}
    if got_reasons != want_reasons:
        problems.append("summary.reasons: got %r, want %r" % (got_reasons, want_reasons))
    got_kinds = {k: v for k, v in (summ.get("by_kind") or {}).items() if v}
    if got_kinds != man["by_kind"]:
        problems.append("summary.by_kind: got %r, want %r" % (got_kinds, man["by_kind"]))

    # dead letters
    got = {}
    with open(dead_path, "rb") as f:
        for n, l in enumerate(f.read().split(b"\n"), 1):
            if not l.strip():
                continue
            try:
                o = json.loads(l)
            except ValueError as e:
                problems.append("dead-letter file line %d: not JSON (%s): %r" % (n, e, l[:200]))
                continue
            if not isinstance(o, dict) or not isinstance(o.get("line"), int):
                problems.append("dead-letter file line %d: no integer \"line\": %r" % (n, l[:200]))
                continue
            if o["line"] in got:
                problems.append("line %d dead-lettered twice" % o["line"])
            got[o["line"]] = o
    want_lines = {d["line"]: d for d in man["dead"]}
    for ln, d in sorted(want_lines.items()):
        o = got.get(ln)
        if o is None:
            problems.append("line %d (%s) missing from the dead-letter file" % (ln, d["reason"]))
            continue
        if o.get("reason") != d["reason"]:
            problems.append("line %d: reason %r, want %r (detail %r)"
                            % (ln, o.get("reason"), d["reason"], o.get("detail")))
        if "detail" in d and o.get("detail") != d["detail"]:
            problems.append("line %d (%s): detail %r, want %r"
                            % (ln, d["reason"], o.get("detail"), d["detail"]))
        if o.get("source") != corpus_path:
            problems.append("line %d: source %r, want %r" % (ln, o.get("source"), corpus_path))
        if d["reason"] == "line_too_long":
            continue  # raw may be truncated or absent for a line that long
        want_raw = raw_lines[ln - 1]
        try:
            want_raw.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            utf8 = False
        if utf8:
            if "raw" not in o or o["raw"].encode("utf-8", "surrogatepass") != want_raw:
                problems.append("line %d (%s): raw %r, want %r"
                                % (ln, d["reason"], o.get("raw", "<absent>")[:120],
                                   want_raw[:120].decode()))
        else:
            try:
                b = base64.b64decode(o.get("raw_b64", ""), validate=True)
            except ValueError:
                b = None
            if "raw_b64" not in o or b != want_raw:
                problems.append("line %d (%s): raw_b64 %r does not decode to the line %r"
                                % (ln, d["reason"], o.get("raw_b64", "<absent>")[:120], want_raw[:120]))
            if "raw" in o:
                problems.append("line %d (%s): not UTF-8, want raw_b64 instead of raw"
                                % (ln, d["reason"]))
    for ln in sorted(set(got) - set(want_lines)):
        problems.append("line %d dead-lettered (%s: %r) but it is good or blank: %r"
                        % (ln, got[ln].get("reason"), got[ln].get("detail"),
                           raw_lines[ln - 1][:160] if ln <= len(raw_lines) else b"<no such line>"))
    for p in problems:
        print("  " + p)
    print("corrupt_corpus check: %d good events, %d bad lines, %d blank: %s"
          % (man["events"], len(man["dead"]), man["blank"],
             "ok" if not problems else "%d problem(s)" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "make":
        sys.exit(make(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 6 and sys.argv[1] == "check":
        sys.exit(check(*sys.argv[2:]))
    sys.exit(__doc__)
