#!/bin/bash
# Runs every unit test binary and every integration script, adds up the
# results and ends with the line "N passed, N failed" (exit 1 on any failure).
#
# Unit binaries print "T: N passed, N failed". Integration scripts
# (tests/integration/*.sh) count as one test each: exit 0 is a pass.
# Run a subset with: tests/run.sh PATTERN
set -u
cd "$(dirname "$0")/.."
export WEIR="$PWD/build/t/weir"
export WEIR_ROOT="$PWD"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"
pat="${1:-}"
pass=0; fail=0; failed=()
for t in build/t/tests/unit/test_*; do
	[ -x "$t" ] || continue
	[[ -n "$pat" && "$t" != *"$pat"* ]] && continue
	out=$("$t" 2>&1); rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^T: [0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | awk '{print $2}'); f=$(echo "$line" | awk '{print $4}')
	else
		p=0; f=1
	fi
	if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$f" != 0 ]; then
		failed+=("$t"); printf '%s\n' "$out" | tail -40
		echo "FAIL $t"
	else
		echo "ok   $t ($p)"
	fi
done
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	[[ "$t" == */lib.sh ]] && continue
	[[ -n "$pat" && "$t" != *"$pat"* ]] && continue
	log=$(mktemp)
	start=$(date +%s)
	timeout 300 bash "$t" >"$log" 2>&1; rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); echo "ok   $t (${secs}s)"
	else
		fail=$((fail + 1)); failed+=("$t")
		tail -40 "$log"; echo "FAIL $t (exit $rc, ${secs}s)"
	fi
	rm -f "$log"
done
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
