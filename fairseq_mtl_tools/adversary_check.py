"""Does the adversary work? A check whose answer is known.

On the synthetic corpus of :mod:`fairseq_mtl.data.synthetic` (one task-identifying word per
sentence, nothing else task-specific, the label independent of the task), train SP-MTL and
ASP-MTL variants (``--config NAME=ARCH FLAGS...``), extract each shared layer
(``fairseq-mtl-extract-shared``) and fit the task probe on it (``fairseq-mtl-task-probe``'s
probe: a fresh logistic regression predicting the task from the frozen shared vector, fitted on
train, scored on dev). SP-MTL has no reason to drop the task word, so the probe finds the task;
an adversary that works makes the shared layer task-invariant, so the probe falls towards
chance (1 / tasks). The table gives each configuration's probe accuracy (mean and spread over
seeds), its dev accuracy on the labels and the drop against the first configuration.

    python -m fairseq_mtl_tools.adversary_check OUT --seeds 1 2 3 \\
        --config "SP-MTL=sp_lstm" \\
        --config "ASP critic+confusion=asp_lstm --discriminator-steps 5 \\
                  --adversarial-objective confusion"

Written: OUT/adversary_check.md (``--preamble FILE``: notes put under its title) and .json;
the corpus, data and runs under OUT/ (a run with its record.json is not trained again: a
stopped check resumes).
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Sequence, Tuple

from fairseq_mtl.data.synthetic import write_corpus
from fairseq_mtl_tools.markdown import write_table

#: model and training sizes of the check (CPU, ~25 s a run on one core)
TRAIN_ARGS = ["--embed-dim", "16", "--hidden-dim", "64", "--batch-size", "16", "--max-epoch",
              "10", "--optimizer", "adam", "--lr", "0.003", "--no-epoch-checkpoints",
              "--no-progress-bar", "--log-interval", "50", "--num-workers", "0", "--cpu",
              "--best-checkpoint-metric", "avg_acc", "--maximize-best-checkpoint-metric"]
DEV_SIZE = 100
TITLE = "The adversary check whose answer is known: a task probe on ASP-MTL's shared layer"


def _bin(name: str) -> str:
    return os.path.join(os.path.dirname(sys.executable), name)


def _run(cmd: List[str], log: str) -> None:
    with open(log, "w") as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log) as f:
            tail = "".join(f.readlines()[-15:])
        raise RuntimeError(f"{' '.join(cmd[:3])} ... failed ({proc.returncode}); the last "
                           f"lines of {log}:\n{tail}")


def prepare(out: str, tasks: int, train: int, seed: int = 1) -> str:
    raw, data = os.path.join(out, "raw"), os.path.join(out, "data-bin")
    if not os.path.isfile(os.path.join(data, "manifest.json")):
        write_corpus(raw, num_tasks=tasks, n_train=train, n_test=DEV_SIZE, n_unlabel=DEV_SIZE,
                     seed=seed)
        os.makedirs(out, exist_ok=True)
        _run([_bin("fairseq-mtl-prepare"), "fdu-mtl", "--raw-dir", raw, "--out", data,
              "--embeddings", "none", "--dev-size", str(DEV_SIZE)],
             os.path.join(out, "prepare.log"))
    return data


def train_and_probe(data: str, run_dir: str, arch: str, flags: Sequence[str], seed: int,
                    user_dir: str) -> Dict:
    """One run: train, extract the shared layer, probe it. -> the run's record."""
    from fairseq_mtl_tools.task_probe import probe_encoder

    os.makedirs(run_dir, exist_ok=True)
    done = os.path.join(run_dir, "record.json")
    if os.path.isfile(done):  # a finished run of the same configuration: kept (resume)
        with open(done) as f:
            record = json.load(f)
        if (record["arch"], record["flags"], record["seed"]) == (arch, list(flags), seed):
            return record
    log = os.path.join(run_dir, "train.log")
    start = time.time()
    _run([_bin("fairseq-train"), data, "--user-dir", user_dir, "--arch", arch, "--seed",
          str(seed), "--save-dir", run_dir, *TRAIN_ARGS, *flags], log)
    wall = time.time() - start
    shared = os.path.join(run_dir, "shared.pt")
    _run([_bin("fairseq-mtl-extract-shared"), os.path.join(run_dir, "checkpoint_best.pt"),
          "--out", shared], os.path.join(run_dir, "extract.log"))
    probe = probe_encoder(shared, data, per_task=None, seed=seed)
    from fairseq_mtl_tools.runinfo import git_commit

    record = {"arch": arch, "flags": list(flags), "seed": seed, "wall_s": round(wall, 1),
              "commit": git_commit(os.path.dirname(os.path.abspath(__file__))),
              "probe": probe["shared"], "word_mean": probe["word_mean"],
              "chance": probe["chance"], "dev": _last_valid(log)}
    with open(done, "w") as f:
        json.dump(record, f)
    return record


def commits(rows: List[Tuple[str, List[Dict]]]) -> str:
    """The commits the runs were trained at, with their counts (a resumed table mixes them)."""
    counts: Dict[str, int] = {}
    for _, records in rows:
        for r in records:
            key = r.get("commit") or "not recorded"
            counts[key] = counts.get(key, 0) + 1
    if len(counts) == 1:
        return f"runs trained at commit {next(iter(counts))}"
    parts = [f"{c} ({n} run{'s' if n > 1 else ''})" for c, n in counts.items()]
    return "runs trained at commits " + ", ".join(parts)


def _last_valid(log: str) -> Dict[str, float]:
    """avg_acc and adv_acc of the last dev pass in a fairseq-train log."""
    from fairseq_mtl_tools.adversary_table import trajectory

    curves = trajectory(log)
    return {key: curves[f"dev_{key}"][-1] for key in ("adv_acc", "avg_acc")
            if curves[f"dev_{key}"]}


def markdown(rows: List[Tuple[str, List[Dict]]], provenance: str = "") -> str:
    def mean_sd(values):
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):.1f} ±{sd:.1f}"

    base = statistics.mean(r["probe"] for r in rows[0][1])
    first = rows[0][1][0]
    lines = [f"# {TITLE}", ""] + ([provenance, ""] if provenance else []) + [
             f"Task probe on the shared layer (chance {first['chance']:.1f} %), dev split; mean "
             f"±std over seeds {', '.join(str(r['seed']) for r in rows[0][1])}.", "",
             "| configuration | arch and flags | shared-layer probe % | drop vs "
             f"{rows[0][0]} | dev avg_acc | dev adv_acc | s / run |",
             "|---|---|---|---|---|---|---|"]
    for name, records in rows:
        probe = statistics.mean(r["probe"] for r in records)
        adv = [r["dev"]["adv_acc"] for r in records if "adv_acc" in r["dev"]]
        lines.append(
            f"| {name} | `{' '.join([records[0]['arch']] + records[0]['flags'])}` | "
            f"{mean_sd([r['probe'] for r in records])} | {base - probe:+.1f} | "
            f"{mean_sd([r['dev'].get('avg_acc', float('nan')) for r in records])} | "
            f"{mean_sd(adv) if adv else '-'} | "
            f"{statistics.mean(r['wall_s'] for r in records):.0f} |")
    lines += ["", f"Probe on the mean of the word vectors (how much the words alone give away): "
              f"{statistics.mean(r['word_mean'] for _, rs in rows for r in rs):.1f} % on "
              f"average."]
    return "\n".join(lines) + "\n"


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fairseq_mtl_tools.adversary_check",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="directory for the corpus, data, runs and table")
    parser.add_argument("--config", action="append", default=[], required=True,
                        help="NAME=ARCH [FLAGS...] (repeat; the first is the reference)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--train", type=int, default=400,
                        help="train lines per task, the last 100 of which are dev")
    parser.add_argument("--user-dir", default=None,
                        help="fairseq's --user-dir (default: the installed plugin)")
    parser.add_argument("--preamble", default=None,
                        help="a markdown file put under the table's title (notes on the runs)")
    return parser


def cli_main(argv=None) -> int:
    args = get_parser().parse_args(argv)
    try:
        from fairseq.models import ARCH_MODEL_REGISTRY

        import fairseq_mtl_plugin  # noqa: F401  (registers the archs checked below)

        configs = []
        for spec in args.config:  # all checked before the first run starts
            name, sep, command = spec.partition("=")
            words = shlex.split(command)
            if not sep or not words:
                raise ValueError(f"--config {spec!r}: expected NAME=ARCH [FLAGS...]")
            if words[0] not in ARCH_MODEL_REGISTRY:
                raise ValueError(f"--config {spec!r}: {words[0]!r} is not an arch (the NAME "
                                 f"ends at the first '=': a name may not contain one)")
            configs.append((name.strip(), words[0], words[1:]))
        user_dir = args.user_dir
        if user_dir is None:
            import fairseq_mtl_plugin

            user_dir = os.path.dirname(fairseq_mtl_plugin.__file__)
        data = prepare(args.out, args.tasks, args.train)
        rows = []
        for name, arch, flags in configs:
            records = []
            for seed in args.seeds:
                slug = "".join(c if c.isalnum() else "_" for c in name)
                record = train_and_probe(data, os.path.join(args.out, "runs", slug,
                                                            f"seed{seed}"),
                                         arch, flags, seed, user_dir)
                print(f"{name} seed {seed}: probe {record['probe']:.1f} % (chance "
                      f"{record['chance']:.1f}), dev {record['dev']}", flush=True)
                records.append(record)
            rows.append((name, records))
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        print(f"adversary_check: error: {e}", file=sys.stderr)
        return 1
    from fairseq_mtl_tools.runinfo import hardware

    wall = sum(r["wall_s"] for _, records in rows for r in records)
    provenance = (f"Command: `python -m fairseq_mtl_tools.adversary_check "
                  f"{' '.join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))}`"
                  f"; {commits(rows)}; "
                  f"{hardware()}, one training at a time; training wall time "
                  f"{wall / 60:.1f} min in all. Corpus: {args.tasks} tasks, {args.train} train "
                  f"lines per task ({DEV_SIZE} of them dev); every run: `{' '.join(TRAIN_ARGS)}`.")
    write_table(markdown(rows, provenance), os.path.join(args.out, "adversary_check.md"),
                args.preamble)
    with open(os.path.join(args.out, "adversary_check.json"), "w") as f:
        json.dump({"tasks": args.tasks, "train": args.train, "train_args": TRAIN_ARGS,
                   "runs": {name: records for name, records in rows}}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
