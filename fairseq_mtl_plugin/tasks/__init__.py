from . import multitask_classification  # noqa: F401
