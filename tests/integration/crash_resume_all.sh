#!/bin/bash
# crash_resume_all.sh — exactly-once across every analytics family: an ingest
# of all five kinds (chat, followers, stream, chatters, post; with reference
# data and keywords) is killed with SIGKILL at 20 random points and run again
# each time; every query of every family must then equal an uninterrupted
# run byte for byte, and the dead-letter file hold the same lines, none twice.
# (crash_resume.sh does the same for chat alone, on a longer input.)
source "$(dirname "$0")/lib.sh"

"$WEIR" sim --seed 21 --span 12h --channels 20 --users 4000 --chatters-cap 300 --messages 150000 \
	--dup-rate 0.01 --late-rate 0.01 --bad-rate 0.001 --reference "$T/ref" -o "$T/in.ndjson" \
	2>"$T/sim.err" || fail "weir sim failed: $(cat "$T/sim.err")"
note "$(wc -l <"$T/in.ndjson") lines"
OPTS=(--checkpoint-interval 100ms --keywords love,game,stream --reference "$T/ref/streamers.csv"
	--reference "$T/ref/games.csv")

run_weir ingest --store "sqlite:$T/ref.db" --dead-letter "$T/ref.dead" "${OPTS[@]}" "$T/in.ndjson"
[ "$rc" = 0 ] || fail "reference ingest exited $rc: $(head -c 300 "$T/err")"

kills=0
for i in $(seq 1 20); do
	"$WEIR" ingest --store "sqlite:$T/crash.db" --dead-letter "$T/crash.dead" "${OPTS[@]}" \
		"$T/in.ndjson" >"$T/run.out" 2>"$T/run.err" &
	pid=$!
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.08 + (r % 250) / 1000 }')"
	if kill -9 "$pid" 2>/dev/null; then
		kills=$((kills + 1))
	fi
	wait "$pid" 2>/dev/null
	check_sanitizers "$T/run.err" "ingest run $i"
done
note "$kills runs killed with SIGKILL"
run_weir ingest --store "sqlite:$T/crash.db" --dead-letter "$T/crash.dead" "${OPTS[@]}" "$T/in.ndjson"
[ "$rc" = 0 ] || fail "final ingest exited $rc: $(head -c 300 "$T/err")"
[ "$kills" -ge 15 ] || fail "only $kills of 20 runs were still running when killed"

query_csv "$T/ref.db" chat >"$T/a.csv"
chan=$(awk -F, 'NR > 1 { m[$2] += $3 } END { for (c in m) print m[c], c }' "$T/a.csv" | sort -rn | head -1 |
	awk '{ print $2 }')
query_csv "$T/ref.db" presence >"$T/a.csv"
pchan=$(awk -F, 'NR == 2 { print $2 }' "$T/a.csv")
user=$(awk -F, 'NR == 2 { print $1 }' <(query_csv "$T/ref.db" top-users --channel "$chan"))
[ -n "$chan" ] && [ -n "$pchan" ] && [ -n "$user" ] || fail "no chat/presence rows to compare"
n=0
while IFS= read -r q; do
	# shellcheck disable=SC2086
	query_csv "$T/ref.db" $q >"$T/a.csv"
	# shellcheck disable=SC2086
	query_csv "$T/crash.db" $q >"$T/b.csv"
	same "$T/a.csv" "$T/b.csv" "$q after crashes"
	n=$((n + 1))
done <<QUERIES
chat-minutes
chat --window day
top-words --channel $chan --limit 50
top-users --channel $chan --limit 50
chat-range
top-words --channel $chan --approx
followers --window minute
followers --window day
streamer-followers
follower-ranking --by gain
streams --window hour
game-ranking
streamer-schedule --channel $pchan
presence
presence-daily
viewers-over-day
user-schedule --user $user
overlap --a $chan --b $pchan
posts --window hour
keywords --window day
post-locations
trending
posts-raw --limit 100000
rejects
QUERIES
sort "$T/ref.dead" >"$T/a.dead"
sort "$T/crash.dead" >"$T/b.dead"
same "$T/a.dead" "$T/b.dead" "dead-letter file after crashes"
note "$n queries identical; pass"
