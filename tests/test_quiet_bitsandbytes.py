"""bitsandbytes' notice about the optional `kernels` package is not printed by gasa's entry points."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTICE = "Failed to load CPU gemm_4bit_forward from kernels-community"

pytestmark = pytest.mark.skipif(importlib.util.find_spec("bitsandbytes") is None, reason="bitsandbytes not installed")


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("code", [
    # train_classifier: transformers' Trainer imports peft, which imports bitsandbytes
    "import training.train_classifier; from transformers import Trainer",
    # train_qlora / compare_qlora: bitsandbytes (--mode qlora) and peft (qlora, lora)
    "import training.compare_qlora; import bitsandbytes, peft",
    # the app's English model when it is a PEFT adapter
    "import hub.english; import peft",
])
def test_entry_points_do_not_print_the_kernels_notice(code):
    out = _run(code + "\nimport logging; logging.getLogger('bitsandbytes.backends.cpu.ops').warning('other notice')")
    assert NOTICE not in out
    assert "other notice" in out  # only that one record is dropped


def test_bitsandbytes_alone_still_prints_it_here():
    """Shows the test above is not vacuous, where this CPU makes bitsandbytes print the notice."""
    if importlib.util.find_spec("kernels") is not None:
        pytest.skip("`kernels` is installed: bitsandbytes has nothing to say")
    out = _run("import bitsandbytes")
    if NOTICE not in out:
        pytest.skip("this CPU has no AVX512-BF16: bitsandbytes prints no notice")
