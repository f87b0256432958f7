#!/bin/bash
# sim_reference.sh — the simulator's imperfect data (duplicates, late lines
# within and beyond the lateness bound, malformed lines, non-ASCII words)
# through the whole pipeline with 1 and 3 worker threads, against the
# independent reference: identical results whatever the thread count.
source "$(dirname "$0")/lib.sh"

"$WEIR" sim --seed 7 --span 6h --kinds chat --channels 20 --users 3000 --messages 40000 \
	--dup-rate 0.01 --late-rate 0.02 --bad-rate 0.002 -o "$T/sim.ndjson" 2>"$T/sim.err" ||
	fail "weir sim failed: $(cat "$T/sim.err")"
note "$(wc -l <"$T/sim.ndjson") lines generated"

for th in 1 3; do
	run_weir ingest --threads "$th" --store "sqlite:$T/t$th.db" --dead-letter "$T/dead$th.ndjson" \
		--summary json "$T/sim.ndjson"
	[ "$rc" = 0 ] || fail "ingest --threads $th exited $rc"
	cp "$T/out" "$T/summary$th.json"
done
# run "2": a one-minute dedup horizon and frequent checkpoints, so that ids of
# closed minutes leave memory and late duplicates are found in the store
run_weir ingest --threads 2 --store "sqlite:$T/t2.db" --dead-letter "$T/dead2.ndjson" --dedup-horizon 1m \
	--checkpoint-interval 20ms --summary json "$T/sim.ndjson"
[ "$rc" = 0 ] || fail "ingest --dedup-horizon 1m exited $rc"
cp "$T/out" "$T/summary2.json"
[ "$(json_get "$T/summary2.json" duplicates)" = "$(json_get "$T/summary1.json" duplicates)" ] ||
	fail "duplicates with a 1m horizon: $(json_get "$T/summary2.json" duplicates), want $(json_get "$T/summary1.json" duplicates)"
note "summary: $(cat "$T/summary1.json")"
[ "$(json_get "$T/summary1.json" late)" -gt 0 ] || fail "expected late events in the simulated data"
[ "$(json_get "$T/summary1.json" duplicates)" -gt 0 ] || fail "expected duplicates in the simulated data"
[ "$(json_get "$T/summary1.json" dead_letters)" -gt 0 ] || fail "expected dead letters in the simulated data"

ref --format ndjson --query chat-minutes "$T/sim.ndjson" >"$T/ref_minutes.csv"
for th in 1 2 3; do
	query_csv "$T/t$th.db" chat-minutes >"$T/m$th.csv"
	same "$T/ref_minutes.csv" "$T/m$th.csv" "chat-minutes (threads $th) vs reference"
	for w in hour day; do
		ref --format ndjson --query chat --window $w "$T/sim.ndjson" >"$T/ref_$w.csv"
		query_csv "$T/t$th.db" chat --window $w >"$T/c$w$th.csv"
		same "$T/ref_$w.csv" "$T/c$w$th.csv" "chat --window $w (threads $th) vs reference"
	done
done
# top words and users of the three busiest channels
chans=$(awk -F, 'NR > 1 { m[$2] += $3 } END { for (c in m) print m[c], c }' "$T/m1.csv" | sort -rn | head -3 |
	awk '{ print $2 }')
for c in $chans; do
	for q in top-words top-users; do
		ref --format ndjson --query $q --channel "$c" --limit 25 "$T/sim.ndjson" >"$T/ref_$q.csv"
		for th in 1 2 3; do
			query_csv "$T/t$th.db" $q --channel "$c" --limit 25 >"$T/$q$th.csv"
			same "$T/ref_$q.csv" "$T/$q$th.csv" "$q $c (threads $th) vs reference"
		done
	done
done
note "pass"
