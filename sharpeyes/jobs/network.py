"""Network jobs: import a topology into the store, run the checks and keep the report.

The CLI (``sharpeyes network import|check``), the API and ``sharpeyes demo`` call these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from sharpeyes._errors import AnalysisError, ConfigError
from sharpeyes.ingest.files import check_input_file, reading
from sharpeyes.ingest.topology import topology_from_files
from sharpeyes.jobs.partitioned_network import check_store
from sharpeyes.model.jsonable import loads
from sharpeyes.network import BitrateTable, check_network, write_json, write_xlsx
from sharpeyes.network.check import NetworkCheck, frame_records
from sharpeyes.network.document import document_parts, joined_text
from sharpeyes.network.load import OVERLOAD_THRESHOLD
from sharpeyes.store.network_reads import has_parent_ids
from sharpeyes.store.results import Results

FORMATS = ("json", "xlsx")


class _NetworkStore(Protocol):
    def cameras(self) -> pd.DataFrame: ...
    def replace_network(self, nodes: pd.DataFrame, links: pd.DataFrame) -> Any: ...
    def network(self) -> tuple[pd.DataFrame, pd.DataFrame]: ...
    def save_result(self, kind: str, document: dict[str, Any]) -> Any: ...


def import_topology(
    store: _NetworkStore, nodes_path: str | Path, links_path: str | Path
) -> dict[str, Any]:
    """Read, validate and store a topology (replacing the previous one).

    Returns
    -------
    dict
        ``nodes``, ``links`` (counts stored), ``nodes_by_kind``, ``problems`` (list of
        ``{file, sheet, row, column, value, reason, problem}``) and ``problem_counts`` by code. The
        same document is kept in the store as result kind ``"network_import"``.
    """
    inventory = store.cameras()
    camera_ids = (  # stripped, as the checks read them (a stored ID may be padded)
        inventory["device_id"].dropna().astype(str).str.strip().tolist()
        if len(inventory) and "device_id" in inventory
        else None
    )
    check_input_file(nodes_path, "nodes file")
    check_input_file(links_path, "links file")
    with reading(f"{nodes_path}, {links_path}", "topology file"):
        nodes, links, problems = topology_from_files(nodes_path, links_path, camera_ids=camera_ids)
    store.replace_network(nodes, links)
    document = {
        "nodes_file": str(nodes_path),
        "links_file": str(links_path),
        "nodes": len(nodes),
        "links": len(links),
        "nodes_by_kind": {
            str(k): int(v) for k, v in nodes["kind"].fillna("unknown").value_counts().items()
        },
        "problem_counts": {str(k): int(v) for k, v in problems["problem"].value_counts().items()},
        "problems": frame_records(problems),
    }
    store.save_result("network_import", document)
    return document


def check(
    store: _NetworkStore,
    *,
    out: str | Path | None = None,
    fmt: str = "json",
    bitrates: str | Path | BitrateTable | None = None,
    threshold: float = OVERLOAD_THRESHOLD,
    layers_dir: str | Path | None = None,
    dask_address: str | None = None,
    with_layers: bool = True,
) -> dict[str, Any]:
    """Run every network check on the stored topology and inventory; save and return the report.

    Parameters
    ----------
    out, fmt
        Also write the report to ``out`` as ``"json"`` (the document) or ``"xlsx"`` (Chinese headers).
    bitrates
        A :class:`~sharpeyes.network.BitrateTable` or a JSON file overriding the default table.
    threshold
        Utilisation (0–1) above which a link is overloaded.
    layers_dir
        Also write ``links.geojson``, ``spof.geojson`` and ``nodes.geojson`` (WGS-84) there.
    dask_address
        ``local:N`` or a scheduler's address: the cameras are read and reduced by a Dask task per
        county (:mod:`sharpeyes.jobs.partitioned_network`), the checks run here on the sums —
        the same report. Without it, a store's cameras are streamed block by block in this process.
    with_layers
        Whether the returned document holds the ``layers`` (parsed back from the text they were
        written as: 4–5 CPU-s at a province's 200,000 switches). The saved result, ``out`` and
        ``layers_dir`` have them either way.

    Returns
    -------
    dict
        The report document (``networked_without_path``, ``path_but_not_networked``,
        ``single_points_of_failure``, ``overloaded_links``, ``layers`` …), also saved as result kind
        ``"network"``.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if not threshold > 0:
        raise ConfigError(f"threshold must be above 0, got {threshold}")
    table = BitrateTable.from_file(bitrates) if isinstance(bitrates, (str, Path)) else bitrates
    nodes, links = store.network()
    result = _checked(store, nodes, links, table, threshold, dask_address)
    records, layer_texts = document_parts(result)  # column-wise, kept as written
    text = joined_text(records, layer_texts)
    db = getattr(store, "db", None)
    if db is not None:
        Results(db).save_result_text("network", text)
    else:
        store.save_result("network", loads(text))
    document = dict(records)
    if with_layers or (out is not None and fmt == "json"):
        document["layers"] = {name: loads(t) for name, t in layer_texts.items()}
    if out is not None:
        if fmt == "xlsx":
            write_xlsx(result, out)
        else:
            write_json(document, out)
    if layers_dir is not None:
        folder = Path(layers_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for name, layer in layer_texts.items():
            (folder / f"{name}.geojson").write_text(layer, encoding="utf-8")
    if not with_layers:
        document.pop("layers", None)
    return document


_NO_TOPOLOGY = (
    "no topology in the store and no GB/T 28181 parent IDs in the inventory: "
    "run `sharpeyes network import NODES LINKS` first"
)


def _checked(
    store: _NetworkStore,
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    table: BitrateTable | None,
    threshold: float,
    dask_address: str | None,
) -> NetworkCheck:
    """The checks on a store's cameras streamed (or a task per county on Dask), or on the
    canonical frame of a store without a database."""
    db = getattr(store, "db", None)
    if db is None:
        cameras = store.cameras()
        if len(nodes) == 0 and (
            len(cameras) == 0 or "parent_id" not in cameras or cameras["parent_id"].isna().all()
        ):
            raise AnalysisError(_NO_TOPOLOGY)
        return check_network(nodes, links, cameras, bitrates=table, threshold=threshold)
    if len(nodes) == 0 and not has_parent_ids(db):
        raise AnalysisError(_NO_TOPOLOGY)
    if not dask_address:
        return check_store(store, nodes, links, bitrates=table, threshold=threshold)
    from sharpeyes.jobs.partitioned import dask_client

    with dask_client(dask_address) as client:
        return check_store(store, nodes, links, bitrates=table, threshold=threshold, client=client)
