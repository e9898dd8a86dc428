"""The project's tools beside the library: result tables and the analyses of the papers.

Everything here uses the library (``fairseq_mtl``) and, to train or load models, the fairseq
plugin (``fairseq_mtl_plugin``); neither of them imports this package. What a user needs to
prepare data, train, evaluate and predict lives in the library.

    fdu_table, glue_table, transfer_table, adversary_table, layer_sweep, compare_runs
                      the results tables of thesis_results/ from finished runs
    runinfo, dev_curve, stats, markdown
                      what the tables are built from: run records, dev curves, intervals
    adversary_check, task_probe, neurons, attention, param_counts
                      the papers' analyses (fairseq-mtl-task-probe, -neurons, -attention)
    relations/        Bingel & Sogaard (2017): which task helps which (fairseq-mtl-relations)
    configs           the Hydra profiles of recipes/config as fairseq-train flags
    half              an fp16 copy of a pretrained model directory (the GPU kit's)
"""
