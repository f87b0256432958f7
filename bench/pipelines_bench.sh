#!/bin/sh
# bench/pipelines_bench.sh — weir ingest against DuckDB on follower snapshots and posts.
#
#   RUNS=3 bench/pipelines_bench.sh            # both pipelines
#   PIPELINES=posts RUNS=1 bench/pipelines_bench.sh
#
# For each pipeline, generates its input with `weir sim` (deterministic, no
# malformed lines; duplicates and late lines at weir sim's default rates), then
#   - times `weir ingest` into a fresh SQLite store, end to end (parse, windows,
#     durable commit), wall time of the process;
#   - times bench/duckdb_followers.mjs or bench/duckdb_posts.mjs computing the
#     same answers with DuckDB at 1 and 2 threads (query time, file read included);
# each RUNS times, interleaved, keeping the best (the median is shown too);
# then checks that DuckDB's answers at 1 and 2 threads are identical and equal
# weir's (`weir query followers --window hour`, `weir query posts --window hour`
# without its sentiment column, which DuckDB does not compute), every row, and
# prints events/s and the ratio DuckDB time / weir time (> 1: weir is faster).
# Exits non-zero if anything fails or the answers differ.
# docs/benchmarks.md ("Followers and posts") has the results.
#
# Sizes: FCHANNELS (2000) and FSPAN (7d) for followers, PCHANNELS (400) and PSPAN
# (7d) for posts (posts scale with channels: ~32k a day per 100 channels).
set -eu
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
WEIR=${WEIR:-./weir}
PIPELINES=${PIPELINES:-followers posts}
FCHANNELS=${FCHANNELS:-2000}
FSPAN=${FSPAN:-7d}
PCHANNELS=${PCHANNELS:-400}
PSPAN=${PSPAN:-7d}
OUT=bench/out

die() {
	echo "bench: $*" >&2
	exit 1
}
[ -x "$WEIR" ] || die "$WEIR not found: run 'make build'"
[ -d node_modules/@duckdb/node-api ] || die "node_modules/@duckdb/node-api missing: run 'make deps'"
command -v python3 >/dev/null || die "python3 not found"
mkdir -p "$OUT"

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
best() { echo "$1" | tr ' ' '\n' | grep . | sort -g | head -n 1; }
median() { echo "$1" | tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# compare WEIR_CSV DUCKDB_CSV NCOLS: both parsed as CSV, the first NCOLS columns
# of every row compared as exact strings, in order. Prints the first differences.
compare() {
	python3 - "$1" "$2" "$3" <<'EOF'
import csv, sys
wf, df, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def rows(p):
    with open(p, encoding="utf-8", newline="") as f:
        return [r[:n] for r in csv.reader(f)]
w, d = rows(wf), rows(df)
if w[0] != d[0]:
    print("compare: headers differ: weir %s, duckdb %s" % (w[0], d[0]))
    sys.exit(1)
bad = 0
for i in range(1, max(len(w), len(d))):
    a = w[i] if i < len(w) else None
    b = d[i] if i < len(d) else None
    if a != b:
        bad += 1
        if bad <= 10:
            print("compare: row %d: weir %s | duckdb %s" % (i, a, b))
if bad:
    print("compare: %d of %d/%d rows differ" % (bad, len(w) - 1, len(d) - 1))
    sys.exit(1)
print("compare: %d rows identical (%s)" % (len(w) - 1, ",".join(w[0])))
EOF
}

ok=0
report=""
for p in $PIPELINES; do
	case $p in
	followers)
		simargs="--kinds followers --channels $FCHANNELS --span $FSPAN"
		peer=bench/duckdb_followers.mjs csv=followers_hour.csv ncols=8 ;;
	posts)
		simargs="--kinds post --channels $PCHANNELS --span $PSPAN"
		peer=bench/duckdb_posts.mjs csv=posts_hour.csv ncols=7 ;;
	*) die "unknown pipeline '$p' (followers, posts)" ;;
	esac
	data=$OUT/$p.ndjson db=$OUT/$p.db

	# 1. Data.
	echo "bench: $p: weir sim --seed 1 $simargs --bad-rate 0 -> $data"
	# shellcheck disable=SC2086
	"$WEIR" sim --seed 1 $simargs --bad-rate 0 --stats -o "$data" 2>"$OUT/$p.sim.log" ||
		{ cat "$OUT/$p.sim.log" >&2; die "weir sim failed"; }
	sed 's/^/bench: /' "$OUT/$p.sim.log"
	lines=$(wc -l <"$data")
	size=$(wc -c <"$data")

	# a fresh input file on disk before any timing (see bench/run.sh)
	sync

	# 2. Timings, interleaved.
	w_all="" d1_all="" d2_all=""
	i=1
	while [ "$i" -le "$RUNS" ]; do
		rm -f "$db" "$db-wal" "$db-shm" "$db-journal" "$OUT/$p.dead.ndjson"
		t0=$(now)
		"$WEIR" ingest --store "sqlite:$db" "$data" >"$OUT/$p.ingest.log" 2>&1 ||
			{ cat "$OUT/$p.ingest.log" >&2; die "weir ingest failed"; }
		t=$(secs "$t0" "$(now)")
		w_all="$w_all $t"
		echo "bench: $p run $i/$RUNS  weir ingest        ${t} s"
		for th in 1 2; do
			r=$(node "$peer" "$data" "$th" "$OUT/$p-duckdb-t$th") || die "$peer failed"
			t=$(echo "$r" | sed -n 's/.*"best":\([0-9.]*\).*/\1/p')
			[ -n "$t" ] || die "$peer printed no time: $r"
			echo "bench: $p run $i/$RUNS  duckdb threads=$th  ${t} s   $r"
			if [ "$th" = 1 ]; then d1_all="$d1_all $t"; else d2_all="$d2_all $t"; fi
		done
		i=$((i + 1))
	done
	sed -n '1,6p' "$OUT/$p.ingest.log" | sed 's/^/bench: weir says: /'
	grep -Eq 'dead letters +0$' "$OUT/$p.ingest.log" || { echo "bench: $p: weir rejected lines (see $OUT/$p.ingest.log)"; ok=1; }

	# 3. Correctness.
	cmp -s "$OUT/$p-duckdb-t1/$csv" "$OUT/$p-duckdb-t2/$csv" || { echo "bench: $p: DuckDB's $csv differs between 1 and 2 threads"; ok=1; }
	"$WEIR" query "$p" --store "sqlite:$db" --window hour --format csv >"$OUT/$p-weir.csv" || die "weir query $p failed"
	compare "$OUT/$p-weir.csv" "$OUT/$p-duckdb-t2/$csv" "$ncols" >"$OUT/$p.compare.log" || ok=1
	sed "s/^/bench: $p: /" "$OUT/$p.compare.log"

	report="$report$(awk -v p="$p" -v n="$lines" -v mb="$((size / 1000000))" -v runs="$RUNS" \
		-v w="$(best "$w_all")" -v d1="$(best "$d1_all")" -v d2="$(best "$d2_all")" \
		-v wm="$(median "$w_all")" -v d1m="$(median "$d1_all")" -v d2m="$(median "$d2_all")" 'BEGIN {
	printf "\n%s: %d events (%d MB NDJSON from weir sim), best of %d\n", p, n, mb, runs
	printf "%-12s %-8s %9s %12s %8s   %s\n", "system", "threads", "seconds", "events/s", "ratio", "(median s, ratio)"
	printf "%-12s %-8s %9.3f %12.0f %8s   (%.3f)\n", "weir ingest", "auto", w, n / w, "1.00", wm
	printf "%-12s %-8s %9.3f %12.0f %8.2f   (%.3f, %.2f)\n", "duckdb", "1", d1, n / d1, d1 / w, d1m, d1m / wm
	printf "%-12s %-8s %9.3f %12.0f %8.2f   (%.3f, %.2f)\n", "duckdb", "2", d2, n / d2, d2 / w, d2m, d2m / wm
}')
"
done

# 4. Report.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo
echo "pipelines benchmark: $(nproc) cores, $cpu; $(date -u +%Y-%m-%d)"
printf '%s' "$report"
echo "seconds: best of the runs; ratio = DuckDB seconds / weir seconds (> 1: weir is faster)."
[ "$ok" = 0 ] || die "checks failed (see above)"
