"""Tasks: one definition per job users run, under both the window and the command line.

Qt-free, between ``ui``/``cli`` and ``export``/``analysis``/``io``. Each task module has a
frozen ``Request`` holding its defaults, ``Request.validate()`` giving the bilingual message
for a bad value, and ``run(source, request, progress=None, cancel=None) -> Result``
(:mod:`gisdesk.tasks.base`), written as a body under :func:`gisdesk.tasks.job.task`, which
validates the request and hands the body one :class:`~gisdesk.tasks.job.Job`. The registry
below runs any request by its kind, so results recorded in a project re-run from their
records.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from gisdesk.core.errors import InputError
from gisdesk.core.i18n import tr
from gisdesk.tasks.base import LayerSource, ProjectSource, Request, Result

if TYPE_CHECKING:
    from gisdesk.core.progress import CancelToken, ProgressCallback

__all__ = [
    "TASKS",
    "LayerSource",
    "ProjectSource",
    "Request",
    "Result",
    "TaskSpec",
    "networks_kept_between_runs",
    "request_from_record",
    "run_request",
    "task_for",
]


@dataclass(frozen=True)
class TaskSpec:
    """A registered task: its kind, title, and the module with its request type and run.

    The module (``gisdesk.tasks.<module>``, holding ``KIND``, the request class named
    ``request_name`` and ``run``) is imported on first use of :attr:`request_type` or
    :attr:`run`, so listing the tasks and their titles loads no analysis.
    """

    kind: str
    title_zh: str
    title_en: str
    module: str
    request_name: str

    def title(self, lang: str | None = None) -> str:
        """Return the task's title in a language (default: the interface language)."""
        return tr(self.title_zh, self.title_en, lang)

    def load(self) -> ModuleType:
        """Import (once) and return the task's module."""
        return importlib.import_module(f"{__name__}.{self.module}")

    @property
    def request_type(self) -> Any:
        """The task's frozen Request class."""
        return getattr(self.load(), self.request_name)

    @property
    def run(self) -> Callable[..., Result]:
        """The task's ``run(source, request, progress, cancel, **writers) -> Result``."""
        run: Callable[..., Result] = self.load().run
        return run


TASKS: dict[str, TaskSpec] = {
    spec.kind: spec
    for spec in (
        TaskSpec("zones", "重点区域", "Key zones", "zones", "ZonesRequest"),
        TaskSpec(
            "service_areas", "服务圈", "Service areas", "service_areas", "ServiceAreasRequest"
        ),
        TaskSpec("siting", "选址", "Siting", "siting", "SitingRequest"),
        TaskSpec(
            "blackspot_screening",
            "事故多发路段筛查",
            "Black-spot screening",
            "blackspots",
            "ScreeningRequest",
        ),
        TaskSpec("camera_gaps", "监控卡口间距", "Camera gaps", "camera_gaps", "CameraGapsRequest"),
        TaskSpec("import", "导入", "Import", "imports", "ImportRequest"),
        TaskSpec("export", "导出", "Export", "exports", "ExportRequest"),
        TaskSpec("targets", "规划目标评估", "Plan targets", "targets", "TargetsRequest"),
        TaskSpec("webmap", "网页地图", "Web map", "webmap", "WebMapRequest"),
        TaskSpec("plate", "专题图", "Map plate", "plates", "PlateRequest"),
    )
}
"""The tasks by kind (the ``kind`` of their Request); each kind equals its module's ``KIND``
(a test checks). Task modules are imported when a task is run or its request rebuilt."""


def task_for(kind: str) -> TaskSpec:
    """Return the task of a kind; an InputError names the kinds there are."""
    try:
        return TASKS[kind]
    except KeyError:
        known = ", ".join(TASKS)
        raise InputError(
            f"未知的分析“{kind}”。可选：{known}。", f"Unknown analysis '{kind}'. Known: {known}."
        ) from None


def run_request(
    source: LayerSource,
    request: Request,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    **writers: Any,
) -> Result:
    """Run a request with the task of its kind.

    ``writers`` are the drawing functions the output tasks take from their caller (the plate
    task's ``draw``, the web map's ``write``: they live in ``gisdesk.export``, which uses Qt).
    """
    return task_for(request.kind).run(source, request, progress, cancel, **writers)


def request_from_record(record: Mapping[str, Any]) -> Request:
    """Rebuild a request from its plain-data record (``Request.to_record()``)."""
    spec = task_for(str(record.get("kind", "")))
    built: Request = spec.request_type.from_record(record)
    return built


@contextlib.contextmanager
def networks_kept_between_runs() -> Iterator[None]:
    """While in this block, built road networks are also kept on disk
    (:mod:`gisdesk.io.network_cache`), so the next analysis on the same roads, in this
    process or a later one, skips building them."""
    from gisdesk.analysis.network import use_network_store
    from gisdesk.io.network_cache import NetworkFileCache

    use_network_store(NetworkFileCache())
    try:
        yield
    finally:
        use_network_store(None)
