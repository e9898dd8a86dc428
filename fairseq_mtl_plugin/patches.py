"""What fairseq-mtl needs from fairseq 0.12 and its environment, installed once at plugin import.

* ``check_fairseq``: fairseq 0.12.x must be importable; otherwise one line says what to install.
* ``install_checkpoint_allowlist``: torch >= 2.6 loads checkpoints with ``weights_only=True``
  by default, and fairseq's ``torch.load`` calls rely on the old default. Instead of turning
  safe loading off, we allow-list exactly the non-tensor classes a fairseq checkpoint of this
  project contains (found with ``torch.serialization.get_unsafe_globals_in_checkpoint`` on
  real checkpoints; tests/test_checkpoint.py re-checks it). Anything else, a pickle that would
  run code above all, is still refused by torch's safe loader.
* ``install_atomic_checkpoint_copy``: fairseq writes a checkpoint atomically (to ``.tmp``, then
  renames) but then COPIES it over the other names (``checkpoint_best.pt`` ->
  ``checkpoint_last.pt``) in place; a full disk during that copy would leave a truncated
  ``checkpoint_last.pt`` and no good one. The copy goes through a temporary file and a rename
  as well.
* ``install_bf16_without_xla``: fairseq 0.12 reads ``--bf16`` as "on a TPU" (it sets ``--tpu``)
  and then asks torch_xla for the device. Where torch_xla is not installed, ``--bf16`` means
  bfloat16 on the GPU (or CPU): ``--tpu`` is turned back off before fairseq sets up devices.
  At the same point (fairseq's ``call_main``, for fairseq-train and fairseq-hydra-train alike)
  the run's data directory is made absolute, so that its checkpoints record where the data is
  (``record_absolute_data``), and ``--fp16`` without a CUDA GPU stops in one line
  (``fp16_needs_cuda``; fairseq would end in a traceback from torch's CUDA initialisation).
* ``install_ddp_for_one_task_batches``: a batch holds one task, so every update leaves the other
  tasks' private parameters without a gradient. PyTorch DDP (``--ddp-backend c10d``, fairseq's
  default) must then be built with ``find_unused_parameters``, otherwise its all-reduce waits
  for gradients that never come and fairseq stops with "gradients are inconsistent between
  workers"; it is turned on (and logged). With it, DDP keeps the gradient of a parameter that
  no worker used at None, as a single process does, so Adam leaves it alone; ``legacy_ddp``
  zero-fills such gradients instead, and Adam's momentum then still moves those weights.
  fairseq also builds DDP with ``device_ids=[0]`` on CPU, which PyTorch rejects; on CPU it is
  built with ``device_ids=None``, so ``c10d`` works with gloo on CPU too.
* ``install_one_line_checkpoint_errors``: fairseq's ``load_checkpoint_to_cpu`` (resume in
  ``fairseq-train``, ``fairseq-validate``, our own loading) raises a
  :class:`~fairseq_mtl.checkpoint.CheckpointLoadError` naming the file and the reason for a
  truncated, corrupted or refused file, and an uncaught one ends the command with that line
  (``PATH: cannot load checkpoint (...)``) instead of a traceback through torch's zip reader;
  so does every other :class:`~fairseq_mtl.checkpoint.OneLineError` (a missing or unreadable
  shared-encoder or pretrained file, a save directory in use or not writable).
* ``install_peer_broadcast``: on resume, rank 0 loads the checkpoint file (through the safe
  loader above) and sends the loaded state to the other ranks with ``torch.save``; the receivers
  ``torch.load`` it with torch's new default, ``weights_only=True``, and refuse the omegaconf
  config that rank 0's loading put into it, so a distributed run could not resume. Those bytes
  come from the sibling process of the same job a moment earlier, not from a file, so the
  receivers load them in full; checkpoint files are still only read by the safe loader.
* ``install_quiet_start``: fairseq 0.12 composes its config through Hydra's deprecated
  experimental API (six deprecation warnings on every start), asks for pinned memory on CPU
  and calls ``torch.cuda.amp.autocast`` in the deprecated way: warnings about fairseq's and
  Hydra's code, not the user's run. Exactly those are filtered (by the module that warns and
  their text); every other warning, the project's own included, still shows.
* ``install_plugin_defaults_for_help``: an arch of this plugin (``--arch asp_transformer``)
  makes our task and criterion fairseq's defaults before fairseq reads the command line, so
  ``-h`` lists their options (sampler, adversarial and orthogonality weights) and the run
  needs neither flag; ``--task``/``--criterion`` given on the command line still win.
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import logging
import os
import shutil
import sys
import warnings

from fairseq_mtl.checkpoint import OneLineError

logger = logging.getLogger("fairseq_mtl_plugin.patches")

INSTALL_HINT = (
    "fairseq-mtl needs fairseq 0.12.x: pip install --no-deps ve-fairseq==0.12.3 "
    "(see README.md; `make venv` does it)"
)


def check_fairseq() -> None:
    try:
        import fairseq
    except ImportError as e:
        raise ImportError(f"fairseq is not installed. {INSTALL_HINT}") from e
    version = getattr(fairseq, "__version__", "unknown")
    if not version.startswith("0.12."):
        raise ImportError(f"found fairseq {version}, of the wrong kind. {INSTALL_HINT}")


def checkpoint_allowlist():
    """The classes (besides tensors and plain containers) that fairseq checkpoints hold."""
    import numpy as np

    allowed = [argparse.Namespace, collections.OrderedDict, collections.defaultdict]
    # numpy scalars and dtypes appear in fairseq's saved meters/metrics
    allowed += [np.dtype, type(np.dtype(np.float64)), type(np.dtype(np.float32)),
                type(np.dtype(np.int64))]
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import scalar
    allowed.append(scalar)
    return allowed


def install_checkpoint_allowlist() -> None:
    import torch.serialization

    if hasattr(torch.serialization, "add_safe_globals"):
        torch.serialization.add_safe_globals(checkpoint_allowlist())


def _atomic_copy(original):
    def copy(src_path: str, dst_path: str, overwrite: bool = False) -> bool:
        from fairseq.file_io import PathManager

        if PathManager.path_requires_pathmanager(dst_path):  # a remote store: fairseq's way
            return original(src_path, dst_path, overwrite)
        if not overwrite and os.path.exists(dst_path):
            return False
        tmp = f"{dst_path}.{os.getpid()}.tmp"  # a name of this process: never another run's
        try:
            shutil.copyfile(src_path, tmp)
            os.replace(tmp, dst_path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        return True

    copy.fairseq_mtl_atomic = True
    return copy


def install_atomic_checkpoint_copy() -> None:
    from fairseq.file_io import PathManager

    if not getattr(PathManager.copy, "fairseq_mtl_atomic", False):
        PathManager.copy = staticmethod(_atomic_copy(PathManager.copy))


def xla_available() -> bool:
    return importlib.util.find_spec("torch_xla") is not None


def bf16_without_xla(cfg) -> None:
    """Undo fairseq's ``--bf16`` => ``--tpu`` where there is no TPU runtime (see module doc)."""
    from omegaconf import open_dict

    if cfg.common.bf16 and cfg.common.tpu and not xla_available():
        # the flag was copied into several sections (distributed_training, optimizer) already
        for name in cfg:
            section = cfg[name]
            if hasattr(section, "keys") and "tpu" in section:
                with open_dict(section):
                    section.tpu = False
        import torch

        on_cpu = cfg.common.cpu or not torch.cuda.is_available()
        logger.info("--bf16 without torch_xla: training in bfloat16 on %s, not on a TPU",
                    "CPU" if on_cpu else "the GPU")


class PrecisionError(OneLineError, ValueError):
    """A floating-point format the run's device does not offer."""


def fp16_needs_cuda(cfg) -> None:
    """``--fp16`` is float16 on a CUDA GPU: without one in use, a one-line error that names
    what works on CPU, before fairseq stops in torch's CUDA initialisation."""
    import torch

    common = cfg.common
    if common.fp16 and (common.cpu or not torch.cuda.is_available()):
        where = "--cpu is given" if common.cpu else "no CUDA GPU is visible"
        raise PrecisionError(f"--fp16 trains in float16 on a CUDA GPU, and {where}: drop it, or "
                             "use --bf16 (bfloat16, on CPU too)")


def record_absolute_data(cfg) -> None:
    """The prepared data directory of a fairseq-mtl run, made absolute before the run starts:
    the checkpoint records the config, and evaluation or prediction from another directory must
    find the data (a relative path meant "from where fairseq-train ran")."""
    from omegaconf import open_dict

    task = cfg.get("task") if hasattr(cfg, "get") else None
    if task is None or task.get("_name") != "multitask_classification":
        return
    data = task.get("data")
    if data and not os.path.isabs(data) and os.path.isdir(data):
        with open_dict(task):
            task.data = os.path.abspath(data)


def install_bf16_without_xla() -> None:
    import fairseq.distributed.utils as distributed_utils

    original = distributed_utils.call_main
    if getattr(original, "fairseq_mtl_bf16", False):
        return

    def call_main(cfg, main, **kwargs):
        bf16_without_xla(cfg)
        fp16_needs_cuda(cfg)
        record_absolute_data(cfg)
        return original(cfg, main, **kwargs)

    call_main.fairseq_mtl_bf16 = True
    distributed_utils.call_main = call_main


def _distributed_model(original):
    def DistributedFairseqModel(args, model, process_group, device):  # noqa: N802 (fairseq's name)
        from omegaconf import open_dict

        if args.ddp_backend not in {"c10d", "pytorch_ddp"} or args.tpu:
            return original(args, model, process_group, device)
        if not args.find_unused_parameters:
            logger.info("one-task batches leave other tasks' private parameters unused: "
                        "building DDP with --find-unused-parameters")
            with open_dict(args):
                args.find_unused_parameters = True
        if device.type == "cuda":
            return original(args, model, process_group, device)
        from fairseq.distributed import DistributedTimeoutWrapper, ModuleProxyWrapper
        from torch.nn.parallel import DistributedDataParallel

        wrapped = ModuleProxyWrapper(DistributedDataParallel(
            module=model.to(device), device_ids=None, broadcast_buffers=args.broadcast_buffers,
            bucket_cap_mb=args.bucket_cap_mb, process_group=process_group,
            find_unused_parameters=True, gradient_as_bucket_view=args.gradient_as_bucket_view))
        if getattr(args, "heartbeat_timeout", -1) > 0:
            wrapped = DistributedTimeoutWrapper(wrapped, timeout=args.heartbeat_timeout)
        return wrapped

    DistributedFairseqModel.fairseq_mtl_ddp = True
    return DistributedFairseqModel


def install_ddp_for_one_task_batches() -> None:
    import fairseq.models

    if not getattr(fairseq.models.DistributedFairseqModel, "fairseq_mtl_ddp", False):
        fairseq.models.DistributedFairseqModel = _distributed_model(
            fairseq.models.DistributedFairseqModel)


def _broadcast_object_slow(obj, src_rank, group, dist_device):
    """fairseq's ``_broadcast_object_slow`` with the receivers trusting the sender (module doc)."""
    import io

    import torch
    from fairseq.distributed.utils import broadcast, get_rank

    if get_rank(group) == src_rank:
        buffer = io.BytesIO()
        torch.save(obj, buffer)
        buffer = torch.ByteTensor(buffer.getbuffer()).to(dist_device)
        length = torch.LongTensor([len(buffer)]).to(dist_device)
        broadcast(length, src=src_rank, group=group)
        broadcast(buffer, src=src_rank, group=group)
        return obj
    length = torch.LongTensor([0]).to(dist_device)
    broadcast(length, src=src_rank, group=group)
    buffer = torch.ByteTensor(int(length.item())).to(dist_device)
    broadcast(buffer, src=src_rank, group=group)
    return torch.load(io.BytesIO(buffer.cpu().numpy()), map_location="cpu", weights_only=False)


def install_peer_broadcast() -> None:
    import fairseq.distributed.utils as distributed_utils

    distributed_utils._broadcast_object_slow = _broadcast_object_slow


def _load_with_one_line_errors(original):
    def load_checkpoint_to_cpu(path, *args, **kwargs):
        from fairseq_mtl.checkpoint import LOAD_ERRORS, CheckpointLoadError, load_error

        try:
            return original(path, *args, **kwargs)
        except CheckpointLoadError:
            raise
        except LOAD_ERRORS as e:
            raise load_error(path, e) from e

    load_checkpoint_to_cpu.fairseq_mtl_errors = True
    return load_checkpoint_to_cpu


def _excepthook(previous):
    def hook(kind, value, traceback):
        if isinstance(value, OneLineError):
            print(f"error: {value}", file=sys.stderr)
        else:
            previous(kind, value, traceback)

    hook.fairseq_mtl_errors = True
    return hook


def install_one_line_checkpoint_errors() -> None:
    """A checkpoint fairseq cannot load raises :class:`fairseq_mtl.checkpoint.CheckpointLoadError`
    (what was refused, in one sentence) instead of torch's page of advice."""
    from fairseq import checkpoint_utils

    if not getattr(checkpoint_utils.load_checkpoint_to_cpu, "fairseq_mtl_errors", False):
        checkpoint_utils.load_checkpoint_to_cpu = _load_with_one_line_errors(
            checkpoint_utils.load_checkpoint_to_cpu)


def install_one_line_errors() -> None:
    """Command line only: an error meant for the user (:class:`OneLineError`) that reaches the
    top of fairseq-train is printed as ``error: ...``, without a traceback."""
    if not getattr(sys.excepthook, "fairseq_mtl_errors", False):
        sys.excepthook = _excepthook(sys.excepthook)


#: the first part of ``__main__``'s module name when a program runs as ``python -m NAME``
COMMAND_PACKAGES = ("fairseq_cli", "fairseq_mtl", "fairseq_mtl_plugin", "fairseq_mtl_tools")


def on_command_line() -> bool:
    """Whether this process is one of the command-line programs (``fairseq-train``,
    ``fairseq-hydra-train``, ``fairseq-mtl-*``, ``python -m fairseq_cli.train`` ...), as opposed
    to Python code that imported the plugin (a notebook or a script using the prediction API),
    whose interpreter-wide settings (``sys.excepthook``, warning filters) are its own. Decided
    from ``__main__``, not from the command line's arguments."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name.split(".")[0] in COMMAND_PACKAGES:
        return True
    program = os.path.basename(getattr(main, "__file__", None) or "")
    return program.startswith("fairseq-")


#: (module regex, message regex) of the warnings install_quiet_start filters
FOREIGN_WARNINGS = (
    (r"hydra(\..*)?$", ""),  # fairseq's use of Hydra's experimental initialize/compose
    ("", r"\s*'[^']+' is validated against ConfigStore schema"),  # Hydra (sys:1, a profile)
    (r"torch\.utils\.data\.dataloader", r"'pin_memory' argument is set as true but no "
                                         r"accelerator"),  # fairseq pins memory on CPU too
    (r"fairseq\.", r"`torch\.cuda\.amp\.autocast\(args\.\.\.\)` is deprecated"),
    # torch's safe loader, before it refuses a plain pickle (the refusal says why, in one line)
    (r"torch\._weights_only_unpickler", r"Detected pickle protocol"),
)


def install_quiet_start() -> None:
    """Command line only: silence the start-up warnings of FOREIGN_WARNINGS."""
    for module, message in FOREIGN_WARNINGS:
        warnings.filterwarnings("ignore", message=message, module=module)


def our_arch(arch) -> bool:
    """Whether ``arch`` is registered by this plugin's models."""
    from fairseq.models import ARCH_MODEL_REGISTRY

    from fairseq_mtl_plugin.models.mtl_base import MtlModel

    model = ARCH_MODEL_REGISTRY.get(arch)
    return isinstance(model, type) and issubclass(model, MtlModel)


def _arch_of(argv):
    for i, arg in enumerate(argv):
        if arg in ("--arch", "-a") and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--arch="):
            return arg.split("=", 1)[1]
    return None


def _plugin_defaults(original):
    def parse_args_and_arch(parser, input_args=None, *args, **kwargs):
        from fairseq_mtl_plugin.models.defaults import CRITERION, TASK

        argv = list(sys.argv[1:] if input_args is None else input_args)
        given = set(argv)
        if given & {"-h", "--help"}:
            # fairseq's --arch lists ~200 archs: name the plugin's after the options
            from fairseq_mtl_plugin.listing import plugin_archs

            parser.epilog = (f"fairseq-mtl's archs (--arch; fairseq-mtl-list says what each "
                             f"is): {', '.join(plugin_archs())}")
        if not our_arch(_arch_of(argv)):
            return original(parser, input_args, *args, **kwargs)
        ours = {k: v for k, v in (("task", TASK), ("criterion", CRITERION))
                if f"--{k}" not in given}
        # (the arch's one log line of what it filled names these too)
        parser.set_defaults(**ours, fairseq_mtl_filled=[f"--{k} {v}" for k, v in ours.items()])
        if given & {"-h", "--help"}:
            # fairseq's first pass over the command line would print the help before the
            # task, model, criterion and optimizer have added their options: build them all,
            # then print it
            # (a placeholder DATA, which parse_known leaves over when DATA is given)
            rest = [a for a in argv if a not in ("-h", "--help")] + ["DATA"]
            original(parser, rest, parse_known=True)
            parser.print_help()
            sys.exit(0)
        return original(parser, input_args, *args, **kwargs)

    parse_args_and_arch.__wrapped__ = original
    return parse_args_and_arch


def install_plugin_defaults_for_help() -> None:
    from fairseq import options

    if not hasattr(options.parse_args_and_arch, "__wrapped__"):
        options.parse_args_and_arch = _plugin_defaults(options.parse_args_and_arch)
