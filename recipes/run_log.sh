# Sourced by recipes/*/train.sh: the commit a run starts with, and its log and training time
# across resumes (a run stopped part-way resumes from checkpoint_last.pt when the same command
# runs again; train.log keeps the earlier parts and train_seconds.parts their durations, a
# killed part's taken from its log's timestamps).

# run_commit ROOT: the commit a run records (runinfo.git_commit, the one rule for shell and Python
# runs): the short id (FAIRSEQ_MTL_COMMIT wins), +dirty with edits to tracked files outside
# thesis_results/ (a table rebuilt in the tree between two runs does not change their code)
run_commit() {
  "${BIN:-$1/.venv/bin}/python" -c 'import sys; from fairseq_mtl_tools.runinfo import git_commit
print(git_commit(sys.argv[1]))' "$1"
}

# train_logged RUN_DIR COMMIT CMD...: run CMD, its output into RUN_DIR/train.log (appended,
# after a marker line, when RUN_DIR holds a checkpoint_last.pt to resume from), printing only
# the dev lines and the end; sets PART_START for train_seconds; returns CMD's exit status (a
# training that crashed or was killed after its first checkpoint is not a finished run)
train_logged() {
  local run_dir="$1" commit="$2"; shift 2
  # one training per run directory: a second start (another recipe call, a duplicate job)
  # would truncate the log and write into the same checkpoints
  local lock="$run_dir/.training.pid"
  if [[ -f "$lock" ]] && kill -0 "$(cat "$lock")" 2>/dev/null; then
    echo "$run_dir is being trained by process $(cat "$lock"); not starting it twice" >&2
    return 1
  fi
  echo $$ > "$lock"
  trap 'rm -f "'"$lock"'"' EXIT
  if [[ -f "$run_dir/checkpoint_last.pt" ]]; then
    # a part killed before it could record its seconds (a session's end, a kill): its span from
    # the timestamps of its log lines, so that the run's wall time still counts it
    local parts recorded=0
    parts=$(( $(grep -c '^# .* resumed from checkpoint_last.pt' "$run_dir/train.log" \
                2>/dev/null || true) + 1 ))
    [[ -f "$run_dir/train_seconds.parts" ]] && recorded=$(wc -l < "$run_dir/train_seconds.parts")
    if (( recorded < parts )) && [[ -f "$run_dir/train.log" ]]; then
      last_part_seconds "$run_dir/train.log" >> "$run_dir/train_seconds.parts"
    fi
    echo "# $(date -u +%FT%TZ) resumed from checkpoint_last.pt, commit $commit" \
      >> "$run_dir/train.log"
  else
    : > "$run_dir/train.log"; rm -f "$run_dir/train_seconds.parts"
  fi
  PART_START=$(date +%s)
  "$@" 2>&1 | tee -a "$run_dir/train.log" | { grep --line-buffered -E "valid on|done training" || true; }
  return "${PIPESTATUS[0]}"
}

# last_part_seconds LOG: seconds from the first to the last timestamped line of LOG's last part
# (the lines after its last "resumed" marker; fairseq stamps its lines with the local time)
last_part_seconds() {
  local first last
  read -r first last < <(awk '/^# .* resumed from checkpoint_last.pt/ { f = ""; l = "" }
    /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] / {
      t = $1 "T" $2; if (f == "") f = t; l = t }
    END { print f, l }' "$1")
  if [[ -z "$first" ]]; then echo 0; return; fi
  echo $(( $(date -d "$last" +%s) - $(date -d "$first" +%s) ))
}

# train_seconds RUN_DIR: record this part's seconds; print the sum over all parts
train_seconds() {
  echo $(( $(date +%s) - PART_START )) >> "$1/train_seconds.parts"
  awk '{ s += $1 } END { print s }' "$1/train_seconds.parts"
}
