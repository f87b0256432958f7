#!/bin/bash
# posts_reference.sh — the posts family (posts, keywords, post-locations,
# trending, posts-raw) through the CLI against the independent reference
# tests/ref/posts_ref.py: simulated posts (repeated ids with higher counters,
# duplicates, late and malformed lines) plus hand-written edge cases (an
# earlier copy of a post arriving long after, moving it to another hour and
# other hashtags; ties; falling counters; given, empty and null hashtags;
# impossible values), ingested in one run with 1 worker thread and in three
# runs with 3: every query byte for byte equal to the reference. Then the
# query and ingest usage errors (exit 2).
source "$(dirname "$0")/lib.sh"
PREF="$PY $WEIR_ROOT/tests/ref/posts_ref.py"
command -v node >/dev/null || fail "node is needed for the sentiment reference (make deps)"

"$WEIR" sim --seed 11 --span 5h --kinds post --channels 20 --users 3000 --dup-rate 0.02 --late-rate 0.05 \
	--bad-rate 0.003 -o "$T/sim.ndjson" 2>"$T/sim.err" || fail "weir sim failed: $(cat "$T/sim.err")"
note "$(wc -l <"$T/sim.ndjson") simulated lines"

P='"kind":"post","platform":"twitter"'
cat >"$T/edge.ndjson" <<EOF
{$P,"ts":"2026-11-20T03:00:10Z","id":"edge-move","author":"edge_a","text":"first seen #EdgeTag love it","likes":5,"shares":1,"replies":0,"location":"Edge City"}
{$P,"ts":"2026-11-20T03:10:00Z","id":"edge-other","author":"edge_a","text":"another #EdgeTag post","likes":1}
{$P,"ts":"2026-11-20T03:20:00Z","id":"edge-solo","author":"edge_b","text":"solo #SoloTag","likes":2}
{$P,"ts":"2026-11-20T01:30:00Z","id":"edge-tie","author":"t","text":"tie #Tie","likes":10}
{$P,"ts":"2026-11-20T01:30:00Z","id":"edge-tie","author":"t","text":"tie #Tie","likes":20}
{$P,"ts":"2026-11-20T01:40:00Z","id":"edge-dec","author":"d","text":"dec #Dec GG","likes":100,"shares":50,"followers":9}
{$P,"ts":"2026-11-20T02:00:00Z","id":"edge-ht","author":"h","text":"no tags in text #ignored","hashtags":["#Gaming","gaming","","##Dota2","ゲーム"]}
{$P,"ts":"2026-11-20T02:01:00Z","id":"edge-empty","author":"h","text":"text #notused","hashtags":[]}
{$P,"ts":"2026-11-20T02:02:00Z","id":"edge-null","author":"h","text":"derived #FromText! a#b ##c #","hashtags":null,"location":""}
{$P,"ts":"2026-11-20T02:03:00Z","id":9876543210,"author":"n","text":"numeric id #Num","views":3}
{$P,"ts":"2026-11-20T02:04:00Z","id":"edge-bad1","author":"x","text":"#Bad","likes":-1}
{$P,"ts":"2026-11-20T02:04:00Z","id":"edge-bad2","author":"x","text":"#Bad","likes":"5"}
{$P,"ts":"2026-11-20T02:04:00Z","id":"edge-bad3","author":"x","text":"#Bad","hashtags":[1]}
{$P,"ts":"2026-11-20T02:04:00Z","id":"edge-bad4","author":"x","text":"#Bad","location":5}
{$P,"ts":"2026-11-20T02:04:00Z","id":"edge-bad5","text":"#Bad"}
{$P,"ts":"2026-11-20T02:05:00Z","id":"edge-kw","author":"k","text":"Elden Ring is GG! elden-ring eldenring LOVE","author_location":"Köln"}
{$P,"ts":"2026-11-20T02:06:00Z","id":"edge-csv","author":"c","text":"quote \"here\", comma\nnewline #Csv","location":"Paris, France"}
{$P,"ts":"2026-11-19T23:59:59.999Z","id":"edge-early","author":"e","text":"the day before #Early"}
{$P,"ts":"2026-11-20T07:00:00Z","id":"edge-late","author":"e","text":"after the rest #Later :)"}
{$P,"ts":"2026-11-20T02:59:50Z","id":"edge-move","author":"edge_a","text":"original text #EdgeTag #Moved terrible","likes":3,"location":"Old Town"}
{$P,"ts":"2026-11-22T23:59:59.999Z","id":"edge-sunday","author":"w1","text":"last of the ISO week #WeekEdge"}
{$P,"ts":"2026-11-23T00:00:00Z","id":"edge-monday","author":"w2","text":"first of the next #WeekEdge","likes":4}
{$P,"ts":"2026-11-16T00:00:00Z","id":"edge-monday0","author":"w1","text":"a Monday, very late #WeekEdge"}
{$P,"ts":"2026-11-20T03:19:00Z","id":"edge-solo","author":"edge_c","text":"solo earlier #NotSolo","likes":1}
{$P,"ts":"2026-11-20T01:50:00Z","id":"edge-dec","author":"d","text":"dec #Dec GG","likes":7}
EOF
KW='gaming,Elden Ring,GG,love,#Gaming'
printf 'gaming\nElden Ring\nGG\nlove\n#Gaming\n' >"$T/kw.txt"

# store t1: one run, 1 thread; store split: 3 threads, three runs (the
# simulated file in two halves, then the edge cases), keywords from a file
run_weir ingest --threads 1 --keywords "$KW" --store "sqlite:$T/t1.db" --dead-letter "$T/dead1.ndjson" \
	--summary json "$T/sim.ndjson" "$T/edge.ndjson"
[ "$rc" = 0 ] || fail "ingest --threads 1 exited $rc: $(head -3 "$T/err")"
note "summary: $(cat "$T/out")"
[ "$(json_get "$T/out" by_kind.post)" -gt 1000 ] || fail "expected over 1000 post events"
[ "$(json_get "$T/out" reasons.bad_value)" -ge 1 ] || fail "likes -1 should be a bad_value dead letter"
n=$(wc -l <"$T/sim.ndjson")
head -n $((n / 2)) "$T/sim.ndjson" >"$T/part1.ndjson"
tail -n +$((n / 2 + 1)) "$T/sim.ndjson" >"$T/part2.ndjson"
for f in part1 part2 edge; do
	run_weir ingest --threads 3 --keywords-file "$T/kw.txt" --store "sqlite:$T/split.db" \
		--dead-letter "$T/dead_split.ndjson" "$T/$f.ndjson"
	[ "$rc" = 0 ] || fail "split ingest of $f exited $rc: $(head -3 "$T/err")"
done

# Each query of SPECS runs once in the reference (one pass over the input)
# and against each store; the filter variants (from line 14) only against t1:
# they are query-side, and the stores are shown equal by the rest.
cat >"$T/specs" <<'EOF'
posts --window hour
posts --window day
posts --window week
keywords --window hour
keywords --window day
keywords --window week
post-locations --window hour
post-locations --window day
post-locations --window week
trending --window hour --limit 5
trending --window day
trending --window week
posts-raw --limit 100000
posts --tag '#Gaming'
keywords --keyword 'ELDEN ring'
posts --from 2026-11-20T01:00:00Z --to 2026-11-20T03:00:00Z
trending --from 2026-11-20T03:00:00Z
posts-raw --limit 7 --from 2026-11-20T02:00:00Z
EOF
mkdir -p "$T/ref"
$PREF --keywords "$KW" --batch "$T/specs" --out "$T/ref" "$T/sim.ndjson" "$T/edge.ndjson" ||
	fail "posts_ref.py --batch failed"
n=0
while IFS= read -r spec; do
	n=$((n + 1))
	eval "set -- $spec"
	dbs="t1 split"
	[ "$n" -gt 13 ] && dbs=t1
	for db in $dbs; do
		query_csv "$T/$db.db" "$@" >"$T/got.csv"
		soft_same "$T/ref/$n.csv" "$T/got.csv" "$spec ($db)"
	done
done <"$T/specs"
[ "$(wc -l <"$T/got.csv")" = 8 ] || soft_fail "posts-raw --limit 7 should give 7 rows"

# the edge cases, spelled out (the reference could share a misreading)
query_csv "$T/t1.db" posts --tag edgetag >"$T/e.csv"
grep -q '^2026-11-20T02:00:00Z,edgetag,1,5,1,0,1,' "$T/e.csv" || soft_fail "edge-move: hour 2, latest counters"
grep -q '^2026-11-20T03:00:00Z,edgetag,1,1,0,0,1,' "$T/e.csv" || soft_fail "edge-other alone in hour 3"
query_csv "$T/t1.db" posts >"$T/e.csv"
grep -q ',solotag,' "$T/e.csv" && soft_fail "solotag should be gone (edge-solo moved to #notsolo)"
grep -q '^2026-11-20T01:00:00Z,dec,1,7,0,0,1,' "$T/e.csv" || soft_fail "edge-dec: counters fall to the latest"
grep -q '^2026-11-20T01:00:00Z,tie,1,20,' "$T/e.csv" || soft_fail "edge-tie: the later of equal ts wins"
grep -q ',ゲーム,' "$T/e.csv" && grep -q ',dota2,' "$T/e.csv" || soft_fail "given hashtags"
grep -q ',ignored,\|,notused,\|,bad,' "$T/e.csv" && soft_fail "hashtags field or rejected lines leaked"
query_csv "$T/t1.db" posts --tag weekedge --window week >"$T/e.csv"
grep -q '^2026-11-16,weekedge,2,0,0,0,1,' "$T/e.csv" && grep -q '^2026-11-23,weekedge,1,4,0,0,1,' "$T/e.csv" ||
	soft_fail "week windows: ISO weeks from Monday 00:00 UTC"
query_csv "$T/t1.db" keywords >"$T/e.csv"
grep -q ',elden ring,1,' "$T/e.csv" || soft_fail "keyword 'elden ring' matches once"

# usage errors name what is wrong and exit 2
err2() {
	run_weir "$@"
	[ "$rc" = 2 ] || soft_fail "weir $* exited $rc, expected 2"
	[ -s "$T/err" ] || soft_fail "weir $* printed no error"
}
err2 query posts --keyword gg --store "sqlite:$T/t1.db"
err2 query posts --window minute --store "sqlite:$T/t1.db"
err2 query followers --window week --store "sqlite:$T/t1.db"
grep -q "week" "$T/err" || soft_fail "--window week refusal does not name the window"
err2 query chat --window week --store "sqlite:$T/t1.db"
err2 query trending --tag x --store "sqlite:$T/t1.db"
err2 query keywords --keyword nothere --store "sqlite:$T/t1.db"
grep -q "nothere" "$T/err" || soft_fail "unknown keyword not named"
err2 query keywords --keyword '!!' --store "sqlite:$T/t1.db"
err2 query post-locations --channel x --store "sqlite:$T/t1.db"
err2 query posts-raw --window hour --store "sqlite:$T/t1.db"
err2 ingest --keywords 'a,,b' --store "sqlite:$T/x.db" "$T/edge.ndjson"
grep -q "empty" "$T/err" || soft_fail "empty keyword term not named"
err2 ingest --keywords '...' --store "sqlite:$T/x.db" "$T/edge.ndjson"
err2 ingest --keywords-file "$T/missing.txt" --store "sqlite:$T/x.db" "$T/edge.ndjson"
finish
