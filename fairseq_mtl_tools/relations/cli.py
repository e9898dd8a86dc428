"""``fairseq-mtl-relations``: which task helps which (Bingel & Sogaard 2017) on prepared data.

    fairseq-mtl-relations run --data data-bin/fdu-mtl --tasks books,dvd,... --profile cpu \\
        --runs runs/relations --jobs 2 # single-task runs, then every ordered pair; resumable
    fairseq-mtl-relations report --runs runs/relations --data data-bin/fdu-mtl \\
        --out thesis_results/task_relations      # gain heat-maps, CSVs, predictor tables
    fairseq-mtl-relations suggest --runs runs/relations --data data-bin/fdu-mtl --main books --top 3
    fairseq-mtl-relations train-suggested --runs runs/relations --data data-bin/fdu-mtl \\
        --main books --top 2 --random 2   # main + suggested auxiliaries vs random ones
"""
import argparse
import json
import os
import random
import sys
from typing import List

from fairseq_mtl_tools.markdown import with_preamble
from fairseq_mtl_tools.relations import grid as G


def _tasks(args):
    from fairseq_mtl.data.manifest import Manifest

    known = Manifest.load(args.data).task_names
    if not getattr(args, "tasks", None):
        return known
    tasks = [t for t in args.tasks.split(",") if t]
    unknown = [t for t in tasks if t not in known]
    if unknown:
        raise SystemExit(f"unknown task(s) {', '.join(unknown)}; {args.data} has: "
                         f"{', '.join(known)}")
    return tasks


def cmd_run(args):
    specs = G.grid(_tasks(args), pairs=not args.no_pairs)
    done = sum(os.path.exists(os.path.join(args.runs, s.directory, "result.json")) for s in specs)
    print(f"{len(specs)} runs ({done} finished) in {args.runs}, profile {args.profile}",
          file=sys.stderr)
    if args.dry_run:
        for s in specs:
            print(s.directory)
        return
    G.run_grid(specs, args.data, args.runs, args.profile, args.seed, progress=not args.quiet,
               jobs=args.jobs)


def cmd_report(args):
    from fairseq_mtl_tools.relations.report import build

    text = build(args.runs, args.data, args.out, split=args.split, repeats=args.repeats)
    title = "# Which task helps which (Bingel & Sogaard 2017) on prepared data\n\n"
    with open(args.out + ".md", "w") as f:
        f.write(with_preamble(title + text, args.preamble))
    print(text)
    print(f"wrote {args.out}.md, .json, _gains.csv, _gains_dev.png, _gains_test.png, "
          f"_features.csv", file=sys.stderr)


def _features_and_gains(args):
    from fairseq_mtl_tools.relations.report import gains, task_features

    results = G.load_results(args.runs)
    warnings = []
    features = task_features(results, args.data, warnings)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return features, gains(results, args.split)


def _ranked(args, features, gain):
    from fairseq_mtl_tools.relations.predictor import suggest

    if args.main not in features:
        raise SystemExit(f"no finished single-task run of {args.main!r} under {args.runs}: "
                         f"fairseq-mtl-relations run --tasks {args.main} --no-pairs first")
    train = [p for p in gain if p[0] != args.main and p[0] in features and p[1] in features]
    cands = [t for t in features if t != args.main]
    return suggest(args.main, cands, features, train, [gain[p] for p in train], top=args.top,
                   relative=args.relative)


def cmd_suggest(args):
    features, gain = _features_and_gains(args)
    for aux, prob in _ranked(args, features, gain):
        print(f"{aux}\t{prob:.3f}")


def random_draws(main: str, candidates: List[str], k: int, n: int, seed: int) -> List[List[str]]:
    """``n`` draws of ``k`` auxiliaries for ``main`` out of ``candidates`` (taken in sorted
    order). The generator is seeded with the seed AND the main task's name, so the draws of
    different main tasks are independent (one generator seeded with the seed alone drew the
    same list positions for every main task) and do not depend on the candidates' order."""
    rng = random.Random(f"{seed}/{main}")
    pool = sorted(candidates)
    return [rng.sample(pool, k) for _ in range(n)]


def cmd_train_suggested(args):
    features, gain = _features_and_gains(args)
    picked = [a for a, _ in _ranked(args, features, gain)]
    others = [t for t in features if t not in picked and t != args.main]
    setting = f"suggest/{'relative' if args.relative else 'absolute'}-top{args.top}/{args.main}"
    specs = [G.RunSpec(args.main, extra=picked, name=f"{setting}/suggested")]
    for r, drawn in enumerate(random_draws(args.main, others + picked, len(picked), args.random,
                                           args.seed)):
        specs.append(G.RunSpec(args.main, extra=drawn, name=f"{setting}/random{r + 1}"))
    results = G.run_grid(specs, args.data, args.runs, args.profile, args.seed,
                         progress=not args.quiet, jobs=args.jobs)
    single = G.load_results(args.runs).get(f"single/{args.main}")
    summary = {"main": args.main, "single": single and single[f"{args.split}_acc"],
               "runs": [{"tasks": r["tasks"], "dev_acc": r["dev_acc"], "test_acc": r["test_acc"]}
                        for r in results]}
    print(json.dumps(summary, indent=2))


def build_parser():
    p = argparse.ArgumentParser(prog="fairseq-mtl-relations", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    sub = p.add_subparsers(dest="command", required=True)

    def common(q, data=True):
        q.add_argument("--runs", default="runs/relations", help="the grid's directory")
        if data:
            q.add_argument("--data", default="data-bin/fdu-mtl", help="prepared data directory")
        q.add_argument("--split", default="dev", choices=["dev", "test"],
                       help="the split whose gains label the predictor (default dev)")

    q = sub.add_parser("run", help="train the grid (resumable)")
    common(q)
    q.add_argument("--tasks", help="comma-separated (default: every task of --data)")
    q.add_argument("--profile", default="cpu", choices=sorted(G.PROFILES))
    q.add_argument("--seed", type=int, default=1)
    q.add_argument("--no-pairs", action="store_true", help="single-task runs only")
    q.add_argument("--jobs", type=int, default=1,
                   help="runs at a time (default 1); each gets cores/jobs threads unless "
                   "OMP_NUM_THREADS is set")
    q.add_argument("--dry-run", action="store_true", help="list the runs and stop")
    q.add_argument("--quiet", action="store_true", help="no progress bar")
    q.set_defaults(func=cmd_run)

    q = sub.add_parser("report", help="gain matrix, features, predictor")
    common(q)
    q.add_argument("--out", default="runs/relations/report", help="path prefix of the outputs")
    q.add_argument("--repeats", type=int, default=100, help="repetitions of 5-fold CV")
    q.add_argument("--preamble", help="a markdown file put under the title (notes on the runs)")
    q.set_defaults(func=cmd_report)

    for name, func, helptext in (
            ("suggest", cmd_suggest, "rank auxiliary tasks for a main task"),
            ("train-suggested", cmd_train_suggested,
             "train the main task with its suggested auxiliaries and with random ones")):
        q = sub.add_parser(name, help=helptext)
        common(q)
        q.add_argument("--main", required=True)
        q.add_argument("--top", type=int, default=3)
        q.add_argument("--relative", action="store_true",
                       help="learn from relative labels (gain above the main task's median "
                       "gain) instead of gain > 0: the choice where nearly every pair gains")
        if name == "train-suggested":
            q.add_argument("--random", type=int, default=2, help="random draws of --top tasks")
            q.add_argument("--profile", default="cpu", choices=sorted(G.PROFILES))
            q.add_argument("--seed", type=int, default=1)
            q.add_argument("--quiet", action="store_true")
            q.add_argument("--jobs", type=int, default=1, help="runs at a time")
        q.set_defaults(func=func)
    return p


def cli_main(argv=None):
    args = build_parser().parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
