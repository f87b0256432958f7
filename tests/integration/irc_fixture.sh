#!/bin/bash
# irc_fixture.sh — the IRC rules of events.md §1.1 on a small hand-made log
# (tests/data/irc_small.log): logger prefixes and lines without one, the
# tmi-sent-ts tag winning over the prefix, repeated `id` tags, CTCP ACTION,
# mixed-case channels and nicks, a trailing parameter without ':', non-chat
# commands, a whisper (irc_no_channel), a non-IRC line (irc_malformed), blank
# lines, CRLF endings. Query output must equal tests/ref/chat_ref.py's.
. "$(dirname "$0")/lib.sh"

LOG="$WEIR_ROOT/tests/data/irc_small.log"
DB="$T/w.db"
run_ok ingest --format irc --store "sqlite:$DB" --dead-letter "$T/dead.ndjson" --summary json "$LOG"
cp "$T/out" "$T/summary.json"
note "summary: $(head -c 600 "$T/summary.json")"

ref --format irc --query summary "$LOG" >"$T/ref_summary.json"
for k in lines events duplicates blank reasons.irc_no_channel; do
	got=$(json_get "$T/summary.json" "$k")
	want=$(json_get "$T/ref_summary.json" "$k")
	[ "$got" = "$want" ] || soft_fail "summary $k: got '$got', want '$want'"
done
$PY - "$T/dead.ndjson" <<'PYEOF' || soft_fail "dead letters"
import json, sys
got = {}
for l in open(sys.argv[1], "rb"):
    if l.strip():
        o = json.loads(l)
        got[o.get("line")] = o.get("reason")
want = {22: "irc_no_channel", 23: "irc_malformed"}
bad = ["line %d: reason %r, want %r" % (n, got.get(n), r) for n, r in want.items() if got.get(n) != r]
# Lines that must not be dead letters: every chat line and the blank lines.
for n in (2, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 21, 24, 25, 26, 27, 28, 29):
    if n in got:
        bad.append("line %d dead-lettered (%r) but it is chat or blank" % (n, got[n]))
if bad:
    print("\n".join(bad))
    sys.exit(1)
PYEOF

check() {
	local name="$1"
	shift
	ref --format irc --query "$@" "$LOG" >"$T/want.csv"
	query_csv "$DB" "$@" >"$T/got.csv"
	soft_same "$T/want.csv" "$T/got.csv" "$name" && note "ok $name"
}
check chat-minutes chat-minutes
check "chat hour" chat --window hour
check "chat day" chat --window day
check "top-words admiralbulldog" top-words --channel admiralbulldog --limit 100
check "top-users admiralbulldog" top-users --channel admiralbulldog --limit 100
check "top-words other_chan" top-words --channel other_chan
check "top-users other_chan" top-users --channel other_chan

finish
