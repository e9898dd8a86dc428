from . import mtl_baselines, mtl_lstm, mtl_transformer  # noqa: F401
