#!/bin/bash
# live_stdin.sh — a live stream on stdin that pauses: what has arrived must
# become queryable within seconds, before the stream ends (followers keep a
# day's minutes in memory and hand them to the store at least every 5 s;
# the writer commits every second on stdin). Then, when the stream ends, the
# store equals an ingest of the same lines from a file.
source "$(dirname "$0")/lib.sh"

"$WEIR" sim --seed 4 --span 2h --kinds followers --channels 10 --dup-rate 0 --late-rate 0 --bad-rate 0 \
	-o "$T/in.ndjson" 2>"$T/sim.err" || fail "weir sim failed: $(cat "$T/sim.err")"
[ -s "$T/in.ndjson" ] || fail "no followers events"

# the producer: every line, then silence until the test closes the pipe
mkfifo "$T/pipe"
(
	cat "$T/in.ndjson"
	sleep 60
) >"$T/pipe" &
producer=$!
"$WEIR" ingest --store "sqlite:$T/live.db" --summary json - <"$T/pipe" >"$T/ingest.out" 2>"$T/ingest.err" &
ingest=$!

rows=0
for _ in $(seq 1 40); do
	sleep 0.5
	if [ -f "$T/live.db" ]; then
		rows=$("$WEIR" query followers --window minute --store "sqlite:$T/live.db" --format csv 2>/dev/null |
			wc -l)
		[ "$rows" -gt 1 ] && break
	fi
done
# close the stream: the ingest ends
kill "$producer" 2>/dev/null
wait "$producer" 2>/dev/null
wait "$ingest"
rc=$?
check_sanitizers "$T/ingest.err" "live ingest"
[ "$rows" -gt 1 ] || fail "nothing queryable within 20 s of a paused live stream"
[ "$rc" = 0 ] || fail "live ingest exited $rc: $(head -c 300 "$T/ingest.err")"
note "followers rows visible while the stream was open: $((rows - 1))"

run_ok ingest --store "sqlite:$T/file.db" "$T/in.ndjson"
for q in "followers --window minute" "followers --window day" "streamer-followers"; do
	query_csv "$T/file.db" $q >"$T/a.csv"
	query_csv "$T/live.db" $q >"$T/b.csv"
	same "$T/a.csv" "$T/b.csv" "$q: live stdin against a file"
done
note "pass"
