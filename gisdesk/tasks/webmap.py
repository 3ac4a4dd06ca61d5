"""The offline web map: a project's layers as one self-contained HTML page.

The one definition of the job ``gisdesk webmap`` and the window's 导出网页地图 run.
:class:`WebMapRequest` holds the choices (layers, title, road classes, simplification,
``force``) and their checks; :func:`run` hands them to the writer its caller passes and
labels what was written (features per layer, size).

Why the writer comes from the caller: the page is built by
:func:`gisdesk.export.webmap.export_webmap`, and ``gisdesk.export`` sits below the tasks
beside the QPainter plate code, which tasks never import (tasks stay Qt-free and light).
The window and the command line pass ``functools.partial(export_webmap, project)``; the
writer keeps its own guards (the 200,000-feature / 40 MB limit, refused unless ``force``,
and its defaults: national, provincial and county roads, the visible layers, the project's
title), so a request that leaves them out gets the writer's defaults, stated once there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from gisdesk.core.errors import InputError
from gisdesk.tasks.base import Column, Figure, LayerSource, Note, Result, SummaryTable
from gisdesk.tasks.job import Job, task
from gisdesk.tasks.records import Recorded

__all__ = ["KIND", "SIMPLIFY_RANGE_M", "WebMapRequest", "WebMapWriter", "run"]

KIND = "webmap"
SIMPLIFY_RANGE_M = (0.0, 1000.0)
"""Simplification tolerances accepted, in metres (0 keeps every vertex)."""


class WrittenMap(Protocol):
    """What the writer reports: the file, its size and the features per layer."""

    path: Path
    bytes: int
    layers: dict[str, int]


class WebMapWriter(Protocol):
    """Write the page (``functools.partial(gisdesk.export.webmap.export_webmap, project)``)."""

    def __call__(self, path: Path, **options: Any) -> WrittenMap:
        """Write the web map to ``path`` with the request's options and the hooks."""
        ...


@dataclass(frozen=True)
class WebMapRequest(Recorded):
    """A web map: where, which layers, title, which roads, how much to simplify.

    ``layers`` None: the visible layers; ``title`` None: the project's; ``road_classes``
    None: the writer's default classes (``all_roads`` takes every road); ``force`` writes a
    page above the size limits.
    """

    kind: ClassVar[str] = KIND
    layer_fields: ClassVar[tuple[str, ...]] = ("layers",)
    out: str
    layers: tuple[str, ...] | None = None
    title: str | None = None
    road_classes: tuple[str, ...] | None = None
    all_roads: bool = False
    simplify_m: float = 10.0
    force: bool = False

    def validate(self) -> None:
        """Raise an :class:`InputError` (Chinese and English) for a bad value."""
        from gisdesk.analysis._checks import check_metres

        name = Path(self.out).name
        if Path(self.out).suffix.lower() not in (".html", ".htm"):
            raise InputError(
                f"网页地图须保存为 .html 文件（收到“{name}”）。",
                f"A web map is saved as an .html file (got '{name}').",
            )
        check_metres(
            self.simplify_m, ("简化容差", "The simplification tolerance"), SIMPLIFY_RANGE_M
        )
        if self.all_roads and self.road_classes is not None:
            raise InputError(
                "请只选择“全部道路”或指定道路等级之一。",
                "Choose either every road or the road classes, not both.",
            )
        if self.layers is not None and not self.layers:
            raise InputError("请至少选择一个图层。", "Choose at least one layer.")

    def sources(self) -> list[str]:
        """Return the layers asked for (none: the visible layers, decided by the writer)."""
        return list(self.layers or ())

    def writer_options(self) -> dict[str, Any]:
        """Return the writer's keyword options (the writer's defaults where none was given)."""
        options: dict[str, Any] = {
            "layers": None if self.layers is None else list(self.layers),
            "title": self.title,
            "simplify_m": self.simplify_m,
            "force": self.force,
        }
        if self.all_roads:
            options["road_classes"] = None
        elif self.road_classes is not None:
            options["road_classes"] = list(self.road_classes)
        return options


LAYER_COLUMNS = (
    Column("layer", "图层", "Layer"),
    Column("title", "名称", "Title"),
    Column("features", "要素数", "Features", "count"),
)


@task
def run(job: Job[LayerSource], request: WebMapRequest, *, write: WebMapWriter) -> Result:
    """Write the web map with ``write``; return what it holds (features per layer, size)."""
    info = write(Path(request.out), **job.hooks, **request.writer_options())
    total = sum(info.layers.values())
    size_mb = info.bytes / 1e6
    rows = tuple(
        {"layer": name, "title": job.source.title(name), "features": n}
        for name, n in info.layers.items()
    )
    return Result.of(
        request,
        job.source,
        info.layers,
        title_zh="网页地图",
        title_en="Web map",
        layers=[],
        summary=SummaryTable(LAYER_COLUMNS, rows),
        district=(
            Figure("layers", "图层", "Layers", len(info.layers)),
            Figure("features", "要素", "Features", total),
            Figure("size", "大小", "Size", size_mb, "number", "MB"),
        ),
        notes=(
            Note(
                f"已写出 {info.path}（{len(info.layers)} 个图层，{total} 个要素，"
                f"{size_mb:.1f} MB）",
                f"Written {info.path} ({len(info.layers)} layers, {total} features, "
                f"{size_mb:.1f} MB)",
            ),
        ),
        details={"files": [str(info.path)], "layers": dict(info.layers), "bytes": info.bytes},
    )
