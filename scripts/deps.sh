#!/bin/sh
# Install what weir needs and is missing: Debian packages with apt-get (one
# `apt-get update` first), npm packages from the committed package-lock.json.
# Nothing is downloaded from anywhere else.
set -e
cd "$(dirname "$0")/.."
# Libraries and tools, checked with dpkg.
PKGS="build-essential pkg-config libsimdjson-dev libcjson-dev libsqlite3-dev sqlite3
libzstd-dev zstd zlib1g-dev libxxhash-dev libroaring-dev libmicrohttpd-dev
python3 clang clang-format cppcheck time"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js and npm are checked as commands: a machine may have them from
# another Debian-format source (nodesource bundles npm), which must not be
# replaced.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "weir: missing Debian packages:$missing (run 'make deps' as root)" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ -f package-lock.json ]; then
	if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
		echo "deps: npm ci"
		npm ci --no-audit --no-fund --loglevel=error
	fi
fi
