"""Run by tests with Debian's python3 + QGIS: how QGIS opens every layer of a GeoPackage.

Usage: /usr/bin/python3 qgis_project_probe.py FILE.gpkg  (prints JSON, one entry per layer)

For each feature table: whether QGIS loads its default style from ``layer_styles``, the
renderer type, labels, the label font family and its data-defined family expression, the
family QGIS draws with here, and whether the row's SLD loads in QGIS (and how many rules).
"""

import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsPalLayerSettings,
    QgsVectorLayer,
)

KINDS = {
    "singleSymbol": "single",
    "categorizedSymbol": "categorized",
    "graduatedSymbol": "graduated",
    "RuleRenderer": "rule",
}


def _label_font(layer: QgsVectorLayer) -> dict:
    settings = QgsPalLayerSettings(layer.labeling().settings())
    family = settings.format().font().family()
    prop = settings.dataDefinedProperties().property(QgsPalLayerSettings.Family)
    context = QgsExpressionContext()
    context.appendScope(QgsExpressionContextUtils.globalScope())
    chosen, ok = prop.valueAsString(context, family)
    return {
        "static_family": settings.format().font().family(),
        "font_found": settings.format().fontFound(),
        "dd_active": prop.isActive(),
        "dd_expression": prop.expressionString(),
        "dd_family_here": chosen if ok else None,
    }


def probe(path: str, name: str, sld: str | None) -> dict:
    layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
    if not layer.isValid():
        return {"layer": name, "valid": False}
    message, loaded = layer.loadDefaultStyle()
    renderer = layer.renderer()
    out = {
        "layer": name,
        "valid": True,
        "loaded": bool(loaded),
        "message": message,
        "kind": KINDS.get(renderer.type(), renderer.type()),
        "classes": len(renderer.legendSymbolItems()),
        "labels": bool(layer.labelsEnabled()),
    }
    if layer.labelsEnabled():
        out.update(_label_font(layer))
    if sld:
        other = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        with tempfile.NamedTemporaryFile("w", suffix=".sld", delete=False, encoding="utf-8") as fh:
            fh.write(sld)
        try:
            sld_message, sld_ok = other.loadSldStyle(fh.name)
        finally:
            Path(fh.name).unlink()
        out["sld_loaded"] = bool(sld_ok)
        out["sld_message"] = sld_message
        out["sld_kind"] = other.renderer().type()
        out["sld_rules"] = len(other.renderer().legendSymbolItems())
        out["sld_labels"] = bool(other.labelsEnabled())
    return out


def main(path: str) -> list:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type='features' "
                "ORDER BY table_name"
            )
        ]
        slds = dict(
            con.execute(
                "SELECT f_table_name, styleSLD FROM layer_styles WHERE useAsDefault"
            ).fetchall()
        )
    finally:
        con.close()
    return [probe(path, n, slds.get(n)) for n in names]


app = QgsApplication([], False)
app.initQgis()
print(json.dumps(main(sys.argv[1]), ensure_ascii=False))
app.exitQgis()
