#!/bin/bash
# ref_selftest.sh — checks the test reference itself (tests/ref/selftest.py:
# hand-worked tokenization, timestamp, IRC, NDJSON-validation, window and CSV
# examples from events.md), so a wrong reference cannot pass a wrong weir.
# Needs no weir binary.
d="$(cd "$(dirname "$0")/../ref" && pwd)"
if [ -x /usr/bin/python3 ]; then exec /usr/bin/python3 "$d/selftest.py"; fi
exec python3 "$d/selftest.py"
