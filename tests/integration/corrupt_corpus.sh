#!/bin/bash
# corrupt_corpus.sh — a corrupted NDJSON corpus through `weir ingest`.
#
# tests/ref/corrupt_corpus.py writes ~2400 lines: good events of every kind
# (with CRLF endings, extra spaces, unknown fields, a 1,000,000-byte line)
# interleaved with truncated JSON, wrong types, unknown kind/platform,
# missing fields, invalid UTF-8, NUL bytes, a 1,100,000-byte line, non-objects,
# bad timestamps and blank lines. Then:
#   - exit 0 and no sanitizer report;
#   - every bad line in the dead-letter file once, with the right reason,
#     line number, detail (field name) and raw bytes (raw / raw_b64);
#   - the JSON summary counts lines, events, dead letters by reason, kinds,
#     blank lines;
#   - chat queries equal the reference computed on the good lines;
#   - with --max-line 2000000 the long line is accepted instead.
. "$(dirname "$0")/lib.sh"

GEN="$PY $WEIR_ROOT/tests/ref/corrupt_corpus.py"
C="$T/corpus.ndjson"
$GEN make "$C" "$T/manifest.json" || fail "corpus generator"

run_weir ingest --store "sqlite:$T/w.db" --dead-letter "$T/dead.ndjson" --summary json "$C"
[ "$rc" -eq 0 ] || { sed -n '1,20p' "$T/err" >&2; fail "ingest exit $rc, want 0"; }
cp "$T/out" "$T/summary.json"
note "summary: $(head -c 800 "$T/summary.json")"
[ -f "$T/dead.ndjson" ] || fail "no dead-letter file written"

$GEN check "$T/manifest.json" "$C" "$T/summary.json" "$T/dead.ndjson" || soft_fail "dead letters / summary"

check() { # check NAME ARGS...
	local name="$1"
	shift
	ref --query "$@" "$C" >"$T/want.csv"
	query_csv "$T/w.db" "$@" >"$T/got.csv"
	soft_same "$T/want.csv" "$T/got.csv" "$name" && note "ok $name"
}
check chat-minutes chat-minutes
check "chat --window hour" chat --window hour
check "chat --window day" chat --window day
for ch in alpha beta gamma_ch; do
	check "top-words $ch" top-words --channel "$ch" --limit 40
	check "top-users $ch" top-users --channel "$ch" --limit 60
done

# A larger --max-line lets the 1,100,000-byte line in.
run_weir ingest --store "sqlite:$T/w2.db" --max-line 2000000 --dead-letter "$T/dead2.ndjson" --summary json "$C"
[ "$rc" -eq 0 ] || fail "ingest --max-line 2000000: exit $rc"
cp "$T/out" "$T/summary2.json"
ev1=$(json_get "$T/summary.json" events)
ev2=$(json_get "$T/summary2.json" events)
tl2=$(json_get "$T/summary2.json" reasons.line_too_long)
[[ "$ev1" =~ ^[0-9]+$ ]] && [ "$ev2" = "$((ev1 + 1))" ] ||
	soft_fail "--max-line 2000000: events $ev2, want $ev1 + 1"
[ -z "$tl2" ] || [ "$tl2" = 0 ] || soft_fail "--max-line 2000000: line_too_long = $tl2, want 0"
ref --query chat-minutes --max-line 2000000 "$C" >"$T/want.csv"
query_csv "$T/w2.db" chat-minutes >"$T/got.csv"
soft_same "$T/want.csv" "$T/got.csv" "chat-minutes with --max-line 2000000"

# The same corpus on stdin: same summary counts, source named "-" (not checked).
run_weir ingest --store "sqlite:$T/w3.db" --summary json - <"$C"
[ "$rc" -eq 0 ] || fail "ingest from stdin: exit $rc"
[ "$(json_get "$T/out" events)" = "$ev1" ] || soft_fail "stdin: events $(json_get "$T/out" events), want $ev1"

finish
