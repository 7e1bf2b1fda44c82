#!/usr/bin/env bash
# Install sharpeyes into .venv at exactly the versions of uv.lock (every package hash-checked).
#   bash scripts/install.sh          the product
#   bash scripts/install.sh --test   the product, the test tools and the benchmarks' baselines
# SHARPEYES_LATEST=1 ignores the lock and installs the newest versions pyproject.toml's ranges allow
# (into .venv-latest), so that an upstream release that breaks us is seen here first.
# SHARPEYES_VENV names another environment folder.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
TOOLS=.tools
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1

if ! { [ -x "$TOOLS/bin/uv" ] && "$TOOLS/bin/uv" --version | grep -q " $UV_VERSION"; }; then
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/pip" install -q --disable-pip-version-check --require-hashes -r scripts/uv-requirements.txt
fi
UV="$TOOLS/bin/uv"

extras=()
if [ "${1:-}" = "--test" ]; then extras=(--extra test --extra bench); fi

if [ "${SHARPEYES_LATEST:-0}" = "1" ]; then
  VENV=${SHARPEYES_VENV:-.venv-latest}
  "$UV" venv -q --allow-existing --python python3 "$VENV"
  spec="."; [ ${#extras[@]} -gt 0 ] && spec=".[test,bench]"
  "$UV" pip install -q --python "$VENV/bin/python" --upgrade -e "$spec"
  echo "sharpeyes: installed the newest versions the ranges allow into $VENV (no lock):" >&2
  "$UV" pip list --python "$VENV/bin/python" 2>/dev/null \
    | grep -iE '^(numpy|pandas|shapely|geopandas|opencv-python-headless|highspy|fastapi|typer|sqlalchemy) ' >&2 || true
else
  VENV=${SHARPEYES_VENV:-.venv}
  UV_PROJECT_ENVIRONMENT="$VENV" "$UV" sync -q --frozen --python python3 "${extras[@]}"
fi
echo "sharpeyes: installed into $VENV" >&2
