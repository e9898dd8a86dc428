"""Write ``run.json`` beside a finished run: what ran, where, how long (for results tables)."""
import argparse
import json
import os
import platform
import re
import subprocess
from datetime import datetime, timezone


def trained_on(train_log: str):
    """The GPU a fairseq run trained on, from the CUDA line fairseq logs at start-up, or None
    (a CPU run logs no such line). This is what the run used, whichever Python reads it."""
    try:
        with open(train_log, errors="replace") as f:
            for line in f:
                m = re.search(r"rank +0: capabilities = .*? name = (.+?)\s*$", line)
                if m:
                    return m.group(1)
    except OSError:
        pass
    return None


def max_epochs(command: str):
    """A run's --max-epoch from its command line (the last one given wins, as in argparse), or
    None when the command gives none."""
    found = re.findall(r"--max-epoch (\d+)", command)
    return int(found[-1]) if found else None


def profile_cell(info: dict) -> str:
    """A runs table's profile cell: the profile's note, and, where the command ends with another
    --max-epoch than the profile's (a run stopped early on purpose), how long the run was."""
    note = info.get("profile_note") or info.get("profile", "")
    found = re.findall(r"--max-epoch (\d+)", info.get("command", ""))
    if len(found) > 1 and found[-1] != found[0]:
        note += f"; stopped after {found[-1]} epochs (a last --max-epoch {found[-1]})"
    return note


def figure_note(checkpoint: str, given: str = None) -> str:
    """What a figure says about the model it shows: ``given`` (``--note``), else the profile and
    seed of the run.json that the recipes write beside the checkpoint, else that it is unknown."""
    if given:
        return given
    path = os.path.join(os.path.dirname(os.path.abspath(checkpoint)), "run.json")
    try:
        with open(path) as f:
            info = json.load(f)
        return f"profile {info['profile']}, seed {info['seed']}"
    except (OSError, ValueError, KeyError):
        return "profile not recorded (no run.json beside the checkpoint; give --note)"


def hardware(train_log=None) -> str:
    gpu = trained_on(train_log) if train_log else None
    try:
        import torch

        if gpu:  # the reader's torch is the run's only if it sees a GPU as well
            return f"{gpu} (torch {torch.__version__})" if torch.cuda.is_available() else gpu
        if torch.cuda.is_available() and not train_log:
            return f"{torch.cuda.get_device_name(0)} (torch {torch.__version__})"
    except ImportError:
        if gpu:
            return gpu
    cpu = platform.processor() or "cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, no GPU"


def git_commit(path: str) -> str:
    """The short commit id of the tree at ``path`` (``FAIRSEQ_MTL_COMMIT`` wins: a copy of the
    tree without .git, as on a GPU box), ``+dirty`` when tracked files outside thesis_results/
    differ from it: a results table the recipes rebuilt between two runs is their output, not
    the code a run ran. The recipes' shell side (run_commit in recipes/run_log.sh) calls this."""
    if os.environ.get("FAIRSEQ_MTL_COMMIT"):
        return os.environ["FAIRSEQ_MTL_COMMIT"]

    def git(*args):
        return subprocess.run(["git", "-C", path, *args], capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    try:
        edited = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                     ":(exclude)thesis_results")
    except (OSError, subprocess.CalledProcessError):
        edited = ""
    return commit + "+dirty" if edited else commit


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--arch", required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--profile", required=True)
    p.add_argument("--profile-note", default="")
    p.add_argument("--train-seconds", type=float, required=True)
    p.add_argument("--command", required=True)
    p.add_argument("--hardware", default=None)
    p.add_argument("--train-log", default=None,
                   help="the run's fairseq log: the GPU it names is the hardware (else the CPU)")
    p.add_argument("--commit", default=None,
                   help="the commit the run started from (default: the tree's now)")
    args = p.parse_args(argv)
    from fairseq_mtl.paths import PROJECT_ROOT

    info = {
        "arch": args.arch,
        "seed": args.seed,
        "profile": args.profile,
        "profile_note": args.profile_note,
        "train_seconds": args.train_seconds,
        "hardware": args.hardware or hardware(args.train_log),
        "command": args.command,
        "unlabeled": "--unlabeled" in args.command.split(),
        "commit": args.commit or git_commit(PROJECT_ROOT),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    with open(args.out, "w") as f:
        json.dump(info, f, indent=2)


if __name__ == "__main__":
    main()
