#!/usr/bin/env bash
# Set up a virtualenv in .venv (once) and run qualitytool on the bundled example project.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/qualitytool ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
fi
example=examples/legacy_app
run() { echo; echo "\$ qualitytool $*"; .venv/bin/qualitytool "$@"; echo "(exit status $?)"; }
run check-exceptions "$example"
run fix-exceptions "$example"
run todos "$example"
