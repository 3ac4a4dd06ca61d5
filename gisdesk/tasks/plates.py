"""Map plates and atlases: one plate of a project, or one per feature of a layer (per town).

The one definition of the job ``gisdesk plate`` and the window's plate designer run.
:class:`PlateRequest` holds the choices and their defaults (template, texts, layers, extent
or scale, grid, furniture, dpi; for an atlas the layer, its name field and the pages; the
statistics: the service circle's coverage, by default on atlases of a project that has
roads, service points and villages). :func:`run` checks the request, makes the plan
(:class:`PlatePlan`: what is drawn, Qt-free plain data) and hands it to the drawing function
its caller passes; the Result lists the files written and cites its sources.

Why the split: plates are painted with QPainter (``gisdesk.export`` and ``gisdesk.render``),
and tasks never import Qt nor those packages (they stay importable and testable without a
display). So the task owns the request, the checks, the decisions (statistics or not, the
plate's options) and the citation; ``gisdesk.export.publish.draw_plates`` owns turning the
plan into a ``PlateSpec`` and pages. The window and the command line both pass
``functools.partial(draw_plates, project)`` as ``draw``; a test can pass a recorder.
Extent and scale are checked where the plate spec is made (``PlateSpec``), template names
where templates live (``export.templates``, the project's saved templates included).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from gisdesk.analysis.speeds import DEFAULT_MINUTES, DEFAULT_MODE
from gisdesk.core.errors import InputError
from gisdesk.tasks.base import Column, Figure, LayerSource, Note, Result, SummaryTable
from gisdesk.tasks.job import Job, task
from gisdesk.tasks.records import Recorded

if TYPE_CHECKING:
    from gisdesk.core.progress import CancelToken, ProgressCallback

__all__ = [
    "COVERAGE_LAYERS",
    "FORMATS",
    "GRIDS",
    "KIND",
    "STATS",
    "PlatePlan",
    "PlateRequest",
    "plan_plates",
    "run",
]

KIND = "plate"
FORMATS = ("pdf", "png", "svg")
GRIDS = ("graticule", "grid", "none")
STATS = ("auto", "coverage", "none")
COVERAGE_LAYERS = ("roads", "service_points", "villages")
"""The layers the service circle reads; ``stats="auto"`` draws it on atlases that have them."""
FURNITURE = ("legend", "scalebar", "north_arrow", "inset", "notes", "labels")
"""Items of a plate a request may hide (each is drawn unless hidden)."""


@dataclass(frozen=True)
class PlateRequest(Recorded):
    """A plate (or an atlas): where, which template, texts, layers, frame and furniture.

    ``template`` is a template's name (built in, or saved in the project by the designer)
    or its data; ``title`` "" is the project's; ``layers`` None the visible layers;
    ``extent`` (EPSG:4549 metres) and ``scale`` None fit the layers; ``hide`` lists the
    items not drawn (of :data:`FURNITURE`: legend, scale bar, north arrow, inset, notes,
    feature labels). ``atlas`` names the layer whose features get a plate each
    (``atlas_field`` names them, ``names`` picks some). ``stats``: "coverage" draws the
    ``minutes``/``mode`` service circle with its per-town table, "auto" does so on
    atlases of projects with roads, service points and villages.
    """

    kind: ClassVar[str] = KIND
    layer_fields: ClassVar[tuple[str, ...]] = ("layers", "atlas")
    out: str
    template: str | Mapping[str, Any] = "A3-landscape"
    title: str = ""
    subtitle: str = ""
    layers: tuple[str, ...] | None = None
    extent: tuple[float, float, float, float] | None = None
    scale: float | None = None
    grid: str = GRIDS[0]
    hide: tuple[str, ...] = ()
    organisation: str = ""
    date: str | None = None
    dpi: float = 300.0
    atlas: str | None = None
    atlas_field: str = "name"
    names: tuple[str, ...] | None = None
    stats: str = "auto"
    minutes: float = DEFAULT_MINUTES
    mode: str = DEFAULT_MODE

    @property
    def format(self) -> str:
        """Return the output format from the file name: pdf, png or svg."""
        return Path(self.out).suffix.lower().lstrip(".")

    def validate(self) -> None:
        """Raise an :class:`InputError` (Chinese and English) for a bad value."""
        from gisdesk.analysis._checks import check_dpi
        from gisdesk.analysis.speeds import (
            DEFAULT_MAX_SNAP_M,
            WALK_KMH,
            check_travel_params,
            mode_speeds,
        )

        if self.format not in FORMATS:
            suffix = Path(self.out).suffix
            raise InputError(
                f"不支持的输出格式“{suffix or '无扩展名'}”：请用 .pdf、.png 或 .svg。",
                f"Unsupported output format '{suffix}': use .pdf, .png or .svg.",
            )
        check_dpi(self.dpi)
        for key, value, allowed in (
            ("grid", self.grid, GRIDS),
            ("stats", self.stats, STATS),
            *(("hide", item, FURNITURE) for item in self.hide),
        ):
            if value not in allowed:
                raise InputError(
                    f"“{key}”不能是“{value}”。可选：{'、'.join(allowed)}。",
                    f"'{key}' cannot be '{value}'. Choose one of: {', '.join(allowed)}.",
                )
        if self.stats != "none":
            check_travel_params(
                minutes=self.minutes, max_snap_m=DEFAULT_MAX_SNAP_M, walk_kmh=WALK_KMH
            )
            mode_speeds(self.mode)
        if self.names is not None and self.atlas is None:
            raise InputError(
                "只有图集（按图层分幅）才能选择图幅。",
                "Pages can only be chosen for an atlas (one plate per feature).",
            )
        if self.layers is not None and not self.layers:
            raise InputError("请至少选择一个图层。", "Choose at least one layer.")

    def spec_options(self) -> dict[str, Any]:
        """Return the plate spec's options: texts, layers, frame, grid and furniture."""
        keys = ("title", "subtitle", "layers", "extent", "scale", "grid", "organisation", "date")
        options = {key: getattr(self, key) for key in keys}
        return options | dict.fromkeys(self.hide, False)  # the rest: drawn

    def sources(self) -> list[str]:
        """Return the layers named: those drawn and the atlas layer."""
        names = [*(self.layers or ()), *([self.atlas] if self.atlas else [])]
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class PlatePlan:
    """What the drawing function is asked to draw (plain data, no Qt).

    ``options`` are the plate spec's (title, layers, extent, scale, grid, furniture...);
    ``atlas`` is (layer, name field, names or None) for one plate per feature; ``coverage``
    is (minutes, mode) of the service circle drawn with its table, or None.
    """

    out: Path
    format: str
    template: str | Mapping[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    dpi: float = 300.0
    atlas: tuple[str, str, tuple[str, ...] | None] | None = None
    coverage: tuple[float, str] | None = None


def plan_plates(source: LayerSource, request: PlateRequest) -> PlatePlan:
    """Return the plan of a checked request: spec options, pages, statistics."""
    request.validate()
    present = set(source.names())
    for name in request.sources():
        if name not in present:
            source.get(name)  # raises the bilingual "no such layer" with the layers there are
    wants = request.stats == "coverage" or (
        request.stats == "auto"
        and request.atlas is not None
        and all(n in present for n in COVERAGE_LAYERS)
    )
    atlas = None if request.atlas is None else (request.atlas, request.atlas_field, request.names)
    return PlatePlan(
        out=Path(request.out),
        format=request.format,
        template=request.template,
        options=request.spec_options(),
        dpi=request.dpi,
        atlas=atlas,
        coverage=(request.minutes, request.mode) if wants else None,
    )


class DrawnPlates(Protocol):
    """What the drawing function reports."""

    files: list[Path]
    template: str
    scale_text: str | None  # e.g. 1:250,000 (one plate), None for an atlas
    schematic: bool
    missed_labels: tuple[tuple[str, str, str], ...]  # (layer, text, page) of required labels
    # not placed; page: the atlas page's name, "" on a single plate


class PlateDrawer(Protocol):
    """Draw a plan (``functools.partial(gisdesk.export.publish.draw_plates, project)``)."""

    def __call__(
        self,
        plan: PlatePlan,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> DrawnPlates:
        """Write the plan's file(s) and report them."""
        ...


FILE_COLUMNS = (Column("file", "文件", "File"), Column("format", "格式", "Format"))


@task
def run(job: Job[LayerSource], request: PlateRequest, *, draw: PlateDrawer) -> Result:
    """Plan the plate(s), draw them with ``draw``; return the files written."""
    plan = plan_plates(job.source, request)
    drawn = draw(plan, **job.hooks)
    files = [Path(f) for f in drawn.files]
    rows = tuple({"file": str(f), "format": plan.format.upper()} for f in files)
    if drawn.scale_text is not None:
        notes = [
            Note(
                f"已写出 {files[0]}（{drawn.template}，比例尺 {drawn.scale_text}）",
                f"Written {files[0]} ({drawn.template}, scale {drawn.scale_text})",
            )
        ]
    else:
        notes = [Note(f"已写出 {f}", f"Written {f}") for f in files]
    if drawn.schematic:
        notes.append(
            Note(
                "注意：图中含示意数据，已加注“示意数据，非正式成果”。",
                "Note: the plate shows schematic data and is labelled as such.",
            )
        )
    missed = getattr(drawn, "missed_labels", ())  # drawers that place no labels leave it out
    if missed:
        names = "；".join(
            (f"{page}图幅：" if page else "")
            + "、".join(f"{job.source.title(lay)}“{txt}”" for lay, txt, p in missed if p == page)
            for page in dict.fromkeys(page for _lay, _txt, page in missed)
        )
        names_en = "; ".join(
            (f"page {page}: " if page else "")
            + ", ".join(f"{job.source.title(lay)} '{txt}'" for lay, txt, p in missed if p == page)
            for page in dict.fromkeys(page for _lay, _txt, page in missed)
        )
        notes.append(
            Note(
                f"警告：{len(missed)} 个必须标注的名称在图上无处放置，未画出：{names}。"
                "可换用更大的图幅或放大比例尺。",
                f"Warning: {len(missed)} required labels found no room on the map and are not "
                f"drawn: {names_en}. Use a larger paper size or a larger scale.",
                warning=True,
            )
        )
    used = [*request.sources(), *(COVERAGE_LAYERS if plan.coverage else ())]
    return Result.of(
        request,
        job.source,
        dict.fromkeys(used),
        title_zh="图集" if plan.atlas else "专题图",
        title_en="Atlas" if plan.atlas else "Map plate",
        layers=[],
        summary=SummaryTable(FILE_COLUMNS, rows),
        district=(Figure("files", "文件", "Files", len(files)),),
        notes=tuple(notes),
        details={
            "files": [str(f) for f in files],
            "template": drawn.template,
            "scale": drawn.scale_text,
            "coverage": None if plan.coverage is None else list(plan.coverage),
            "missed_labels": [
                {"page": page, "layer": lay, "text": txt} for lay, txt, page in missed
            ],
        },
        extras={"plan": plan},
    )
