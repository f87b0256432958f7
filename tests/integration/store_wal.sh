#!/bin/bash
# store_wal.sh — the SQLite store's WAL handling (docs/store.md).
#
# WAL checkpoints run on a thread, and the end of an ingest leaves a short
# WAL at the close. So:
#   - an ingest that commits often (checkpoints while the writer goes on),
#     by time or by --checkpoint-size, gives the same answers as one that
#     commits once;
#   - after an ingest, the WAL's valid part is short (the summaries'
#     transaction was written at its start), and the store opens with it;
#   - the next ingest into the same store adds to it correctly;
#   - a store whose WAL is gone (a copy of the database file alone) answers
#     the same too.
. "$(dirname "$0")/lib.sh"

"$WEIR" sim --seed 9 --span 2d --kinds chat --channels 12 --users 3000 --messages 60000 \
	--late-rate 0.01 -o "$T/in.ndjson" 2>"$T/sim.err" || fail "weir sim failed: $(cat "$T/sim.err")"
n=$(wc -l <"$T/in.ndjson")
head -n $((n / 2)) "$T/in.ndjson" >"$T/p1.ndjson"
tail -n +$((n / 2 + 1)) "$T/in.ndjson" >"$T/p2.ndjson"

run_ok ingest --store "sqlite:$T/once.db" "$T/in.ndjson"
run_ok ingest --store "sqlite:$T/often.db" --checkpoint-interval 10ms "$T/in.ndjson"
run_ok ingest --store "sqlite:$T/bysize.db" --checkpoint-size 1 --summary json "$T/in.ndjson"
[ "$(json_get "$T/out" checkpoints)" -ge 5 ] ||
	fail "--checkpoint-size 1 on 14 MB: only $(json_get "$T/out" checkpoints) checkpoints"
run_ok ingest --store "sqlite:$T/split.db" "$T/p1.ndjson"
run_ok ingest --store "sqlite:$T/split.db" --checkpoint-interval 10ms "$T/p2.ndjson"

# The valid frames in each store's WAL, as a new connection finds them.
wal_frames() {
	$PY -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("PRAGMA journal_mode").fetchone()[0], db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])' "$1"
}
for db in once often bysize split; do
	[ -f "$T/$db.db-wal" ] || fail "$db.db: no WAL left by the ingest"
	cp "$T/$db.db" "$T/$db.alone.db" # before anything else opens the store
done
for db in once often bysize split; do
	read -r mode frames < <(wal_frames "$T/$db.alone.db")
	[ "$mode" = wal ] || fail "$db.alone.db: journal mode $mode"
	read -r mode frames < <(wal_frames "$T/$db.db")
	[ "$mode" = wal ] && [ "$frames" -ge 1 ] && [ "$frames" -le 256 ] ||
		fail "$db.db: the WAL left by the ingest has $frames frames (expected 1..256, mode $mode)"
done

qs=("chat --window hour" "chat-range" "chat-range --approx" "top-words --approx --limit 40"
	"top-users --approx --limit 40")
for i in "${!qs[@]}"; do
	query_csv "$T/once.db" ${qs[$i]} >"$T/a.$i.csv"
	[ "$(wc -l <"$T/a.$i.csv")" -gt 2 ] || fail "${qs[$i]}: too few rows: $(cat "$T/a.$i.csv")"
	for db in often bysize split once.alone often.alone split.alone; do
		query_csv "$T/$db.db" ${qs[$i]} >"$T/y.csv"
		soft_same "$T/a.$i.csv" "$T/y.csv" "${qs[$i]} ($db.db)"
	done
done
finish
