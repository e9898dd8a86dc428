from . import mtl_baselines, mtl_lstm, mtl_transfer, mtl_transformer  # noqa: F401
