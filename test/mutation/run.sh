#!/usr/bin/env bash
# npm run test:mutation [-- folder...]: StrykerJS on the folders that decide
# calls (default: all six), one run per folder so each gets its own score
# and time. Not part of npm test: it takes long (README, Mutation testing).
# Tests run against the embedded PostgreSQL only, started here once for all
# folders (Stryker's tap runner runs test files with plain node, without
# tap's before/after scripts), with TEST_DATABASE_URL ignored.
set -euo pipefail
cd "$(dirname "$0")/../.."

folders=("$@")
[ ${#folders[@]} -gt 0 ] || folders=(freeswitch directory dialplan followme outbound presence)
concurrency="${STRYKER_CONCURRENCY:-1}"

unset TEST_DATABASE_URL
export TEST_EMBEDDED_DIR="${TMPDIR:-/tmp}/freeswitch-followme-mutation-pg-$$"
npx tsc -p tsconfig.mutation.json
node .mutation-build/test/setup/start-embedded.js
trap 'node .mutation-build/test/setup/stop-embedded.js' EXIT

mkdir -p reports/mutation
for folder in "${folders[@]}"; do
  started=$(date +%s)
  MUTATION_FOLDER="$folder" nice -n 19 npx stryker run --concurrency "$concurrency" 2>&1 | tee "reports/mutation/${folder}.txt"
  echo "mutation: src/${folder} took $(( $(date +%s) - started )) s" | tee -a reports/mutation/times.txt
done
