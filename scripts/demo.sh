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
# The exception hierarchy and its FastAPI handlers, written into a temporary copy of the
# example (the example itself is not changed).
scaffolded="$(mktemp -d)/legacy_app"
cp -R "$example" "$scaffolded"
run scaffold-exceptions "$scaffolded" --framework fastapi
echo "Hierarchy written to $scaffolded/app/core/"
# Evidence: the example's own tests run under the recorder (in a temporary copy), then
# fix-exceptions adds what they saw each handler catch.
evidenced="$(mktemp -d)/legacy_app"
cp -R "$example" "$evidenced"
tool="$PWD/.venv/bin/qualitytool" python="$PWD/.venv/bin/python"
echo; echo "\$ qualitytool evidence run -- python -m pytest -q   (in $evidenced)"
(cd "$evidenced" && "$tool" evidence run -- "$python" -m pytest -q -p no:cacheprovider >/dev/null)
echo "(exit status $?)"
run evidence show --evidence "$evidenced/.qualitytool/evidence.json"
run fix-exceptions "$evidenced" --evidence "$evidenced/.qualitytool/evidence.json"
run todos "$example"
# The quality report: tests under coverage first (coverage.json and .coverage are gitignored),
# then the Markdown reports into a temporary folder, gates checked.
(cd "$example" && COVERAGE_FILE="$(mktemp -d)/.coverage" && export COVERAGE_FILE \
  && ../../.venv/bin/python -m coverage run --branch -m pytest -q -p no:cacheprovider >/dev/null \
  && ../../.venv/bin/python -m coverage json -q -o coverage.json)
reports="$(mktemp -d)/reports"
run report "$example" --out "$reports" --check
echo "Markdown reports written to $reports"
