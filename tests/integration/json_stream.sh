#!/bin/bash
# json_stream.sh — simdjson's first stage run over many lines at once.
#
# The reader hands each block's whole lines to the parser at once
# (weir_json_stream, json_simd.cc) and takes each line's document from that
# stream only while the documents are exactly the lines; anything else
# parses alone from there on. Bad lines of every kind, placed among good
# ones across several input blocks and stage-1 batches, must give the same
# dead letters (reasons, line numbers, raw bytes) and the same results as
# with the stream turned off (WEIR_JSON_STREAM=0: every line alone).
. "$(dirname "$0")/lib.sh"

C="$T/in.ndjson"
$PY - "$C" <<'PY'
import json, sys
bad = [
    b'{"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"x","text":"two"} {"kind":"chat"}',
    b'{"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a",',
    b'"user":"x","text":"spans two lines"}',
    b'{"kind":"chat","text":"unbalanced}',
    b'{"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"x","text":"bad \xff utf8"}',
    b'42', b'[1,2]', b'"str"', b'', b'   ', b'  {"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"sp","id":"s1","text":"lead"}',
    b'{"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"cr","id":"c1","text":"crlf"}\r',
    b'{"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"x","text":"nul\x00"}',
    b'{"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"x","text":"t"}x',
    b'{"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"x","text":"t"}}',
    b'{"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"e","id":"e1","text":"esc \\" \\u00e9 \\\\"}',
    b'{"a":[1,{"b":"}"}],"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"n","id":"n1","text":"nested"}',
    b'{"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"x","text":"\\',
    b'{"kind":"chat","platform":"twitch","ts":1763596800000,"channel":"a","user":"x","text":"t"',
    b'{}', b'{"kind":"chat"}',
]
out = []
for i in range(30000):
    out.append(json.dumps({"kind": "chat", "platform": "twitch", "ts": 1763596800000 + i * 211,
                           "channel": "ch%d" % (i % 7), "user": "u%d" % (i % 53), "user_id": str(i % 53),
                           "id": "m%d" % i, "text": "words w%d and w%d" % (i % 17, i % 5)},
                          separators=(",", ":")).encode())
    if i % 500 == 3:
        out.append(bad[(i // 500) % len(bad)])
    if i % 9000 == 11:
        # longer than a stage-1 batch (128 KiB)
        out.append(b'{"pad":"' + b"p" * 200000 + b'","kind":"chat","platform":"twitch","ts":1763596800000,'
                   b'"channel":"a","user":"big","id":"big%d","text":"long line"}' % i)
open(sys.argv[1], "wb").write(b"\n".join(out) + b'\n{"kind":"chat","text":"no newline at the end"')
PY

for mode in 1 0; do
	WEIR_JSON_STREAM=$mode run_weir ingest --store "sqlite:$T/s$mode.db" --dead-letter "$T/dead$mode.ndjson" "$C"
	[ "$rc" = 0 ] || fail "ingest (stream $mode) exited $rc: $(cat "$T/err")"
	grep -E '^  (events|blank|dead letters)' "$T/out" | sed 's/ -> [^ ]*//' >"$T/stats$mode"
done
[ -s "$T/dead1.ndjson" ] || fail "no dead letters"
same "$T/dead0.ndjson" "$T/dead1.ndjson" "dead letters with and without the stream"
same "$T/stats0" "$T/stats1" "ingest counts with and without the stream"
for q in "chat-minutes" "top-users --channel ch3 --limit 60" "top-words --channel a --limit 40"; do
	# shellcheck disable=SC2086
	query_csv "$T/s0.db" $q >"$T/want.csv"
	# shellcheck disable=SC2086
	query_csv "$T/s1.db" $q >"$T/got.csv"
	same "$T/want.csv" "$T/got.csv" "$q"
done
echo "ok"
