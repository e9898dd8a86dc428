# Sourced by the recipes: their help, their plan, and what a failed run shows.
#
#   source "$ROOT/recipes/lib.sh"
#   recipe_args "$@"; set -- "${ARGS[@]}"      # -h/--help: the usage, exit 0; --all taken out
#   ... work out the runs left ...
#   recipe_plan RUNS MINUTES_EACH [AT_ONCE]   # prints the plan; a long job started without any
#                                             # argument stops here unless --all was given

# recipe_args "$@": -h or --help anywhere prints the script's header comment (its usage) and
# exits; sets ARGS (the arguments without --all), ALL (1 when --all was given) and GIVEN (how
# many arguments were given besides --all).
recipe_args() {
  local a
  ARGS=(); ALL=0
  for a in "$@"; do
    case "$a" in
      -h|--help) recipe_usage 0 ;;
      --all) ALL=1 ;;
      *) ARGS+=("$a") ;;
    esac
  done
  GIVEN=${#ARGS[@]}
}

# recipe_usage CODE: the script's header comment (its usage), then exit CODE
recipe_usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit "$1"
}

# recipe_plan RUNS MINUTES_EACH [AT_ONCE]: "plan: N runs, about T on this machine"; MINUTES_EACH
# 0 = no estimate (a GPU profile). A job longer than 10 minutes started with no argument at all
# (only the defaults) stops with how to run it: its targets, or --all for everything.
recipe_plan() {
  local runs="$1" each="$2" at_once="${3:-1}" total
  if [[ "$each" == 0 ]]; then
    echo "plan: $runs run(s) left; no estimate for this profile on this machine (a GPU profile)"
    total=9999
  else
    total=$(( (runs * each + at_once - 1) / at_once ))
    echo "plan: $runs run(s) left, about $each min each ($at_once at a time): about" \
         "$((total / 60)) h $((total % 60)) min on this machine (2 CPU cores)"
  fi
  if (( runs > 0 && total > 10 && GIVEN == 0 && ALL == 0 )); then
    echo "a long job: give its targets (see --help) or --all to run all of the above" >&2
    exit 2
  fi
}

# recipe_failed LOG WHAT: the last lines of a failed run's log, then exit 1
recipe_failed() {
  echo "$2 failed; the last lines of $1:" >&2
  tail -n 20 "$1" >&2
  exit 1
}

# profile_flags NAME [--set GROUP.KEY=VALUE ...]: TRAIN_ARGS = the fairseq-train options of the
# Hydra profile recipes/config/NAME.yaml (fairseq_mtl_tools/configs.py), the one place a profile's
# training options are written; fairseq-hydra-train reads the same file.
profile_flags() {
  local out
  out="$("${BIN:-$ROOT/.venv/bin}/python" -m fairseq_mtl_tools.configs flags "$@")" || exit 1
  mapfile -t TRAIN_ARGS <<< "$out"
}

# profile_get NAME GROUP.KEY: one value of a profile (a list's first item)
profile_get() {
  "${BIN:-$ROOT/.venv/bin}/python" -m fairseq_mtl_tools.configs get "$@" || exit 1
}
