#!/usr/bin/env bash
# Installs what the docs test (spark-jobs DocsIT) needs to check the Mermaid diagrams, once per
# clone; the test itself downloads nothing and fails (does not skip) when these are missing.
# - Debian's chromium (/usr/bin/chromium), the browser the Mermaid CLI renders in;
# - @mermaid-js/mermaid-cli, with mermaid and puppeteer, at the versions pinned in package.json and
#   package-lock.json next to this script, into .tools/mermaid (git-ignored), from the npm registry.
#   PUPPETEER_SKIP_DOWNLOAD: puppeteer's own browser download does not work here and is not needed.
# Needs Node.js 18.19+ or 20+ with npm (Debian: apt-get install nodejs npm). Run by .ci/run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="$root/.tools/mermaid"

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
apt_install() {
  $sudo_cmd apt-get install -y -q "$@" \
    || ($sudo_cmd apt-get update -q && $sudo_cmd apt-get install -y -q "$@")
}

if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi

# npm ci installs exactly the lock file; skipped when that lock file is already installed.
if ! cmp -s "$here/package-lock.json" "$tools/package-lock.json" \
    || [ ! -x "$tools/node_modules/.bin/mmdc" ]; then
  mkdir -p "$tools"
  cp "$here/package.json" "$here/package-lock.json" "$tools/"
  (cd "$tools" && PUPPETEER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund --loglevel=error)
fi

# A smoke render, so a broken install shows here rather than as a failing docs test.
smoke="$(mktemp -d)"
trap 'rm -rf "$smoke"' EXIT
printf 'flowchart LR\n  docs --> checked\n' > "$smoke/smoke.mmd"
"$tools/node_modules/.bin/mmdc" --quiet --puppeteerConfigFile "$here/puppeteer-config.json" \
  --input "$smoke/smoke.mmd" --output "$smoke/smoke.svg"
echo "Mermaid CLI $("$tools/node_modules/.bin/mmdc" --version) ready in $tools (Chromium: $(/usr/bin/chromium --version 2>/dev/null || echo '?'))"
