"""The stream reader child: ``python -m sharpeyes.health._reader``, driven by :mod:`.probe`.

It decodes with PyAV (FFmpeg's libraries) so that a stream's URL, password included, never
appears on any command line or in any environment: each request comes as one JSON line on stdin
(``{"url", "frames", "interval_s", "width", "transport", "timeout_s"}``), and the answer goes to
stdout as messages, each a 4-byte big-endian header length, a JSON header and ``size`` payload
bytes:

* ``{"kind": "ready"}`` — once, when the child has loaded its libraries;
* ``{"kind": "info", "codec", "width", "height"}`` — the stream as the camera sends it;
* ``{"kind": "frame", "width", "height", "size"}`` + I420 (YUV 4:2:0 planar) bytes — one
  sampled frame, shrunk to at most the requested width;
* ``{"kind": "end", "error": null | {"type", "errno", "message"}}`` — then the next request.

The parent kills this process when its deadline passes, and a decoder crash ends only this
process; either way the parent starts a fresh one. Nothing here writes the URL anywhere.
"""

from __future__ import annotations

import json
import struct
import sys
from typing import Any, BinaryIO


def _send(out: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    data = json.dumps(header).encode()
    out.write(struct.pack(">I", len(data)) + data)
    if payload:
        out.write(payload)
    out.flush()


def _options(url: str, transport: str, timeout_s: float) -> dict[str, str]:
    # the sockets' own timeouts are longer than PyAV's (``av.open(timeout=...)``), so that a silent
    # server ends in PyAV's ExitError (a timeout) rather than in a protocol error
    micro = str(int(timeout_s * 1.5e6))
    options = {"analyzeduration": "1000000", "probesize": "500000"}
    if url.startswith(("rtsp://", "rtsps://")):
        options.update({"rtsp_transport": transport, "timeout": micro})
    elif url.startswith(("http://", "https://")):
        options.update({"rw_timeout": micro})
    return options


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def read_one(request: dict[str, Any], out: BinaryIO) -> None:
    """Decode one request's frames and send them (see the module docstring)."""
    import av

    url = str(request["url"])
    frames = int(request.get("frames", 5))
    interval_s = float(request.get("interval_s", 0.25))
    width = int(request.get("width", 640))
    timeout_s = float(request.get("timeout_s", 10.0))
    container = av.open(
        url,
        options=_options(url, str(request.get("transport", "tcp")), timeout_s),
        timeout=(timeout_s, timeout_s),
    )
    try:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        _send(
            out,
            {"kind": "info", "codec": ctx.name, "width": ctx.width, "height": ctx.height},
        )
        rate = float(stream.average_rate or stream.guessed_rate or 25)
        sent = 0
        next_t: float | None = None
        for index, frame in enumerate(container.decode(stream)):
            t = float(frame.time) if frame.time is not None else index / rate
            if next_t is not None and t < next_t:
                continue
            next_t = t + interval_s if next_t is None else next_t + interval_s
            w = _even(min(width, frame.width))
            h = _even(frame.height * w / max(frame.width, 1))
            array = frame.to_ndarray(width=w, height=h, format="yuv420p", interpolation="AREA")
            payload = array.tobytes()
            _send(out, {"kind": "frame", "width": w, "height": h, "size": len(payload)}, payload)
            sent += 1
            if sent >= frames:
                break
    finally:
        container.close()


def main() -> int:
    """Say ``ready`` once the decoder libraries are loaded, then serve requests until stdin closes."""
    out = sys.stdout.buffer
    import av  # noqa: F401  (loaded before the first request: its cost is not a camera's)
    import numpy  # noqa: F401

    _send(out, {"kind": "ready"})
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        error: dict[str, Any] | None = None
        try:
            read_one(json.loads(line), out)
        except Exception as exc:  # every failure is the parent's to classify
            error = {
                "type": type(exc).__name__,
                "errno": getattr(exc, "errno", None),
                "message": str(exc)[:500],
            }
        _send(out, {"kind": "end", "error": error})
    return 0


if __name__ == "__main__":
    sys.exit(main())
