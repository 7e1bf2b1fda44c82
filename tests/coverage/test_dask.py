"""The county partitions run on a real dask.distributed LocalCluster with the same results."""

from __future__ import annotations

import pandas as pd
import pytest

from sharpeyes.coverage.kpis import kpis_by_unit, prepare_inputs
from sharpeyes.coverage.synthetic import synthetic_city
from tests.conftest import unavailable


@pytest.mark.dask
def test_local_cluster_gives_the_same_report() -> None:
    try:
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",  # any free port: 8787 may be taken
        )
    except Exception as exc:  # pragma: no cover - depends on the machine
        unavailable(f"dask.distributed LocalCluster ({exc})")
        return
    city = synthetic_city(3000, counties=3, township_rows=2, n_places=200, seed=4)
    inputs = prepare_inputs(city.cameras, city.units, places=city.places, roads=city.roads)
    single = kpis_by_unit(None, city.units, inputs=inputs)  # type: ignore[arg-type]
    try:
        with Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            distributed = kpis_by_unit(None, city.units, inputs=inputs, dask_client=client)  # type: ignore[arg-type]
    finally:
        cluster.close()
    pd.testing.assert_frame_equal(single, distributed)
    assert single["cameras"].sum() > 0
