#!/bin/sh
# bench/run.sh — `make bench`: weir ingest against DuckDB on N chat messages.
#
#   N=2000000 RUNS=3 bench/run.sh
#
# Generates N chat messages (deterministic), then in one run times
#   - `weir ingest` into a fresh SQLite store, end to end (parse, window, durable
#     commit), wall time of the process;
#   - bench/duckdb_chat.mjs computing the same per channel-minute counts and top
#     words/users with DuckDB at 1 and 2 threads (query time, file read included);
# each RUNS times, interleaved, keeping the best (the median is shown too);
# then checks that weir's stored answers equal DuckDB's (bench/compare_chat.py,
# every channel) and prints events/s and the ratio DuckDB time / weir time (> 1: weir is faster).
# Exits non-zero if anything fails or the answers differ. Needs only what
# `make deps` installs and a built ./weir. docs/benchmarks.md has the results.
set -eu
cd "$(dirname "$0")/.."

N=${N:-2000000}
RUNS=${RUNS:-3}
WEIR=${WEIR:-./weir}
OUT=bench/out
DATA=$OUT/chat.ndjson
DB=$OUT/bench.db
STORE=sqlite:$DB

die() {
	echo "bench: $*" >&2
	exit 1
}
[ -x "$WEIR" ] || die "$WEIR not found: run 'make build' (or 'make bench')"
[ -d node_modules/@duckdb/node-api ] || die "node_modules/@duckdb/node-api missing: run 'make deps'"
mkdir -p "$OUT"

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# best (minimum) and median of a list of seconds
best() { echo "$1" | tr ' ' '\n' | grep . | sort -g | head -n 1; }
median() { echo "$1" | tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# 1. Data.
echo "bench: generating $N chat messages -> $DATA"
t0=$(now)
"$WEIR" sim --seed 1 --messages "$N" --kinds chat --dup-rate 0 --late-rate 0 --bad-rate 0 -o "$DATA" ||
	die "weir sim failed"
# The fresh file on disk before any timing: otherwise the kernel is still
# writing its 470 MB back during the first run, and the store's fdatasyncs
# wait behind that (the first weir run was 20-30% slower than the others).
sync
lines=$(wc -l <"$DATA")
size=$(wc -c <"$DATA")
echo "bench: $lines lines, $((size / 1000000)) MB by weir sim in $(secs "$t0" "$(now)") s"

# 2. Timings, interleaved so that background noise hits every system alike.
w_all="" d1_all="" d2_all=""
i=1
while [ "$i" -le "$RUNS" ]; do
	rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-journal" "$OUT/bench.dead.ndjson"
	t0=$(now)
	"$WEIR" ingest --store "$STORE" "$DATA" >"$OUT/ingest.log" 2>&1 ||
		{ cat "$OUT/ingest.log" >&2; die "weir ingest failed"; }
	t=$(secs "$t0" "$(now)")
	w_all="$w_all $t"
	echo "bench: run $i/$RUNS  weir ingest        ${t} s"
	for th in 1 2; do
		r=$(node bench/duckdb_chat.mjs "$DATA" "$th" "$OUT/duckdb-t$th") || die "bench/duckdb_chat.mjs failed"
		t=$(echo "$r" | sed -n 's/.*"best":\([0-9.]*\).*/\1/p')
		[ -n "$t" ] || die "bench/duckdb_chat.mjs printed no time: $r"
		echo "bench: run $i/$RUNS  duckdb threads=$th  ${t} s"
		if [ "$th" = 1 ]; then d1_all="$d1_all $t"; else d2_all="$d2_all $t"; fi
	done
	i=$((i + 1))
done
sed -n '1,2p' "$OUT/ingest.log" | sed 's/^/bench: weir says: /'

# 3. Correctness: DuckDB at 1 and 2 threads agree with each other, weir with DuckDB.
for f in chat_minutes top_words top_users; do
	cmp -s "$OUT/duckdb-t1/$f.csv" "$OUT/duckdb-t2/$f.csv" || die "DuckDB's $f.csv differs between 1 and 2 threads"
done
ok=0
python3 bench/compare_chat.py "$WEIR" "$STORE" "$OUT/duckdb-t2" || ok=1

# 4. Report.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo
echo "chat benchmark: $N messages ($((size / 1000000)) MB NDJSON from weir sim), best of $RUNS; $(nproc) cores, $cpu; $(date -u +%Y-%m-%d)"
awk -v n="$N" -v w="$(best "$w_all")" -v d1="$(best "$d1_all")" -v d2="$(best "$d2_all")" \
	-v wm="$(median "$w_all")" -v d1m="$(median "$d1_all")" -v d2m="$(median "$d2_all")" 'BEGIN {
	printf "%-12s %-8s %9s %12s %8s   %s\n", "system", "threads", "seconds", "events/s", "ratio", "(median s, ratio)"
	printf "%-12s %-8s %9.3f %12.0f %8s   (%.3f)\n", "weir ingest", "auto", w, n / w, "1.00", wm
	printf "%-12s %-8s %9.3f %12.0f %8.2f   (%.3f, %.2f)\n", "duckdb", "1", d1, n / d1, d1 / w, d1m, d1m / wm
	printf "%-12s %-8s %9.3f %12.0f %8.2f   (%.3f, %.2f)\n", "duckdb", "2", d2, n / d2, d2 / w, d2m, d2m / wm
	printf "seconds: best of the runs; ratio = DuckDB seconds / weir seconds (> 1: weir is faster).\n"
	printf "Target weir >= 1.0x DuckDB at 2 threads: %s\n", (d2 / w >= 1.0) ? "met" : "NOT met"
}'
[ "$ok" = 0 ] || die "weir's answers differ from DuckDB's (see above)"
