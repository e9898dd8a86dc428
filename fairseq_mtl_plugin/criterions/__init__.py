from . import multitask_adversarial  # noqa: F401
