#!/bin/bash
# mixed_kinds.sh — all five kinds in one input through every operator at
# once: operators' user dictionaries stay apart (a regression test: chat and
# presence once shared global-id cache slots), and every query of every
# family gives the same rows with 1 and 3 worker threads.
source "$(dirname "$0")/lib.sh"

cat >"$T/tiny.ndjson" <<'NDJSON'
{"kind":"chat","platform":"twitch","ts":"2026-11-20T10:00:01Z","channel":"c","user":"alice","text":"hi"}
{"kind":"chatters","platform":"twitch","ts":"2026-11-20T10:00:02Z","channel":"c","users":["bob"]}
NDJSON
run_ok ingest --threads 1 --store "sqlite:$T/tiny.db" "$T/tiny.ndjson"
query_csv "$T/tiny.db" user-schedule --user bob >"$T/bob.csv"
grep -q '^2026-11-20T10:00:00Z,c$' "$T/bob.csv" || fail "user-schedule bob: $(cat "$T/bob.csv")"
query_csv "$T/tiny.db" user-schedule --user alice >"$T/alice.csv"
[ "$(wc -l <"$T/alice.csv")" = 1 ] || fail "user-schedule alice should be empty: $(cat "$T/alice.csv")"
query_csv "$T/tiny.db" top-users --channel c >"$T/tu.csv"
grep -q '^alice,1$' "$T/tu.csv" || fail "top-users: $(cat "$T/tu.csv")"

# a clock 10 years ahead: a counted dead letter, and the watermark is not dragged along
cat >"$T/future.ndjson" <<'NDJSON'
{"kind":"chat","platform":"twitch","ts":"2026-11-20T10:00:00Z","channel":"c","user":"a","text":"x"}
{"kind":"chat","platform":"twitch","ts":"2036-11-20T10:00:01Z","channel":"c","user":"b","text":"from the future"}
{"kind":"chat","platform":"twitch","ts":"2026-11-20T10:00:02Z","channel":"c","user":"c","text":"y"}
NDJSON
run_ok ingest --store "sqlite:$T/future.db" --dead-letter "$T/future.dead" --summary json "$T/future.ndjson"
[ "$(json_get "$T/out" reasons.future_timestamp)" = 1 ] || fail "future line not dead-lettered: $(cat "$T/out")"
[ "$(json_get "$T/out" late)" = 0 ] || fail "the future line made later events late: $(cat "$T/out")"
grep -q '"reason":"future_timestamp"' "$T/future.dead" || fail "no future_timestamp dead letter"

"$WEIR" sim --seed 5 --span 3h --channels 12 --users 2000 -o "$T/all.ndjson" --reference "$T/ref" 2>"$T/sim.err" ||
	fail "weir sim: $(cat "$T/sim.err")"
for th in 1 3; do
	run_ok ingest --threads $th --store "sqlite:$T/a$th.db" --reference "$T/ref/streamers.csv" \
		--reference "$T/ref/games.csv" --keywords gg,pog --summary json "$T/all.ndjson"
done
note "summary: $(cat "$T/out")"
chan=$(query_csv "$T/a1.db" chat --window day | awk -F, 'NR == 2 { print $2 }')
user=$(query_csv "$T/a1.db" top-users --channel "$chan" | awk -F, 'NR == 2 { print $1 }')
n=0
while IFS= read -r q; do
	query_csv "$T/a1.db" $q >"$T/q1.csv"
	query_csv "$T/a3.db" $q >"$T/q3.csv"
	same "$T/q1.csv" "$T/q3.csv" "$q: 1 vs 3 threads"
	n=$((n + 1))
done <<QUERIES
chat-minutes
chat --window day
top-words --channel $chan
top-users --channel $chan
followers
streamer-followers
follower-ranking
streams
game-ranking
streamer-schedule --channel $chan
presence
presence-daily
viewers-over-day
user-schedule --user $user
posts
keywords
post-locations
trending
posts-raw
QUERIES
note "$n queries identical at 1 and 3 threads"
note "pass"
