"""A copy of a BERT-layout model directory with its weights stored as fp16: half the bytes, for
carrying a model to a machine that cannot download it (scripts/gpu_kit.sh).

    python -m fairseq_mtl_tools.half SRC_DIR DEST_DIR

Every file but the weights is copied as it is; ``model.safetensors`` is rewritten with its
floating-point tensors in fp16. The encoder reads them back as float32 (``bert.read_weights``),
so a model trained from the copy starts from the weights rounded to fp16 (relative error under
1e-3): results from such a copy say so.
"""
import argparse
import os
import shutil


def halve(src: str, dest: str) -> str:
    from safetensors.torch import load_file, save_file

    weights = os.path.join(src, "model.safetensors")
    if not os.path.isfile(weights):
        raise SystemExit(f"{src}: no model.safetensors (a BERT-layout directory is needed)")
    os.makedirs(dest, exist_ok=True)
    for name in os.listdir(src):
        path = os.path.join(src, name)
        if os.path.isfile(path) and not name.endswith((".safetensors", ".bin")):
            shutil.copy(path, os.path.join(dest, name))
    state = load_file(weights)
    save_file({k: (v.half() if v.is_floating_point() else v).contiguous()
               for k, v in state.items()}, os.path.join(dest, "model.safetensors"))
    return dest


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("src")
    p.add_argument("dest")
    args = p.parse_args(argv)
    halve(args.src, args.dest)


if __name__ == "__main__":
    main()
