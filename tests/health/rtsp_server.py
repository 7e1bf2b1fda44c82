"""A real RTSP server for the health tests and benchmark (GStreamer's GstRtspServer).

Run with Debian's Python, which has the GObject bindings (the project's virtualenv does not)::

    /usr/bin/python3 tests/health/rtsp_server.py --port 8554 --mount healthy=/tmp/a.avi --mount black=/tmp/b.avi

Each ``--mount NAME=FILE`` serves ``rtsp://127.0.0.1:PORT/NAME``: the file (MJPEG in AVI, as the
tests write it with OpenCV) decoded and re-encoded live with x264 and sent with rtph264pay, one
pipeline per client. ``--user``/``--password`` require basic authentication on every mount;
``--credentials-file FILE`` (one line ``user:password``) does the same without putting the password
on this server's command line (the tests look for it in every process's command line).
Prints ``READY`` on stdout when it listens.
"""

from __future__ import annotations

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mount", action="append", default=[], help="NAME=FILE")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--credentials-file")
    args = parser.parse_args()
    if args.credentials_file:
        with open(args.credentials_file, encoding="utf-8") as handle:
            args.user, _, args.password = handle.read().strip().partition(":")
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for spec in args.mount:
        name, _, path = spec.partition("=")
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(
            f'( filesrc location="{path}" ! avidemux ! jpegdec ! videoconvert ! '
            "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=5 bitrate=800 ! "
            "rtph264pay name=pay0 pt=96 config-interval=1 )"
        )
        factory.set_shared(False)
        if args.user:
            factory.add_role_from_structure(
                Gst.Structure.from_string(
                    f"user, {GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS}=(boolean)true, "
                    f"{GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT}=(boolean)true"
                )[0]
            )
        mounts.add_factory("/" + name, factory)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        basic = GstRtspServer.RTSPAuth.make_basic(args.user, args.password or "")
        auth.add_basic(basic, token)
        server.set_auth(auth)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    print("READY", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
