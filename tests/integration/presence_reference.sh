#!/bin/bash
# presence_reference.sh — simulated chatters snapshots (with duplicates, late
# and malformed lines, plus hand-made edge cases: late corrections to closed
# slots and days, repeated and empty names, empty lists, mixed-case channels,
# invalid chatters lines) through the whole pipeline with 1 and 3 worker
# threads and split over two ingests, against the independent reference
# tests/ref/presence_ref.py: every presence query, byte for byte. Then the
# query CLI's errors for the presence queries.
source "$(dirname "$0")/lib.sh"
PREF="$PY $WEIR_ROOT/tests/ref/presence_ref.py"

# stream samples ride along so that the watermark moves between snapshots
# (late lines are then really late); presence ignores them
"$WEIR" sim --seed 11 --start 2026-11-20T18:00:00Z --span 4h --kinds chatters,stream --channels 20 \
	--users 3000 --dup-rate 0.02 --late-rate 0.05 --bad-rate 0.01 -o "$T/sim.ndjson" 2>"$T/sim.err" ||
	fail "weir sim failed: $(cat "$T/sim.err")"

# the busiest channels, for the edge cases and the overlap checks
$PREF --query presence-daily "$T/sim.ndjson" >"$T/daily0.csv" || fail "reference failed"
mapfile -t CH < <(awk -F, 'NR > 1 { print $3, $2 }' "$T/daily0.csv" | sort -k1,1nr -k2 | head -3 | awk '{ print $2 }')
[ "${#CH[@]}" -eq 3 ] || fail "expected at least 3 channels with snapshots"
UP=$(echo "${CH[0]}" | tr a-z A-Z)
ev() { # ts channel users-json
	printf '{"kind":"chatters","platform":"twitch","ts":%s,"channel":"%s","users":%s}\n' "$1" "$2" "$3"
}
{
	# late beyond the lateness bound: a closed slot and a closed (earlier) day reopen
	ev '"2026-11-20T18:00:30Z"' "$UP" '["zz_late_one","zz_late_one","","zz_late_two"]'
	ev '"2026-11-19T23:59:59.999Z"' "${CH[1]}" '["zz_late_one","zz_yesterday"]'
	ev 1795132799000 "${CH[2]}" '["zz_yesterday"]'
	# another snapshot in an existing slot: a union; an offset time; an empty list
	ev '"2026-11-20T21:03:00+02:00"' "${CH[0]}" '["zz_late_two","zz_ünï"]'
	ev '"2026-11-20T19:42:00Z"' "${CH[1]}" '[]'
	ev '"2026-11-20T19:42:10Z"' zz_empty_channel '[]'
	# invalid chatters lines: dead letters, no effect
	ev '"2026-11-20T19:00:00Z"' "${CH[0]}" '"zz_not_a_list"'
	ev '"2026-11-20T19:00:00Z"' "${CH[0]}" '["zz_bad", 5]'
	ev '"2026-11-20T19:00:00Z"' "" '["zz_bad"]'
	ev '"2026-11-20T19:00:00Z"' "${CH[0]}" null
	echo '{"kind":"chatters","platform":"twitch","ts":"2026-11-20T19:00:00Z","users":["zz_bad"]}'
} >"$T/extra.ndjson"
# t1, t3: one ingest of two files (the engine hands each file's last batch
# to the workers, so the late lines at the end meet closed windows);
# split: the simulated lines over two ingests, the late ones in the second
half=$(($(wc -l <"$T/sim.ndjson") / 2))
head -n "$half" "$T/sim.ndjson" >"$T/part1.ndjson"
tail -n +"$((half + 1))" "$T/sim.ndjson" >"$T/part2.ndjson"
note "$(($(wc -l <"$T/sim.ndjson") + $(wc -l <"$T/extra.ndjson"))) lines; channels ${CH[*]}"

ingest() { # store threads files...
	local db="$1" th="$2"
	shift 2
	run_weir ingest --threads "$th" --store "sqlite:$db" --dead-letter "$T/dead.ndjson" --summary json "$@"
	[ "$rc" = 0 ] || fail "ingest --threads $th exited $rc: $(head -3 "$T/err")"
	cp "$T/out" "$db.summary"
}
ingest "$T/t1.db" 1 "$T/sim.ndjson" "$T/extra.ndjson"
ingest "$T/t3.db" 3 "$T/sim.ndjson" "$T/extra.ndjson"
ingest "$T/split.db" 2 "$T/part1.ndjson"
ingest "$T/split.db" 2 "$T/part2.ndjson" "$T/extra.ndjson"
note "summary: $(cat "$T/t1.db.summary")"

# The checks: "STORES|ARGS" (STORES: all = t1 t3 split). The reference
# reads the input once for all of them.
reg=$(grep -m1 -o '"channel":"'"${CH[0]}"'","users":\["[^"]*"' "$T/sim.ndjson" | sed 's/.*\["//; s/"$//')
[ -n "$reg" ] || fail "no snapshot of ${CH[0]}"
checks=(
	"all|presence"
	"all|presence-daily"
	"all|viewers-over-day"
	"all|user-schedule --user zz_late_one"
	"all|user-schedule --user $reg"
	"all|overlap --a ${CH[0]} --b ${CH[1]}"
	"all|overlap --a ${CH[1]} --b ${CH[2]}"
	"t3|presence --channel $UP"
	"t3|presence --from 2026-11-20T19:00:00Z --to 2026-11-20T20:30:00Z"
	"t3|presence-daily --channel ${CH[1]} --limit 1"
	"t3|viewers-over-day --day 2026-11-19"
	"t3|viewers-over-day --day 2026-11-20 --limit 10"
	"t3|user-schedule --user zz_late_two"
	"t3|user-schedule --user zz_ünï"
	"t3|user-schedule --user nobody_at_all"
	"t3|user-schedule --user $reg --from 2026-11-20T20:00:00Z --to 2026-11-20T21:00:00Z"
	"t3|overlap --a $UP --b ${CH[2]}"
	"t3|overlap --a ${CH[0]} --b ${CH[0]}"
	"t3|overlap --a ${CH[0]} --b no_such_channel"
	"t3|overlap --a ${CH[1]} --b ${CH[2]} --from 2026-11-20T00:00:00Z"
)
: >"$T/batch"
for k in "${!checks[@]}"; do
	echo "$T/ref$k.csv --query ${checks[$k]#*|}" >>"$T/batch"
done
echo "$T/ref_summary.json --query summary" >>"$T/batch"
$PREF --batch "$T/batch" "$T/sim.ndjson" "$T/extra.ndjson" || fail "reference failed"

want=$(json_get "$T/ref_summary.json" chatters)
got=$(json_get "$T/t1.db.summary" by_kind.chatters)
[ "$want" = "$got" ] || soft_fail "valid chatters events: weir $got, reference $want"
[ "$(json_get "$T/t1.db.summary" corrections)" -gt 0 ] || soft_fail "expected corrections (late snapshots)"
[ "$(json_get "$T/t1.db.summary" dead_letters)" -ge 5 ] || soft_fail "expected the invalid lines as dead letters"

for k in "${!checks[@]}"; do
	stores=${checks[$k]%%|*}
	[ "$stores" = all ] && stores="t1 t3 split"
	read -r -a args <<<"${checks[$k]#*|}"
	for db in $stores; do
		query_csv "$T/$db.db" "${args[@]}" >"$T/got.csv"
		soft_same "$T/ref$k.csv" "$T/got.csv" "${checks[$k]#*|} ($db)"
	done
done
rows() { echo $(($(wc -l <"$T/ref$1.csv") - 1)); }
[ "$(rows 0)" -gt 100 ] || soft_fail "presence: only $(rows 0) rows"
[ "$(rows 3)" -gt 0 ] && [ "$(rows 4)" -gt 0 ] && [ "$(rows 13)" -gt 0 ] || soft_fail "user-schedule: no rows"
[ "$(rows 10)" -gt 0 ] || soft_fail "viewers-over-day --day 2026-11-19: expected the late snapshots' slot"

# the CLI: filters a presence query does not take, required filters, grains
db="sqlite:$T/t1.db"
expect_2() {
	run_weir query "$@" --store "$db"
	[ "$rc" = 2 ] || soft_fail "weir query $*: exit $rc, expected 2"
	grep -q . "$T/err" || soft_fail "weir query $*: no message"
}
expect_2 presence --user x
expect_2 presence-daily --day 2026-11-20
expect_2 viewers-over-day --channel "${CH[0]}"
expect_2 user-schedule
expect_2 overlap --a "${CH[0]}"
expect_2 presence --window hour
run_weir query user-schedule --user nobody_at_all --store "$db" --format csv
[ "$rc" = 0 ] && [ "$(cat "$T/out")" = "snapshot,channel" ] || soft_fail "unknown user: expected the header alone"
run_weir query overlap "${CH[0]}" "${CH[1]}" --store "$db" --format csv # positional form
[ "$rc" = 0 ] && [ "$(wc -l <"$T/out")" -ge 2 ] || soft_fail "overlap A B (positional) failed"
finish
