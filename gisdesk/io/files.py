"""Read vector files and coordinate tables into layers, saying what is wrong when it is.

The implementation lives in small modules; this one gathers their public names for the
import dialog and scripts:

- :mod:`gisdesk.io.vector_import`: GeoPackage, Shapefile (also zipped), GeoJSON, KML/KMZ and
  FlatGeobuf through pyogrio/GDAL, Shapefile encodings from :mod:`gisdesk.io.encodings`;
- :mod:`gisdesk.io.tables`: CSV and Excel tables with coordinate columns;
- :mod:`gisdesk.io.crs_options`: the coordinate systems a user can state.
"""

from __future__ import annotations

from gisdesk.io.crs_options import COORDINATE_SYSTEMS, resolve_system
from gisdesk.io.encodings import EncodingChoice, detect_dbf_encoding, shapefile_encoding
from gisdesk.io.tables import (
    TABLE_SUFFIXES,
    guess_coordinate_columns,
    parse_coordinates,
    read_coordinate_table,
    read_table,
)
from gisdesk.io.vector_import import (
    VECTOR_SUFFIXES,
    VectorImport,
    import_vector,
    list_layers,
    read_vector_file,
)

__all__ = [
    "COORDINATE_SYSTEMS",
    "TABLE_SUFFIXES",
    "VECTOR_SUFFIXES",
    "EncodingChoice",
    "VectorImport",
    "detect_dbf_encoding",
    "guess_coordinate_columns",
    "import_vector",
    "list_layers",
    "parse_coordinates",
    "read_coordinate_table",
    "read_table",
    "read_vector_file",
    "resolve_system",
    "shapefile_encoding",
]
