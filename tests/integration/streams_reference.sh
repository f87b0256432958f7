#!/bin/bash
# streams_reference.sh — stream samples through the CLI against the
# independent reference (tests/ref/streams_ref.py): simulated data with
# duplicates, late and malformed lines, plus hand-made edge cases (gaps of
# exactly 10 minutes and more, a late `live:false` that cuts stored
# intervals, conflicting samples at one ms, impossible and wrongly typed
# values), shuffled so that samples arrive after their successors. Ingested
# in many small files (a watermark step per file, hence late corrections)
# with 1 and 3 threads, and in 4 separate ingests into one store: every
# streams query must equal the reference byte for byte. Then the query
# CLI's errors for this family.
source "$(dirname "$0")/lib.sh"

SREF="$PY $WEIR_ROOT/tests/ref/streams_ref.py"
sref() {
	$SREF "$@" || fail "reference failed: streams_ref.py $*"
}

"$WEIR" sim --seed 11 --span 8h --kinds stream --channels 20 --dup-rate 0.02 --late-rate 0.05 \
	--bad-rate 0.01 -o "$T/sim.ndjson" 2>"$T/sim.err" || fail "weir sim failed: $(cat "$T/sim.err")"

# Edge cases near the end of the span (within the 1 h correction horizon).
cat >"$T/edge.ndjson" <<'EOF'
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:32:00Z","channel":"EdgeCase","live":true,"viewers":700,"game":"Chess, \"Blitz\"","language":"de","started_at":"2026-11-20T07:29:00Z"}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:30:00Z","channel":"edgecase","live":true,"viewers":500,"game":"Chess, \"Blitz\"","language":"de","started_at":"2026-11-20T09:29:00+02:00"}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:55:00Z","channel":"edgecase","live":true}
{"kind":"stream","platform":"twitch","ts":1795160700000,"channel":"edgecase","live":true,"viewers":800,"game":"Chess, \"Blitz\"","language":"de","started_at":"2026-11-20T07:29:00Z"}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:58:00Z","channel":"edgecase","live":false}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:32:00Z","channel":"edgecase","live":true,"viewers":9999,"game":"Other"}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:50:00Z","channel":"edgecase","live":true,"viewers":200000000}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:40:00Z","channel":"edgecase","live":true,"viewers":"12"}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:41:00Z","channel":"edgecase","live":true,"viewers":-3}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:42:00Z","channel":"edgecase","viewers":3}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:43:00Z","channel":"edgecase","live":true,"started_at":"soon"}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:31:00Z","channel":"edgecase","live":false}
{"kind":"stream","platform":"youtube","ts":"2026-11-20T07:35:00Z","channel":"solo","live":true,"viewers":5,"game":"Chess"}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T07:56:30Z","channel":"edgecase","live":true,"viewers":50,"game":"Go","language":"ja","started_at":"2026-11-20T07:56:00Z"}
EOF

# Move a tenth of the lines 5-50 lines later, but less than 40 minutes of
# event time (the correction horizon is 1 h): they arrive after their
# successors, mostly long after the lateness bound.
$PY - "$T/sim.ndjson" "$T/edge.ndjson" >"$T/in.ndjson" <<'PYEOF' || fail "shuffle failed"
import random, re, sys
from datetime import datetime
random.seed(5)
lines = []
for p in sys.argv[1:]:
    lines += open(p, "rb").read().splitlines()
def ts(line):
    m = re.search(rb'"ts":"([0-9T:.-]+)Z"', line)
    return datetime.fromisoformat(m.group(1).decode()).timestamp() if m else None
for _ in range(len(lines) // 10):
    i = random.randrange(len(lines))
    t = ts(lines[i])
    if t is None:
        continue
    j = i
    for _ in range(random.randint(5, 50)):
        u = ts(lines[j + 1]) if j + 1 < len(lines) else None
        if j + 1 >= len(lines) or (u is not None and u > t + 2400):
            break
        j += 1
    lines.insert(j, lines.pop(i))
sys.stdout.buffer.write(b"\n".join(lines) + b"\n")
PYEOF
note "$(wc -l <"$T/in.ndjson") lines"

mkdir "$T/parts"
split -l 25 -d -a 3 "$T/in.ndjson" "$T/parts/p"
for th in 1 3; do
	run_ok ingest --threads "$th" --store "sqlite:$T/t$th.db" --dead-letter "$T/dead$th.ndjson" \
		--summary json "$T"/parts/p*
	cp "$T/out" "$T/summary$th.json"
done
note "summary: $(cat "$T/summary1.json")"
for k in late corrections duplicates dead_letters; do
	[ "$(json_get "$T/summary1.json" "$k")" -gt 0 ] || fail "expected $k > 0 in the ingest summary"
done
# by_kind counts every valid line: kept samples, duplicates and dropped impossible values
want=$(sref --query summary "$T/in.ndjson" |
	$PY -c 'import json,sys; d=json.load(sys.stdin); print(d["samples"] + d["duplicates"] + d["rejected"], d["duplicates"])')
got="$(json_get "$T/summary1.json" by_kind.stream) $(json_get "$T/summary1.json" duplicates)"
[ "$want" = "$got" ] || soft_fail "stream events and duplicates: reference '$want', weir '$got'"

# The same input in 4 separate ingests into one store.
split -n l/4 -d "$T/in.ndjson" "$T/chunk"
for f in "$T"/chunk0*; do
	run_ok ingest --threads 2 --store "sqlite:$T/split.db" --dead-letter "$T/dead_split.ndjson" "$f"
done

# The checks: a query and its arguments per line; the reference answers all
# of them in one run, weir on every store (the 3-thread one: the main ones).
cat >"$T/checks" <<'EOF'
streams --window minute
streams --window hour
streams --window day
streams --channel EdgeCase --window minute
streams --from 2026-11-20T02:00:00Z --to 2026-11-20T05:30:00Z
game-ranking --by hours_watched --limit 100
game-ranking --by airtime_min --limit 100
game-ranking --by channels --limit 100
game-ranking --limit 3 --window minute --from 2026-11-20T01:17:00Z --to 2026-11-20T06:00:00Z
game-ranking --language en
streamer-schedule --channel edgecase
streamer-schedule --channel solo
EOF
sref --query streams --window day "$T/in.ndjson" | awk -F, 'NR > 1 { print $2 }' | sort -u | head -4 |
	sed 's/^/streamer-schedule --channel /' >>"$T/checks"
awk -v d="$T" '{ print d "/ref" NR ".csv", $0 }' "$T/checks" >"$T/script"
sref --query script --script "$T/script" "$T/in.ndjson"
n=0
while read -r name args; do
	n=$((n + 1))
	for db in t1 t3 split; do
		[ "$db" = t3 ] && [ "$n" -gt 6 ] && continue
		# shellcheck disable=SC2086
		query_csv "$T/$db.db" "$name" $args >"$T/got.csv"
		soft_same "$T/ref$n.csv" "$T/got.csv" "$name $args ($db)"
	done
done <"$T/checks"
[ "$(wc -l <"$T/ref4.csv")" -gt 10 ] || soft_fail "the edge-case channel has too few rows: $(cat "$T/ref4.csv")"
query_csv "$T/t1.db" streams --channel edgecase >"$T/edge.csv"
grep -q '"Chess, ""Blitz"""' "$T/edge.csv" || soft_fail "the quoted game of edgecase is missing: $(cat "$T/edge.csv")"

# json: same rows, numbers as numbers
run_ok query streams --store "sqlite:$T/t1.db" --channel edgecase --format json
$PY - "$T/out" <<'PYEOF' || soft_fail "streams --format json is not the expected JSON"
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows and all(isinstance(r["airtime_min"], (int, float)) and isinstance(r["peak_viewers"], int)
                    and isinstance(r["game"], str) for r in rows), rows
PYEOF

# Errors of this family: exit 2 and a message naming the problem.
expect2() {
	local needle="$1"
	shift
	run_weir "$@"
	if [ "$rc" -ne 2 ]; then
		soft_fail "weir $*: exit $rc, want 2"
	elif ! grep -qF -- "$needle" "$T/err"; then
		soft_fail "weir $*: stderr does not name '$needle': $(head -c 200 "$T/err")"
	fi
}
DB="sqlite:$T/t1.db"
# The impossible sample (2e8 viewers) is not applied but recorded, with its line.
run_ok query rejects --store "$DB" --format csv
grep -q '^2026-11-20T07:50:00Z,stream,twitch,edgecase,[0-9]*,streams,impossible_value,viewers 200000000' "$T/out" ||
	soft_fail "rejects: the 2e8-viewer sample is not listed: $(head -c 300 "$T/out")"
expect2 --streams-horizon ingest --streams-horizon 0 --store "$DB" /dev/null
expect2 --user query streams --user bob --store "$DB"
expect2 --channel query game-ranking --channel x --store "$DB"
expect2 --tag query streamer-schedule --channel x --tag y --store "$DB"
expect2 --channel query streamer-schedule --store "$DB"
expect2 bogus query game-ranking --by bogus --store "$DB"
expect2 week query streams --window week --store "$DB"

# An empty store answers with the header alone.
: >"$T/empty.ndjson"
run_ok ingest --store "sqlite:$T/empty.db" "$T/empty.ndjson"
for q in "streams:window,channel,airtime_min,hours_watched,avg_viewers,peak_viewers,streams,game" \
	"game-ranking:rank,game,hours_watched,airtime_min,channels" \
	"streamer-schedule --channel x:started_at,ended_at,airtime_min,peak_viewers"; do
	# shellcheck disable=SC2086
	run_weir query ${q%%:*} --store "sqlite:$T/empty.db" --format csv
	[ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "${q#*:}" ] ||
		soft_fail "${q%%:*} on an empty store: exit $rc, out: $(head -c 200 "$T/out")"
done
finish
