#!/usr/bin/env bash
# Make the benchmark-only environment for ydata-profiling (never the project's venv).
#
#   bash benchmarks/ydata_env.sh            # creates benchmarks/.venv-ydata once
#   benchmarks/.venv-ydata/bin/python ...   # what _quality_profile.py runs
#
# ydata-profiling and its dependencies (an older pandas, numba, ...) stay in this venv;
# the project's dependencies do not change. Set PYTHON to pick the interpreter.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-ydata"
python="${PYTHON:-python3}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import ydata_profiling, pyarrow" 2>/dev/null; then
    echo "ydata-profiling environment ready: $venv"
    exit 0
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "ydata-profiling>=4.6" pyarrow "setuptools<81"
"$venv/bin/python" -c "import ydata_profiling; print('ydata-profiling', ydata_profiling.__version__)"
echo "ydata-profiling environment ready: $venv"
