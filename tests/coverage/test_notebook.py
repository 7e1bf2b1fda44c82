"""The Tieling coverage notebook runs top to bottom (small scale) in the shared venv's kernel."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "coverage_tieling.ipynb"


@pytest.mark.slow
def test_coverage_notebook_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    monkeypatch.setenv(
        "SHARPEYES_NOTEBOOK_SCALE", os.environ.get("SHARPEYES_NOTEBOOK_SCALE", "0.02")
    )
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "EPSG:32651" in text
    assert "largest difference per village" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4
