#!/usr/bin/env bash
# Runs the whole test suite (what CI runs). Installs what the tests need, then mvn verify.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$ROOT/scripts/java-home.sh"

# The web UI's browser test drives headless Chromium through chromedriver (Debian packages
# chromium and chromium-driver). Install them when missing and we may (root with apt-get);
# the package lists are refreshed only when the first attempt fails.
have_chromium() {
  command -v chromedriver >/dev/null 2>&1 && { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
}
if ! have_chromium; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing chromium and chromium-driver for the web UI browser test" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium chromium-driver >&2 \
      || { apt-get update -q >&2 && apt-get install -y -q chromium chromium-driver >&2; } \
      || echo "test.sh: could not install chromium; the browser test will fail under CI" >&2
  else
    echo "test.sh: chromium/chromedriver not found and cannot be installed here (needs root and apt-get):" >&2
    echo "  the web UI browser test fails when CI=true and is skipped otherwise." >&2
  fi
fi

cd "$ROOT"
exec mvn -B verify "$@"
