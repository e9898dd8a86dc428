"""fairseq-mtl: multi-task text classification on top of fairseq.

Install with scripts/setup_env.sh (or `make venv`): torch and fairseq need a specific order and
`--no-deps` for fairseq, which plain `pip install .` cannot express. See README.md.
"""
import os
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py


class FreshBuildPy(build_py):
    """setuptools builds into build/lib and keeps what an earlier build left there: a module
    since renamed or removed would be packed again (and register its class a second time).
    Each build starts from an empty copy of the packages."""

    def run(self):
        for package in ("fairseq_mtl", "fairseq_mtl_plugin", "fairseq_mtl_tools"):
            shutil.rmtree(os.path.join(self.build_lib, package), ignore_errors=True)
        super().run()


setup(
    name="fairseq-mtl",
    version="0.1.0",
    description="Adversarial shared-private and Transformer multi-task learning for text "
    "classification, as a fairseq plugin",
    # the library, its fairseq plugin (python -m fairseq_mtl_plugin prints the --user-dir) and
    # the tools beside them (result tables, the papers' analyses, profile configs), which use
    # the library and the plugin; the library uses neither
    packages=find_packages(include=["fairseq_mtl", "fairseq_mtl.*", "fairseq_mtl_plugin",
                                    "fairseq_mtl_plugin.*", "fairseq_mtl_tools",
                                    "fairseq_mtl_tools.*"]),
    python_requires=">=3.10",
    # torch and fairseq are deliberately not listed: see scripts/setup_env.sh.
    install_requires=[
        "numpy>=1.24",
        "tqdm",
        "scipy",
        "scikit-learn",
        "matplotlib",
        "pyarrow",
        "tensorboard",
        "tokenizers>=0.19",
        "safetensors>=0.4",
    ],
    # fairseq-mtl-export writes ONNX (onnx) and checks it (onnxruntime); a served export needs
    # onnxruntime and numpy only
    extras_require={"export": ["onnx>=1.15", "onnxruntime>=1.17"]},
    cmdclass={"build_py": FreshBuildPy},
    entry_points={
        "console_scripts": [
            "fairseq-mtl-prepare = fairseq_mtl.data.prepare:cli_main",
            "fairseq-mtl-evaluate = fairseq_mtl.evaluate:cli_main",
            "fairseq-mtl-attention = fairseq_mtl_tools.attention:cli_main",
            "fairseq-mtl-predict = fairseq_mtl.predict:cli_main",
            "fairseq-mtl-export = fairseq_mtl.export:cli_main",
            "fairseq-mtl-list = fairseq_mtl_plugin.listing:cli_main",
            "fairseq-mtl-hydra-train = fairseq_mtl_plugin.hydra_train:cli_main",
            "fairseq-mtl-extract-shared = fairseq_mtl.transfer:cli_main",
            "fairseq-mtl-neurons = fairseq_mtl_tools.neurons:cli_main",
            "fairseq-mtl-task-probe = fairseq_mtl_tools.task_probe:cli_main",
            "fairseq-mtl-relations = fairseq_mtl_tools.relations.cli:cli_main",
        ]
    },
)
