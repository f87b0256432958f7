#!/bin/bash
# irc_real_log.sh — the real Twitch IRC log (../shared/datasets) through the CLI:
# `weir ingest --format irc`, then every channel-minute, hour and day, and the
# top words and users, compared byte for byte with tests/ref/chat_ref.py (an
# independent reference written from the spec, not from weir's code).
. "$(dirname "$0")/lib.sh"

LOG="$(irc_log)"
DB="$T/w.db"

run_ok ingest --format irc --store "sqlite:$DB" --summary json "$LOG"
cp "$T/out" "$T/summary.json"
note "summary: $(head -c 600 "$T/summary.json")"

# Summary: every PRIVMSG of the log is one chat event (28844, of which 253 are
# on lines without the logger prefix, which take the last prefix's time).
ref --format irc --query summary "$LOG" >"$T/ref_summary.json"
$PY - "$T/summary.json" "$T/ref_summary.json" <<'EOF' || fail "ingest summary"
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
if len(lines) != 1:
    sys.exit("summary: want one JSON line on stdout, got %d lines" % len(lines))
got = json.loads(lines[0])
want = json.load(open(sys.argv[2]))
bad = []
for k in ("lines", "events"):
    if got.get(k) != want[k]:
        bad.append("%s: got %r, want %r" % (k, got.get(k), want[k]))
if got.get("by_kind", {}).get("chat") != want["by_kind"]["chat"]:
    bad.append("by_kind.chat: got %r, want %r" % (got.get("by_kind"), want["by_kind"]))
if got.get("duplicates", 0) != 0:
    bad.append("duplicates: got %r, want 0" % got.get("duplicates"))
if bad:
    sys.exit("\n".join(bad))
EOF

check() { # check NAME ARGS... : weir query vs reference
	local name="$1"
	shift
	ref --format irc --query "$@" "$LOG" >"$T/want.csv"
	query_csv "$DB" "$@" >"$T/got.csv"
	same "$T/want.csv" "$T/got.csv" "$name"
	note "ok $name ($(($(wc -l <"$T/want.csv") - 1)) rows)"
}

check chat-minutes chat-minutes
check "chat --window hour" chat --window hour
check "chat --window day" chat --window day
check "chat (default window = hour)" chat
check "chat --window minute" chat --window minute
check "chat-minutes --channel (mixed case)" chat-minutes --channel AdmiralBulldog
check top-words top-words --channel admiralbulldog --limit 10
check top-users top-users --channel admiralbulldog --limit 10
check "top-words default limit" top-words --channel admiralbulldog
check "top-words --limit 200" top-words --channel admiralbulldog --limit 200
check "top-users --limit 100" top-users --channel admiralbulldog --limit 100
# An hour-aligned range (a window is included when its start is in [from, to)).
check "chat-minutes range" chat-minutes --from 2019-04-30T10:00:00Z --to 2019-04-30T11:00:00Z
# Window starts decide, not event times: 10:00 starts before 10:00:30.
check "chat-minutes unaligned range" chat-minutes --from 2019-04-30T10:00:30Z --to 2019-04-30T10:05:00Z
check "chat hour from 09:30" chat --window hour --from 2019-04-30T09:30:00Z
check "chat hour to 11:00:01" chat --window hour --to 2019-04-30T11:00:01Z
check "top-words range" top-words --channel admiralbulldog --from 2019-04-30T10:00:00Z --to 2019-04-30T11:00:00Z
check "top-users range" top-users --channel admiralbulldog --from 2019-04-30T09:00:00Z --to 2019-04-30T11:00:00Z

# Nothing for a channel that never chatted: header only.
check "unknown channel" chat-minutes --channel nosuchchannel
check "top-words unknown channel" top-words --channel nosuchchannel

note "pass"
