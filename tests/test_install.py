"""The project installed without its checkout: a wheel in a fresh virtual environment, used from
another directory (the prediction API, the evaluation tool, fairseq-train with the plugin)."""
import glob
import json
import os
import subprocess
import sys
import sysconfig

from conftest import ROOT, run_cli, train_args


def test_a_non_editable_install_works_from_any_directory(data_bin, tmp_path):
    run_cli(train_args(data_bin, tmp_path / "ck", "sp_lstm", "--max-update", "2"))
    ckpt = tmp_path / "ck" / "checkpoint_last.pt"

    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(wheels), ROOT], check=True,
                   capture_output=True)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    site = glob.glob(str(venv / "lib" / "python*" / "site-packages"))[0]
    # torch, fairseq and the rest from the project's environment, after the venv's own
    # packages (a .pth line; .pth files in that directory are not run, so the checkout's
    # editable install is not seen)
    with open(os.path.join(site, "dependencies.pth"), "w") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    *glob.glob(str(wheels / "*.whl"))], check=True, capture_output=True)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = (
        "import json, fairseq_mtl, fairseq_mtl_plugin\n"
        "from fairseq_mtl import MultiTaskClassifier\n"
        f"m = MultiTaskClassifier.from_checkpoint({str(ckpt)!r}, device='cpu')\n"
        "p = m.predict('alpha', ['a1 good a2', 'a3 bad'])\n"
        "print(json.dumps({'library': fairseq_mtl.__file__,\n"
        "                  'plugin': fairseq_mtl_plugin.__file__,\n"
        "                  'labels': [x.label for x in p]}))\n")
    proc = subprocess.run([python, "-c", code], cwd=elsewhere, env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["library"].startswith(site) and out["plugin"].startswith(site)
    assert all(label in ("0", "1") for label in out["labels"])

    # the evaluation tool and fairseq-train find the installed plugin from there too
    proc = subprocess.run([str(venv / "bin" / "fairseq-mtl-evaluate"), str(ckpt), "--split",
                           "test", "--out", str(elsewhere / "eval")], cwd=elsewhere, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    user_dir = subprocess.run([python, "-m", "fairseq_mtl_plugin"], cwd=elsewhere, env=env,
                              capture_output=True, text=True, check=True).stdout.strip()
    assert user_dir.startswith(site)
    args = train_args(data_bin, elsewhere / "ck", "fs_lstm", "--max-update", "1")
    args[args.index("--user-dir") + 1] = user_dir
    proc = subprocess.run([python, "-m", "fairseq_cli.train", *map(str, args[1:])],
                          cwd=elsewhere, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (elsewhere / "ck" / "checkpoint_last.pt").exists()
