#!/usr/bin/env bash
# Create .venv and install ler_analytics with the given extra (default: dev).
# Uses uv when it can (about 10x faster), plain pip otherwise. Idempotent: re-running is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-dev}"
py="${PYTHON:-python3}"
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "ler_analytics needs Python >= 3.11 (found $("$py" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
export UV_PYTHON_DOWNLOADS=never
stamp=".venv/.installed-$extra"
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then
  exit 0
fi
if command -v uv >/dev/null 2>&1 || "$py" -m pip install -q uv >/dev/null 2>&1; then
  uv_cmd=$(command -v uv || echo "$py -m uv")
  [ -x .venv/bin/python ] || $uv_cmd venv -q -p "$py" .venv
  VIRTUAL_ENV=.venv $uv_cmd pip install -q --compile-bytecode -e ".[$extra]"
else
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  .venv/bin/pip install -q -e ".[$extra]"
fi
touch "$stamp"
