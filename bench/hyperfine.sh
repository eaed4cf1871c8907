#!/usr/bin/env bash
# Cross-check of the stateless scenarios with hyperfine (wall time only; bench/run.mjs is the
# harness of record and also measures peak memory). Needs sites generated and built by
# `npm run bench` (100k: `npm run bench -- --full --keep`).
#   bench/hyperfine.sh [N ...]        default: 1000 4000 20000
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 2; }
mkdir -p bench/.work
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 4000 20000)
for n in "${sizes[@]}"; do
  site=/dev/shm/isr-bench/site-$n
  [ -f "$site/.isr/manifest.json" ] || { echo "no built site at $site: run npm run bench first" >&2; exit 2; }
  mid=$(printf 'post-%06d' $(( (n + 1) / 2 )))
  hyperfine --style basic -N --warmup 2 --runs 15 --export-json "bench/.work/hyperfine-$n.json" \
    -n "regen no-op ($n)" "node bin/isr.js regen $site --quiet" \
    -n "regen --path ($n)" "node bin/isr.js regen $site --quiet --path /posts/$mid/"
done
