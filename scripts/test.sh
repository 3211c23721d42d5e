#!/usr/bin/env bash
# Install everything the tests need and run the whole suite.
# DATABASE_URL=postgresql://… runs it against PostgreSQL (a fresh database is created and dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
# Browser tests drive Debian's Chromium (never a browser downloaded by a test tool).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium fonts-noto-cjk >/dev/null
fi
# two workers, one test module each: the suite runs in half the time on two cores
exec python -m pytest tests -q -p no:cacheprovider -n 2 --dist loadfile "$@"
