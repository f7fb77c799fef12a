#!/usr/bin/env bash
# Installs the system packages the window needs, then builds and opens
# Policy Workshop with the Kubernetes sample loaded. Extra arguments go to
# the app, for example `--sample terraform-plan`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
# Without arguments the window opens the Kubernetes sample; the app alone
# would reopen the workspace opened last.
if [ "$#" -eq 0 ]; then
    set -- --sample kubernetes-admission
fi
exec cargo run --release -- "$@"
