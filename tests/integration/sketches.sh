#!/bin/bash
# sketches.sh — the approximate queries (docs/sketches.md) against the exact
# ones on three simulated days of 20 channels: every row of `top-words|top-users
# --approx` brackets the true count (count - error <= true <= count), every
# item whose true count exceeds N/k (k = 1024) is listed, `chat-range --approx`
# is within 3 standard errors of the exact distinct count; and the sketches
# are deterministic: the same bytes of every sketch query at --threads 1 and
# 3 and over two split ingests (with late corrections and duplicates).
source "$(dirname "$0")/lib.sh"

"$WEIR" sim --seed 5 --span 3d --kinds chat --channels 20 --users 4000 --messages 40000 \
	--late-rate 0.01 -o "$T/in.ndjson" 2>"$T/sim.err" || fail "weir sim failed: $(cat "$T/sim.err")"
run_ok ingest --store "sqlite:$T/a.db" --threads 1 "$T/in.ndjson"
run_ok ingest --store "sqlite:$T/b.db" --threads 3 "$T/in.ndjson"
# split in two ingests, the second starting mid-day
n=$(wc -l <"$T/in.ndjson")
head -n $((n / 2)) "$T/in.ndjson" >"$T/p1.ndjson"
tail -n +$((n / 2 + 1)) "$T/in.ndjson" >"$T/p2.ndjson"
run_ok ingest --store "sqlite:$T/c.db" --threads 2 "$T/p1.ndjson"
run_ok ingest --store "sqlite:$T/c.db" --threads 2 "$T/p2.ndjson"

query_csv "$T/a.db" chat-range >"$T/range.csv"
query_csv "$T/a.db" chat-range --approx >"$T/range_approx.csv"
[ "$(awk 'END { print NR }' "$T/range.csv")" -ge 16 ] || fail "expected about 20 channels: $(cat "$T/range.csv")"
# the three busiest channels (the busiest has days of more than k = 1024 users and words) and the quietest
chans=$(awk -F, 'NR > 1 { print $4, $1 }' "$T/range.csv" | sort -rn | awk '{ print $2 }' | sed -n '1,3p;$p')
top=$(echo "$chans" | head -1)

# determinism: threads and split ingests
qs=("chat-range" "chat-range --approx" "top-words --approx --limit 50" "top-users --approx --limit 50"
	"top-words --approx --channel $top --limit 2000")
for i in "${!qs[@]}"; do
	query_csv "$T/a.db" ${qs[$i]} >"$T/a.$i.csv"
	for db in b c; do
		query_csv "$T/$db.db" ${qs[$i]} >"$T/y.csv"
		soft_same "$T/a.$i.csv" "$T/y.csv" "${qs[$i]} ($db.db)"
	done
done

# approximate against exact, channel by channel, and all channels together (words)
mkdir -p "$T/q"
for c in $chans; do
	for q in top-words top-users; do
		query_csv "$T/a.db" $q --channel "$c" --limit 1000000 >"$T/q/$q.$c.exact"
		query_csv "$T/a.db" $q --approx --channel "$c" --limit 1000000 >"$T/q/$q.$c.approx"
	done
done
query_csv "$T/a.db" top-words --approx --limit 1000000 >"$T/q/all.approx"
query_csv "$T/a.db" top-words --approx --limit 10 >"$T/q/all10.approx"

$PY - "$T/q" "$T/range.csv" "$T/range_approx.csv" <<'PYEOF' || soft_fail "approximate answers outside their guarantees"
import csv, math, os, sys
qdir, range_csv, range_approx = sys.argv[1:4]
K = 1024
def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]
rng = {r[0]: r for r in rows(range_csv)}
chans = [f.split(".")[1] for f in os.listdir(qdir) if f.startswith("top-words.") and f.endswith(".exact")]
bad = []
def check(name, exact, approx, n):
    """exact: {key: count}; approx: [(key, count, error)] in output order; n: total weight."""
    bound = n / K
    seen = set()
    prev = None
    for key, c, e in approx:
        t = exact.get(key, 0)
        if not (c - e <= t <= c):
            bad.append("%s %r: true %d outside [%d, %d]" % (name, key, t, c - e, c))
        if e > bound:
            bad.append("%s %r: error %d > N/k %.1f" % (name, key, e, bound))
        if prev is not None and not (prev[1] > c or (prev[1] == c and prev[0].encode() < key.encode())):
            bad.append("%s: not in count order at %r" % (name, key))
        prev = (key, c)
        seen.add(key)
    for key, t in exact.items():
        if t > bound and key not in seen:
            bad.append("%s %r: true count %d > N/k %.1f but not listed" % (name, key, t, bound))
floors = 0
for ch in chans:
    r = rng[ch]
    for q, total in (("top-words", int(r[4])), ("top-users", int(r[3]))):
        ex = {k: int(c) for k, c in rows(os.path.join(qdir, "%s.%s.exact" % (q, ch)))}
        ap = [(k, int(c), int(e)) for k, c, e in rows(os.path.join(qdir, "%s.%s.approx" % (q, ch)))]
        if sum(ex.values()) != total:
            bad.append("%s %s: exact counts add up to %d, chat-range says %d" % (q, ch, sum(ex.values()), total))
        check("%s %s" % (q, ch), ex, ap, total)
        floors += any(e > 0 for _, _, e in ap)
# all channels together: every listed row brackets the truth where the truth is known
# (the channels above), and the total is the sum of every channel's words
ap = [(k, int(c), int(e)) for k, c, e in rows(os.path.join(qdir, "all.approx"))]
n_all = sum(int(r[4]) for r in rng.values())
if any(e > n_all / K for _, _, e in ap):
    bad.append("top-words all channels: an error above N/k")
if len(ap) < 100:
    bad.append("top-words all channels: only %d words listed" % len(ap))
# --limit 10 is the head of the full list
ap10 = [(k, int(c), int(e)) for k, c, e in rows(os.path.join(qdir, "all10.approx"))]
if ap10 != ap[:10]:
    bad.append("top-words --approx --limit 10 is not the head of the full list")
# chatters: within 3 standard errors of HyperLogLog at p = 14
rse = 1.04 / math.sqrt(1 << 14)
for r in rows(range_approx):
    e = rng[r[0]]
    if r[:5] != e[:5]:
        bad.append("chat-range --approx %s: days/messages/words differ from exact" % r[0])
    t, a = int(e[5]), int(r[5])
    if abs(a - t) > 3 * rse * t + 1:
        bad.append("chat-range --approx %s: %d chatters, exact %d" % (r[0], a, t))
if floors == 0:
    bad.append("no summary was ever cut (error 0 everywhere): the test data is too small to test the bounds")
for b in bad[:30]:
    print(b)
print("# %d channels checked, %d lists with a nonzero error; %d problems" % (len(chans), floors, len(bad)))
sys.exit(1 if bad else 0)
PYEOF

# flags: --approx only where there is an approximate form; sketches are per day
run_weir query chat --approx --store "sqlite:$T/a.db"
[ "$rc" = 2 ] && grep -q "no --approx" "$T/err" || soft_fail "chat --approx: exit $rc: $(cat "$T/err")"
run_weir query top-words --approx --window hour --store "sqlite:$T/a.db"
[ "$rc" = 2 ] && grep -q "per day" "$T/err" || soft_fail "top-words --approx --window hour: exit $rc"
run_weir query top-words --store "sqlite:$T/a.db"
[ "$rc" = 2 ] || soft_fail "top-words without --channel (exact) should still be refused"

# A crash between a file's final commit and the summaries' own transaction
# (docs/store.md) leaves the days marked and their summaries stale: the next
# ingest into the store rebuilds them, even one that reads nothing new.
cp "$T/a.db" "$T/d.db"
$PY - "$T/d.db" <<'PYEOF' || fail "could not stage the crashed store"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT OR IGNORE INTO chat_sketch_dirty SELECT channel_id, day FROM chat_sketch")
db.execute("UPDATE chat_sketch SET words = NULL, users = NULL")
db.commit()
PYEOF
# Meanwhile the approximate queries build the marked days' summaries themselves
# (also what a copy of the database file without its short WAL answers).
for i in 2 3 4; do
	query_csv "$T/d.db" ${qs[$i]} >"$T/y.csv"
	soft_same "$T/a.$i.csv" "$T/y.csv" "${qs[$i]} while the days are marked"
done
run_ok ingest --store "sqlite:$T/d.db" "$T/in.ndjson"
grep -q "already" "$T/out" "$T/err" || soft_fail "the re-ingest was expected to skip the file: $(cat "$T/out" "$T/err")"
for i in 2 3 4; do
	query_csv "$T/d.db" ${qs[$i]} >"$T/y.csv"
	soft_same "$T/a.$i.csv" "$T/y.csv" "${qs[$i]} after a crash before the summaries' commit"
done
$PY -c "import sqlite3,sys; sys.exit(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM chat_sketch_dirty').fetchone()[0])" "$T/d.db" ||
	soft_fail "days still marked after the next ingest"
finish
