"""The wvp-GB28181-pro video platform as a source: its devices, channels and their online status.

Two ways in, one frame out (:func:`sharpeyes.ingest.wvp.channels.cameras_from_channels`, through the
same :func:`~sharpeyes.ingest.normalize.normalize_cameras` as every other reader):

- :func:`read_platform_db` — its database by SQLAlchemy URL (``mysql+pymysql://`` or
  ``postgresql+psycopg://``), read-only, paged (:mod:`sharpeyes.ingest.wvp.db`);
- :func:`read_platform_rest` — its REST API through a logged-in :class:`WvpClient`
  (:mod:`sharpeyes.ingest.wvp.rest`), which also starts and stops streams for the health job.
"""

from sharpeyes.ingest.wvp.channels import ChannelPage, cameras_from_channels, platform_status
from sharpeyes.ingest.wvp.db import read_platform_db
from sharpeyes.ingest.wvp.rest import PlatformError, WvpClient, read_platform_rest, split_url

__all__ = [
    "ChannelPage",
    "PlatformError",
    "WvpClient",
    "cameras_from_channels",
    "platform_status",
    "read_platform_db",
    "read_platform_rest",
    "split_url",
]
