#!/bin/bash
# order_chunking.sh — order and chunking do not matter (events.md §3: after a
# finite input is read, the stored results equal an exact batch computation).
#
# The real IRC log is turned into canonical NDJSON chat events by
# tests/ref/irc_to_ndjson.py, then ingested
#   (a) in order                          -> equal to the reference
#   (b) shuffled within the 5 s lateness  -> identical to (a), no late events
#   (c) split into 4 contiguous files (ingested in order, then newest
#       first) / 3 interleaved files, one `weir ingest` per file into one
#       store; and the 3 files in one ingest              -> identical
#   (d) 10 % of events delayed up to 10 min (late: corrections) -> identical;
#       the same and (b) again with --lateness 0          -> identical
#   (e) with message ids: once, then the same file again -> identical
#       (idempotent); with 100 repeated ids inside one file -> identical
#   (f) with RFC 3339 offsets (+05:30, -08:00) in ts  -> identical
#   (g) --threads 1 and --threads 4                   -> identical
. "$(dirname "$0")/lib.sh"

LOG="$(irc_log)"
CONV="$PY $WEIR_ROOT/tests/ref/irc_to_ndjson.py"

# results STORE DIR : the compared queries of STORE into DIR/*.csv
results() {
	mkdir -p "$2"
	query_csv "$1" chat-minutes >"$2/minutes.csv"
	query_csv "$1" chat --window hour >"$2/hour.csv"
	query_csv "$1" top-words --channel admiralbulldog --limit 50 >"$2/words.csv"
	query_csv "$1" top-users --channel admiralbulldog --limit 50 >"$2/users.csv"
}
# compare EXPECTED_DIR GOT_DIR WHAT
compare() {
	local q
	for q in minutes hour words users; do
		soft_same "$1/$q.csv" "$2/$q.csv" "$3: $q"
	done
}
# ingest STORE FILE... : one `weir ingest` (summary kept in $T/summary.json)
ingest() {
	local db="$1"
	shift
	run_ok ingest --store "sqlite:$db" --summary json "$@"
	cp "$T/out" "$T/summary.json"
}

# The reference, computed on the IRC log itself.
mkdir -p "$T/ref"
ref --format irc --query chat-minutes "$LOG" >"$T/ref/minutes.csv"
ref --format irc --query chat --window hour "$LOG" >"$T/ref/hour.csv"
ref --format irc --query top-words --channel admiralbulldog --limit 50 "$LOG" >"$T/ref/words.csv"
ref --format irc --query top-users --channel admiralbulldog --limit 50 "$LOG" >"$T/ref/users.csv"
NEV=$(ref --format irc --query summary "$LOG" | $PY -c 'import json,sys; print(json.load(sys.stdin)["events"])')

# (a) in order
$CONV "$LOG" >"$T/a.ndjson" || fail "irc_to_ndjson"
ingest "$T/a.db" "$T/a.ndjson"
[ "$(json_get "$T/summary.json" events)" = "$NEV" ] ||
	soft_fail "(a) summary events: got '$(json_get "$T/summary.json" events)', want $NEV"
results "$T/a.db" "$T/a"
compare "$T/ref" "$T/a" "(a) in order vs reference"

# (b) shuffled within the lateness bound
$CONV --jitter 5000 --seed 7 --stats-lateness 5000 "$LOG" >"$T/b.ndjson" 2>"$T/b.stats" || fail "conv b"
cmp -s "$T/a.ndjson" "$T/b.ndjson" && fail "(b) shuffle did not change the order"
ingest "$T/b.db" "$T/b.ndjson"
late=$(json_get "$T/summary.json" late)
[ "$late" = 0 ] || soft_fail "(b) within lateness: summary late = '$late', want 0 ($(cat "$T/b.stats"))"
results "$T/b.db" "$T/b"
compare "$T/a" "$T/b" "(b) shuffled within lateness"

# (c1) 4 contiguous chunks, 4 ingests into one store
$CONV --split 4 --split-mode chunks --seed 3 -o "$T/c1" "$LOG" || fail "conv c1"
for i in 1 2 3 4; do ingest "$T/c1.db" "$T/c1.$i.ndjson"; done
results "$T/c1.db" "$T/c1"
compare "$T/a" "$T/c1" "(c1) 4 contiguous chunks, 4 ingests"

# (c4) the same 4 chunks ingested newest first: every ingest after the first
# lands behind the stored watermark
for i in 4 3 2 1; do ingest "$T/c4.db" "$T/c1.$i.ndjson"; done
results "$T/c4.db" "$T/c4"
compare "$T/a" "$T/c4" "(c4) 4 chunks, ingested newest first"

# (c2) 3 interleaved files (every file spans the whole log), 3 ingests
$CONV --split 3 --split-mode interleave -o "$T/c2" "$LOG" || fail "conv c2"
for i in 1 2 3; do ingest "$T/c2.db" "$T/c2.$i.ndjson"; done
results "$T/c2.db" "$T/c2"
compare "$T/a" "$T/c2" "(c2) 3 interleaved files, 3 ingests"

# (c3) the same 3 files in one ingest
ingest "$T/c3.db" "$T/c2.3.ndjson" "$T/c2.1.ndjson" "$T/c2.2.ndjson"
results "$T/c3.db" "$T/c3"
compare "$T/a" "$T/c3" "(c3) 3 interleaved files, one ingest"

# (d) shuffled beyond the lateness bound: late events are corrections
$CONV --delay-frac 0.1 --delay-max 600000 --seed 5 --stats-lateness 5000 "$LOG" >"$T/d.ndjson" 2>"$T/d.stats" ||
	fail "conv d"
ingest "$T/d.db" "$T/d.ndjson"
late=$(json_get "$T/summary.json" late)
note "(d) $(cat "$T/d.stats"); weir summary late=$late"
[[ "$late" =~ ^[0-9]+$ ]] && [ "$late" -gt 0 ] ||
	soft_fail "(d) beyond lateness: summary late = '$late', want > 0"
results "$T/d.db" "$T/d"
compare "$T/a" "$T/d" "(d) delayed up to 10 min"

# (d2) the same with --lateness 0 (every out-of-order event is late), and
# the in-order-within-5s file with --lateness 0
run_ok ingest --store "sqlite:$T/d2.db" --lateness 0 --summary json "$T/d.ndjson"
results "$T/d2.db" "$T/d2"
compare "$T/a" "$T/d2" "(d2) delayed up to 10 min, --lateness 0"
run_ok ingest --store "sqlite:$T/d3.db" --lateness 0 --summary json "$T/b.ndjson"
late=$(json_get "$T/out" late)
[[ "$late" =~ ^[0-9]+$ ]] && [ "$late" -gt 0 ] ||
	soft_fail "(d3) jittered input with --lateness 0: summary late = '$late', want > 0"
results "$T/d3.db" "$T/d3"
compare "$T/a" "$T/d3" "(d3) shuffled within 5 s, --lateness 0"

# (e) ids: re-ingesting the same file is idempotent. A file read to its end
# is skipped by its checkpoint; with --force it is read again and the ids
# make every message a duplicate.
$CONV --ids "$LOG" >"$T/e.ndjson" || fail "conv e"
ingest "$T/e.db" "$T/e.ndjson"
results "$T/e.db" "$T/e1"
compare "$T/a" "$T/e1" "(e) with ids, first ingest"
ingest "$T/e.db" "$T/e.ndjson"
skipped=$(json_get "$T/summary.json" files_skipped)
[ "$skipped" = 1 ] || soft_fail "(e) second ingest: summary files_skipped = '$skipped', want 1"
ingest "$T/e.db" --force "$T/e.ndjson"
dups=$(json_get "$T/summary.json" duplicates)
[ "$dups" = "$NEV" ] || soft_fail "(e) second ingest: summary duplicates = '$dups', want $NEV"
results "$T/e.db" "$T/e2"
compare "$T/e1" "$T/e2" "(e) with ids, after ingesting the same file twice"

# (e2) repeated ids inside one file (and out of order, which the copies are)
$CONV --ids --dups 100 --seed 11 "$LOG" >"$T/e2.ndjson" || fail "conv e2"
ingest "$T/e2.db" "$T/e2.ndjson"
dups=$(json_get "$T/summary.json" duplicates)
[ "$dups" = 100 ] || soft_fail "(e2) 100 repeated ids: summary duplicates = '$dups', want 100"
results "$T/e2.db" "$T/e2b"
compare "$T/a" "$T/e2b" "(e2) 100 repeated ids in one file"

# (f) RFC 3339 with offsets
$CONV --offsets "$LOG" >"$T/f.ndjson" || fail "conv f"
ingest "$T/f.db" "$T/f.ndjson"
results "$T/f.db" "$T/f"
compare "$T/a" "$T/f" "(f) ts with +05:30/-08:00 offsets"

# (g) thread counts
for n in 1 4; do
	run_ok ingest --store "sqlite:$T/g$n.db" --threads "$n" "$T/b.ndjson"
	results "$T/g$n.db" "$T/g$n"
	compare "$T/a" "$T/g$n" "(g) --threads $n"
done

finish
