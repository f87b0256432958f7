#!/bin/sh
# bench/memory_stdin.sh — memory stays bounded on an endless stream: pipes
# N chat messages (default 43M, about 10 GB of NDJSON, with duplicates and
# late lines) from `weir sim` into `weir ingest -` and reports the peak RSS
# of the ingest process (GNU time) and its throughput. Goal: <= 256 MB.
#
#   N=43000000 bench/memory_stdin.sh      (after make build)
set -eu
cd "$(dirname "$0")/.."
N=${N:-43000000}
OUT=bench/out
mkdir -p "$OUT"
rm -f "$OUT"/mem.db "$OUT"/mem.db-wal "$OUT"/mem.db-shm "$OUT"/mem.dead.ndjson
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
./weir sim --seed 3 --messages "$N" --kinds chat --dup-rate 0.001 --late-rate 0.002 --bad-rate 0 |
	/usr/bin/time -f "%M" -o "$OUT/mem.rss" ./weir ingest --store "sqlite:$OUT/mem.db" --summary json - \
		>"$OUT/mem.json"
rss_kb=$(cat "$OUT/mem.rss")
python3 - "$OUT/mem.json" "$rss_kb" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rss = int(sys.argv[2]) / 1024
print("memory: %d events, %.1f GB from stdin in %.1f s (%.0f events/s), peak RSS %.0f MB (goal <= 256 MB): %s"
      % (d["events"], d["bytes"] / 1e9, d["seconds"], d["events"] / d["seconds"], rss,
         "met" if rss <= 256 else "NOT met"))
PY
rm -f "$OUT"/mem.db "$OUT"/mem.db-wal "$OUT"/mem.db-shm
