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
if ! { [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; }; then
  if command -v uv >/dev/null 2>&1 || "$py" -m pip install -q uv >/dev/null 2>&1; then
    uv_cmd=$(command -v uv || echo "$py -m uv")
    [ -x .venv/bin/python ] || $uv_cmd venv -q -p "$py" .venv
    VIRTUAL_ENV=.venv $uv_cmd pip install -q --compile-bytecode -e ".[$extra]"
  else
    [ -x .venv/bin/python ] || "$py" -m venv .venv
    .venv/bin/pip install -q -e ".[$extra]"
  fi
  touch "$stamp"
fi

# Partial plotly.js bundle for the dashboards (js/plotly-bundle: only the trace types they draw, so the
# browser evaluates ~1.6 MB instead of 4.8 MB). Optional: without node/npm, or if the build fails, the
# dashboards serve the installed plotly's full plotly.min.js. Cheap when up to date (one Python call).
plotly_bundle() {
  local dir=js/plotly-bundle spec full traces out status log=js/plotly-bundle/build.log
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "setup: node/npm not found: dashboards will use the full plotly.js (slower first render)."
    return 0
  fi
  if ! spec=$(.venv/bin/python -m ler_analytics.apps.plotly_bundle plotly-bundle-spec 2>"$log"); then
    echo "setup: could not read the plotly.js version (see $log): dashboards will use the full plotly.js."
    return 0
  fi
  { read -r full; read -r traces; read -r out; read -r status; read -r version; } <<<"$spec"
  if [ "$status" = ok ] && [ "$out/manifest.json" -nt "$dir/package-lock.json" ] \
    && [ "$out/manifest.json" -nt "$dir/build.mjs" ]; then
    return 0
  fi
  # npm ci only when node_modules is missing or older than the lock file (npm writes node_modules/.package-lock.json)
  if [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    if ! (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >"$log" 2>&1; then
      echo "setup: npm ci failed in $dir (see $log): dashboards will use the full plotly.js (slower first render)."
      return 0
    fi
  fi
  # package.json pins the plotly.js of the plotly we test with; a newer or older installed plotly gets its own
  # plotly.js version here (not saved to package.json), so the bundle always matches the Python package.
  if [ -f "$dir/node_modules/plotly.js/package.json" ] && [ "$version" != unknown ] \
    && ! grep -q "\"version\": \"$version\"" "$dir/node_modules/plotly.js/package.json"; then
    if ! (cd "$dir" && npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
      "plotly.js@$version") >"$log" 2>&1; then
      echo "setup: could not fetch plotly.js $version (see $log): dashboards will use the full plotly.js."
      return 0
    fi
  fi
  if ! node "$dir/build.mjs" --plotly-js "$full" --traces "$traces" --out "$out" >"$log" 2>&1; then
    echo "setup: the partial plotly.js bundle did not build (see $log): dashboards will use the full plotly.js."
    return 0
  fi
  echo "setup: built the partial plotly.js bundle ($traces) in $out."
}
plotly_bundle
