#!/usr/bin/env bash
# The source archive is complete: build the sdist, install lossexp from it (the wheel pip
# builds from it, kernel included) into a fresh venv, and run the whole test suite from the
# unpacked archive against that install. Run by .ci/run; about a minute and a half on 2 cores.
# Not a pytest test: it runs the suite itself.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# (from $work: a build/ folder in the checkout would shadow the build package)
if ! log="$(cd "$work" && python3 -m build --sdist --outdir "$work/dist" "$repo" 2>&1)"; then
    echo "$log"
    exit 1
fi
sdist="$(ls "$work"/dist/lossexp-*.tar.gz)"
tar -xzf "$sdist" -C "$work"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "lossexp[test,dask] @ file://$sdist"
# The console script, not `python -m pytest`: that would put the unpacked source (which has
# no compiled kernel) ahead of the installed package.
cd "$work"/lossexp-*/
# (tests/test_wheel.py is skipped: pip has just built the wheel from this sdist.)
LOSSEXP_SKIP_WHEEL_TEST=1 "$work/venv/bin/pytest" -q -p no:cacheprovider
echo "sdist check: $(basename "$sdist") builds, installs and passes the tests"
