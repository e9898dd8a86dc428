"""Raw-data readers, the preparation CLI, task-tagged datasets and task samplers."""
