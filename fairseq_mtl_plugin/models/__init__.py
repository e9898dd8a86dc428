from . import mtl_baseline, mtl_lstm, mtl_transfer, mtl_transformer  # noqa: F401
