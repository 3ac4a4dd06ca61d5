"""Add a layer from a file: vector formats directly, tables with coordinate columns."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from gisdesk.core.layer import Layer, LayerMetadata
from gisdesk.core.project import Project
from gisdesk.io.files import (
    COORDINATE_SYSTEMS,
    TABLE_SUFFIXES,
    guess_coordinate_columns,
    list_layers,
    read_coordinate_table,
    read_table,
    read_vector_file,
)
from gisdesk.io.schemas import load_schemas
from gisdesk.io.styles import load_styles
from gisdesk.ui.i18n import language, tr

__all__ = ["FILE_FILTER", "TableImportDialog", "layer_from_file"]

FILE_FILTER = ";;".join(
    [
        (
            "所有支持的文件 (*.gpkg *.shp *.zip *.geojson *.json *.kml *.kmz *.fgb "
            "*.csv *.txt *.xlsx *.xls)"
        ),
        "GeoPackage (*.gpkg)",
        "Shapefile (*.shp *.zip)",
        "GeoJSON (*.geojson *.json)",
        "表格 / Tables (*.csv *.txt *.xlsx *.xls)",
    ]
)


class TableImportDialog(QDialog):
    """Ask which columns hold the coordinates and in which system they are."""

    def __init__(
        self,
        columns: list[str],
        guess: tuple[str | None, str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("导入表格坐标", "Import table coordinates"))
        self.x_column = QComboBox()
        self.y_column = QComboBox()
        for combo in (self.x_column, self.y_column):
            combo.addItems([str(c) for c in columns])
        if guess[0] is not None:
            self.x_column.setCurrentText(str(guess[0]))
        if guess[1] is not None:
            self.y_column.setCurrentText(str(guess[1]))
        self.system = QComboBox()
        for key, (zh, en) in COORDINATE_SYSTEMS.items():
            self.system.addItem(zh if language() == "zh" else en, key)
        note = QLabel(
            tr(
                "从高德/腾讯地图复制的坐标请选 GCJ-02，百度地图选 BD-09；选错会偏移约 500 米。",
                "Coordinates copied from Amap/Tencent are GCJ-02, from Baidu BD-09; a "
                "wrong choice shifts points by about 500 m.",
            )
        )
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(tr("经度 / X 列", "Longitude / X column"), self.x_column)
        form.addRow(tr("纬度 / Y 列", "Latitude / Y column"), self.y_column)
        form.addRow(tr("坐标系", "Coordinate system"), self.system)
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


def layer_from_file(
    project: Project,
    path: Path,
    *,
    layer: str | None = None,
    table_choice: tuple[str, str, str] | None = None,
) -> Layer:
    """Read a file into a new layer of the project (named uniquely, typed by its name).

    ``table_choice`` is (x column, y column, coordinate system) for CSV/Excel tables.
    Raises :class:`~gisdesk.core.errors.InputError` with a message for the user.
    """
    conversions: list[str] = []
    if path.suffix.lower() in TABLE_SUFFIXES:
        df = read_table(path)
        if table_choice is None:
            x, y = guess_coordinate_columns(df)
            if x is None or y is None:
                from gisdesk.core.errors import InputError

                raise InputError(
                    "未找到坐标列，请指定。", "No coordinate columns found; choose them."
                )
            table_choice = (x, y, "CGCS2000")
        gdf, conversions = read_coordinate_table(
            df, x=table_choice[0], y=table_choice[1], system=table_choice[2]
        )
    else:
        names = list_layers(path)
        gdf = read_vector_file(path, layer or (names[0] if names else None))
        gdf = gdf.to_crs(4490) if gdf.crs is not None and gdf.crs.to_epsg() != 4490 else gdf
    base = (layer or path.stem)[:50]
    schemas = load_schemas()
    schema = schemas.get(base)
    name = project.unique_name(base)
    style = None
    if schema is not None:
        style = load_styles().get(schema.style)
        from gisdesk.analysis.classify import classify_style

        if style is not None:
            style = classify_style(style, gdf)
    else:
        import numpy as np

        from gisdesk.core.style import LayerStyle, StyleClass, Symbol
        from gisdesk.render.prepared import geometry_family

        family = geometry_family(np.asarray(gdf.geometry.values[:100], dtype=object))
        symbol = {
            "point": Symbol(fill="#e6550d", stroke="#ffffff", size=2.0),
            "line": Symbol(fill=None, stroke="#e6550d", stroke_width=0.5),
        }.get(family, Symbol(fill="#e6550d55", stroke="#a63603", stroke_width=0.4))
        style = LayerStyle(kind="single", classes=(StyleClass(symbol, name, name),), symbol=symbol)
    new = Layer(
        name,
        gpd.GeoDataFrame(gdf),
        schema=schema,
        style=style,
        title=schema.title_zh if schema else name,
        metadata=LayerMetadata(
            source_zh=f"导入自 {path.name}",
            source_en=f"imported from {path.name}",
            conversions=conversions,
        ),
    )
    project.add_layer(new)
    return new
