"""Write ``run.json`` beside a finished run: what ran, where, how long (for results tables)."""
import argparse
import json
import os
import platform
import subprocess
from datetime import datetime, timezone


def hardware() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return f"{torch.cuda.get_device_name(0)} (torch {torch.__version__})"
    except ImportError:  # pragma: no cover
        pass
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
    if os.environ.get("FAIRSEQ_MTL_COMMIT"):  # a copy of the tree without .git (GPU box)
        return os.environ["FAIRSEQ_MTL_COMMIT"]
    try:
        return subprocess.run(["git", "-C", path, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


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
    args = p.parse_args(argv)
    from fairseq_mtl.paths import PROJECT_ROOT

    info = {
        "arch": args.arch,
        "seed": args.seed,
        "profile": args.profile,
        "profile_note": args.profile_note,
        "train_seconds": args.train_seconds,
        "hardware": args.hardware or hardware(),
        "command": args.command,
        "unlabeled": "--unlabeled" in args.command.split(),
        "commit": git_commit(PROJECT_ROOT),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    with open(args.out, "w") as f:
        json.dump(info, f, indent=2)


if __name__ == "__main__":
    main()
