#!/bin/bash
# followers_reference.sh — follower counts, streamer totals and rankings from
# simulated imperfect data (duplicates, late lines within and beyond the
# lateness, malformed lines) plus hand-written edge cases, through the CLI:
# with 1 and 3 worker threads, split over two ingests with no lateness, with
# reference data from CSV or JSON and without any; every follower query
# compared byte for byte with the independent reference
# (tests/ref/followers_ref.py). Then the CLI's errors for these queries and
# for --reference.
source "$(dirname "$0")/lib.sh"
FREF="$PY $WEIR_ROOT/tests/ref/followers_ref.py"

# A day of 20 channels: ~4900 lines, more than one engine batch (4096), so
# windows close while the input is read and late lines reopen them.
"$WEIR" sim --seed 11 --span 1d --kinds followers,stream --channels 20 --dup-rate 0.02 --late-rate 0.05 \
	--bad-rate 0.01 --reference "$T/ref" -o "$T/sim.ndjson" 2>"$T/sim.err" ||
	fail "weir sim failed: $(cat "$T/sim.err")"

# Edge cases the simulator does not write: mixed case, ties on ts, an offset
# time, facebook, empty and null streamers, a link tie, a stream tie, an
# event hours behind everything, and lines weir must reject.
cat >"$T/edge.ndjson" <<'EOF'
{"kind":"followers","platform":"twitch","ts":"2026-11-20T03:00:00Z","channel":"EdgeChan","streamer":"EdgeStreamer","followers":10}
{"kind":"followers","platform":"twitch","ts":"2026-11-20T03:00:00Z","channel":"edgechan","followers":12}
{"kind":"followers","platform":"twitch","ts":"2026-11-20T03:30:00.5+01:00","channel":"edgechan","followers":7}
{"kind":"followers","platform":"facebook","ts":1795140000000,"channel":"EdgeChanFB","streamer":"edgestreamer","followers":0}
{"kind":"followers","platform":"youtube","ts":"2026-11-20T01:00:00Z","channel":"edgeyt","streamer":"","followers":5}
{"kind":"followers","platform":"youtube","ts":"2026-11-20T01:00:01Z","channel":"edgeyt","streamer":null,"followers":6}
{"kind":"followers","platform":"twitter","ts":"2026-11-20T02:00:00Z","channel":"edgetw","streamer":"b_streamer","followers":100}
{"kind":"followers","platform":"twitter","ts":"2026-11-20T02:00:00Z","channel":"edgetw","streamer":"a_streamer","followers":100}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T03:10:00Z","channel":"EDGECHAN","live":true,"game":"Dota 2","language":"EN"}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T03:10:00Z","channel":"edgechan","live":false,"game":"Chess","language":null}
{"kind":"followers","platform":"twitch","ts":"2026-11-19T23:00:00Z","channel":"edgechan","followers":3}
{"kind":"followers","platform":"twitch","ts":"2026-11-20T03:00:00Z","channel":"","followers":3}
{"kind":"followers","platform":"twitch","ts":"2026-11-20T03:00:00Z","channel":"x","followers":-1}
{"kind":"followers","platform":"twitch","ts":"2026-11-20T03:00:00Z","channel":"x","followers":1.5}
{"kind":"followers","platform":"twitch","ts":"2026-11-20T03:00:00Z","channel":"x","followers":5,"streamer":7}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T03:00:00Z","channel":"x","live":"yes"}
{"kind":"stream","platform":"twitch","ts":"2026-11-20T03:00:00Z","channel":"x","live":true,"viewers":-3}
EOF
# ... and a late snapshot and stream sample of a simulated account, in a second file.
chan=$(sed -n 2p "$T/ref/streamers.csv" | cut -d, -f3)
printf '%s\n' \
	"{\"kind\":\"followers\",\"platform\":\"twitch\",\"ts\":\"2026-11-20T05:00:00Z\",\"channel\":\"$chan\",\"followers\":1}" \
	"{\"kind\":\"stream\",\"platform\":\"twitch\",\"ts\":\"2026-11-20T05:59:59.999Z\",\"channel\":\"$chan\",\"live\":true,\"game\":\"Zzz\"}" \
	>>"$T/edge.ndjson"
n=$(wc -l <"$T/sim.ndjson")
half=$((n / 2))
head -n "$half" "$T/sim.ndjson" >"$T/part1.ndjson"
tail -n +$((half + 1)) "$T/sim.ndjson" >"$T/part2.ndjson"
note "$n simulated lines + $(wc -l <"$T/edge.ndjson") edge cases"

ingest() { # STORE ARGS...
	local db="$1"
	shift
	run_weir ingest --store "sqlite:$T/$db.db" --dead-letter "$T/$db.dead" --summary json "$@"
	[ "$rc" = 0 ] || { sed -n '1,20p' "$T/err" >&2; fail "ingest into $db exited $rc"; }
	cp "$T/out" "$T/$db.summary"
}
ingest t1 --threads 1 --reference "$T/ref/streamers.csv" --reference "$T/ref/games.csv" "$T/sim.ndjson" \
	"$T/edge.ndjson"
ingest t3 --threads 3 --reference "$T/ref/streamers.json" --reference "$T/ref/games.json" "$T/sim.ndjson" \
	"$T/edge.ndjson"
ingest split --threads 2 --lateness 0 --reference "$T/ref/streamers.csv" --reference "$T/ref/games.json" \
	"$T/part1.ndjson"
ingest split --threads 2 --lateness 0 "$T/part2.ndjson" "$T/edge.ndjson"
ingest noref --threads 3 "$T/sim.ndjson" "$T/edge.ndjson"
note "summary: $(cat "$T/t1.summary")"
[ "$(json_get "$T/t1.summary" late)" -gt 0 ] || fail "expected late events in the data"
[ "$(json_get "$T/t1.summary" corrections)" -gt 0 ] || fail "expected corrections"
[ "$(json_get "$T/t1.summary" dead_letters)" -gt 6 ] || fail "expected dead letters (edge cases and simulated)"

# The most streamed game, to filter on.
game=$(grep -o '"game":"[^"]*"' "$T/sim.ndjson" | sort | uniq -c | sort -rn | head -1 | sed 's/.*"game":"//; s/"$//')
# The stores must hold the same rows whatever the threads, the split and the
# format of the reference files: compare their followers tables (ids
# replaced by names). Then the queries, against the reference, on t1 and,
# for a few, on the others.
$PY - "$T"/{t1,t3,split,noref}.db >"$T/dumps" <<'PYEOF' || fail "dumping the stores failed"
import hashlib, sqlite3, sys
for path in sys.argv[1:]:
    db = sqlite3.connect(path)
    h = hashlib.sha256()
    for sql in ("SELECT a.platform, a.channel, d.day, d.first_ts, d.first, d.last_ts, d.last,"
                " d.min, d.max, hex(d.minutes) FROM follower_days d JOIN follower_accounts a"
                " ON a.id = d.account_id ORDER BY 1, 2, 3",
                "SELECT platform, channel, streamer, streamer_ts FROM follower_accounts ORDER BY 1, 2",
                "SELECT * FROM follower_streams ORDER BY 1, 2",
                "SELECT * FROM streamers ORDER BY 1", "SELECT * FROM streamer_accounts ORDER BY 1, 2",
                "SELECT * FROM games ORDER BY 1"):
        rows = db.execute(sql).fetchall()
        h.update(repr(rows).encode())
    print(path.rsplit("/", 1)[1], h.hexdigest())
PYEOF
t1=$(awk '$1 == "t1.db" { print $2 }' "$T/dumps")
for s in t3 split; do
	[ "$(awk -v s="$s.db" '$1 == s { print $2 }' "$T/dumps")" = "$t1" ] ||
		soft_fail "store $s differs from t1 (threads 1): the stored rows depend on threads or splitting"
done

# Each check: the stores to ask and the query. The reference answers them
# all in one run (--batch); "noref" is compared with the answer computed
# without reference data.
refs="--reference $(printf '%q' "$T/ref/streamers.csv") --reference $(printf '%q' "$T/ref/games.csv")"
nq=0
declare -a C_STORES C_ARGS
check() { # STORE... -- QUERY ARGS...
	local stores=()
	while [ "$1" != "--" ]; do
		stores+=("$1")
		shift
	done
	shift
	nq=$((nq + 1))
	C_STORES[nq]="${stores[*]}"
	C_ARGS[nq]="$(printf '%q ' "$@")"
	printf -- '--query %s %s\n--query %s\n' "${C_ARGS[nq]}" "$refs" "${C_ARGS[nq]}" >>"$T/batch"
}
check t1 t3 split noref -- followers
check t1 t3 split noref -- streamer-followers
check t1 t3 split noref -- follower-ranking --by gain --limit 100
check t1 -- followers --window minute
check t1 -- followers --window day
check t1 noref -- streamer-followers --window minute
check t1 noref -- streamer-followers --window day
check t1 -- followers --platform YouTube --from 2026-11-20T02:00:00Z --to 2026-11-20T05:00:00Z
check t1 -- followers --channel "$chan" --platform twitch --window minute
check t1 -- followers --channel EdgeChan --window minute
check t1 noref -- streamer-followers --streamer EDGESTREAMER
check t1 -- streamer-followers --from 2026-11-20T01:30:00Z --to 2026-11-20T06:00:00Z
check t1 noref -- follower-ranking
check t1 -- follower-ranking --platform twitter --by gain
check t1 -- follower-ranking --from 2026-11-20T02:00:00Z --to 2026-11-20T05:00:00Z --limit 5
check t1 -- follower-ranking --game "$game" --limit 50
check t1 noref -- follower-ranking --game "dota 2" --language en --limit 50
check t1 -- follower-ranking --genre moba --limit 50
check t1 -- follower-ranking --console pc --by gain --limit 50
check t1 -- follower-ranking --language EN --platform youtube --from 2026-11-20T03:00:00Z
mkdir "$T/want"
$FREF --batch "$T/batch" --out "$T/want" "$T/sim.ndjson" "$T/edge.ndjson" || fail "the reference failed"
checks=0
for ((i = 1; i <= nq; i++)); do
	eval "args=(${C_ARGS[i]})"
	for s in ${C_STORES[i]}; do
		query_csv "$T/$s.db" "${args[@]}" >"$T/got.csv"
		want="$T/want/$((2 * i - 1)).csv"
		[ "$s" = noref ] && want="$T/want/$((2 * i)).csv"
		soft_same "$want" "$T/got.csv" "${C_ARGS[i]}($s)"
		checks=$((checks + 1))
	done
done
note "$checks query results compared"

# Filters that must select something, or the comparisons above prove little.
query_csv "$T/t1.db" follower-ranking --game "$game" >"$T/g.csv"
[ "$(wc -l <"$T/g.csv")" -gt 1 ] || soft_fail "no streamer played '$game'?"
query_csv "$T/t1.db" follower-ranking --console PC >"$T/g.csv"
[ "$(wc -l <"$T/g.csv")" -gt 1 ] || soft_fail "no PC streamer?"
query_csv "$T/t1.db" streamer-followers --streamer edgestreamer --window day >"$T/g.csv"
grep -q '^2026-11-20,edgestreamer,12,5$' "$T/g.csv" ||
	soft_fail "edge streamer on 2026-11-20: $(cat "$T/g.csv")"

# Errors: filters a query does not take, bad values, bad reference files.
expect_exit() { # CODE WHAT ARGS...
	local code="$1" what="$2"
	shift 2
	run_weir "$@"
	[ "$rc" = "$code" ] || soft_fail "$what: exit $rc, expected $code ($(head -c 300 "$T/err"))"
}
S=(--store "sqlite:$T/t1.db")
expect_exit 2 "followers --game" query followers --game x "${S[@]}"
grep -q -- "--game" "$T/err" || soft_fail "the error should name --game: $(cat "$T/err")"
expect_exit 2 "streamer-followers --platform" query streamer-followers --platform twitch "${S[@]}"
expect_exit 2 "follower-ranking --channel" query follower-ranking --channel x "${S[@]}"
expect_exit 2 "follower-ranking --by views" query follower-ranking --by views "${S[@]}"
expect_exit 2 "followers --platform tiktok" query followers --platform tiktok "${S[@]}"
expect_exit 2 "follower-ranking --window day" query follower-ranking --window day "${S[@]}"
expect_exit 2 "--window week" query followers --window week "${S[@]}"
printf 'streamer,display_name,twitch,twitter,language\nx,X,x,x,en\n' >"$T/bad.csv"
expect_exit 2 "--reference without youtube" ingest --store "sqlite:$T/bad.db" --reference "$T/bad.csv" \
	"$T/edge.ndjson"
grep -q "bad.csv" "$T/err" && grep -q "youtube" "$T/err" ||
	soft_fail "the error should name the file and the column: $(cat "$T/err")"
[ ! -e "$T/bad.dead.ndjson" ] || soft_fail "a bad reference file must stop the ingest before any event"
expect_exit 2 "--reference missing file" ingest --store "sqlite:$T/bad.db" --reference "$T/nope.csv" \
	"$T/edge.ndjson"
expect_exit 0 "--reference alone" ingest --store "sqlite:$T/refonly.db" --reference "$T/ref/games.json"
finish
