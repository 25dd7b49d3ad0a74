#!/usr/bin/env bash
# Portability matrix of the check command: clones the current commit afresh for each setting a platform
# team may run it in and runs the README's test command there (`npm ci && npm run check`), then prints
# one line per setting with its result and time. Runs as root (it creates the unprivileged user).
#
#   bash scripts/portability.sh [--keep] [setting ...]
#
# Settings (all by default, one after the other so their times are comparable):
#   root-private  as root, in a fresh `mktemp -d` folder (mode 0700, as /root is)
#   user-home     as an unprivileged user (trading-dr-check, created if missing), in its home
#   space         as root, from a path with a space in it
#   umask-077     as root, with `umask 077` for the clone, the installs and the tests
#   ci-no-tty     as root, CI=true, no terminal and no standard input (as CI runs it)
# The first four run under a pseudo-terminal (`script`), as a person at a terminal would.
# Logs stay in the printed folder; --keep keeps the clones too.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$repo" rev-parse HEAD)
keep=false
settings=()
for argument in "$@"; do
  case $argument in
    --keep) keep=true ;;
    root-private | user-home | space | umask-077 | ci-no-tty) settings+=("$argument") ;;
    -h | --help)
      sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "portability: unknown setting or flag '$argument' (see --help)" >&2
      exit 2
      ;;
  esac
done
((${#settings[@]})) || settings=(root-private user-home space umask-077 ci-no-tty)
if [[ $(id -u) -ne 0 ]]; then
  echo "portability: run as root (it creates an unprivileged user and runs the check as it)" >&2
  exit 2
fi
[[ -z $(git -C "$repo" status --porcelain --untracked-files=no) ]] || echo "portability: uncommitted changes are not tested; testing $commit" >&2

logs=$(mktemp -d "${TMPDIR:-/tmp}/portability-XXXXXX")
chmod 755 "$logs"
user=trading-dr-check
test_command='npm ci && npm run check'

# Clones the commit into $1 (which must not exist yet).
clone() {
  git clone --quiet --no-hardlinks "$repo" "$1" && git -C "$1" checkout --quiet --detach "$commit"
}

# Runs $2 (a shell command) in the clone $1 for setting $3, under a pseudo-terminal unless $4 is "no-tty".
run_in() {
  local directory=$1 command=$2 name=$3 terminal=${4:-tty}
  local log="$logs/$name.log"
  local script="cd $(printf %q "$directory") && $command"
  if [[ $terminal == no-tty ]]; then
    setsid bash -c "$script" < /dev/null > "$log" 2>&1
  else
    script --quiet --return --command "bash -c $(printf %q "$script")" "$log" < /dev/null > /dev/null 2>&1
  fi
}

results=()
record() { # name status seconds where
  local verdict=pass
  [[ $2 -eq 0 ]] || verdict="FAIL (exit $2)"
  results+=("$(printf '%-13s %-14s %5ss  %s' "$1" "$verdict" "$3" "$4")")
  printf 'portability: %s %s in %ss (log %s)\n' "$1" "$verdict" "$3" "$logs/$1.log"
}

for setting in "${settings[@]}"; do
  start=$SECONDS
  case $setting in
    root-private)
      base=$(mktemp -d)
      chmod 700 "$base"
      clone "$base/repo" && run_in "$base/repo" "$test_command" "$setting"
      status=$?
      where="$base/repo"
      ;;
    user-home)
      id "$user" > /dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
      home=$(getent passwd "$user" | cut -d: -f6)
      base="$home/portability-$commit"
      rm -rf "$base"
      clone "$base" && chown -R "$user:$user" "$base"
      # A login environment of the user's own: its PATH, HOME and caches, none of root's.
      runuser --login "$user" --command "script --quiet --return --command $(printf %q "cd $base && $test_command") $(printf %q "$base.log")" < /dev/null > /dev/null 2>&1
      status=$?
      mv "$base.log" "$logs/$setting.log"
      where="$base (as $user)"
      ;;
    space)
      base=$(mktemp -d)
      mkdir -p "$base/platform checks"
      clone "$base/platform checks/repo" && run_in "$base/platform checks/repo" "$test_command" "$setting"
      status=$?
      where="$base/platform checks/repo"
      ;;
    umask-077)
      base=$(mktemp -d)
      (umask 077 && clone "$base/repo" && run_in "$base/repo" "umask 077 && $test_command" "$setting")
      status=$?
      where="$base/repo"
      ;;
    ci-no-tty)
      base=$(mktemp -d)
      clone "$base/repo" && run_in "$base/repo" "CI=true $test_command" "$setting" no-tty
      status=$?
      where="$base/repo"
      ;;
  esac
  record "$setting" "$status" $((SECONDS - start)) "$where"
  [[ $keep == true ]] || rm -rf "$base"
done

printf '\n%-13s %-14s %6s  %s\n' setting result time clone
printf '%s\n' "${results[@]}"
printf 'commit %s; logs in %s\n' "$commit" "$logs"
for line in "${results[@]}"; do [[ $line == *FAIL* ]] && exit 1; done
exit 0
