#!/usr/bin/env bash
# Install the portal into .venv and start it on the embedded SQLite database
# (migrations applied and demo data loaded on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
exec python run.py
