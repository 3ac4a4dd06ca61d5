"""Atlases: one plate per feature of a coverage layer (per town by default).

Each page's frame is fitted to its feature, which is outlined while the rest is dimmed;
an optional :class:`~gisdesk.export.coverage.ServiceCircle` gives every page its title,
statistics and coverage layers. Layers are prepared once for all pages.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gisdesk.core.crs import STORAGE_CRS
from gisdesk.core.errors import InputError
from gisdesk.export.coverage import PageContent, ServiceCircle, district_name
from gisdesk.export.frame import MapData, prepare_map
from gisdesk.export.output import export_pages

if TYPE_CHECKING:
    from gisdesk.core.progress import CancelToken, ProgressCallback
    from gisdesk.core.project import Project
    from gisdesk.export.plate import PlateLayout
    from gisdesk.export.spec import PlateSpec
    from gisdesk.render.labels import MissedLabel

__all__ = ["AtlasPage", "atlas_pages", "export_atlas"]

PageFunction = Callable[[str], PageContent]


@dataclass(frozen=True)
class AtlasPage:
    """One page of an atlas: the feature's name and the plate spec made for it."""

    name: str
    spec: PlateSpec


def atlas_pages(
    project: Project,
    spec: PlateSpec,
    *,
    layer: str = "towns",
    field: str = "name",
    names: Sequence[str] | None = None,
    content: ServiceCircle | PageFunction | None = None,
) -> list[AtlasPage]:
    """Return one plate spec per feature of ``layer`` (in the layer's order).

    Parameters
    ----------
    project
        The project.
    spec
        The base spec: template, layers, items. Its title is used (followed by the
        feature's name) when ``content`` gives none.
    layer, field
        The coverage layer and the field naming its features.
    names
        Only these features (in this order); None takes them all.
    content
        Per-page titles, tables and layers: a :class:`ServiceCircle` or a function of the
        feature's name.
    """
    cover = project.layer(layer)
    data = cover.data
    if field not in data.columns:
        raise InputError(
            f"图层“{layer}”没有字段“{field}”。",
            f"Layer '{layer}' has no field '{field}'.",
        )
    geo = data.to_crs(STORAGE_CRS) if data.crs is not None else data
    labels = geo[field].astype(str).to_numpy()
    if names is None:
        order = list(range(len(geo)))
    else:
        missing = [n for n in names if n not in set(labels)]
        if missing:
            raise InputError(
                f"图层“{layer}”中没有：{'、'.join(missing)}。",
                f"Layer '{layer}' has no features named: {', '.join(missing)}.",
            )
        order = [int(np.flatnonzero(labels == n)[0]) for n in names]
    region = district_name(project)
    pages: list[AtlasPage] = []
    for i in range(len(order)):
        row = order[i]
        name = str(labels[row])
        geom = geo.geometry.iloc[row]
        if geom is None or geom.is_empty:
            continue
        page_spec = replace(spec, focus=geom, extent=None, scale=None)
        if isinstance(content, ServiceCircle):
            extra = content.page(name, region=region)
        elif content is not None:
            extra = content(name)
        else:
            extra = None
        if extra is not None:
            page_spec = replace(
                page_spec,
                title=extra.title,
                subtitle=extra.subtitle or spec.subtitle,
                table=extra.table,
                table_title=extra.table_title,
                table_note=extra.table_note,
                extra_layers=spec.extra_layers + extra.extra_layers,
            )
        else:
            base = spec.title or project.title
            page_spec = replace(page_spec, title=f"{base} {name}".strip())
        pages.append(AtlasPage(name, page_spec))
    return pages


def export_atlas(
    project: Project,
    spec: PlateSpec,
    path: str | os.PathLike[str],
    *,
    layer: str = "towns",
    field: str = "name",
    names: Sequence[str] | None = None,
    content: ServiceCircle | PageFunction | None = None,
    dpi: float = 300,
    data: MapData | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    missed: list[tuple[str, MissedLabel]] | None = None,
) -> list[Path]:
    """Write an atlas: a multi-page PDF, or one PNG/SVG per page beside ``path``.

    See :func:`atlas_pages` for the parameters that choose the pages; ``dpi``, ``data``,
    ``progress`` and ``cancel`` are as for :func:`~gisdesk.export.output.export_plate`.
    ``missed``, when given, receives (page name, label) for every required label (town,
    station) a page had no room for, in page order.

    Returns
    -------
    list of Path
        The files written.
    """
    pages = atlas_pages(project, spec, layer=layer, field=field, names=names, content=content)
    layouts: list[PlateLayout] = []
    files = export_pages(
        project,
        [p.spec for p in pages],
        path,
        names=[p.name for p in pages],
        dpi=dpi,
        data=data or prepare_map(project),
        progress=progress,
        cancel=cancel,
        layouts=layouts,
    )
    if missed is not None:
        for page, layout in zip(pages, layouts, strict=True):
            if layout.stats is not None:
                missed.extend((page.name, label) for label in layout.stats.missed_labels)
    return files
