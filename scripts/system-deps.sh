#!/usr/bin/env bash
# Install the system packages the browser and SPARQL-server tests use (Debian/Ubuntu, as root):
# Chromium for the dashboard tests, Virtuoso for the SPARQL-store tests. Skips what is present.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install: ${need[*]} (browser / SPARQL tests need them)" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
