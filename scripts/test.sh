#!/usr/bin/env bash
# Install everything the tests need and run the whole suite.
# DATABASE_URL=postgresql://… runs it against PostgreSQL (a fresh database is created and dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
exec python -m pytest tests -q -p no:cacheprovider "$@"
