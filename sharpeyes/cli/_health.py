"""Commands of sharpeyes.health: ``sharpeyes health run|probe|reference|history|worklist``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sharpeyes.cli import _options as opt
from sharpeyes.cli._common import DbOption, JsonOption, MkdirOption, emit, user_errors

health_app = typer.Typer(
    help="Nightly camera health (视频质量诊断): probe streams, judge pictures."
)


def _store(db: str | None):  # type: ignore[no-untyped-def]
    from sharpeyes.settings import database_url
    from sharpeyes.store import Store

    return Store.open(database_url(db))


@health_app.command("run")
def run(
    db: DbOption = None,
    as_json: JsonOption = False,
    concurrency: Annotated[
        int, typer.Option("--concurrency", metavar="N", help="Cameras probed at once")
    ] = 4,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue tonight's unfinished run")
    ] = False,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Dask scheduler address, tcp://host:8786 (default: a local pool of workers)",
        ),
    ] = None,
    deadline_s: Annotated[
        float, typer.Option("--deadline-s", metavar="S", help="Hard limit per camera, seconds")
    ] = 20.0,
    snapshot_dir: Annotated[
        Path | None,
        typer.Option("--snapshot-dir", metavar="DIR", help="Also write each camera's JPEG here"),
    ] = None,
    prometheus: Annotated[
        Path | None,
        typer.Option(
            "--prometheus",
            metavar="FILE",
            help="Also write the run's figures as a Prometheus text file (node exporter)",
        ),
    ] = None,
    udp: Annotated[bool, typer.Option("--udp", help="RTSP over UDP instead of TCP")] = False,
    via: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--via",
            metavar="wvp URL",
            help="Streams of cameras without a URL from this platform: wvp http(s)://USER@host:18080",
        ),
    ] = None,
    max_open: Annotated[
        int,
        typer.Option("--max-open", metavar="N", help="--via: streams open on the platform at once"),
    ] = 16,
    snapshot_only: Annotated[
        bool, typer.Option("--snapshot-only", help="--via: the platform's snapshot, no stream")
    ] = False,
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--password-file", metavar="FILE", help="--via: file with the platform password"
        ),
    ] = None,
) -> None:
    """The nightly job: check every camera with a stream and keep the results."""
    from sharpeyes.jobs.health import run_nightly

    with user_errors():
        common: dict[str, Any] = {
            "concurrency": concurrency,
            "resume": resume,
            "dask_address": dask,
            "snapshot_dir": snapshot_dir,
            "deadline_s": deadline_s,
            "progress": not as_json,
            "prometheus_path": prometheus,
            "transport": "udp" if udp else "tcp",
        }
        if via is not None and via[0]:
            from sharpeyes._errors import ConfigError
            from sharpeyes.jobs.platform_health import run_via_platform

            if via[0].lower() != "wvp":
                raise ConfigError(f"--via {via[0]!r}: the platform supported is wvp")
            summary = run_via_platform(
                _store(db),
                via[1],
                max_open=max_open,
                snapshot_only=snapshot_only,
                password_file=password_file,
                **common,
            )
        else:
            summary = run_nightly(_store(db), **common)
        faults = ", ".join(f"{k} {v}" for k, v in summary["faults"].items() if v) or "none"
        text = (
            f"run {summary['run_id']} ({summary['night']}): {summary['checked']} cameras probed, "
            f"{summary.get('not_probed') or 0} not probed (未巡检), "
            f"online rate {summary['online_rate']}, intact rate {summary['intact_rate']}; "
            f"faults: {faults}; offline: {summary['reasons'] or 'none'}"
        )
        emit(summary, as_json=as_json, text=text)


@health_app.command("probe")
def probe(
    url: Annotated[
        str,
        typer.Argument(metavar="URL_OR_FILE", help="rtsp://…, http(s)://… MJPEG, or a video file"),
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
    deadline_s: Annotated[
        float, typer.Option("--deadline-s", metavar="S", help="Hard limit, seconds")
    ] = 20.0,
    udp: Annotated[bool, typer.Option("--udp", help="RTSP over UDP instead of TCP")] = False,
    reference: Annotated[
        Path | None,
        typer.Option("--reference", metavar="JPEG", help="Reference view, to tell a moved camera"),
    ] = None,
) -> None:
    """Check one stream and print its verdict, faults, reason and measures."""
    from sharpeyes.health.probe import probe_stream
    from sharpeyes.model.urls import split_credentials

    with user_errors():
        _check_stream_url(url)
        bare, user, password = split_credentials(url)
        ref = reference.read_bytes() if reference else None
        result = probe_stream(
            bare or url,
            user=user,
            password=password,
            reference_jpeg=ref,
            deadline_s=deadline_s,
            transport="udp" if udp else "tcp",
        )
        doc = result.as_dict()
        text = f"{doc['url']}: {doc['verdict']}"
        if doc["faults"]:
            text += " (" + ", ".join(doc["faults"]) + ")"
        if doc["reason"]:
            text += f" — {doc['reason']}: {doc['detail']}"
        text += "\n" + "\n".join(f"  {k} = {v}" for k, v in doc["measures"].items())
        emit(doc, as_json=as_json, text=text)
        del db


@health_app.command("reference")
def reference(
    db: DbOption = None,
    as_json: JsonOption = False,
    device_id: Annotated[
        list[str] | None,
        typer.Option(
            "--device-id", metavar="ID", help="Only this camera (repeat for several; default: all)"
        ),
    ] = None,
    deadline_s: Annotated[
        float, typer.Option("--deadline-s", metavar="S", help="Hard limit per camera, seconds")
    ] = 20.0,
    concurrency: Annotated[
        int, typer.Option("--concurrency", metavar="N", help="Cameras probed at once")
    ] = 4,
    force: Annotated[
        bool, typer.Option("--force", help="Also take pictures with faults as reference")
    ] = False,
) -> None:
    """Take each camera's current picture (if it is ok) as its reference view."""
    from sharpeyes.jobs.health import set_references

    with user_errors():
        doc = set_references(
            _store(db),
            device_ids=device_id,
            deadline_s=deadline_s,
            concurrency=concurrency,
            force=force,
        )
        emit(
            doc,
            as_json=as_json,
            text=f"reference set for {len(doc['set'])} cameras; failed: {doc['failed'] or 'none'}",
        )


@health_app.command("history")
def history(
    device_id: Annotated[str, typer.Argument(metavar="DEVICE_ID", help="GB/T 28181 device ID")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """One camera's results night by night, and how many nights running it has been offline."""
    from sharpeyes.jobs.health import camera_history

    with user_errors():
        doc = camera_history(_store(db), device_id)
        lines = [f"{device_id}: offline {doc['offline_streak']} night(s) running"]
        for r in doc["runs"]:
            lines.append(
                f"  {r['night']}  {r['verdict']}  {','.join(r['faults'] or [])}  {r['reason'] or ''}"
            )
        emit(doc, as_json=as_json, text="\n".join(lines))


@health_app.command("worklist")
def worklist(
    out: Annotated[
        Path,
        typer.Option("-o", "--out", metavar="PATH", help="Output file (.xlsx, .csv, .json)"),
    ],
    night: Annotated[
        str | None,
        typer.Option(
            "--night", metavar="YYYY-MM-DD", help="Night of the run (default: the last finished)"
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar=opt.metavar(opt.REPORT_FORMATS),
            help="File format (default: from -o's extension, else xlsx)",
        ),
    ] = None,
    view: Annotated[
        str,
        typer.Option(
            "--view",
            metavar="contractor|grid",
            help="grid: also each grid's cameras and the grid workers to ask to look (网格)",
        ),
    ] = "contractor",
    with_phones: Annotated[
        bool,
        typer.Option(
            "--with-phones",
            help="Write grid workers' phone numbers (only for editors and admins; never for viewers)",
        ),
    ] = False,
    mkdir: MkdirOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The morning worklist: faulty and offline cameras per contractor (network faults to the
    carrier), with snapshots, and each contractor's intact rate against the 98 % / 95 % targets;
    each camera's grid (网格) and, with ``--with-phones``, its grid workers' phones."""
    with user_errors():
        fmt = opt.output_format(out, fmt, opt.REPORT_FORMATS, default="xlsx")
        view = opt.choice("--view", view, ("contractor", "grid")) or "contractor"
        opt.output_path(out, mkdir=mkdir)
        from sharpeyes.jobs.worklist import write_worklist

        doc = write_worklist(_store(db), out, night=night, fmt=fmt, view=view, phones=with_phones)
        routes = ", ".join(f"{k} {v}" for k, v in doc["routes"].items()) or "none"
        text = (
            f"wrote {doc['cameras']} cameras of the night {doc['night']} (run {doc['run_id']}) "
            f"to {out} ({fmt}): {routes}"
        )
        emit(doc, as_json=as_json, text=text)


def _check_stream_url(url: str) -> None:
    """Refuse a URL that cannot be parsed (``rtsp://a:b@[::1``) before any probe starts."""
    from urllib.parse import urlsplit

    from sharpeyes._errors import InputError
    from sharpeyes.model.urls import mask_url

    if "://" not in url:
        return  # a file
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise InputError(
            f"not a valid stream URL ({exc}): write it as rtsp://user:password@host:port/path "
            "(IPv6 hosts in brackets, [::1])",
            value=mask_url(url),
        ) from None


def register(app: typer.Typer) -> None:
    """Add ``sharpeyes health …`` to ``app``."""
    app.add_typer(health_app, name="health")
