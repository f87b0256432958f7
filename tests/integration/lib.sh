# lib.sh — shared helpers for the CLI-level integration tests.
#
# Sourced by tests/integration/*.sh; not a test itself (tests/run.sh skips it).
#
#   WEIR       the weir binary under test (tests/run.sh sets it; default
#              $WEIR_ROOT/build/t/weir, the ASan+UBSan build)
#   WEIR_ROOT  the repository root (default: two levels above this file)
#   T          a fresh temporary directory, removed on exit
#   REF        "python3 $WEIR_ROOT/tests/ref/chat_ref.py" (the exact reference)
#
# fail MSG          print "FAIL: MSG" and exit 1
# run_weir ARGS...  run $WEIR, stdout to $T/out, stderr to $T/err; sets $rc;
#                   fails the test on a sanitizer report
# datasets_dir      prints the shared datasets directory or fails
# same A B WHAT     fail with a diff unless files A and B are identical
# ref ARGS...       run the reference (fail if it fails)
# query_csv DB NAME ARGS...  weir query ... --store sqlite:DB --format csv
# soft_fail / soft_same      record a failure and go on; finish ends the test
# json_get FILE KEY.SUB      a value of the one-line JSON object in FILE
# $WEIR_DATASETS overrides where the shared datasets are looked for.

[ -n "${BASH_VERSION:-}" ] || { echo "lib.sh needs bash" >&2; exit 1; }
set -u

WEIR_ROOT="${WEIR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
WEIR="${WEIR:-$WEIR_ROOT/build/t/weir}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}"
# The environment must not redirect weir to another store.
unset WEIR_STORE

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
REF="$PY $WEIR_ROOT/tests/ref/chat_ref.py"
TEST_NAME="$(basename "$0" .sh)"

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

note() {
	echo "# $TEST_NAME: $*"
}

[ -x "$WEIR" ] || fail "weir binary not found or not executable: $WEIR"

T="$(mktemp -d "${TMPDIR:-/tmp}/weir-it.XXXXXX")" || fail "mktemp"
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Fail on any sanitizer report in file $1 (stderr of a weir run).
check_sanitizers() {
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer' "$1"; then
		sed -n '1,60p' "$1" >&2
		fail "sanitizer report from: ${2:-weir}"
	fi
}

# run_weir ARGS... : runs $WEIR with stdout -> $T/out, stderr -> $T/err.
# Sets rc. Never fails on the exit status itself; callers check $rc.
run_weir() {
	rc=0
	"$WEIR" "$@" >"$T/out" 2>"$T/err" || rc=$?
	check_sanitizers "$T/err" "weir $*"
	if [ "$rc" -eq 86 ] || [ "$rc" -eq 87 ]; then
		sed -n '1,60p' "$T/err" >&2
		fail "sanitizer exit code $rc from: weir $*"
	fi
	return 0
}

# run_ok ARGS... : run_weir and require exit 0.
run_ok() {
	run_weir "$@"
	if [ "$rc" -ne 0 ]; then
		sed -n '1,20p' "$T/err" >&2
		fail "exit $rc from: weir $*"
	fi
}

# The shared datasets: CI clones the repo next to shared/ ($WEIR_ROOT/../shared);
# in a developer checkout shared/ is likewise a sibling of the repository.
datasets_dir() {
	local d
	for d in "${WEIR_DATASETS:-}" "$WEIR_ROOT/../shared/datasets" "$WEIR_ROOT/../../shared/datasets" \
		"$WEIR_ROOT/shared/datasets"; do
		if [ -n "$d" ] && [ -d "$d" ]; then
			(cd "$d" && pwd)
			return 0
		fi
	done
	fail "shared datasets directory not found (looked in \$WEIR_ROOT/../shared/datasets)"
}

# The real Twitch IRC log of events.md §1.1.
irc_log() {
	local f
	f="$(datasets_dir)/twitch-irc-admiralbulldog-2019-04-30.log.gz"
	[ -f "$f" ] || fail "missing dataset $f"
	echo "$f"
}

# same A B WHAT : identical files, else show the first differences and fail.
same() {
	if ! cmp -s "$1" "$2"; then
		echo "--- $1 (expected)  +++ $2 (got): first differences" >&2
		diff -u "$1" "$2" | sed -n '1,40p' >&2
		fail "$3 differs"
	fi
}

# ref ARGS... : the reference, failing the test if it fails.
ref() {
	$REF "$@" || fail "reference failed: chat_ref.py $*"
}

# query_csv STORE NAME ARGS... > file : weir query ... --format csv (exit 0 required)
query_csv() {
	local store="$1"
	shift
	run_ok query "$@" --store "sqlite:$store" --format csv
	cat "$T/out"
}

# Soft checks: record a failure and go on, so one run reports every problem;
# finish() then fails the test if any was recorded.
FAILS=0
soft_fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	FAILS=$((FAILS + 1))
}
soft_same() {
	if ! cmp -s "$1" "$2"; then
		echo "--- $1 (expected)  +++ $2 (got): first differences" >&2
		diff -u "$1" "$2" | sed -n '1,30p' >&2
		soft_fail "$3 differs"
		return 1
	fi
	return 0
}
finish() {
	[ "$FAILS" -eq 0 ] || fail "$FAILS check(s) failed"
	note "pass"
	exit 0
}

# json_get FILE KEY[.SUB] : prints a value of the one-line JSON object in FILE
# ("" when absent).
json_get() {
	$PY - "$1" "$2" <<'PYEOF'
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8", errors="replace") if l.strip()]
try:
    v = json.loads(lines[-1]) if lines else {}
except ValueError:
    v = {}
for k in sys.argv[2].split("."):
    v = v.get(k, "") if isinstance(v, dict) else ""
print(v)
PYEOF
}
