"""The run grid of the study: one single-task run per task and one multi-task run per ordered
pair (main, aux), all with the same model and hyper-parameters (a profile).

A single-task run trains ``updates`` updates on the main task and records the main task's dev
loss every ``updates / points`` updates: the learning curve the features are computed from. A
pairwise run trains ``2 * updates`` updates, each on a task drawn uniformly (``--sampler
uniform``), with the same grid spacing. The model of a run is its best checkpoint on the main
task's dev accuracy; its test accuracy is scored once, after training.

Every run lives in its own directory (``single/MAIN`` or ``pair/MAIN+AUX``) and is finished
when ``result.json`` is there; a killed run restarts from its ``checkpoint_last.pt`` (fairseq
resumes it), finished runs are skipped.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from fairseq_mtl.checkpoint import plugin_dir
from fairseq_mtl.paths import PROJECT_ROOT

#: fairseq-train arguments of each profile (only what differs from the model/task defaults)
PROFILES: Dict[str, Dict[str, object]] = {
    # 2-core machine: a small fully-shared LSTM (hard parameter sharing, as the paper) on
    # frozen GloVe vectors and reviews cut to 100 words (60 updates: 102 s with the vectors
    # trained and 200 words, 48 s frozen, 21 s frozen and 100 words; measured while another
    # training shared the 2 cores, so the ratios are rough); ~1.5 min per single run
    "cpu": {
        "updates": 400, "points": 10,
        "args": ["--arch", "fs_lstm", "--hidden-dim", "50", "--freeze-embeddings",
                 "--truncate-length", "100", "--optimizer", "adam", "--lr", "0.003",
                 "--clip-norm", "5", "--batch-size", "32"],
    },
    # the paper's setting: bi-LSTM, batch 32, 25,000 updates single / 50,000 pairwise
    "paper": {
        "updates": 25000, "points": 25,
        "args": ["--arch", "fs_lstm", "--encoder", "bilstm", "--hidden-dim", "100",
                 "--optimizer", "adam", "--lr", "0.001", "--clip-norm", "5",
                 "--batch-size", "32"],
    },
    # the test suite's size
    "tiny": {
        "updates": 6, "points": 3,
        "args": ["--arch", "fs_lstm", "--hidden-dim", "8", "--embed-dim", "6",
                 "--optimizer", "adam", "--lr", "0.01", "--batch-size", "4"],
    },
}


@dataclass
class RunSpec:
    main: str
    aux: Optional[str] = None
    extra: List[str] = field(default_factory=list)  # more tasks (train-suggested)
    name: Optional[str] = None

    @property
    def tasks(self) -> List[str]:
        return [self.main] + ([self.aux] if self.aux else []) + list(self.extra)

    @property
    def directory(self) -> str:
        if self.name:
            return self.name
        return f"pair/{self.main}+{self.aux}" if self.aux else f"single/{self.main}"


def grid(tasks: Sequence[str], pairs: bool = True) -> List[RunSpec]:
    """Single-task runs first (their curves are all a suggestion needs), then the pairs."""
    specs = [RunSpec(t) for t in tasks]
    if pairs:
        specs += [RunSpec(m, a) for m in tasks for a in tasks if a != m]
    return specs


def fairseq_bin(name: str) -> str:
    path = os.path.join(os.path.dirname(sys.executable), name)
    return path if os.path.exists(path) else name


def train_command(spec: RunSpec, data: str, run_dir: str, profile: Dict, seed: int,
                  extra_args: Sequence[str] = ()) -> List[str]:
    updates = profile["updates"] * len(spec.tasks)  # twice the updates for a pair
    interval = max(1, profile["updates"] // profile["points"])
    metric = f"{spec.main}/acc"
    return [
        fairseq_bin("fairseq-train"), data, "--user-dir", plugin_dir(),
        "--task", "multitask_classification", "--criterion", "multitask_adversarial",
        "--tasks", ",".join(spec.tasks), "--sampler", "uniform", "--seed", str(seed),
        *[str(a) for a in profile["args"]],
        "--max-update", str(updates), "--max-epoch", "0",
        "--validate-interval-updates", str(interval), "--validate-interval", "1000000",
        "--save-interval-updates", str(interval), "--save-interval", "1000000",
        "--keep-interval-updates", "1", "--no-epoch-checkpoints",
        "--best-checkpoint-metric", metric, "--maximize-best-checkpoint-metric",
        "--verbose",  # the main task's dev values, which the curves read from the log
        "--save-dir", run_dir, "--no-progress-bar", "--log-interval", str(interval),
        "--num-workers", "0", *extra_args,
    ]


VALID_LINE = re.compile(r"valid on 'valid' subset \| (.*)$")
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \| ")
ATTEMPT_START = "fairseq_cli.train | {"  # fairseq prints its whole config when a run starts


def train_seconds_from_log(log_text: str) -> float:
    """Training time summed over the attempts in a run's log (a run killed and resumed has
    several): last minus first time stamp of each attempt. A SIGKILL leaves no final line, so
    this is the only record of a killed attempt's time."""
    from datetime import datetime

    total, first, last = 0.0, None, None
    for line in log_text.splitlines():
        m = STAMP.match(line)
        if not m:
            continue
        t = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
        if ATTEMPT_START in line and first is not None:
            total += (last - first).total_seconds()
            first = None
        if first is None:
            first = t
        last = t
    if first is not None:
        total += (last - first).total_seconds()
    return total


def read_curve(log_text: str, main: str) -> List[Dict[str, float]]:
    """The main task's dev loss/accuracy at every validation, by update (a resumed run may
    log an update twice: the later line wins)."""
    points: Dict[int, Dict[str, float]] = {}
    for line in log_text.splitlines():
        m = VALID_LINE.search(line)
        if not m:
            continue
        fields = dict(kv.rsplit(" ", 1) for kv in m.group(1).split(" | ") if " " in kv)
        if "num_updates" not in fields or f"{main}/loss" not in fields:
            continue
        update = int(float(fields["num_updates"]))
        points[update] = {"update": update, "loss": float(fields[f"{main}/loss"]),
                          "acc": float(fields[f"{main}/acc"])}
    return [points[u] for u in sorted(points)]


def main_task_score(eval_json: str, main: str) -> float:
    with open(eval_json) as f:
        scores = json.load(f)
    for row in scores["tasks"]:
        if row["task"] == main:
            return float(row["accuracy"])
    raise KeyError(f"{eval_json}: no row for task {main!r}")


def run_one(spec: RunSpec, data: str, runs: str, profile_name: str, seed: int = 1,
            extra_args: Sequence[str] = (), keep_checkpoints: bool = False,
            threads: Optional[int] = None) -> Dict:
    """Train (or resume) one run and write its result.json; returns the result. ``threads``:
    OMP_NUM_THREADS of its processes (default: the environment's)."""
    from fairseq_mtl_tools.runinfo import git_commit, hardware

    run_dir = os.path.join(runs, spec.directory)
    result_path = os.path.join(run_dir, "result.json")
    if os.path.exists(result_path):
        with open(result_path) as f:
            result = json.load(f)
        if result.get("tasks", spec.tasks) != spec.tasks:
            raise ValueError(f"{result_path} is a finished run of tasks {result['tasks']}, not "
                             f"{spec.tasks}; move it away to train these")
        return result
    os.makedirs(run_dir, exist_ok=True)
    profile = PROFILES[profile_name]
    cmd = train_command(spec, data, run_dir, profile, seed, extra_args)
    log_path = os.path.join(run_dir, "train.log")
    start = time.time()
    # killed after training, during the evaluation: do not start fairseq-train again (resuming
    # at max-update, fairseq would train one more update)
    previous = open(log_path, errors="replace").read() if os.path.exists(log_path) else ""
    last = read_curve(previous, spec.main)[-1:]
    trained = ("done training" in previous and bool(last)
               and last[0]["update"] >= profile["updates"] * len(spec.tasks))
    env = dict(os.environ, **({"OMP_NUM_THREADS": str(threads)} if threads else {}))
    with open(log_path, "a") as log:
        proc = (subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
                               env=env)
                if not trained else subprocess.CompletedProcess(cmd, 0))
    if proc.returncode != 0:
        with open(log_path, errors="replace") as f:
            tail = "".join(f.readlines()[-15:])
        raise RuntimeError(f"{' '.join(spec.tasks)}: fairseq-train failed ({proc.returncode}); "
                           f"{log_path} ends with:\n{tail}")
    seconds = time.time() - start
    subprocess.run([fairseq_bin("fairseq-mtl-evaluate"),
                    os.path.join(run_dir, "checkpoint_best.pt"), "--split", "valid,test",
                    "--data", data, "--out", os.path.join(run_dir, "eval")], check=True,
                   capture_output=True, cwd=PROJECT_ROOT, env=env)
    scores = {split: main_task_score(os.path.join(run_dir, f"eval_{split}.json"), spec.main)
              for split in ("valid", "test")}
    with open(log_path, errors="replace") as f:
        log_text = f.read()
    curve = read_curve(log_text, spec.main)
    seconds = train_seconds_from_log(log_text) or seconds  # every attempt, killed ones too
    result = {
        "main": spec.main, "aux": spec.aux, "tasks": spec.tasks, "seed": seed,
        "profile": profile_name, "dev_acc": scores["valid"], "test_acc": scores["test"],
        "curve": curve, "train_seconds": round(seconds, 1), "command": " ".join(cmd),
        "hardware": hardware(log_path), "commit": git_commit(PROJECT_ROOT),
    }
    if not keep_checkpoints:
        for name in os.listdir(run_dir):
            if name.endswith(".pt"):
                os.remove(os.path.join(run_dir, name))
        shutil.rmtree(os.path.join(run_dir, "tb"), ignore_errors=True)
    with open(result_path + ".tmp", "w") as f:
        json.dump(result, f, indent=2)
    os.replace(result_path + ".tmp", result_path)
    return result


def run_grid(specs: Sequence[RunSpec], data: str, runs: str, profile_name: str, seed: int = 1,
             extra_args: Sequence[str] = (), progress: bool = True, jobs: int = 1) -> List[Dict]:
    """Run every spec not finished yet, ``jobs`` at a time, with one progress bar (and ETA)
    over the whole grid. With several jobs each run's processes get an equal share of the
    cores as OMP_NUM_THREADS, unless the environment sets it. A failed run stops the grid once
    the runs under way have finished (they are kept); the first failure is raised."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from tqdm import tqdm

    done = [s for s in specs if os.path.exists(os.path.join(runs, s.directory, "result.json"))]
    todo = [s for s in specs if s not in done]
    results = {s.directory: run_one(s, data, runs, profile_name, seed) for s in done}
    bar = tqdm(total=len(specs), initial=len(done), unit="run", disable=not progress,
               desc="relations grid", dynamic_ncols=True)
    jobs = max(1, min(jobs, len(todo) or 1))
    threads = (None if jobs == 1 or "OMP_NUM_THREADS" in os.environ
               else max(1, (os.cpu_count() or 1) // jobs))
    failure = None
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        queue, running = list(todo), {}
        while queue or running:
            while queue and len(running) < jobs and failure is None:
                spec = queue.pop(0)
                running[pool.submit(run_one, spec, data, runs, profile_name, seed, extra_args,
                                    threads=threads)] = spec
            if not running:
                break
            bar.set_postfix_str(", ".join("+".join(s.tasks) for s in running.values()))
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                spec = running.pop(future)
                try:
                    results[spec.directory] = future.result()
                    bar.update(1)
                except Exception as e:  # noqa: BLE001 - kept, raised once the others stop
                    failure = failure or e
    bar.close()
    if failure is not None:
        raise failure
    return [results[s.directory] for s in specs]


def load_results(runs: str) -> Dict[str, Dict]:
    """Finished runs under ``runs``: {'single/books': result, 'pair/books+dvd': result, ...}."""
    found = {}
    for kind in ("single", "pair"):
        base = os.path.join(runs, kind)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            path = os.path.join(base, name, "result.json")
            if os.path.exists(path):
                with open(path) as f:
                    found[f"{kind}/{name}"] = json.load(f)
    return found
