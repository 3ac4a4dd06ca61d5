"""Draw a plate task's plan: the drawing function the window and the command line pass.

:mod:`gisdesk.tasks.plates` decides what a plate or an atlas shows (a ``PlatePlan``: file,
template, spec options, atlas pages, service circle) without Qt; :func:`draw_plates` turns
that plain data into a :class:`~gisdesk.export.spec.PlateSpec` and paints it with the plate
renderer (one plate, or an atlas through :func:`~gisdesk.export.atlas.export_atlas`).
:func:`plate_spec` is the same conversion for the designer's live preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.core.progress import report
from gisdesk.export.spec import PlateSpec

if TYPE_CHECKING:
    from gisdesk.core.progress import CancelToken, ProgressCallback
    from gisdesk.core.project import Project
    from gisdesk.render.labels import MissedLabel

__all__ = ["DrawnPlates", "draw_plates", "plate_spec"]


@dataclass(frozen=True)
class DrawnPlates:
    """What :func:`draw_plates` wrote: files, template, scale (one plate), schematic label.

    ``missed_labels`` lists (layer, text, page) of required labels (towns, stations) that
    found no room on the map and are therefore not drawn; page is the atlas page's name, ""
    on a single plate.
    """

    files: list[Path]
    template: str
    scale_text: str | None = None
    schematic: bool = False
    missed_labels: tuple[tuple[str, str, str], ...] = ()


def plate_spec(
    project: Project, template: str | Mapping[str, Any], options: Mapping[str, Any]
) -> PlateSpec:
    """Return the spec of a plan's template and options.

    A template name saved in the project (by the designer) is that template; other names
    are the built-in templates.
    """
    from gisdesk.export.templates import project_templates

    saved = project_templates(project)
    if isinstance(template, str) and template in saved:
        template = saved[template]
    return PlateSpec.create(template, **dict(options))


def draw_plates(
    project: Project,
    plan: Any,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> DrawnPlates:
    """Write a plan (a ``gisdesk.tasks.plates.PlatePlan``) of ``project``; say what it wrote."""
    from gisdesk.export.decorations import format_scale
    from gisdesk.export.output import export_plate

    spec = plate_spec(project, plan.template, plan.options)
    circle = None
    if plan.coverage is not None:
        # the service circle (and the analysis it runs) only when the plan asks for it
        from gisdesk.export.coverage import ServiceCircle

        minutes, mode = plan.coverage
        report(progress, 0.0, f"计算 {minutes:g} 分钟服务圈")
        circle = ServiceCircle(project, minutes=minutes, mode=mode, cancel=cancel)
    if plan.atlas is not None:
        from gisdesk.export.atlas import export_atlas

        layer, field, names = plan.atlas
        missed: list[tuple[str, MissedLabel]] = []
        files = export_atlas(
            project,
            spec,
            plan.out,
            layer=layer,
            field=field,
            names=names,
            content=circle,
            dpi=plan.dpi,
            progress=progress,
            cancel=cancel,
            missed=missed,
        )
        by_page = tuple((label.layer, label.text, page) for page, label in missed)
        return DrawnPlates(files, spec.template.name, missed_labels=by_page)
    if circle is not None:
        spec = spec.with_options(
            table=circle.town_table(),
            table_title=f"各镇（街道）{circle.label}覆盖情况",
            table_note=circle.district_note(),
            extra_layers=circle.layers,
            title=spec.title or f"{circle.label}覆盖情况",
        )
    layout = export_plate(project, spec, plan.out, dpi=plan.dpi, progress=progress, cancel=cancel)
    stats = layout.stats
    return DrawnPlates(
        [Path(plan.out), *layout.extra_files],
        spec.template.name,
        format_scale(layout.scale),
        layout.schematic,
        tuple((m.layer, m.text, "") for m in stats.missed_labels) if stats else (),
    )
