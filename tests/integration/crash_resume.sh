#!/bin/bash
# crash_resume.sh — kill -9 an ingest at 20 random points of a long input,
# run it again each time; the store must end up byte-for-byte equal (in
# every query, the approximate ones of the sketches included) to an
# uninterrupted run: nothing lost, nothing counted twice.
# Also: the dead-letter file ends with exactly the uninterrupted run's lines,
# and a file read to its end is skipped when ingested again.
source "$(dirname "$0")/lib.sh"

"$WEIR" sim --seed 11 --span 12h --kinds chat --channels 30 --users 5000 --messages 800000 \
	--dup-rate 0.01 --late-rate 0.01 --bad-rate 0.001 -o "$T/in.ndjson" 2>"$T/sim.err" ||
	fail "weir sim failed: $(cat "$T/sim.err")"
note "$(wc -l <"$T/in.ndjson") lines"

# the uninterrupted run
run_weir ingest --store "sqlite:$T/ref.db" --dead-letter "$T/ref.dead" --checkpoint-interval 100ms "$T/in.ndjson"
[ "$rc" = 0 ] || fail "reference ingest exited $rc"

kills=0
resumed=0
for i in $(seq 1 20); do
	"$WEIR" ingest --store "sqlite:$T/crash.db" --dead-letter "$T/crash.dead" --checkpoint-interval 100ms \
		--summary json "$T/in.ndjson" >"$T/run.out" 2>"$T/run.err" &
	pid=$!
	# a random point: 80 to 330 ms into the run (the whole input takes seconds)
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.08 + (r % 250) / 1000 }')"
	if kill -9 "$pid" 2>/dev/null; then
		kills=$((kills + 1))
	fi
	wait "$pid" 2>/dev/null
	check_sanitizers "$T/run.err" "ingest run $i"
	grep -q '"files_resumed":1' "$T/run.out" && resumed=$((resumed + 1))
done
note "$kills runs killed with SIGKILL, $resumed completed runs had resumed"
# finish whatever is left
run_weir ingest --store "sqlite:$T/crash.db" --dead-letter "$T/crash.dead" --checkpoint-interval 100ms \
	--summary json "$T/in.ndjson"
[ "$rc" = 0 ] || fail "final ingest exited $rc"
[ "$kills" -ge 18 ] || fail "only $kills of 20 runs were still running when killed"

for q in "chat-minutes" "chat --window hour" "chat --window day" "chat-range" "chat-range --approx" \
	"top-words --approx --limit 100" "top-users --approx --limit 100"; do
	query_csv "$T/ref.db" $q >"$T/a.csv"
	query_csv "$T/crash.db" $q >"$T/b.csv"
	same "$T/a.csv" "$T/b.csv" "$q after crashes"
done
chans=$(awk -F, 'NR > 1 { m[$2] += $3 } END { for (c in m) print m[c], c }' "$T/a.csv" | sort -rn | head -3 |
	awk '{ print $2 }')
for c in $chans; do
	for q in top-words top-users "top-words --approx" "top-users --approx"; do
		query_csv "$T/ref.db" $q --channel "$c" --limit 30 >"$T/a.csv"
		query_csv "$T/crash.db" $q --channel "$c" --limit 30 >"$T/b.csv"
		same "$T/a.csv" "$T/b.csv" "$q $c after crashes"
	done
done
# dead letters: the same lines, none twice
sort "$T/ref.dead" >"$T/a.dead"
sort "$T/crash.dead" >"$T/b.dead"
same "$T/a.dead" "$T/b.dead" "dead-letter file after crashes"

# a complete file is skipped; --force reads it again (and ids make that a no-op)
run_weir ingest --store "sqlite:$T/crash.db" --summary json "$T/in.ndjson"
grep -q '"files_skipped":1' "$T/out" || fail "a completely ingested file was not skipped: $(cat "$T/out")"
run_weir ingest --store "sqlite:$T/crash.db" --dead-letter "$T/force.dead" --force --summary json "$T/in.ndjson"
query_csv "$T/ref.db" chat-minutes >"$T/a.csv"
query_csv "$T/crash.db" chat-minutes >"$T/b.csv"
same "$T/a.csv" "$T/b.csv" "chat-minutes after --force re-ingest (ids dedup)"
note "pass"
