"""Task samplers: in which order the per-task batches of an epoch are trained.

Each sampler lives in its own file and registers itself with ``@register_sampler("name")``;
``--sampler``'s choices and help come from this registry, so a new sampler is one new file.
"""
from fairseq_mtl.data.samplers.base import TaskSampler
from fairseq_mtl.registry import Registry

SAMPLERS: Registry[TaskSampler] = Registry("sampler", __name__)
register_sampler = SAMPLERS.register
build_sampler = SAMPLERS.build

SAMPLERS.load()
