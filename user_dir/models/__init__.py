from . import mtl_lstm, mtl_transformer  # noqa: F401
