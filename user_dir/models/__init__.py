from . import mtl_lstm  # noqa: F401
