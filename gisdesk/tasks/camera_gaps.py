"""Camera and checkpoint spacing on national and provincial roads (ROAD-6) as a task.

:class:`CameraGapsRequest` names the cameras and roads and the longest allowed gap (ROAD-6:
10 km, stated once as :data:`gisdesk.analysis.blackspots.cameras.DEFAULT_MAX_GAP_KM`);
:func:`run` measures the gaps between consecutive devices along each trunk road (per kind
and for both kinds together) and returns them as a labelled layer with a per-road summary.
A gap at a road's end (before the first device or after the last) is over the limit only
when ``include_ends`` says those stretches count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from gisdesk.analysis.blackspots.cameras import ALL_KINDS, DEFAULT_MAX_GAP_KM, KINDS, MAX_GAP_KM
from gisdesk.core.errors import InputError
from gisdesk.core.style import LayerStyle, StyleClass, Symbol
from gisdesk.tasks.base import (
    Column,
    FieldInfo,
    Figure,
    LayerSource,
    Note,
    Result,
    ResultLayer,
    SummaryTable,
    field_infos,
)
from gisdesk.tasks.job import Job, task
from gisdesk.tasks.records import Recorded

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GAPS_LAYER",
    "GAP_FIELDS",
    "KIND",
    "MAX_GAP_KM",
    "CameraGapsRequest",
    "gap_summary",
    "run",
]

KIND = "camera_gaps"
GAPS_LAYER = "camera_gaps"
"""Name of the gaps' layer in a project (a re-run replaces it)."""

KIND_LABELS = (
    (KINDS[0], "视频监控", "video"),
    (KINDS[1], "卡口", "checkpoint"),
    (ALL_KINDS, "全部设备", "combined"),
)
GAP_FIELDS = (
    FieldInfo("road", "道路", "Road"),
    FieldInfo("class", "道路等级", "Road class"),
    FieldInfo("kind", "设备类型", "Device kind", codes=KIND_LABELS),
    FieldInfo("from_km", "起点桩号", "From stake", "千米"),
    FieldInfo("to_km", "终点桩号", "To stake", "千米"),
    FieldInfo("gap_km", "间距", "Gap", "千米"),
    FieldInfo("at_end", "路段端头", "At a road end"),
    FieldInfo("exceeds", "超过上限", "Over the limit"),
    FieldInfo("over", "计为超限", "Counted over the limit"),
)
"""Labels of the gaps' columns."""


@dataclass(frozen=True)
class CameraGapsRequest(Recorded):
    """Which cameras and roads, the longest allowed gap, and whether road ends count."""

    kind: ClassVar[str] = KIND
    layer_fields: ClassVar[tuple[str, ...]] = ("cameras", "roads")
    cameras: str = "cameras"
    roads: str = "roads"
    max_gap_km: float = DEFAULT_MAX_GAP_KM
    include_ends: bool = False

    def validate(self) -> None:
        """Raise an InputError (Chinese and English) for a limit out of range."""
        from gisdesk.analysis.blackspots.cameras import check_max_gap

        if not self.cameras or not self.roads:
            raise InputError("请选择监控卡口图层和道路图层。", "Choose the camera and road layers.")
        check_max_gap(self.max_gap_km)

    def sources(self) -> list[str]:
        """Return the layers the check reads."""
        return [self.cameras, self.roads]


def gap_summary(gaps: pd.DataFrame) -> SummaryTable:
    """Return one row per road: its class, length, gaps over the limit and the longest gap.

    Counted on the combined gaps (every device kind together) and, per kind, the gaps
    counted over the limit.
    """
    columns = [
        Column("road", "道路", "Road"),
        Column("class", "道路等级", "Road class"),
        Column("length_km", "长度", "Length", "number", "千米"),
        Column("longest_km", "最长间距", "Longest gap", "number", "千米"),
    ]
    columns += [
        Column(f"over:{k}", f"超限（{zh}）", f"Over ({en})", "count") for k, zh, en in KIND_LABELS
    ]
    rows = []
    for road, part in gaps.groupby("road", sort=False):
        combined = part[part["kind"] == ALL_KINDS]
        row: dict[str, Any] = {
            "road": str(road),
            "class": str(part["class"].iloc[0]),
            "length_km": float(combined["gap_km"].sum()),
            "longest_km": float(combined["gap_km"].max()) if len(combined) else None,
        }
        for key, _zh, _en in KIND_LABELS:
            row[f"over:{key}"] = int(part.loc[part["kind"] == key, "over"].sum())
        rows.append(row)
    return SummaryTable(tuple(columns), tuple(rows))


def _style() -> LayerStyle:
    ok = Symbol(fill=None, stroke="#1a9850", stroke_width=1.0)
    over = Symbol(fill=None, stroke="#d73027", stroke_width=2.4)
    return LayerStyle(
        "categorized",
        (
            StyleClass(ok, "间距达标", "Within the limit", value=False),
            StyleClass(over, "超过上限", "Over the limit", value=True),
        ),
        field="over",
    )


@task
def run(job: Job[LayerSource], request: CameraGapsRequest) -> Result:
    """Measure the gaps between consecutive cameras along the trunk roads."""
    from gisdesk.analysis.blackspots.cameras import camera_gaps

    job.report(0.0, "读取监控与道路")
    cameras, roads = job.source.get(request.cameras), job.source.get(request.roads)
    job.check_cancel()
    gaps = camera_gaps(cameras, roads, max_gap_km=request.max_gap_km)
    gaps["over"] = gaps["exceeds"] & (request.include_ends | ~gaps["at_end"])
    job.report(1.0, "间距检查完成")
    over = gaps[gaps["over"]]
    limit = f"{request.max_gap_km:g}"
    ends_zh = "含" if request.include_ends else "不含"
    ends_en = "counted" if request.include_ends else "not counted"
    return Result.of(
        request,
        job.source,
        title_zh="国省道监控/卡口间距",
        title_en="Camera / checkpoint spacing",
        layers=[
            ResultLayer(
                GAPS_LAYER,
                "camera_gaps",
                f"监控卡口间距（上限 {limit} 千米）",
                f"Camera gaps (limit {limit} km)",
                gaps,
                field_infos(gaps, GAP_FIELDS),
                _style(),
            )
        ],
        summary=gap_summary(gaps),
        district=(
            Figure("roads", "检查道路", "Roads checked", gaps["road"].nunique()),
            Figure("over", "超限间距", "Gaps over the limit", len(over)),
        ),
        notes=(
            Note(
                f"国省道监控/卡口间距检查（上限 {limit} 千米，{ends_zh}路段端头）："
                f"超限 {len(over)} 处。",
                f"Camera / checkpoint spacing on national and provincial roads (limit {limit} "
                f"km, road ends {ends_en}): {len(over)} gaps over the limit.",
            ),
        ),
        details={
            "analysis": KIND,
            "max_gap_km": request.max_gap_km,
            "include_ends": request.include_ends,
            "over": len(over),
        },
        ok=len(over) == 0,
    )
