"""Camera registries in, one canonical frame out: every reader returns ``(cameras, rejects)``.

``cameras`` is a GeoDataFrame with :data:`sharpeyes.model.columns.CAMERA_COLUMNS` and
:data:`~sharpeyes.model.columns.CAMERA_SIDE_COLUMNS` (dtypes
:data:`~sharpeyes.model.columns.CAMERA_DTYPES`), Point geometry in EPSG:4326 (WGS-84) or None
where a row has no coordinates. ``rejects`` has one row per problem of every refused row
(:data:`~sharpeyes.model.columns.REJECT_COLUMNS`: file, sheet, row, column, value, reason). Every
source row is either a camera or in the rejects: nothing is dropped unseen.

Readers, each taking one :class:`ReadOptions` (or its fields as keywords), all funnelling into :func:`sharpeyes.ingest.normalize.normalize_cameras`:

- :func:`read_cameras` — any supported file, the format chosen by extension and content;
- :func:`cameras_from_table` — CSV and workbooks (.xlsx);
- :func:`cameras_from_catalog` — GB/T 28181 Catalog responses (XML bodies or SIP MESSAGE texts);
- :func:`cameras_from_geofile` — GeoJSON, GeoPackage, Shapefile;
- :func:`cameras_from_osm` — OpenStreetMap ``man_made=surveillance`` (Overpass JSON, .osm, .osm.pbf).

Errors: :class:`sharpeyes.InputError` for a file that cannot be read (empty, header-only, truncated,
undecodable, no camera columns), :class:`sharpeyes.RefusedInput` for hostile XML (DTDs, entities),
:class:`sharpeyes.ConfigError` for a wrong mapping file or coordinate system.
"""

from sharpeyes.ingest.catalog import cameras_from_catalog
from sharpeyes.ingest.geofile import cameras_from_geofile
from sharpeyes.ingest.mapping import ColumnMapping, load_mapping
from sharpeyes.ingest.options import ReadOptions
from sharpeyes.ingest.osm import cameras_from_osm
from sharpeyes.ingest.read import detect_format, read_cameras
from sharpeyes.ingest.table import cameras_from_table

__all__ = [
    "ColumnMapping",
    "ReadOptions",
    "cameras_from_catalog",
    "cameras_from_geofile",
    "cameras_from_osm",
    "cameras_from_table",
    "detect_format",
    "load_mapping",
    "read_cameras",
]
