#!/usr/bin/env bash
# Replaces the README block between <!-- bench:NAME --> and <!-- /bench:NAME --> with the
# "## Summary" section of a benchmark results file, so README figures are the measured ones.
set -euo pipefail
readme=$1 name=$2 results=$3
summary=$(awk '/^## Summary/{on=1; next} /^## /{on=0} on' "$results")
awk -v name="$name" -v summary="$summary" '
  $0 == "<!-- bench:" name " -->" { print; print summary; skip=1; next }
  $0 == "<!-- /bench:" name " -->" { skip=0 }
  !skip { print }
' "$readme" > "$readme.tmp" && mv "$readme.tmp" "$readme"
