#!/usr/bin/env python3
"""selftest.py — checks of the test reference (chat_ref.py) against hand-worked
examples from events.md, so a wrong reference cannot pass a wrong weir.
Run by tests/integration/lib.sh when executed directly. Exit 0 = pass."""
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chat_ref as R  # noqa: E402

fails = 0


def eq(got, want, what):
    global fails
    if got != want:
        fails += 1
        print("FAIL %s: got %r, want %r" % (what, got, want))


# §2 tokenization
tok = R.tokenize
eq(tok(b"Hello, World!"), [b"hello", b"world"], "basic")
eq(tok(b"  a\tb\rc\nd\x0be\x0cf  "), [b"a", b"b", b"c", b"d", b"e", b"f"], "ascii ws")
eq(tok("a\u00a0b c\u3000d e\u2003f".encode()),
   ["a\u00a0b".encode(), "c\u3000d".encode(), "e\u2003f".encode()], "unicode spaces do not split")
eq(tok(b"...hi!!! (!!!) @user #tag `x` ~y~ {z}"), [b"hi", b"user", b"tag", b"x", b"y", b"z"],
   "punct strip")
eq(tok(b"don't a,b say\"hi\" -_-"), [b"don't", b"a,b", b"say\"hi"], "inner punct kept")
eq(tok("ÄBC Straße ΩMEGA".encode()), ["Äbc".encode(), "straße".encode(), "Ωmega".encode()],
   "ascii-only lowercase")
eq(tok(b"\x01ACTION\x01"), [b"\x01action\x01"], "control bytes are not punctuation")
eq(tok(b""), [], "empty")
eq(tok(b"!!! ??? ..."), [], "punct only")
eq(tok(b"\x1c\x1d\x1e\x1f"), [b"\x1c\x1d\x1e\x1f"], "FS/GS/RS/US are not whitespace")

# §1 timestamps
p = R.parse_rfc3339
eq(p("2019-04-30T08:57:00Z"), 1556614620000, "Z")
eq(p("2019-04-30T08:57:00.123Z"), 1556614620123, "ms")
eq(p("2019-04-30T08:57:00.1239Z"), 1556614620123, "truncate sub-ms")
eq(p("2019-04-30T14:27:00.5+05:30"), 1556614620500, "+05:30")
eq(p("2019-04-30T00:57:00-08:00"), 1556614620000, "-08:00")
eq(p("2019-02-30T00:00:00Z"), None, "Feb 30")
eq(p("yesterday"), None, "garbage")
eq(p("2019-04-30T24:00:00Z"), None, "hour 24")
eq(R.fmt_time(1556614620999), "2019-04-30T08:57:00Z", "fmt")
eq(R.fmt_time(R.floor(-1, R.MIN_MS)), "1969-12-31T23:59:00Z", "floor negative")

# IRC parsing (§1.1)
irc = (b"2019-04-30_08:56:59 ;;; :Nick!nick@nick.tmi.twitch.tv PRIVMSG #Chan :Hi there\r\n"
       b":b!b@b.tmi.twitch.tv PRIVMSG #chan :\x01ACTION waves hello\x01\r\n"
       b"@id=x1;tmi-sent-ts=1556614800000 :c!c@c PRIVMSG #chan :tagged\r\n"
       b"@id=x1;tmi-sent-ts=1556614800000 :c!c@c PRIVMSG #chan :tagged again\r\n"
       b"\r\n"
       b":tmi.twitch.tv PING :x\r\n"
       b":d!d@d PRIVMSG nick :whisper\r\n"
       b"$$$ nonsense\r\n")
res = R.Result()
R.read_irc(res, "t", irc, R.MAX_LINE_DEFAULT)
eq(res.chats, [(b"chan", 1556614619000, b"nick", b"Hi there\r"[:-1]),
               (b"chan", 1556614619000, b"b", b"waves hello"),
               (b"chan", 1556614800000, b"c", b"tagged")], "irc chats")
eq(res.duplicates, 1, "irc dup id")
eq(res.blank, 1, "irc blank")
eq(sorted(r for _, _, r, _ in res.dead), ["irc_malformed", "irc_no_channel"], "irc dead")

# NDJSON validation (§1)
nd = (b'{"kind":"chat","platform":"twitch","ts":1556614620000,"channel":"A","user":"U","text":"x y"}\n'
      b'{"kind":"chat","platform":"twitch","ts":"2019-04-30T08:57:00Z","channel":"a","user":"U","text":"z","id":"1"}\n'
      b'{"kind":"chat","platform":"twitch","ts":"2019-04-30T08:57:00Z","channel":"a","user":"U","text":"z","id":"1"}\n'
      b'  \n'
      b'{"kind":"chat","platform":"twitch","ts":true,"channel":"a","user":"U","text":"z"}\n'
      b'{"kind":"chat","platform":"myspace","ts":1,"channel":"a","user":"U","text":"z"}\n'
      b'{"kind":"tweet","platform":"twitter","ts":1}\n'
      b'{"kind":"chat","platform":"twitch","ts":1,"channel":5,"user":"U","text":"z"}\n'
      b'{"kind":"chat","platform":"twitch","ts":1,"user":"U","text":"z"}\n'
      b'[1,2]\n'
      b'{"kind":"chat",\n'
      b'{"kind":"chat","platform":"twitch","ts":"2019-04-30T08:57:00Z","channel":"a","user":"\xff","text":"z"}\n'
      b'{"kind":"chat","platform":"twitch","ts":"2019-04-30T08:57:00Z","channel":"a","user":"\x00","text":"z"}\n'
      b'{"kind":"followers","platform":"twitter","ts":1,"channel":"a","followers":-1}\n'
      b'{"kind":"followers","platform":"twitter","ts":1,"channel":"a","followers":3}')
res = R.Result()
R.read_ndjson(res, "t", nd, R.MAX_LINE_DEFAULT)
eq(res.lines, 15, "nd lines")
eq(res.events, 4, "nd events (duplicates included)")
eq(res.duplicates, 1, "nd dups")
eq(res.blank, 1, "nd blank")
eq(res.by_kind, {"chat": 3, "followers": 1}, "nd by_kind")
eq([(n, r, d) for _, n, r, d in res.dead],
   [(5, "wrong_type", "ts"), (6, "unknown_platform", "myspace"), (7, "unknown_kind", "tweet"),
    (8, "wrong_type", "channel"), (9, "missing_field", "channel"), (10, "not_object", ""),
    (11, "invalid_json", ""), (12, "invalid_utf8", ""), (13, "nul_byte", ""),
    (14, "bad_value", "followers")], "nd dead")

# Queries and CSV
chats = [(b"a", 1556614620000, b"u1", b"x y"), (b"a", 1556614679999, b"u2", b"y"),
         (b"a", 1556614680000, b"u1", b"y, z"), (b"b", 1556600000000, b"u1", b"q")]
eq(R.chat_windows(chats, R.MIN_MS, None, None, None),
   [(b"a", 1556614620000, 2, 3, 2), (b"a", 1556614680000, 1, 2, 1), (b"b", 1556599980000, 1, 1, 1)],
   "minutes")
eq(R.chat_windows(chats, R.HOUR_MS, None, None, b"a"), [(b"a", 1556614800000 - R.HOUR_MS, 3, 5, 2)],
   "hour distinct over the hour")
eq(R.top(chats, "words", None, None, b"a", 10), [(b"y", 3), (b"x", 1), (b"z", 1)], "top words")
eq(R.top(chats, "users", None, None, b"a", 1), [(b"u1", 2)], "top users limit")
out = io.BytesIO()
R.write_csv(out, "word,count", [(b'a,b', 2), (b'say"hi', 1), (b"plain", 1)])
eq(out.getvalue(), b'word,count\n"a,b",2\n"say""hi",1\nplain,1\n', "csv quoting")

print("selftest: %s" % ("ok" if not fails else "%d failed" % fails))
sys.exit(1 if fails else 0)
