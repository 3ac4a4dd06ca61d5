"""Run by tests with Debian's python3 + QGIS: write a QGIS project of GeoPackage layers.

Usage: /usr/bin/python3 qgis_make_project.py OUT.qgz FILE.gpkg:LAYER ...
Each layer opens with its default style (layer_styles) and the project is saved by QGIS
itself, with paths relative to the project file as QGIS writes them by default.
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsProject, QgsVectorLayer

app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
for spec in sys.argv[2:]:
    path, name = spec.rsplit(":", 1)
    layer = QgsVectorLayer(f"{path}|layername={name}", f"{name}（QGIS）", "ogr")
    layer.loadDefaultStyle()
    project.addMapLayer(layer)
ok = project.write(sys.argv[1])
app.exitQgis()
sys.exit(0 if ok else 1)
