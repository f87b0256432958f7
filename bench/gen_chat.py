#!/usr/bin/env python3
"""Temporary chat-event generator for bench/run.sh, used only until `weir sim` works.

Deterministic (seeded) NDJSON chat events in the shape of events.md §1:
Zipf-skewed 200 channels and 200k users, one day of time, a Zipf vocabulary with
emotes, punctuation, mixed case and some non-ASCII words, 1-20 words a message.
"""
import argparse
import itertools
import json
import random
import sys

EMOTES = ["Kappa", "PogChamp", "LUL", "KEKW", "OMEGALUL", "monkaS", "Pog", "PepeHands",
          "4Head", "BibleThump", "Kreygasm", "ResidentSleeper", "TriHard", "WutFace",
          "SeemsGood", "NotLikeThis", "FeelsBadMan", "FeelsGoodMan", "Jebaited", "EZ"]
BASE = ("the a to and i you it is of that this in lol gg no yes what for on my so we "
        "he she they game play win lose go like just get can not be do have was me "
        "stream chat mod ban lmao wtf omg nice good bad love hate why how when who "
        "dota hero mid carry support push gank ward rosh team fight kill dead").split()
UNICODE = ["café", "naïve", "Ärger", "ДА", "нет", "日本", "🔥", "😂", "Ωmega", "ÉTÉ"]
PUNCT_WRAP = [("", ""), ("", "!"), ("", "?"), ("", "!!!"), ("", ","), ("", "."),
              ("(", ")"), ('"', '"'), ("@", ""), ("#", ""), ("", "..."), ("", ":)")]


def zipf_cum(n, s):
    acc, out = 0.0, []
    for k in range(1, n + 1):
        acc += 1.0 / k**s
        out.append(acc)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--messages", type=int, default=2_000_000)
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    rnd = random.Random(a.seed)

    channels = []
    for i in range(200):
        name = "chan%03d" % i
        if i % 7 == 3:  # some channels arrive in mixed case: compared case-insensitively
            name = name.capitalize()
        channels.append(name)
    users = ["user%06d" % i for i in range(200_000)]
    rnd.shuffle(users)
    vocab = []
    vocab += EMOTES
    vocab += BASE
    vocab += [w.upper() for w in BASE[:20]] + [w.capitalize() for w in BASE[:30]]
    vocab += UNICODE
    vocab += ["w%05d" % i for i in range(50_000)]
    rnd.shuffle(vocab)
    vocab = EMOTES[:5] + vocab  # the top emotes stay at the head of the Zipf curve
    ch_cum = zipf_cum(len(channels), 1.1)
    us_cum = zipf_cum(len(users), 0.9)
    vo_cum = zipf_cum(len(vocab), 1.05)
    wr_cum = list(itertools.accumulate([70, 5, 4, 2, 3, 3, 1, 1, 2, 1, 1, 1]))
    ws_cum = list(itertools.accumulate([90, 4, 2, 2, 1, 1]))
    seps = [" ", "  ", " \t", "\t", " \n", "\u00a0 "]  # NBSP is not ASCII whitespace: kept

    out = sys.stdout if a.output == "-" else open(a.output, "w", encoding="utf-8")
    t0 = 1_795_132_800_000  # 2026-11-20T00:00:00Z
    span = 86_400_000
    n = a.messages
    chunk = 50_000
    import datetime
    for base in range(0, n, chunk):
        m = min(chunk, n - base)
        chs = rnd.choices(channels, cum_weights=ch_cum, k=m)
        uss = rnd.choices(users, cum_weights=us_cum, k=m)
        nws = [rnd.randint(1, 20) for _ in range(m)]
        words = rnd.choices(vocab, cum_weights=vo_cum, k=sum(nws))
        wraps = rnd.choices(PUNCT_WRAP, cum_weights=wr_cum, k=len(words))
        sps = rnd.choices(seps, cum_weights=ws_cum, k=len(words))
        lines = []
        p = 0
        for j in range(m):
            i = base + j
            k = nws[j]
            parts = []
            for q in range(p, p + k):
                pre, suf = wraps[q]
                parts.append(pre + words[q] + suf)
                if q < p + k - 1:
                    parts.append(sps[q])
            p += k
            text = "".join(parts)
            if i % 97 == 0:
                text = " " + text + " !! "  # a punctuation-only token and outer spaces
            ts = t0 + (i * span) // n
            dt = datetime.datetime.fromtimestamp(ts / 1000, datetime.timezone.utc)
            tss = dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts % 1000)
            plat = "youtube" if i % 10 == 9 else "twitch"
            u = uss[j]
            extra = ""
            if i % 3 == 0:
                extra = ',"user_id":"%d","display_name":"%s"' % (int(u[4:]) * 7919 % 1000003, u.upper())
            if i % 5 == 0:
                extra += ',"badges":["subscriber/12"]'
            lines.append('{"kind":"chat","platform":"%s","ts":"%s","channel":"%s","user":"%s",'
                         '"text":%s,"id":"m%08d"%s}\n'
                         % (plat, tss, chs[j], u, json.dumps(text, ensure_ascii=(i % 2 == 0)), i, extra))
        out.write("".join(lines))
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
