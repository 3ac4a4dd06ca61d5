"""Run by tests with Debian's python3 + QGIS: how QGIS reads the styles of exported layers.

Usage: /usr/bin/python3 qgis_style_probe.py FILE.gpkg:LAYER ...  (prints JSON)
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsVectorLayer

KINDS = {
    "singleSymbol": "single",
    "categorizedSymbol": "categorized",
    "graduatedSymbol": "graduated",
    "RuleRenderer": "rule",
}


def probe(spec: str) -> dict:
    path, name = spec.rsplit(":", 1)
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
        "labels": bool(layer.labelsEnabled()),
    }
    if renderer.type() == "categorizedSymbol":
        out["field"] = renderer.classAttribute()
        out["classes"] = [
            [str(c.value()), c.symbol().color().name()] for c in renderer.categories()
        ]
    elif renderer.type() == "graduatedSymbol":
        out["field"] = renderer.classAttribute()
        out["classes"] = [
            [r.lowerValue(), r.upperValue(), r.symbol().color().name()] for r in renderer.ranges()
        ]
    elif renderer.type() == "singleSymbol":
        out["colour"] = renderer.symbol().color().name()
    return out


app = QgsApplication([], False)
app.initQgis()
print(json.dumps([probe(s) for s in sys.argv[1:]], ensure_ascii=False))
app.exitQgis()
