#!/bin/bash
# cli_errors.sh — usage errors are clear and non-zero; an empty store answers
# with the header alone; --help works.
#
# queries.md: "An unknown query, filter or window is an error naming it
# (exit 2); a query with no rows prints the header alone (exit 0)."
. "$(dirname "$0")/lib.sh"

DB="$T/w.db"

# expect_error WANT_RC NEEDLE ARGS... : weir ARGS fails with exit WANT_RC (or
# any non-zero when WANT_RC is "nz") and stderr mentions NEEDLE.
expect_error() {
	local want="$1" needle="$2"
	shift 2
	run_weir "$@"
	if [ "$want" = nz ]; then
		if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; then
			soft_fail "weir $*: exit $rc, want a non-zero error exit"
			return
		fi
	elif [ "$rc" -ne "$want" ]; then
		soft_fail "weir $*: exit $rc, want $want (stderr: $(head -c 300 "$T/err"))"
		return
	fi
	if [ ! -s "$T/err" ]; then
		soft_fail "weir $*: nothing on stderr"
	elif ! grep -qF -- "$needle" "$T/err"; then
		soft_fail "weir $*: stderr does not name '$needle': $(head -c 300 "$T/err")"
	else
		note "ok: weir $* -> exit $rc: $(head -1 "$T/err" | head -c 200)"
	fi
}

# An empty store: ingest an empty file, then query.
: >"$T/empty.ndjson"
run_ok ingest --store "sqlite:$DB" "$T/empty.ndjson"
for q in "chat-minutes:minute,channel,messages,words,chatters" \
	"chat:window,channel,messages,words,chatters"; do
	name="${q%%:*}"
	run_weir query "$name" --store "sqlite:$DB" --format csv
	if [ "$rc" -ne 0 ]; then
		soft_fail "query $name on an empty store: exit $rc: $(head -c 300 "$T/err")"
	elif [ "$(cat "$T/out")" != "${q#*:}" ]; then
		soft_fail "query $name on an empty store: want the header alone, got: $(head -c 300 "$T/out")"
	fi
done
run_weir query top-words --channel nobody --store "sqlite:$DB" --format csv
[ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "word,count" ] ||
	soft_fail "top-words on an empty store: exit $rc, out: $(head -c 200 "$T/out")"
run_weir query top-users --channel nobody --store "sqlite:$DB" --format csv
[ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "user,count" ] ||
	soft_fail "top-users on an empty store: exit $rc, out: $(head -c 200 "$T/out")"
run_weir query chat-minutes --store "sqlite:$DB" --format json
[ "$rc" -eq 0 ] && [ "$(tr -d ' \n' <"$T/out")" = "[]" ] ||
	soft_fail "chat-minutes --format json on an empty store: want [], exit $rc, out: $(head -c 200 "$T/out")"

# Usage errors: exit 2, naming the offender.
expect_error 2 frobnicate frobnicate
expect_error 2 --bogus-flag ingest --bogus-flag --store "sqlite:$DB" "$T/empty.ndjson"
expect_error 2 --bogus-flag query chat-minutes --bogus-flag --store "sqlite:$DB"
expect_error 2 no-such-query query no-such-query --store "sqlite:$DB"
expect_error 2 --from query chat-minutes --from not-a-time --store "sqlite:$DB"
expect_error 2 --to query chat-minutes --to 2019-99-99T00:00:00Z --store "sqlite:$DB"
expect_error 2 fortnight query chat --window fortnight --store "sqlite:$DB"
expect_error 2 --limit query top-words --channel x --limit lots --store "sqlite:$DB"
expect_error 2 --checkpoint-size ingest --checkpoint-size 0 --store "sqlite:$DB" "$T/empty.ndjson"
expect_error 2 xml ingest --format xml --store "sqlite:$DB" "$T/empty.ndjson"
expect_error 2 yaml query chat-minutes --format yaml --store "sqlite:$DB"
expect_error 2 channel query top-words --store "sqlite:$DB"
# keyword config files: a misspelt key, a wrong type, broken JSON name what is wrong
printf '{"keywords": ["gg"], "hashtag": ["x"]}\n' >"$T/kw1.json"
printf '{"keywords": ["gg", 3]}\n' >"$T/kw2.json"
printf '{"keywords": ' >"$T/kw3.json"
printf 'gg\n\nlol\n' >"$T/kw4.txt"
expect_error 2 "unknown key 'hashtag'" ingest --keywords-file "$T/kw1.json" --store "sqlite:$DB" "$T/empty.ndjson"
expect_error 2 "keywords[1] is not a string" ingest --keywords-file "$T/kw2.json" --store "sqlite:$DB" \
	"$T/empty.ndjson"
expect_error 2 "not a JSON object" ingest --keywords-file "$T/kw3.json" --store "sqlite:$DB" "$T/empty.ndjson"
expect_error 2 "line 2" ingest --keywords-file "$T/kw4.txt" --store "sqlite:$DB" "$T/empty.ndjson"
# A store URI with an unknown scheme.
expect_error 2 mysql query chat-minutes --store mysql://localhost/db
expect_error 2 mysql ingest --store mysql://localhost/db "$T/empty.ndjson"
# A missing input file: an error (not necessarily a usage error) naming it.
expect_error nz "$T/no-such-file.ndjson" ingest --store "sqlite:$DB" "$T/no-such-file.ndjson"

# --help
run_weir --help
[ "$rc" -eq 0 ] || soft_fail "weir --help: exit $rc"
grep -q ingest "$T/out" "$T/err" && grep -q query "$T/out" "$T/err" ||
	soft_fail "weir --help does not mention ingest and query"

finish
