#!/bin/bash
# inplace_raw.sh — lines parsed where they lie in the reader's input block.
#
# The reader parses each line in place and NUL-terminates accepted strings
# there (engine.c, event.c). Lines rejected after a successful parse
# (a missing field, a timestamp years ahead) must still reach the
# dead-letter file byte for byte, an upper-case channel is lowercased in a
# copy, and lines with escapes or across two input blocks (10 MB of input)
# parse like any other, wherever their first escape lies. Reference:
# chat_ref.py on the good lines.
. "$(dirname "$0")/lib.sh"

C="$T/in.ndjson"
$PY - "$C" <<'PY'
import json, sys
out = []
good = []
for i in range(3000):
    ch = ["Alpha", "beta", "GAMMA_ch"][i % 3]
    line = json.dumps({"kind": "chat", "platform": "twitch", "ts": 1763596800000 + i * 997,
                       "channel": ch, "user": "u%d" % (i % 37), "user_id": str(i % 37),
                       "id": "m%d" % i, "text": "hi \"there\" w%d \u00e9" % (i % 11) if i % 5 == 0
                       else "plain words w%d" % (i % 13)}, ensure_ascii=(i % 2 == 0), separators=(",", ":"))
    if i % 30 == 7:
        # an unknown field of 100 kB: 10 MB in all, so the reader goes through several blocks
        line = line[:-1] + ',"pad":"' + "x" * 100000 + '"}'
    if i % 4 == 1:
        # shifts the escapes across the 64-byte steps of the reader's scan for '\n', '\\' and NUL
        line = '{"pad0":"' + "y" * (i % 67) + '",' + line[1:]

    out.append(line)
    if i % 97 == 0:
        # parses, then fails validation: raw bytes must survive
        out.append('{"kind":"chat","platform":"twitch","ts":"2026-11-20T00:00:00.000Z","channel":"Alpha","text":"no user"}')
    if i % 89 == 0:
        out.append('{"kind":"chat","platform":"twitch","ts":"2999-01-01T00:00:00.000Z","channel":"Beta",'
                   '"user":"late","text":"from the future"}')
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY

run_ok ingest --store "sqlite:$T/w.db" --dead-letter "$T/dead.ndjson" "$C"
$PY - "$C" "$T/dead.ndjson" <<'PY' || fail "dead letters differ from their input lines"
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
n = 0
for rec in open(sys.argv[2]):
    d = json.loads(rec)
    raw = d["raw"].encode() if "raw" in d else None
    want = lines[d["line"] - 1]
    if raw != want:
        print("line %d: raw %r, want %r" % (d["line"], raw, want))
        sys.exit(1)
    n += 1
if n != 31 + 34:
    print("%d dead letters, want 65" % n)
    sys.exit(1)
PY
grep -v '"ts":"2999-' "$C" >"$T/ref.ndjson" # the reference knows no wall clock
for q in "chat-minutes" "top-users --channel alpha --limit 40" "top-words --channel gamma_ch --limit 40"; do
	# shellcheck disable=SC2086
	ref --query $q "$T/ref.ndjson" >"$T/want.csv"
	# shellcheck disable=SC2086
	query_csv "$T/w.db" $q >"$T/got.csv"
	soft_same "$T/want.csv" "$T/got.csv" "$q"
done
finish
