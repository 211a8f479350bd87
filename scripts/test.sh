#!/usr/bin/env bash
# The test command of README.md and of .ci/run: install what the tests need, from the project's
# own files, then lint and run the suite.
#
# System packages (Debian): fonts-noto-cjk for the Chinese labels of the report's charts,
# chromium for the browser test of the rendered report, a Java runtime (default-jre-headless)
# for ODK Validate. They are installed when missing (as root, or through sudo); a machine where
# that cannot be done gets a message naming them.
# Python packages: a virtual environment in .venv with the package and its test extras.
# The suite runs on every core (pytest-xdist, one test file per worker: module fixtures are
# computed once); extra arguments go to pytest (e.g. `bash scripts/test.sh -n 0 -x` runs it
# in one process and stops at the first failure).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in fonts-noto-cjk chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# Java runs ODK Validate (shipped with pyxform) on the exported XLSForm.
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ "${#need[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing Debian packages the tests need: ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "error: the tests need the Debian packages ${need[*]} (or their equivalents); install them and run this again." >&2
    exit 1
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q -n auto --dist loadfile "$@"
