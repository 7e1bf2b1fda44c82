"""Merge and conflict rules of an import, as pure functions: rows in, rows and a change list out.

The store (:meth:`sharpeyes.store.Store.import_cameras`) reads the stored values of the cameras an
import names, calls :func:`merge_cameras`, and writes what comes back in one transaction; nothing
here opens a database. The rules:

- rows of the same camera in one file are merged first: later non-null values win, warnings joined;
- incoming non-null values overwrite stored ones; **nulls never blank a stored value**;
- a stored value that a *different* source wrote and that the import changes is a **conflict**: it is
  recorded (:attr:`MergeResult.conflicts`) and the camera gets a warning; the field's provenance
  remembers what each source said, so a source repeating what it said before does not take a field
  back (no ping-pong when several registries are imported again in turn);
- ``source`` lists every source that gave the camera, first one first; ``extra`` is a dict merge
  (new keys win); credentials are compared but the change log shows them as ``***``;
- merging the same rows again gives no change (idempotent).

Rows are *column tables*: a dict of equal-length numpy object arrays of plain Python values
(``None`` for missing), the form the database drivers bind and the stored values compare in.
:func:`incoming_rows` makes one from a canonical camera frame.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

import numpy as np
import pandas as pd

from sharpeyes.ingest.record import finish_record
from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_DTYPES, REJECT_COLUMNS
from sharpeyes.model.jsonable import dumps, loads

#: Plain-value columns: name → object array (``None`` for missing), all of one length.
Rows: TypeAlias = dict[str, np.ndarray]

#: Fields of a camera as the store keeps it (credentials apart, in :data:`CREDENTIAL_FIELDS`).
RECORD_FIELDS: Final[tuple[str, ...]] = (
    *CAMERA_COLUMNS,
    "id_valid",
    "parent_id",
    "contact",
    "extra",
    "warnings",
)
#: Fields compared field by field when a known camera is imported again.
DIFF_FIELDS: Final[tuple[str, ...]] = tuple(
    c
    for c in (*CAMERA_COLUMNS, "id_valid", "parent_id", "contact")
    if c not in ("device_id", "source")
)
CREDENTIAL_FIELDS: Final = ("stream_user", "stream_password")
#: What the change log shows for a credential.
MASK: Final = "***"
NO_KEY_REASON: Final = "no device_id and no other stable key: the camera cannot be identified"


def _kind(column: str) -> str:
    dtype = CAMERA_DTYPES.get(column)
    if column == "id_valid" or dtype == "boolean":
        return "bool"
    if dtype and dtype.startswith("Int"):
        return "int"
    if dtype == "float64":
        return "float"
    return "text"


#: Plain kind of every record field: ``text``, ``float``, ``int`` or ``bool``.
KINDS: Final[dict[str, str]] = {c: _kind(c) for c in (*RECORD_FIELDS, *CREDENTIAL_FIELDS)}


# -- plain values ---------------------------------------------------------------------------------
def plain_values(series: pd.Series, kind: str) -> np.ndarray:
    """A column as an object array of plain Python values (``None`` for missing)."""
    if kind == "text":
        if series.dtype != "string":
            series = series.astype("string")
        return np.asarray(series.to_numpy(dtype=object, na_value=None), dtype=object)  # type: ignore[call-overload]
    if kind == "float":
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        out = numbers.astype(object)
        out[~np.isfinite(numbers)] = None
        return out
    if kind == "int":
        ints = pd.to_numeric(series, errors="coerce").astype("Int64")
        missing = ints.isna().to_numpy()
        out = ints.to_numpy(dtype="int64", na_value=0).astype(object)
        out[missing] = None
        return out
    flags = series.astype("boolean")
    missing = flags.isna().to_numpy()
    out = flags.to_numpy(dtype=bool, na_value=False).astype(object)
    out[missing] = None
    return out


def is_missing(values: np.ndarray) -> np.ndarray:
    """Where a plain-value column (``None`` for missing) is empty."""
    if values.dtype == object:
        return np.asarray(np.equal(values, None), dtype=bool)  # type: ignore[call-overload]
    return np.asarray(pd.isna(values), dtype=bool)


def _none_array(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def take(rows: Rows, mask: np.ndarray) -> Rows:
    """The rows where ``mask`` (booleans or positions) selects."""
    return {k: v[mask] for k, v in rows.items()}


def incoming_rows(
    cameras: pd.DataFrame, *, source: str | None
) -> tuple[Rows, np.ndarray, pd.DataFrame]:
    """An import's canonical frame as plain-value rows, the rows without a key, and those as rejects.

    The frame is first finished (:func:`sharpeyes.ingest.record.finish_record`: codes filled,
    credentials split, extra packed; nothing to do for a reader's frame). Keys are stripped (blank is
    no key); an empty ``source`` is ``source``. The keyless rows stay in the returned rows: take
    them out with ``take(rows, ~no_key)``. The rejects carry the frame's ``row`` where it has one.
    """
    frame = finish_record(cameras)
    n = len(frame)
    rows: Rows = {}
    for name in (*RECORD_FIELDS, *CREDENTIAL_FIELDS):
        rows[name] = (
            plain_values(frame[name], KINDS[name]) if name in frame.columns else _none_array(n)
        )
    keys = pd.Series(rows["device_id"], dtype="string").str.strip()
    keys = keys.mask(keys == "")
    ids = np.asarray(keys.to_numpy(dtype=object, na_value=None), dtype=object)  # type: ignore[call-overload,type-var]
    rows["device_id"] = ids
    no_key = is_missing(ids)
    given = rows["source"]
    given[is_missing(given)] = source
    rejected = pd.DataFrame(
        {
            "file": None,
            "sheet": None,
            "row": [None] * int(no_key.sum()),
            "column": "device_id",
            "value": None,
            "reason": NO_KEY_REASON,
        },
        columns=list(REJECT_COLUMNS),
    )
    if "row" in frame.columns and no_key.any():
        rejected["row"] = frame["row"].to_numpy()[no_key]
    return rows, no_key, rejected


def merge_duplicate_rows(rows: Rows) -> Rows:
    """Rows of the same camera merged: later non-null values win, warnings joined.

    The cameras named once keep their order; the merged ones follow, in order of first appearance.
    """
    dup = pd.Series(rows["device_id"]).duplicated(keep=False).to_numpy()
    if not dup.any():
        return rows
    part = pd.DataFrame({k: pd.Series(v[dup], dtype=object) for k, v in rows.items()})
    merged = part.groupby("device_id", sort=False).last()
    merged["warnings"] = part.groupby("device_id", sort=False)["warnings"].agg(_join_warnings)
    merged = merged.reset_index()
    result: Rows = {}
    for k, values in rows.items():
        tail = np.array(merged[k].to_numpy(dtype=object), dtype=object)
        tail[np.asarray(pd.isna(tail), dtype=bool)] = None
        result[k] = np.concatenate([values[~dup], tail])
    return result


def _join_warnings(values: pd.Series) -> str | None:
    return "; ".join(dict.fromkeys(str(x) for x in values if x is not None)) or None


# -- merging into the stored cameras ----------------------------------------------------------------
@dataclass
class MergeResult:
    """What merging an import's rows into the stored cameras gives.

    ``rows`` are the import's cameras (duplicates merged; ``warnings`` with the conflicts added) and
    ``new`` marks those not stored yet (to insert as they are). ``writes`` are the stored cameras to
    rewrite: ``device_id``, :data:`DIFF_FIELDS`, ``extra``, ``source``, ``warnings``, ``provenance``
    (a dict, or None) and ``changed`` (False: only the warnings differ). ``credentials`` are the
    ``device_id, stream_user, stream_password`` of stored cameras whose credentials changed.
    ``changes`` has one row per changed field: ``device_id, field, before, after`` (Python values,
    credentials as ``***``). ``conflicts`` maps a camera to its conflict messages.
    """

    rows: Rows
    new: np.ndarray
    writes: Rows
    credentials: Rows
    changes: pd.DataFrame
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    updated: int = 0
    unchanged: int = 0


CHANGE_COLUMNS: Final = ("device_id", "field", "before", "after")
WRITE_FIELDS: Final = ("device_id", *DIFF_FIELDS, "extra", "source", "warnings", "provenance")


def merge_cameras(incoming: Rows, existing: Rows | None) -> MergeResult:
    """Merge an import's keyed rows into the stored cameras (pure; see the module docstring).

    Parameters
    ----------
    incoming
        Plain-value rows (:func:`incoming_rows`, keyless rows taken out), each with its ``source``.
    existing
        The stored cameras among them: :data:`RECORD_FIELDS`, :data:`CREDENTIAL_FIELDS` and
        ``provenance`` (dict or None), or None when the store has none.
    """
    rows = merge_duplicate_rows(incoming)
    ids = rows["device_id"]
    where = np.full(len(ids), -1, dtype=np.int64)
    if existing is not None and len(existing["device_id"]):
        where = pd.Index(existing["device_id"]).get_indexer(pd.Index(ids))
    matched = where >= 0
    if not matched.any():
        empty = {k: _none_array(0) for k in WRITE_FIELDS}
        empty["changed"] = np.zeros(0, dtype=bool)
        return MergeResult(
            rows=rows,
            new=~matched,
            writes=empty,
            credentials={k: _none_array(0) for k in ("device_id", *CREDENTIAL_FIELDS)},
            changes=pd.DataFrame(columns=list(CHANGE_COLUMNS)),
        )
    assert existing is not None
    positions = np.flatnonzero(matched)
    known = _Known(take(rows, positions), take(existing, where[positions]))
    known.merge()
    rows["warnings"][positions] = known.conflict_warnings
    changed = int(known.changed.sum())
    return MergeResult(
        rows=rows,
        new=~matched,
        writes=known.writes(),
        credentials=known.credential_writes(),
        changes=pd.DataFrame.from_records(known.changes, columns=list(CHANGE_COLUMNS)),
        conflicts=known.conflicts,
        updated=changed,
        unchanged=len(positions) - changed,
    )


def _sources(text: str | None) -> list[str]:
    return [p for p in (text or "").split("; ") if p]


class _Known:
    """The merge of the rows of cameras already stored, aligned with their stored values."""

    def __init__(self, new: Rows, old: Rows) -> None:
        self.new, self.old = new, old
        self.ids = new["device_id"]
        self.m = len(self.ids)
        self.writer = new["source"]
        self.first_source = np.array(
            [next(iter(_sources(t)), None) for t in old["source"]], dtype=object
        )
        # provenance: field -> source that last wrote it (when not the camera's first source), and
        # under "_seen": field -> {source: value it gave} for fields two sources disagree on
        self.provenance: list[dict[str, Any]] = [
            copy.deepcopy(p) if p else {} for p in old["provenance"]
        ]
        self.changed = np.zeros(self.m, dtype=bool)
        self.cred_changed = np.zeros(self.m, dtype=bool)
        self.changes: list[tuple[Any, ...]] = []
        self.conflicts: dict[str, list[str]] = {}
        self.out: Rows = {}
        self.conflict_warnings = new["warnings"].copy()

    def merge(self) -> None:
        for f in DIFF_FIELDS:
            self._field(f)
        self._extra()
        self._source()
        for f in CREDENTIAL_FIELDS:
            self._credential(f)
        self.changed |= self.cred_changed
        self._warnings()

    def _field(self, f: str) -> None:
        new_values, old_values = self.new[f], self.old[f]
        diff = ~is_missing(new_values) & (is_missing(old_values) | (new_values != old_values))
        result = old_values.copy()
        for j in np.flatnonzero(diff):
            before, after, writer = old_values[j], new_values[j], self.writer[j]
            prov = self.provenance[j]
            seen = prov.get("_seen", {}).get(f, {})
            if before is not None and writer in seen and seen[writer] == after:
                diff[j] = False  # said before and overruled by another source since
                continue
            self.changes.append((self.ids[j], f, before, after))
            owner = prov.get(f, self.first_source[j])
            if before is not None and owner is not None and writer != owner:
                self.conflicts.setdefault(str(self.ids[j]), []).append(
                    f"{f} was {before!r} from {owner}, now {after!r} from {writer}"
                )
                said = prov.setdefault("_seen", {}).setdefault(f, {})
                said[str(owner)] = before
                said[str(writer)] = after
            if writer == self.first_source[j]:
                prov.pop(f, None)
            else:
                prov[f] = writer
        result[diff] = new_values[diff]
        self.changed |= diff
        self.out[f] = result

    def _extra(self) -> None:
        """A dict merge, new keys win."""
        new_extra, old_extra = self.new["extra"], self.old["extra"]
        result = old_extra.copy()
        for j in np.flatnonzero(~is_missing(new_extra)):
            before = loads(old_extra[j]) or {}
            after = {**before, **loads(new_extra[j])}
            if after != before:
                result[j] = dumps(after)
                self.changed[j] = True
                self.changes.append((self.ids[j], "extra", before if old_extra[j] else None, after))
        self.out["extra"] = result

    def _source(self) -> None:
        """The list of sources that gave the camera, first one first."""
        result = self.old["source"].copy()
        for j in range(self.m):
            listed = _sources(result[j])
            writer = self.writer[j]
            if writer and writer not in listed:
                after = "; ".join([*listed, writer])
                self.changes.append((self.ids[j], "source", result[j], after))
                result[j] = after
                self.changed[j] = True
        self.out["source"] = result

    def _credential(self, f: str) -> None:
        new_values, old_values = self.new[f], self.old[f]
        diff = ~is_missing(new_values) & (is_missing(old_values) | (new_values != old_values))
        result = old_values.copy()
        result[diff] = new_values[diff]
        for j in np.flatnonzero(diff):
            self.changes.append((self.ids[j], f, None if old_values[j] is None else MASK, MASK))
        self.cred_changed |= diff
        self.out[f] = result

    def _warnings(self) -> None:
        """This import's warnings plus conflicts; an unchanged camera keeps its doubts."""
        warnings = self.conflict_warnings
        for j in range(self.m):
            notes = self.conflicts.get(str(self.ids[j]))
            if notes:
                text = "conflict with another source: " + "; ".join(notes)
                warnings[j] = f"{warnings[j]}; {text}" if warnings[j] else text
        # a camera this import leaves unchanged keeps its doubts (so importing the same file again
        # changes nothing); new doubts are added to them. A changed camera gets this import's.
        out = warnings.copy()
        old_warnings = self.old["warnings"]
        for j in np.flatnonzero(~self.changed).tolist():
            kept = old_warnings[j]
            parts = [p for p in str(out[j] or "").split("; ") if p]
            known = set(str(kept or "").split("; "))
            extra = [p for p in parts if p not in known]
            out[j] = "; ".join([kept, *extra]) if kept and extra else (kept or out[j])
        self.out["warnings"] = out

    def writes(self) -> Rows:
        write = self.changed | (self.out["warnings"] != self.old["warnings"])
        rows: Rows = {"device_id": self.ids[write]}
        for f in (*DIFF_FIELDS, "extra", "source", "warnings"):
            rows[f] = self.out[f][write]
        provenance = np.empty(int(write.sum()), dtype=object)
        provenance[:] = [p or None for p, w in zip(self.provenance, write, strict=True) if w]
        rows["provenance"] = provenance
        rows["changed"] = self.changed[write]
        return rows

    def credential_writes(self) -> Rows:
        rows: Rows = {"device_id": self.ids[self.cred_changed]}
        for f in CREDENTIAL_FIELDS:
            rows[f] = self.out[f][self.cred_changed]
        return rows


def merged_state(existing: Rows | None, result: MergeResult) -> Rows:
    """The stored cameras after ``result`` is applied (what the store holds then; for checks)."""
    fields = (*RECORD_FIELDS, *CREDENTIAL_FIELDS, "provenance")
    state = {k: (existing[k].copy() if existing is not None else _none_array(0)) for k in fields}
    if len(result.writes["device_id"]):
        at = pd.Index(state["device_id"]).get_indexer(pd.Index(result.writes["device_id"]))
        for k in WRITE_FIELDS:
            state[k][at] = result.writes[k]
    if len(result.credentials["device_id"]):
        at = pd.Index(state["device_id"]).get_indexer(pd.Index(result.credentials["device_id"]))
        for k in CREDENTIAL_FIELDS:
            state[k][at] = result.credentials[k]
    new = take(result.rows, result.new)
    new["provenance"] = _none_array(int(result.new.sum()))
    return {k: np.concatenate([state[k], new[k]]) for k in fields}
