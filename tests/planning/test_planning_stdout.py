"""HiGHS writes nothing on stdout: ``--json`` commands keep stdout for their one JSON document."""

from __future__ import annotations

import subprocess
import sys


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_exact_solve_prints_nothing_on_stdout() -> None:
    # HiGHS 1.16 prints "Running HiGHS ..." on file descriptor 1 when a solver is constructed
    proc = _python(
        "import sys\n"
        "import numpy as np\n"
        "from sharpeyes.planning.model import MaximalCoverage\n"
        "coverage = np.array([[1, 1, 0], [0, 0, 1]], dtype=bool)\n"
        "m = MaximalCoverage.from_coverage_matrix(coverage, np.ones(3), budget=1)\n"
        "m.solve('exact')\n"
        "print(m.status, m.covered_weight, file=sys.stderr)\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "optimal 2.0" in proc.stderr


def test_stdout_to_stderr_moves_native_writes_and_keeps_python_order() -> None:
    proc = _python(
        "import os\n"
        "from sharpeyes.planning.exact import stdout_to_stderr\n"
        "print('before')\n"
        "with stdout_to_stderr():\n"
        "    os.write(1, b'native text\\n')\n"
        "print('after')\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "before\nafter\n"
    assert "native text" in proc.stderr
