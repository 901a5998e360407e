#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (a duration, or N executions as "Nx":
# `make test` runs 3000x per target, a count rather than a time so a loaded machine cannot turn
# the fuzzer's own shutdown deadline into a failure;
# `make fuzz FUZZTIME=10m` for long runs). New crashers land in the package's testdata/fuzz/ and
# fail the run; commit them as regression seeds once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-3000x}
fail=0
while IFS= read -r line; do
  file=${line%%:*}; name=${line#*func }; name=${name%%(*}
  pkg=./$(dirname "$file")
  echo "fuzz: $pkg $name ($FUZZTIME)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" > /tmp/zke-fuzz.log 2>&1; then
    cat /tmp/zke-fuzz.log; fail=1
  fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' pkg | sort)
exit $fail
