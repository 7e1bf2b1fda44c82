"""The reads a county task starts with: the unit table a worker keeps between tasks is read again as
soon as the store's units change (a units import), and no caller changes the kept one."""

from __future__ import annotations

from sharpeyes.jobs.county_reads import unit_hierarchy
from sharpeyes.store import Store
from tests.coverage.conftest import tiny_units


def test_a_units_import_is_seen_by_the_next_task(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.replace_units(tiny_units())
        units, anc = unit_hierarchy(store)
        assert units["name"].tolist()[0] == "县"
        assert anc.set_index("code").loc["219901001002", "county"] == "219901"
        renamed = tiny_units()
        renamed.loc[0, "name"] = "新县"
        store.replace_units(renamed)
        again, _ = unit_hierarchy(store)
        assert again["name"].tolist()[0] == "新县"
        again.loc[0, "name"] = "changed by a caller"
        assert unit_hierarchy(store)[0]["name"].tolist()[0] == "新县"  # callers get copies
