"""Entry point of the frozen gisdesk bundle: the same command line as ``python -m gisdesk``.

Without arguments (a double-click) it opens the window. ``--bundle-check`` prints, as JSON,
where the bundle finds its data, PROJ, GDAL and fonts, and transforms one point with each
of pyproj, pyogrio and rasterio (the smoke test reads it).
"""

from __future__ import annotations

import sys


def _bundle_check() -> int:
    import json
    import os

    import gisdesk
    from gisdesk import resources

    report: dict[str, object] = {
        "frozen": resources.is_frozen(),
        "bundle_dir": str(resources.bundle_dir()),
        "gisdesk_file": gisdesk.__file__,
        "data_layout": resources.data_layout(),
        "data_root": str(resources.data_root()),
        "sample_project": str(resources.sample_project_path()),
        "sample_exists": resources.sample_project_path().is_file(),
        "targets_dir_exists": resources.targets_dir().is_dir(),
        "leaflet_js_exists": (resources.leaflet_dir() / "leaflet.js").is_file(),
        "font_files": [p.name for p in resources.bundled_font_files()],
        "env": {k: os.environ.get(k) for k in resources.GEO_ENV_VARIABLES},
    }
    # One point, Haimen's monitoring station, from CGCS2000 lon/lat to EPSG:4549 metres.
    lon, lat = 121.17, 31.87
    import pyproj

    tr = pyproj.Transformer.from_crs(4490, 4549, always_xy=True)
    report["pyproj"] = {"data_dir": pyproj.datadir.get_data_dir(), "xy": tr.transform(lon, lat)}
    import pyogrio

    report["pyogrio"] = {
        "gdal": pyogrio.__gdal_version_string__,
        "gdal_data": pyogrio.get_gdal_data_path(),
    }
    import rasterio
    import rasterio._env
    from rasterio.warp import transform

    xs, ys = transform("EPSG:4490", "EPSG:4549", [lon], [lat])
    with rasterio.Env():  # rasterio sets GDAL_DATA for the duration of an Env
        report["rasterio"] = {
            "gdal": rasterio.__gdal_version__,
            "proj_data": rasterio._env.get_proj_data_search_paths(),
            "gdal_data": rasterio._env.get_gdal_data(),
            "finds_gdalvrt_xsd": rasterio._env.GDALDataFinder().find_file("gdalvrt.xsd"),
            "xy": [xs[0], ys[0]],
        }
    import pyarrow  # the project store reads layers through Arrow

    report["pyarrow"] = pyarrow.__version__
    import geopandas as gpd

    towns = gpd.read_file(resources.sample_project_path(), layer="towns", engine="pyogrio")
    report["geopandas"] = {
        "towns": len(towns),
        "crs": towns.crs.to_string(),
        "area_km2": round(float(towns.to_crs(4549).area.sum()) / 1e6, 3),
    }
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    from gisdesk.render.fonts import cjk_family, has_cjk_glyphs

    report["qt"] = {
        "platform": QGuiApplication.platformName(),
        "cjk_family": cjk_family(),
        "cjk_glyphs": has_cjk_glyphs(),
    }
    del app  # kept alive until the font checks are done
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def main() -> int:
    """Run the bundle's command line and return the exit code."""
    from gisdesk import resources

    resources.configure_frozen_environment()
    import multiprocessing

    multiprocessing.freeze_support()
    argv = sys.argv[1:]
    if argv[:1] == ["--bundle-check"]:
        return _bundle_check()
    if not argv:
        argv = ["open"]
    from gisdesk.cli.main import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
