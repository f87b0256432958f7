#!/bin/bash
# bench/sketches.sh — exact against approximate (sketch) queries over a long
# range (docs/sketches.md; results in docs/benchmarks.md, "Sketches").
#
#   DAYS=30 N=3000000 RUNS=3 bench/sketches.sh       # simulated chat
#   SOURCE=irc DAYS=365 RUNS=3 bench/sketches.sh       # the real IRC log, once a day
#
# Builds (once) a store of DAYS simulated days of N chat messages (100
# Zipf-skewed channels from 2026-11-20, piped from `weir sim` into `weir
# ingest --max-future 0 -`: the days may lie ahead of the clock) — or, with
# SOURCE=irc, the real Twitch IRC log's 5 hours of chat repeated on DAYS days
# (bench/irc_days.py: a real chat's vocabulary) — then over
# the whole range times, RUNS times (best wall, mean CPU of the process):
#   - top-words / top-users of the busiest channel, exact and --approx;
#   - chat-range (distinct chatters of every channel), exact and --approx;
#   - top-words --approx of all channels together (no exact form);
# and reports the errors observed: the approximate top-10 against the exact
# one, and the chatter estimates against the exact counts.
set -eu
cd "$(dirname "$0")/.."

DAYS=${DAYS:-30}
N=${N:-3000000}
RUNS=${RUNS:-3}
WEIR=${WEIR:-./weir}
OUT=${OUT:-bench/out}
SOURCE=${SOURCE:-sim}
LOG=${LOG:-../shared/datasets/twitch-irc-admiralbulldog-2019-04-30.log.gz}
DB=$OUT/sketches-$SOURCE-${DAYS}d-$N.db
[ "$SOURCE" = irc ] && DB=$OUT/sketches-irc-${DAYS}d.db
mkdir -p "$OUT"

if [ ! -f "$DB" ] && [ "$SOURCE" = irc ]; then
	echo "# building $DB"
	python3 bench/irc_days.py "$LOG" "$DAYS" | /usr/bin/time -f "# ingest: %e s wall, %U s user" \
		"$WEIR" ingest --max-future 0 --store "sqlite:$DB" - >/dev/null
elif [ ! -f "$DB" ]; then
	echo "# building $DB"
	"$WEIR" sim --seed 1 --span "${DAYS}d" --kinds chat --messages "$N" --dup-rate 0 --late-rate 0 \
		--bad-rate 0 | /usr/bin/time -f "# ingest: %e s wall, %U s user" "$WEIR" ingest --max-future 0 \
		--store "sqlite:$DB" - >/dev/null
fi
chan=$("$WEIR" query chat --window day --store "sqlite:$DB" --format csv |
	awk -F, 'NR > 1 { m[$2] += $3 } END { for (c in m) print m[c], c }' | sort -rn | head -1 | awk '{ print $2 }')

# a query RUNS times: best wall ms and mean CPU ms (user + sys, from
# getrusage: finer than time(1)); output kept in $OUT/q.csv
timeq() {
	python3 - "$RUNS" "$OUT/q.csv" "$WEIR" query "$@" --store "sqlite:$DB" --format csv <<'PYEOF'
import resource, subprocess, sys, time
runs, out, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
walls, cpus = [], []
for _ in range(runs):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(out, "wb") as f:
        subprocess.run(cmd, stdout=f, check=True)
    walls.append(time.perf_counter() - t0)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
print("%-56s %7.1f ms wall %7.1f ms cpu" % (" ".join(cmd[2:-4]), 1000 * min(walls), 1000 * sum(cpus) / runs))
PYEOF
}

echo "# $SOURCE: $DAYS days, busiest channel $chan, store $(du -m "$DB" | cut -f1) MB"
sqlite3 "$DB" "SELECT '# hour blobs ' || (SELECT count(*) FROM chat_words) || ' rows, '
	|| (((SELECT sum(length(words)) FROM chat_words) + (SELECT sum(length(users)) FROM chat_users)) / 1048576)
	|| ' MB; day bitmaps ' || ((SELECT sum(length(users)) FROM chat WHERE grain=2) / 1048576)
	|| ' MB; day sketches ' || count(*) || ' rows, '
	|| ((sum(length(chatters)) + sum(length(words)) + sum(length(users))) / 1048576) || ' MB' FROM chat_sketch"
for q in top-words top-users; do
	timeq $q --channel "$chan" --limit 10
	cp "$OUT/q.csv" "$OUT/$q.exact.csv"
	timeq $q --channel "$chan" --limit 10 --approx
	cp "$OUT/q.csv" "$OUT/$q.approx.csv"
done
timeq chat-range
cp "$OUT/q.csv" "$OUT/range.exact.csv"
timeq chat-range --approx
cp "$OUT/q.csv" "$OUT/range.approx.csv"
timeq top-words --approx --limit 10

python3 - "$OUT" <<'PYEOF'
import csv, math, os, sys
out = sys.argv[1]
def rows(name):
    with open(os.path.join(out, name), newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]
for q in ("top-words", "top-users"):
    ex, ap = rows(q + ".exact.csv"), rows(q + ".approx.csv")
    same = [r[:2] for r in ex] == [r[:2] for r in ap]
    diff = max(abs(int(a[1]) - int(e[1])) for e, a in zip(ex, ap))
    print("# %s top-10: %s; max |count diff| %d, max error column %d" % (
        q, "identical to exact" if same else "differs from exact", diff, max(int(r[2]) for r in ap)))
ex = {r[0]: int(r[5]) for r in rows("range.exact.csv")}
rel = [(int(r[5]) - ex[r[0]]) / ex[r[0]] for r in rows("range.approx.csv") if ex[r[0]]]
print("# chatters over %d channels: RMS relative error %.3f%%, max %.3f%% (documented rse 0.81%%)" % (
    len(rel), 100 * math.sqrt(sum(x * x for x in rel) / len(rel)), 100 * max(abs(x) for x in rel)))
PYEOF
