"""Which task helps which (Bingel & Sogaard 2017, EACL): the study as a tool.

    grid.py       single-task runs (dev-loss learning curve on a fixed update grid) and pairwise
                  runs (main, aux), resumable, one fairseq-train per run
    features.py   per-task data features and learning-curve features (gradients, log-curve fit)
    predictor.py  pair features (main, aux, main/aux), logistic regression with repeated CV,
                  auxiliary-task suggestion
    report.py     gain matrix (CSV + heat-map), predictor tables, markdown report
    cli.py        ``fairseq-mtl-relations run | report | suggest | train-suggested``
"""
