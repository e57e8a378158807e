#!/usr/bin/env bash
# Runs the whole test suite (what CI runs). Installs what the tests need, then mvn verify.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
. "$ROOT/scripts/java-home.sh"
cd "$ROOT"
exec mvn -B verify "$@"
