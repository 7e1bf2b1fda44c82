"""Health runs: one run per night (resumable), one result per camera per run, snapshots and the
cameras' reference views."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from sharpeyes._errors import InputError
from sharpeyes.model.columns import HEALTH_RESULT_COLUMNS
from sharpeyes.model.jsonable import dumps, loads
from sharpeyes.store import schema as s
from sharpeyes.store._values import na, na_scalar
from sharpeyes.store.engine import Database, insert_id, now

_CHUNK = 5_000


class HealthRecords:
    """The ``health_runs``, ``health_results`` and ``reference_frames`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def start_health_run(self, night: str | date | None = None) -> int:
        """Start a health run for ``night`` (ISO date; default: the night now, noon to noon local
        time) or resume that night's unfinished run; returns its ``run_id``."""
        if night is None:
            night = (datetime.now().astimezone() - timedelta(hours=12)).date().isoformat()
        night = night.isoformat() if isinstance(night, date) else str(night)
        r = s.health_runs
        with self.db.write() as conn:
            found = conn.execute(
                sa.select(r.c.run_id)
                .where(r.c.night == night, r.c.finished_at.is_(None))
                .order_by(r.c.run_id.desc())
                .limit(1)
            ).scalar()
            if found is not None:
                return int(found)
            return insert_id(conn, r.insert().values(night=night, started_at=now()))

    def add_health_results(
        self, run_id: int, results: pd.DataFrame | Iterable[dict[str, Any]]
    ) -> int:
        """Store results (HEALTH_RESULT_COLUMNS) of ``run_id``; a camera already done in that run is replaced."""
        frame = results if isinstance(results, pd.DataFrame) else pd.DataFrame(list(results))
        if "device_id" not in frame.columns:
            raise InputError("health results have no 'device_id' column", field="device_id")
        rows = []
        for rec in frame.to_dict("records"):
            faults = rec.get("faults")
            measures = rec.get("measures")
            started: Any = rec.get("started_at")
            duration: Any = rec.get("duration_s")
            snap: Any = rec.get("snapshot_jpeg")
            rows.append(
                (
                    int(run_id),
                    str(rec["device_id"]),
                    None if na(rec.get("verdict")) else str(rec.get("verdict")),
                    dumps(list(faults) if faults is not None and not na_scalar(faults) else []),
                    None if na(rec.get("reason")) else str(rec.get("reason")),
                    dumps(dict(measures) if isinstance(measures, dict) else {}),
                    None
                    if na(started)
                    else (
                        started.isoformat()
                        if isinstance(started, (datetime, pd.Timestamp))
                        else str(started)
                    ),
                    None if na(duration) else float(duration),
                    None if na(snap) else bytes(snap),
                )
            )
        hr = s.health_results
        with self.db.write() as conn:
            if (
                conn.execute(
                    sa.select(s.health_runs.c.run_id).where(s.health_runs.c.run_id == run_id)
                ).first()
                is None
            ):
                raise InputError(f"there is no health run {run_id}", field="run_id", value=run_id)
            ids = [r[1] for r in rows]
            for start in range(0, len(ids), _CHUNK):
                conn.execute(
                    hr.delete().where(
                        hr.c.run_id == run_id, hr.c.device_id.in_(ids[start : start + _CHUNK])
                    )
                )
            if rows:
                self.db.executemany(
                    conn,
                    "INSERT INTO health_results (run_id, device_id, verdict, faults, reason, measures, started_at, duration_s, snapshot_jpeg) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        return len(rows)

    def finish_health_run(self, run_id: int, summary: dict[str, Any] | None = None) -> None:
        """Mark ``run_id`` finished with its summary document."""
        r = s.health_runs
        with self.db.write() as conn:
            done = conn.execute(
                r.update()
                .where(r.c.run_id == run_id)
                .values(finished_at=now(), summary=dumps(summary or {}))
            )
            if done.rowcount == 0:
                raise InputError(f"there is no health run {run_id}", field="run_id", value=run_id)

    def health_runs(self) -> pd.DataFrame:
        """One row per run: run_id, night, started_at, finished_at, summary (dict), results (count)."""
        r, hr = s.health_runs, s.health_results
        count = sa.select(sa.func.count()).where(hr.c.run_id == r.c.run_id).scalar_subquery()
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(
                    r.c.run_id, r.c.night, r.c.started_at, r.c.finished_at, r.c.summary, count
                ).order_by(r.c.run_id)
            ).all()
        frame = pd.DataFrame.from_records(
            rows,
            columns=["run_id", "night", "started_at", "finished_at", "summary", "results"],
            coerce_float=False,
        )
        frame["summary"] = [loads(v) for v in frame["summary"]]
        return frame

    def health_frame(
        self, where: list[Any], *, include_snapshots: bool, with_night: bool = False
    ) -> pd.DataFrame:
        hr, r = s.health_results, s.health_runs
        snap = hr.c.snapshot_jpeg if include_snapshots else sa.null().label("snapshot_jpeg")
        cols = [
            hr.c.run_id,
            hr.c.device_id,
            hr.c.verdict,
            hr.c.faults,
            hr.c.reason,
            hr.c.measures,
            hr.c.started_at,
            hr.c.duration_s,
            snap,
        ]
        names = list(HEALTH_RESULT_COLUMNS)
        if with_night:
            cols.append(r.c.night)
            names.append("night")
        stmt = (
            sa.select(*cols)
            .select_from(hr.join(r, r.c.run_id == hr.c.run_id))
            .where(*where)
            .order_by(hr.c.run_id, hr.c.result_id)
        )
        with self.db.read() as conn:
            rows = conn.execute(stmt).all()
        frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=False)
        frame["faults"] = pd.Series([loads(v) or [] for v in frame["faults"]], dtype=object)
        frame["measures"] = pd.Series([loads(v) or {} for v in frame["measures"]], dtype=object)
        frame["duration_s"] = pd.to_numeric(frame["duration_s"], errors="coerce").astype("float64")
        frame["snapshot_jpeg"] = [None if na(v) else bytes(v) for v in frame["snapshot_jpeg"]]
        return frame

    def health_results(
        self, run_id: int | None = None, *, include_snapshots: bool = True
    ) -> pd.DataFrame:
        """Results (HEALTH_RESULT_COLUMNS) of ``run_id``, default the latest run."""
        if run_id is None:
            with self.db.read() as conn:
                run_id = conn.execute(sa.select(sa.func.max(s.health_runs.c.run_id))).scalar()
            if run_id is None:
                return self.health_frame([sa.false()], include_snapshots=include_snapshots)
        return self.health_frame(
            [s.health_results.c.run_id == run_id], include_snapshots=include_snapshots
        )

    def health_history(self, device_id: str, *, include_snapshots: bool = False) -> pd.DataFrame:
        """Every result of one camera, oldest run first (HEALTH_RESULT_COLUMNS + ``night``)."""
        return self.health_frame(
            [s.health_results.c.device_id == device_id],
            include_snapshots=include_snapshots,
            with_night=True,
        )

    def done_in_run(self, run_id: int) -> set[str]:
        """Cameras that already have a result in ``run_id`` (a resumed job skips them)."""
        hr = s.health_results
        with self.db.read() as conn:
            return {
                str(v)
                for v in conn.execute(
                    sa.select(hr.c.device_id).where(hr.c.run_id == run_id)
                ).scalars()
            }

    def snapshot(self, run_id: int, device_id: str) -> bytes | None:
        """The JPEG snapshot of one camera in one run."""
        hr = s.health_results
        with self.db.read() as conn:
            value = conn.execute(
                sa.select(hr.c.snapshot_jpeg).where(
                    hr.c.run_id == run_id, hr.c.device_id == device_id
                )
            ).scalar()
        return None if value is None else bytes(value)

    def set_reference_frame(self, device_id: str, jpeg: bytes) -> None:
        """Keep ``jpeg`` as the camera's reference view (scene-change detection)."""
        rf = s.reference_frames
        with self.db.write() as conn:
            conn.execute(rf.delete().where(rf.c.device_id == device_id))
            conn.execute(
                rf.insert().values(device_id=device_id, jpeg=bytes(jpeg), updated_at=now())
            )

    def reference_frame(self, device_id: str) -> bytes | None:
        """The camera's reference JPEG, or ``None``."""
        rf = s.reference_frames
        with self.db.read() as conn:
            value = conn.execute(sa.select(rf.c.jpeg).where(rf.c.device_id == device_id)).scalar()
        return None if value is None else bytes(value)
