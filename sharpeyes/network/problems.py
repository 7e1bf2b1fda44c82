"""The camera problems the network checks report (one row each, whatever the number of cameras),
shared by the check on frames (:mod:`sharpeyes.network.attach`) and the streamed, partitioned one
(:mod:`sharpeyes.network.assemble`)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["repeated_problem", "topology_only_problem", "uplink_problem"]


def repeated_problem(repeated: Sequence[str]) -> dict[str, object]:
    """``duplicate_camera``: inventory rows left out because an earlier row (inventory order; the
    store's ``camera_id``) has the same device ID once surrounding spaces are stripped; the
    stripped IDs of the rows left out (the first five shown)."""
    return {
        "file": "cameras",
        "column": "device_id",
        "value": repeated[0],
        "reason": f"{len(repeated)} inventory row(s) repeat a device ID once surrounding spaces "
        f"are stripped ({', '.join(repeated[:5])}{', …' if len(repeated) > 5 else ''}): "
        "the first row of each ID is checked, the others left out",
        "problem": "duplicate_camera",
    }


def topology_only_problem(extra_ids: Sequence[str]) -> dict[str, object]:
    """``camera_not_in_inventory``: the topology's cameras the inventory lacks (the first five)."""
    return {
        "file": "nodes",
        "column": "node_id",
        "value": extra_ids[0],
        "reason": f"{len(extra_ids)} camera(s) of the topology are not in the inventory "
        f"({', '.join(extra_ids[:5])}{', …' if len(extra_ids) > 5 else ''}): counted with "
        "class unknown",
        "problem": "camera_not_in_inventory",
    }


def uplink_problem(count: int, shown: Sequence[tuple[object, object]]) -> dict[str, object]:
    """``camera_uplink_unknown``: ``count`` cameras name an uplink that is no node; ``shown`` the
    first five ``(device_id, uplink)`` in inventory order."""
    return {
        "file": "cameras",
        "column": "uplink",
        "value": str(shown[0][1]),
        "reason": f"{count} camera(s) name an uplink node that is not in the topology ("
        + ", ".join(f"{d} → {u}" for d, u in shown)
        + (", …" if count > 5 else "")
        + "): tried the GB/T 28181 parent chain instead",
        "problem": "camera_uplink_unknown",
    }
