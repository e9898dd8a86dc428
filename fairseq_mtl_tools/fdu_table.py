"""``python -m fairseq_mtl_tools.fdu_table``: the FDU-MTL result tables from finished runs:
paper Table 2 (LSTM models, test ERROR, ``--family lstm``) and the thesis' Table 4.2
(Transformer schemes, test ACCURACY, ``--family transformer``).

Reads ``runs/fdu_mtl/<profile>/<arch>/seed<N>/{eval_test.json,eval_valid.json,run.json}`` and
writes a markdown table of per-task test scores (mean over seeds, +- std where >1 seed) beside the
reference numbers, with seeds, hardware and wall time of every run.
"""
import argparse
import glob
import json
import os
import re
from collections import defaultdict

from fairseq_mtl_tools.markdown import write_table
from fairseq_mtl_tools.runinfo import profile_cell
from fairseq_mtl_tools.stats import mean_std

# Liu, Qiu & Huang (ACL 2017), Table 2: test error rates (%). Task order = the paper's rows.
PAPER_TASKS = ["books", "electronics", "dvd", "kitchen_housewares", "apparel", "camera_photo",
               "health_personal_care", "music", "toys_games", "video", "baby", "magazines",
               "software", "sports_outdoors", "imdb", "MR"]
PAPER = {
    "st_lstm": [20.5, 19.5, 18.3, 22.0, 16.8, 14.8, 15.5, 23.3, 16.8, 18.5, 15.3, 10.8, 15.3,
                18.3, 18.3, 27.3],
    "st_bilstm": [19.0, 21.5, 19.5, 18.8, 14.0, 14.0, 21.3, 22.8, 15.3, 16.3, 16.5, 8.5, 14.3,
                  16.0, 15.0, 25.3],
    "st_slstm": [18.0, 23.3, 22.0, 19.5, 16.3, 15.0, 16.5, 23.0, 16.8, 16.3, 15.8, 12.3, 14.5,
                 17.5, 18.5, 28.0],
    "mt_dnn": [17.7, 18.2, 15.8, 19.2, 14.9, 13.7, 14.3, 15.3, 12.1, 15.0, 12.1, 10.6, 14.4,
               16.8, 16.7, 24.5],
    "mt_cnn": [15.6, 16.9, 16.1, 16.8, 16.1, 14.0, 12.9, 16.3, 10.9, 18.7, 12.4, 12.3, 13.4,
               16.1, 13.7, 25.5],
    "fs_lstm": [17.5, 14.3, 16.5, 14.0, 15.5, 13.5, 12.0, 18.8, 15.5, 16.3, 12.0, 7.5, 13.8,
                14.5, 17.5, 25.3],
    "sp_lstm": [18.7, 12.3, 16.1, 14.8, 13.4, 12.1, 12.8, 17.0, 14.9, 16.8, 13.2, 8.1, 13.1,
                12.7, 15.2, 24.1],
    "asp_lstm": [13.0, 11.0, 12.6, 12.8, 11.3, 8.7, 10.9, 17.4, 11.2, 14.5, 10.2, 7.6, 12.7,
                 13.3, 14.2, 22.7],
}
PAPER_AVG = {"st_lstm": 18.2, "st_bilstm": 17.4, "st_slstm": 18.3, "mt_dnn": 15.7,
             "mt_cnn": 15.5, "fs_lstm": 15.3,
             "sp_lstm": 14.7, "asp_lstm": 12.8}
NAMES = {"st_lstm": "LSTM", "st_bilstm": "BiLSTM", "st_slstm": "sLSTM", "mt_dnn": "MT-DNN",
         "mt_cnn": "MT-CNN", "fs_lstm": "FS-MTL",
         "sp_lstm": "SP-MTL", "asp_lstm": "ASP-MTL"}
ORDER = ["st_lstm", "st_bilstm", "st_slstm", "mt_dnn", "mt_cnn", "fs_lstm", "sp_lstm",
         "asp_lstm"]

# Sun (2019), thesis Table 4.2: test ACCURACY (%), same task order as PAPER_TASKS
THESIS = {
    "st_transformer": [83.50, 79.50, 82.75, 79.50, 82.75, 81.75, 86.00, 76.50, 80.00, 84.75,
                       81.00, 89.00, 86.50, 80.25, 80.75, 75.25],
    "stack_pool_transformer": [82.50, 82.50, 84.50, 83.50, 85.50, 84.25, 85.50, 83.00, 84.75,
                               81.25, 87.75, 85.00, 86.00, 84.25, 84.75, 76.00],
    "stack_cls_transformer": [84.00, 83.50, 85.50, 85.00, 86.75, 85.00, 87.50, 83.00, 86.25,
                              85.50, 85.50, 91.00, 88.75, 83.75, 85.00, 75.75],
    "layerwise_implicit_transformer": [85.00, 84.75, 85.75, 89.00, 86.00, 87.00, 88.00, 82.75,
                                       88.25, 86.50, 87.25, 89.75, 86.50, 86.00, 84.50, 78.00],
    "layerwise_explicit_transformer": [84.50, 85.75, 85.75, 87.75, 85.75, 89.00, 86.75, 81.50,
                                       86.50, 84.25, 87.50, 89.25, 87.75, 85.50, 84.50, 76.50],
}
THESIS_AVG = {"st_transformer": 81.86, "stack_pool_transformer": 83.81,
              "stack_cls_transformer": 85.11, "layerwise_implicit_transformer": 85.94,
              "layerwise_explicit_transformer": 85.53}
# thesis Fig. 4.1: average test accuracy by number of layers (2, 4, 6)
THESIS_LAYERS = {"stack_pool_transformer": [84.51, 83.81, 81.67],
                 "stack_cls_transformer": [84.84, 85.11, 84.78],
                 "layerwise_implicit_transformer": [85.47, 85.94, 85.23],
                 "layerwise_explicit_transformer": [85.39, 85.53, 85.00]}
NAMES.update({"st_transformer": "Transformer", "stack_pool_transformer": "S-P",
              "stack_cls_transformer": "S-C", "layerwise_implicit_transformer": "L-I",
              "layerwise_explicit_transformer": "L-E", "fs_transformer": "FS (Transformer)",
              "sp_transformer": "SP (Transformer)", "asp_transformer": "ASP (Transformer)"})
ORDER += ["st_transformer", "stack_pool_transformer", "stack_cls_transformer",
          "layerwise_implicit_transformer", "layerwise_explicit_transformer", "fs_transformer",
          "sp_transformer", "asp_transformer"]

#: what each family's table shows: (score key in eval_*.json, label, reference, reference avg)
FAMILIES = {
    "lstm": ("error", "error", PAPER, PAPER_AVG, "paper"),
    "transformer": ("accuracy", "accuracy", THESIS, THESIS_AVG, "thesis"),
}


def load_runs(runs_dir):
    runs = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(runs_dir, "*", "seed*", "run.json"))):
        run_dir = os.path.dirname(path)
        info = json.load(open(path))
        test = json.load(open(os.path.join(run_dir, "eval_test.json")))
        valid = json.load(open(os.path.join(run_dir, "eval_valid.json")))
        # grouped by directory (= the arch for recipe runs, a variant name for diagnostics)
        name = os.path.basename(os.path.dirname(run_dir))
        runs[name].append({"info": info, "test": test, "valid": valid})
    return runs


def fmt(values, digits=1):
    return mean_std(values, digits)


def command_template(command: str) -> str:
    """A run's command with its arch, seed and run directory replaced by placeholders, so that
    the runs of one recipe share one line."""
    command = command.replace(" --verbose", "")  # what the console prints: the same training
    command = re.sub(r"--arch \S+", "--arch ARCH", command)
    command = re.sub(r"--seed \S+", "--seed SEED", command)
    command = re.sub(r"--save-dir \S+", "--save-dir RUN_DIR", command)
    return re.sub(r"--tensorboard-logdir \S+", "--tensorboard-logdir RUN_DIR/tb", command)


def build_table(runs, title, family="lstm", beside=None, beside_label="", labels=None):
    """``beside``: the runs of the same archs trained another way (e.g. from scratch, beside a
    pretrained table), shown as one more average row. ``labels``: column names for run
    directories that are not arch names (variants)."""
    key, label, reference, reference_avg, source = FAMILIES[family]
    labels = labels or {}
    names = {**NAMES, **labels}
    digits = 2 if family == "transformer" else 1  # the thesis reports 2 decimals
    archs = [a for a in ORDER if a in runs] + [a for a in labels if a in runs and a not in ORDER]
    archs += sorted(a for a in runs if a not in archs)
    # a variant's reference is that of the arch it trains (e.g. a schedule of asp_lstm)
    ref_of = {a: a if a in NAMES else runs[a][0]["info"].get("arch", a) for a in archs}
    lines = [f"# {title}", ""]
    header = ["task"]
    for a in archs:
        header += [f"{names.get(a, a)} (ours)", source]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    tasks = [t["task"] for t in runs[archs[0]][0]["test"]["tasks"]]
    ordered = [t for t in PAPER_TASKS if t in tasks] + [t for t in tasks if t not in PAPER_TASKS]
    for task in ordered:
        row = [task]
        for a in archs:
            scores = [next(r[key] for r in run["test"]["tasks"] if r["task"] == task)
                      for run in runs[a]]
            paper = reference.get(ref_of[a])
            row += [fmt(scores, digits),
                    f"{paper[PAPER_TASKS.index(task)]:.{digits}f}" if paper and task in PAPER_TASKS
                    else "-"]
        lines.append("| " + " | ".join(row) + " |")
    row = [f"**avg test {label}**"]
    for a in archs:
        row += ["**" + fmt([run["test"]["average"][key] for run in runs[a]], digits) + "**",
                f"{reference_avg[ref_of[a]]:.{digits}f}" if ref_of[a] in reference_avg else "-"]
    lines.append("| " + " | ".join(row) + " |")
    if beside:
        row = [f"avg test {label}, {beside_label}"]
        for a in archs:
            row += [fmt([run["test"]["average"][key] for run in beside.get(a, [])], digits), "-"]
        lines.append("| " + " | ".join(row) + " |")
    row = [f"avg dev {label} (selection)"]
    for a in archs:
        row += [fmt([run["valid"]["average"][key] for run in runs[a]], digits), "-"]
    lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Runs (model selected on the average DEV accuracy; test scored once at the "
              "end):", "", "| model | seed | profile | hardware | train wall time | unlabeled "
              "data fed L_adv | commit |", "|---|---|---|---|---|---|---|"]
    for a in archs:
        for run in runs[a]:
            i = run["info"]
            lines.append(
                f"| {names.get(a, a)} | {i['seed']} | {profile_cell(i)} | "
                f"{i['hardware']} | {i['train_seconds'] / 60:.1f} min | "
                f"{'yes' if i['unlabeled'] else 'no'} | {i['commit']} |"
            )
    templates = sorted({command_template(run["info"]["command"]) for a in archs
                        for run in runs[a]})
    lines += ["", "Command of every run (run by recipes/fdu_mtl/train.sh ARCH SEED PROFILE; "
              "ARCH and SEED as in the table above, one RUN_DIR per run):", ""]
    lines += ["```", *templates, "```"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", required=True, help="runs/fdu_mtl/<profile>")
    p.add_argument("--out", required=True)
    p.add_argument("--family", choices=sorted(FAMILIES), default="lstm")
    p.add_argument("--title", default=None)
    p.add_argument("--preamble", default=None, help="markdown file inserted after the title")
    p.add_argument("--beside", default=None,
                   help="runs of the same archs trained another way (e.g. from scratch): one "
                   "more average row")
    p.add_argument("--beside-label", default="another profile")
    p.add_argument("--label", action="append", default=[],
                   help="DIR=text: the column name of a run directory that is not an arch (repeat)")
    args = p.parse_args(argv)
    runs = load_runs(args.runs)
    if not runs:
        raise SystemExit(f"no finished runs under {args.runs}")
    title = args.title or {
        "lstm": "FDU-MTL, LSTM models (paper Table 2): test error %",
        "transformer": "FDU-MTL, Transformer schemes (thesis Table 4.2): test accuracy %",
    }[args.family]
    beside = load_runs(args.beside) if args.beside else None
    labels = dict(item.partition("=")[::2] for item in args.label)
    text = build_table(runs, title, args.family, beside, args.beside_label, labels)
    write_table(text, args.out, args.preamble)


if __name__ == "__main__":
    main()
