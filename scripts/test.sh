#!/usr/bin/env bash
# The one test command (README "Running the tests"; .ci/run calls exactly this).
# On a fresh Debian machine as root it installs the servers the suite runs against
# (Dovecot, PostgreSQL, Chromium, tmux, sqlite3, less, zsh, fish, fonts), builds desk, runs every test and ends with
# one line "N passed, N failed". A missing server is a failure, never a silent skip.
set -uo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || need_pkgs+=(dovecot-imapd)
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
# team mode: test/helpers/postgres.ts starts throwaway clusters from /usr/lib/postgresql/<version>/bin;
# search needs the unaccent and pg_trgm extensions (the contrib modules)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_pkgs+=(postgresql)
compgen -G '/usr/share/postgresql/*/extension/unaccent.control' >/dev/null \
  && compgen -G '/usr/share/postgresql/*/extension/pg_trgm.control' >/dev/null || need_pkgs+=(postgresql-contrib)
command -v tmux >/dev/null 2>&1 || need_pkgs+=(tmux)
command -v sqlite3 >/dev/null 2>&1 || need_pkgs+=(sqlite3)
command -v patch >/dev/null 2>&1 || need_pkgs+=(patch)            # the library-patch parity tests take patches out of copies
command -v less >/dev/null 2>&1 || need_pkgs+=(less)
command -v zsh >/dev/null 2>&1 || need_pkgs+=(zsh)                # shell completion tests
command -v fish >/dev/null 2>&1 || need_pkgs+=(fish)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_pkgs+=(fonts-dejavu-core)  # text in mailed report charts
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing test servers: ${need_pkgs[*]}" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null \
      || { echo "could not install ${need_pkgs[*]}; install them with: apt-get install -y ${need_pkgs[*]}" >&2; echo "0 passed, 1 failed"; exit 1; }
  else
    echo "missing: ${need_pkgs[*]} — install them with: sudo apt-get install -y ${need_pkgs[*]}" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi
# The library patches (patches/, applied by npm ci's postinstall) must be in node_modules: the
# tests and the bundle run the patched libraries. Applied already, this only checks them.
npm run --silent postinstall >/dev/null || { echo "library patches do not apply (see npm run postinstall)"; echo "0 passed, 1 failed"; exit 1; }
npm run build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
npm run typecheck || { echo "type check failed"; echo "0 passed, 1 failed"; exit 1; }

report=$(mktemp)
NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile="$report" "$@"
status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$report" 2>/dev/null || echo "0 passed, 1 failed"
rm -f "$report"
exit $status
