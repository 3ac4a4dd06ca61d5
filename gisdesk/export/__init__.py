"""Map plates, atlases and offline web maps made from a project.

Modules: :mod:`~gisdesk.export.templates` (page layouts), :mod:`~gisdesk.export.spec`
(what a plate shows), :mod:`~gisdesk.export.plate` (painting a plate on any paint device),
:mod:`~gisdesk.export.output` (PDF, PNG, SVG files), :mod:`~gisdesk.export.atlas` (one
plate per town), :mod:`~gisdesk.export.webmap` (Leaflet HTML that works offline, the
project's text carried as JSON data).

Nothing is imported here, so ``import gisdesk.export`` stays free of Qt.
"""
