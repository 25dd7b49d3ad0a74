#!/usr/bin/env bash
# Times the README's test command the way the speed goals state it: on a fresh clone of the current
# commit with empty npm, pip and uv caches (`npm ci && npm run check`), then warm (`npm run check`
# again in the same clone). Repeats both; prints one line per run and jest's slowest files.
#
#   bash scripts/bench-check.sh [--runs N] [--keep]     (default: 3 runs)
#
# Goals (issue 20): fresh <= 240 s including installs, warm <= 120 s, on a quiet 2-core machine.
# Nothing else should run meanwhile: the numbers are only as quiet as the machine.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$repo" rev-parse HEAD)
runs=3
keep=false
while (($#)); do
  case $1 in
    --runs)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "bench-check: --runs needs a positive integer" >&2; exit 2; }
      runs=$2
      shift
      ;;
    --runs=*)
      runs=${1#--runs=}
      [[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench-check: --runs needs a positive integer" >&2; exit 2; }
      ;;
    --keep) keep=true ;;
    -h | --help)
      sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "bench-check: unknown argument '$1' (usage: bash scripts/bench-check.sh [--runs N] [--keep])" >&2
      exit 2
      ;;
  esac
  shift
done
[[ -z $(git -C "$repo" status --porcelain --untracked-files=no) ]] || echo "bench-check: uncommitted changes are not measured; measuring $commit" >&2

results=$(mktemp -d "${TMPDIR:-/tmp}/bench-check-XXXXXX")
timed() { # label log command...
  local label=$1 log=$2 start=$SECONDS
  shift 2
  "$@" > "$log" 2>&1
  local status=$? seconds=$((SECONDS - start))
  printf '%-6s %4ss  %s\n' "$label" "$seconds" "$([[ $status -eq 0 ]] && echo pass || echo "FAIL (exit $status, $log)")"
  echo "$label $seconds $status" >> "$results/times"
}

for run in $(seq 1 "$runs"); do
  work=$(mktemp -d "${TMPDIR:-/tmp}/bench-check-clone-XXXXXX")
  git clone --quiet --no-hardlinks "$repo" "$work/repo" && git -C "$work/repo" checkout --quiet --detach "$commit"
  # Empty caches, as on a new machine: npm's, pip's and uv's live in the scratch folder.
  export npm_config_cache="$work/npm-cache" PIP_CACHE_DIR="$work/pip-cache" UV_CACHE_DIR="$work/uv-cache"
  echo "run $run of $runs ($work/repo)"
  (cd "$work/repo" && timed fresh "$results/fresh-$run.log" bash -c 'npm ci && npm run check')
  (cd "$work/repo" && timed warm "$results/warm-$run.log" npm run check)
  cp "$work/repo/.jest-results.json" "$results/warm-$run.jest.json" 2> /dev/null
  unset npm_config_cache PIP_CACHE_DIR UV_CACHE_DIR
  [[ $keep == true ]] || rm -rf "$work"
done

echo
awk '{ seconds[$1] = seconds[$1] " " $2; if ($3 != 0) failed = 1 } END {
  for (label in seconds) printf "%-6s runs (s):%s\n", label, seconds[label]; exit failed }' "$results/times"
status=$?
echo "logs in $results"
exit $status
