"""``python -m fairseq_mtl_tools.layer_sweep``: the thesis' layer sweep (Fig. 4.1) from
finished runs ``RUNS/L<N>/<arch>/seed<S>/{eval_test.json,eval_valid.json,run.json}``: a markdown
table and a plot of the average test accuracy by number of layers, beside the thesis' curves."""
import argparse
import glob
import json
import os
import re
import statistics
from collections import defaultdict

from fairseq_mtl_tools.fdu_table import NAMES, THESIS_LAYERS
from fairseq_mtl_tools.markdown import with_preamble

THESIS_DEPTHS = [2, 4, 6]


def load(runs_dir):
    """{arch: {layers: [test avg accuracy per seed]}} and the run records."""
    scores = defaultdict(lambda: defaultdict(list))
    infos = []
    for path in sorted(glob.glob(os.path.join(runs_dir, "L*", "*", "seed*", "run.json"))):
        run_dir = os.path.dirname(path)
        arch = os.path.basename(os.path.dirname(run_dir))
        layers = int(re.fullmatch(r"L(\d+)", os.path.basename(os.path.dirname(
            os.path.dirname(run_dir)))).group(1))
        test = json.load(open(os.path.join(run_dir, "eval_test.json")))
        scores[arch][layers].append(test["average"]["accuracy"])
        infos.append((arch, layers, json.load(open(path))))
    return scores, infos


def table(scores, infos):
    depths = sorted({n for per in scores.values() for n in per} | set(THESIS_DEPTHS))
    lines = ["| scheme | " + " | ".join(f"{n} layers (ours) | thesis" for n in depths) + " |",
             "|---|" + "---|---|" * len(depths)]
    for arch in sorted(scores, key=lambda a: list(NAMES).index(a) if a in NAMES else 99):
        row = [NAMES.get(arch, arch)]
        for n in depths:
            vals = scores[arch].get(n, [])
            ours = "-" if not vals else (
                f"{vals[0]:.2f}" if len(vals) == 1 else
                f"{statistics.mean(vals):.2f} ±{statistics.stdev(vals):.2f} (n={len(vals)})")
            ref = THESIS_LAYERS.get(arch)
            row += [ours, f"{ref[THESIS_DEPTHS.index(n)]:.2f}" if ref and n in THESIS_DEPTHS
                    else "-"]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "| scheme | layers | seed | profile | hardware | train wall time |",
              "|---|---|---|---|---|---|"]
    for arch, n, i in infos:
        lines.append(f"| {NAMES.get(arch, arch)} | {n} | {i['seed']} | {i['profile']} | "
                     f"{i['hardware']} | {i['train_seconds'] / 60:.1f} min |")
    return "\n".join(lines) + "\n"


def plot(scores, path, note=""):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4))
    for k, arch in enumerate(sorted(scores)):
        color = f"C{k}"
        depths = sorted(scores[arch])
        means = [statistics.mean(scores[arch][n]) for n in depths]
        ax.plot(depths, means, "o-", color=color, label=f"{NAMES.get(arch, arch)} (ours)")
        if arch in THESIS_LAYERS:
            ax.plot(THESIS_DEPTHS, THESIS_LAYERS[arch], "x--", color=color, alpha=0.6,
                    label=f"{NAMES.get(arch, arch)} (thesis)")
    ax.set_xlabel("layers")
    ax.set_ylabel("average test accuracy %")
    ax.set_xticks(THESIS_DEPTHS)
    ax.set_title("FDU-MTL: average test accuracy by number of layers"
                 + (f"\n({note})" if note else ""), fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", required=True)
    p.add_argument("--out", required=True, help="path without extension (.md and .png)")
    p.add_argument("--preamble", default=None, help="markdown file inserted after the title")
    args = p.parse_args(argv)
    scores, infos = load(args.runs)
    if not scores:
        raise SystemExit(f"no finished runs under {args.runs}")
    text = with_preamble("# FDU-MTL, Transformer schemes by number of layers (thesis Fig. 4.1): "
                         "average test accuracy %\n\n" + table(scores, infos), args.preamble)
    with open(args.out + ".md", "w") as f:
        f.write(text)
    profiles = sorted({info.get("profile", "?") for _, _, info in infos})
    plot(scores, args.out + ".png", f"ours: profile {', '.join(profiles)}; thesis: Fig. 4.1")
    print(text)


if __name__ == "__main__":
    main()
