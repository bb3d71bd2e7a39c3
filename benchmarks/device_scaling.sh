#!/usr/bin/env bash
# Issue 13's targets on a lent 16-core machine, in one call of the device tool.
#
# That machine has Python 3.12 with NumPy, PyYAML, rich, matplotlib, pyarrow and psutil, but
# no network, no Dask, and a typer and setuptools of its own versions. So, here, first:
#
#     bash benchmarks/device_scaling.sh --download
#
# which puts Python 3.12 wheels of what is missing, and this machine's build of lossexp's C
# parts (a fallback: they are abi3), in .whl/ (git ignores it). Then, with the device tool:
#
#     run(command="bash benchmarks/device_scaling.sh", carry=[".whl"], timeout_s=540)
#
# It installs the wheels under /tmp/site, builds the C parts in place (or takes the carried
# ones), and runs sweep_bench.py's issue-13 targets with 16 workers: 1e6 starts for the
# whole process and the executors, 1e8 for Dask and for the scaling from 1 worker to 16,
# memory at 2 and 16 workers, into $OUT/sweep_bench.txt: about 3 minutes after the start.
# Locally (a dry run; the output goes to a temporary folder when OUT is not set):
#     WORKERS=2 SCALING_STARTS=2000000 bash benchmarks/device_scaling.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
WHEELS=(typer==0.28.0 annotated-doc==0.0.7 shellingham==1.5.4 setuptools==84.2.1
        dask==2026.8.0 distributed==2026.8.0 locket==1.0.0 partd==1.4.2 tblib==3.2.2
        tornado==6.6.1 zict==3.0.0)
COMPILED="import lossexp.train._neuron_kernel, lossexp.train._layers, lossexp.library._sigmoid, lossexp.output._float_repr"

if [ "${1:-}" = "--download" ]; then
    rm -rf .whl && mkdir -p .whl/compiled
    platforms=()
    for p in manylinux_2_28_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64; do
        platforms+=(--platform "$p")
    done
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --implementation cp \
        --python-version "${PYTHON_VERSION:-3.12}" "${platforms[@]}" -d .whl "${WHEELS[@]}"
    # This tree's C parts, built now (not stale builds) with the setuptools just fetched.
    build=$(mktemp -d)
    trap 'rm -rf "$build"' EXIT
    "$PYTHON" -m pip install --quiet --no-index --no-deps --target "$build" .whl/setuptools-*.whl
    PYTHONPATH="$build" "$PYTHON" setup.py --quiet build_ext --inplace
    "$PYTHON" -c "$COMPILED"
    find lossexp -name '*.abi3.so' -exec cp --parents {} .whl/compiled/ \;
    du -sh .whl
    exit 0
fi

out=${OUT:-$(mktemp -d)}
echo "output in $out"
# Not --no-compile: without their bytecode typer and Dask would be compiled anew in every
# process the benchmark starts, and the whole-process times would count it.
"$PYTHON" -m pip install --quiet --no-index --no-deps --no-cache-dir \
    --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD
if ! "$PYTHON" setup.py --quiet build_ext --inplace >"$out/build.log" 2>&1; then
    echo "building the C parts failed (build.log); taking the carried ones"
    (cd .whl/compiled && find . -name '*.so' -exec cp --parents {} ../../ \;)
fi
"$PYTHON" -c "$COMPILED"
{
    echo "$(nproc) cores; $("$PYTHON" --version); numpy $("$PYTHON" -c 'import numpy; print(numpy.__version__)')"
    PYTHONUNBUFFERED=1 "$PYTHON" benchmarks/sweep_bench.py --targets-only \
        --workers "${WORKERS:-16}" --starts 1000000 --scaling-starts "${SCALING_STARTS:-100000000}" \
        --memory-workers "2,${WORKERS:-16}" 2>&1
} | tee "$out/sweep_bench.txt"
