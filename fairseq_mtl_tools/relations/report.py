"""The study's report from finished runs: gain matrix (CSV + heat-map), task features, the
predictor's cross-validated scores and coefficients, and the suggestion check."""
import csv
import json
import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from fairseq_mtl_tools.relations import predictor as P
from fairseq_mtl_tools.relations.features import TASK_FEATURES, curve_features, data_features
from fairseq_mtl_tools.relations.grid import PROFILES, load_results

PAPER = {  # Bingel & Sogaard (2017), Table 3: mean over 100 runs of 5-fold CV
    "majority": (0.555, 0.615), "all": (0.749, 0.669), "data": (0.665, 0.542),
    "best": (0.785, 0.713),
}


def gains(results: Dict[str, Dict], split: str = "dev") -> Dict[Tuple[str, str], float]:
    """Relative change (%) of the main task's score, pair vs single, for every finished pair
    whose single run is finished too."""
    key = f"{split}_acc"
    out = {}
    for name, r in results.items():
        if not name.startswith("pair/"):
            continue
        single = results.get(f"single/{r['main']}")
        if single:
            out[(r["main"], r["aux"])] = 100.0 * (r[key] - single[key]) / single[key]
    return out


def task_features(results: Dict[str, Dict], data: str,
                  warnings: List[str]) -> Dict[str, Dict[str, float]]:
    feats = {}
    for name, r in sorted(results.items()):
        if not name.startswith("single/"):
            continue
        total = PROFILES[r["profile"]]["updates"]
        feats[r["main"]] = {**data_features(data, r["main"]),
                            **curve_features(r["curve"], total, r["main"], warnings)}
    return feats


def heatmap(matrix: Dict[Tuple[str, str], float], tasks: Sequence[str], out: str,
            title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.full((len(tasks), len(tasks)), np.nan)
    for (m, a), g in matrix.items():
        grid[tasks.index(m), tasks.index(a)] = g
    lim = max(1e-9, float(np.nanmax(np.abs(grid)))) if np.isfinite(grid).any() else 1.0
    fig, ax = plt.subplots(figsize=(1 + 0.55 * len(tasks), 1 + 0.5 * len(tasks)))
    im = ax.imshow(grid, cmap="RdBu", vmin=-lim, vmax=lim)
    ax.set_xticks(range(len(tasks)), tasks, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(tasks)), tasks, fontsize=7)
    ax.set_xlabel("auxiliary task")
    ax.set_ylabel("main task")
    for i in range(len(tasks)):
        for j in range(len(tasks)):
            if np.isfinite(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.1f}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=ax, label="relative change of main-task accuracy (%)")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=150)
    plt.close(fig)


def suggestion_check(tasks, features, gain, top: int = 1,
                     relative: bool = False) -> Optional[Dict]:
    """For every main task with all its pairs run: train the predictor WITHOUT that main task's
    pairs (on absolute or ``relative`` labels, see ``predictor.centered_gains``), take its
    top-``top`` suggested auxiliaries, and compare their measured gain with the mean gain of all
    its auxiliaries (what a random pick gets on average)."""
    rows = []
    for main in tasks:
        cands = [a for a in tasks if a != main and (main, a) in gain]
        if len(cands) < len(tasks) - 1 or main not in features:
            continue
        train = [(m, a) for (m, a) in gain if m != main and m in features and a in features]
        y = [gain[p] for p in train]
        labels = P.centered_gains(train, y) if relative else np.asarray(y)
        if len(set(labels > 0)) < 2:
            continue
        try:
            ranked = P.suggest(main, cands, features, train, y, top=top, relative=relative)
        except ValueError:
            continue
        picked = [a for a, _ in ranked]
        rows.append({"main": main, "suggested": picked,
                     "suggested_gain": float(np.mean([gain[(main, a)] for a in picked])),
                     "random_gain": float(np.mean([gain[(main, a)] for a in cands]))})
    if not rows:
        return None
    return {"rows": rows, "top": top, "relative": relative,
            "suggested_mean": float(np.mean([r["suggested_gain"] for r in rows])),
            "random_mean": float(np.mean([r["random_gain"] for r in rows])),
            "wins": sum(r["suggested_gain"] > r["random_gain"] for r in rows)}


def _cv_table(pairs, y, features, repeats: int, cv: Dict, labels: str,
              by_main: bool = False) -> List[str]:
    """Rows of the predictor table (majority baseline, all / data / curve features) for the
    labels ``y``; fills ``cv[f"{labels}/{group}"]``. ``by_main``: folds by main task. The
    paper's numbers go beside the absolute labels only (theirs)."""
    paper_cols = labels == "absolute"
    lines = ["| features | accuracy | F1 (positive) |"
             + (" paper accuracy | paper F1 |" if paper_cols else ""),
             "|---|---|---|" + ("---|---|" if paper_cols else "")]
    for group, per_task in P.GROUPS.items():
        x = P.design(pairs, features, per_task)
        cols = P.usable_columns(x)
        try:
            res = P.cross_validate(x[:, cols], y, repeats=repeats,
                                   groups=[m for m, _ in pairs] if by_main else None)
        except ValueError as e:
            lines.append(f"| {group} | - | - |" + (" | |" if paper_cols else "") + f" ({e})")
            continue
        cv[f"{labels}/{group}"] = res
        if len(lines) == 2:
            maj = res["majority"]
            paper = PAPER["majority"] if paper_cols else None
            lines.append(f"| majority baseline | {maj['acc_mean']:.3f} ±{maj['acc_std']:.3f} | "
                         f"{maj['f1_mean']:.3f} ±{maj['f1_std']:.3f} |"
                         + (f" {paper[0]} | {paper[1]} |" if paper else ""))
        paper = PAPER.get(group, ("-", "-"))
        m = res["model"]
        lines.append(f"| {group} ({int(cols.sum())} usable) | {m['acc_mean']:.3f} "
                     f"±{m['acc_std']:.3f} | {m['f1_mean']:.3f} ±{m['f1_std']:.3f} |"
                     + (f" {paper[0]} | {paper[1]} |" if paper_cols else ""))
    lines += ["", f"Mean ± std over {repeats} repetitions of 5-fold stratified CV "
              + ("with each main task's pairs in one fold." if by_main else "over the pairs.")
              + (f" Paper's best feature combination: {PAPER['best'][0]} / {PAPER['best'][1]}."
                 if paper_cols else ""), ""]
    return lines


def suggested_runs(runs: str, single: Dict[str, Dict]) -> Dict[str, List[Dict]]:
    """The ``train-suggested`` runs under ``runs``, by setting (``absolute-top3``, ...): per
    main task, its single-task result (from ``single``, ``load_results(runs)``), the run with
    its suggested auxiliaries and the runs with random ones of the same count
    (``suggest/SETTING/MAIN/{suggested,random1,...}``)."""
    def read(path):
        with open(path) as f:
            return json.load(f)

    found: Dict[str, List[Dict]] = {}
    base = os.path.join(runs, "suggest")
    for setting in sorted(os.listdir(base) if os.path.isdir(base) else []):
        for main in sorted(os.listdir(os.path.join(base, setting)), key=str.lower):
            d = os.path.join(base, setting, main)
            names = sorted(n for n in os.listdir(d) if n.startswith("random"))
            draws = [os.path.join(d, n, "result.json") for n in names]
            draws = [p for p in draws if os.path.exists(p)]
            path = os.path.join(d, "suggested", "result.json")
            if os.path.exists(path) and draws and f"single/{main}" in single:
                found.setdefault(setting, []).append(
                    {"main": main, "single": single[f"single/{main}"], "suggested": read(path),
                     "random": [read(p) for p in draws]})
    return found


def suggested_table(rows: List[Dict]) -> List[str]:
    """Markdown: suggested vs random auxiliaries of the same count, relative change of the main
    task's dev and test accuracy vs its single-task run, and the means over main tasks."""
    def rel(r, s, key):
        return 100.0 * (r[key] - s[key]) / s[key]

    lines = ["| main | suggested auxiliaries | dev % | test % | random auxiliaries | dev % | "
             "test % |", "|---|---|---|---|---|---|---|"]
    sums = {k: [] for k in ("sd", "st", "rd", "rt")}
    for row in rows:
        s, sug = row["single"], row["suggested"]
        sd, st = rel(sug, s, "dev_acc"), rel(sug, s, "test_acc")
        rd = float(np.mean([rel(r, s, "dev_acc") for r in row["random"]]))
        rt = float(np.mean([rel(r, s, "test_acc") for r in row["random"]]))
        for k, v in zip(("sd", "st", "rd", "rt"), (sd, st, rd, rt)):
            sums[k].append(v)
        drawn = "; ".join(", ".join(r["tasks"][1:]) for r in row["random"])
        lines.append(f"| {row['main']} | {', '.join(sug['tasks'][1:])} | {sd:+.2f} | {st:+.2f} | "
                     f"{drawn} | {rd:+.2f} | {rt:+.2f} |")
    m = {k: float(np.mean(v)) for k, v in sums.items()}
    wins_dev = sum(a > b for a, b in zip(sums["sd"], sums["rd"]))
    wins_test = sum(a > b for a, b in zip(sums["st"], sums["rt"]))
    lines.append(f"| **mean** ({len(rows)} main tasks) | | **{m['sd']:+.2f}** | **{m['st']:+.2f}** "
                 f"| | **{m['rd']:+.2f}** | **{m['rt']:+.2f}** |")
    lines += ["", f"Suggested beat random in {wins_dev} of {len(rows)} main tasks on dev, "
              f"{wins_test} on test (relative change of the main task's accuracy vs its "
              f"single-task run; random: mean over the draws).", ""]
    return lines


def build(runs: str, data: str, out: str, split: str = "dev", repeats: int = 100) -> str:
    results = load_results(runs)
    if not results:
        raise SystemExit(f"no finished runs under {runs}")
    warnings: List[str] = []
    features = task_features(results, data, warnings)
    tasks = sorted(features, key=str.lower)
    by_split = {s: gains(results, s) for s in ("dev", "test")}  # every finished pair
    gain = {p: g for p, g in by_split[split].items() if p[0] in features and p[1] in features}
    dev_gain, test_gain = by_split["dev"], by_split["test"]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out + "_gains.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["main", "aux", "dev_gain_pct", "test_gain_pct"])
        for (m, a) in sorted(dev_gain):
            w.writerow([m, a, f"{dev_gain[(m, a)]:.3f}",
                        f"{test_gain.get((m, a), float('nan')):.3f}"])
    runs_profile = ", ".join(sorted({str(r.get("profile")) for r in results.values()}))
    for split_name, split_gain in (("dev", dev_gain), ("test", test_gain)):
        heatmap(split_gain, tasks, out + f"_gains_{split_name}.png",
                f"Relative change of main-task {split_name} accuracy (pair vs single task)\n"
                f"profile {runs_profile}")
    with open(out + "_features.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["task"] + TASK_FEATURES)
        for t in tasks:
            w.writerow([t] + [f"{features[t][k]:.6g}" for k in TASK_FEATURES])

    runs_info = list(results.values())

    def distinct(key):
        return ", ".join(sorted({str(r.get(key)) for r in runs_info}))

    seconds = [r["train_seconds"] for r in runs_info]
    lines = [f"Runs: {len(tasks)} single-task, {len(gain)} pairwise (of "
             f"{len(tasks) * (len(tasks) - 1)} ordered pairs of these tasks); profile "
             f"{distinct('profile')}, seed {distinct('seed')}, hardware {distinct('hardware')}, "
             f"commit {distinct('commit')}; training wall time {sum(seconds) / 60:.1f} min in all "
             f"({np.mean(seconds):.0f} s per run, evaluation not counted). Each run's model is "
             f"its best checkpoint on the main task's dev accuracy. Gains on the {split} split "
             f"label the predictor; test gains are in the CSV and the second heat-map.", ""]
    lines += [f"Command of the first run: `{runs_info[0]['command']}`", ""]
    pairs = sorted(gain)
    y = (np.array([gain[p] for p in pairs]) > 0).astype(int)
    cv, checks = {}, {}
    if pairs:
        other = "test" if split == "dev" else "dev"
        other_gain = by_split[other]
        both = [p for p in pairs if p in other_gain]
        a = np.array([gain[p] for p in both])
        b = np.array([other_gain[p] for p in both])
        r = float(np.corrcoef(a, b)[0, 1]) if len(both) > 2 and a.std() and b.std() else np.nan
        lines += [f"Pairs with a gain: {int(y.sum())} of {len(y)} ({100 * y.mean():.1f} %) on "
                  f"{split}, {int((b > 0).sum())} of {len(both)} on {other}. The two splits "
                  f"agree on the sign of the gain for {int(((a > 0) == (b > 0)).sum())} of "
                  f"{len(both)} pairs (Pearson r of the gains {r:.2f}).", ""]
        lines += _cv_table(pairs, y, features, repeats, cv, "absolute")
        if "absolute/all" in cv:
            x = P.design(pairs, features)
            cols = P.usable_columns(x)
            names = [n for n, keep in zip(P.feature_names(), cols) if keep]
            lines += ["Top coefficients (standardised features, fitted on all pairs):", "",
                      "| feature | coefficient |", "|---|---|"]
            lines += [f"| {n} | {c:+.3f} |" for n, c in P.coefficients(x[:, cols], y, names)[:10]]
            lines.append("")
        y_rel = (P.centered_gains(pairs, [gain[p] for p in pairs]) > 0).astype(int)
        lines += [f"**Relative labels** (not in the paper): a pair is positive when its gain is "
                  f"above the median gain of its main task's pairs ({int(y_rel.sum())} of "
                  f"{len(y_rel)}). This asks which auxiliaries help a main task more than its "
                  f"others do - the question a suggestion answers - and does not depend on how "
                  f"weak the main task's single-task model is. The folds keep each main "
                  f"task's pairs together: with the pairs split at random, a main task's "
                  f"training pairs would reveal how many of its held-out pairs are positive "
                  f"(they add up to half), which a model learns backwards.", ""]
        lines += _cv_table(pairs, y_rel, features, repeats, cv, "relative", by_main=True)
    for relative in (False, True):
        check = suggestion_check(tasks, features, gain, relative=relative)
        if not check:
            continue
        checks["relative" if relative else "absolute"] = check
        lines += [f"Suggestion check, {'relative' if relative else 'absolute'} labels (top-"
                  f"{check['top']} auxiliary of each main task, predictor trained without that "
                  f"main task's pairs; measured {split} gain): suggested "
                  f"{check['suggested_mean']:+.2f} % vs {check['random_mean']:+.2f} % for a random "
                  f"auxiliary on average; the suggestion beats the average in {check['wins']} of "
                  f"{len(check['rows'])} main tasks.", "",
                  "| main | suggested | its gain % | mean gain of all auxiliaries % |",
                  "|---|---|---|---|"]
        lines += [f"| {r['main']} | {', '.join(r['suggested'])} | {r['suggested_gain']:+.2f} | "
                  f"{r['random_gain']:+.2f} |" for r in check["rows"]]
        lines.append("")
    for setting, trained in suggested_runs(runs, results).items():
        k = len(trained[0]["suggested"]["tasks"]) - 1
        labels = setting.split("-")[0]
        lines += [f"**Suggested vs random auxiliaries, trained** (`train-suggested`, {setting}: "
                  f"each main task with its top-{k} suggested auxiliaries, from a predictor on "
                  f"{labels} labels trained without the main task's pairs, and with {k} random "
                  f"ones; the same profile, {k + 1}x the single-task updates):", ""]
        lines += suggested_table(trained)
    if warnings:
        lines += ["Warnings:", ""] + [f"- {w}" for w in warnings] + [""]
    text = "\n".join(lines)
    with open(out + ".json", "w") as f:
        json.dump({"features": features, "gains": {f"{m}+{a}": g for (m, a), g in gain.items()},
                   "cv": cv, "suggestion_check": checks, "warnings": warnings}, f, indent=2)
    return text
