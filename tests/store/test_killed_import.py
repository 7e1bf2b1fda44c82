"""An import killed with SIGKILL half way leaves the store exactly as it was."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from sharpeyes.store import Store
from tests.store._child import killed_half_way
from tests.store._frames import camera_frame

CHILD = textwrap.dedent(
    """
    import sys, time
    from sharpeyes.store import Store
    from sharpeyes.store.imports import CameraImports
    from tests.store._frames import camera_frame

    store = Store.open(sys.argv[1])
    real_insert = CameraImports._insert_new

    def insert_then_hang(self, *args, **kwargs):
        real_insert(self, *args, **kwargs)
        print("rows written, not committed", flush=True)
        time.sleep(600)

    CameraImports._insert_new = insert_then_hang
    store.import_cameras(camera_frame(3000, name="half-way"), None, source="b", file="b.csv")
    """
)


def test_killed_import_leaves_store_unchanged(store_url: str, tmp_path: Path) -> None:
    store = Store.open(store_url)
    store.import_cameras(camera_frame(10), None, source="a", file="a.csv")
    cameras_before = store.cameras(include_credentials=True)
    changes_before = store.changes()
    with killed_half_way(CHILD, store_url, tmp_path):
        pass

    store.close()
    reopened = Store.open(store_url)
    pd.testing.assert_frame_equal(reopened.cameras(include_credentials=True), cameras_before)
    pd.testing.assert_frame_equal(reopened.changes(), changes_before)
    assert len(reopened.imports()) == 1
    # and the store still takes the import afterwards (no lock left behind)
    result = reopened.import_cameras(camera_frame(3000), None, source="a", file="b.csv")
    assert result.inserted == 2990 and result.unchanged == 10
