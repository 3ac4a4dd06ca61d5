"""Accident black-spot screening (事故多发路段筛查): one definition for the window and the CLI.

:class:`ScreeningRequest` holds every parameter of the sliding-window screening with its
defaults (those of :mod:`gisdesk.analysis.blackspots.screening`: 500 m windows moved 100 m,
weights fatal 10 / injury 3 / property 1, the Poisson threshold at 1%, good and fair
matches), the period of the records and the years per-year figures are scaled by.
:func:`run` keeps the records of the period, screens them and returns the ranked
candidates labelled for users, a per-road summary, the flagged windows, the matched
accidents, the problems found in the records and (on request) the network density.

The parameters of a project's last screening are kept in its settings
(:func:`last_screening`, :func:`remember_screening`, over the ``blackspots`` entry that
:mod:`gisdesk.analysis.blackspots.listing` owns).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from gisdesk.analysis.blackspots.listing import (
    SEGMENTS,
    listed_overlaps,
    screening_settings,
    store_screening_settings,
)
from gisdesk.analysis.blackspots.referencing import MATCH_QUALITIES
from gisdesk.analysis.blackspots.screening import (
    DEFAULT_ALPHA,
    DEFAULT_QUALITIES,
    DEFAULT_STEP_M,
    DEFAULT_WINDOW_M,
    ScreeningResult,
    SeverityWeights,
)
from gisdesk.core.errors import InputError
from gisdesk.core.style import LabelSpec, LayerStyle, StyleClass, Symbol
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
    import geopandas as gpd
    import pandas as pd

    from gisdesk.core.project import Project

__all__ = [
    "CANDIDATES_LAYER",
    "CANDIDATE_FIELDS",
    "DEFAULT_QUALITIES",
    "KIND",
    "QUALITY_LABELS",
    "SEGMENTS",
    "ScreeningRequest",
    "ScreeningResult",
    "last_screening",
    "remember_screening",
    "road_summary",
    "run",
]

KIND = "blackspot_screening"
CANDIDATES_LAYER = "blackspot_candidates"
"""Name of the candidates' layer in a project (a re-run replaces it)."""
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")
"""An accidents argument naming a file with one of these is read as a police table."""
_LAYERS = ("accidents", "roads", "towns")

QUALITY_LABELS = (
    ("good", "良好", "good"),
    ("fair", "尚可", "fair"),
    ("ambiguous", "不确定", "ambiguous"),
    ("unmatched", "未匹配", "unmatched"),
)
"""Chinese and English names of the match qualities."""

CANDIDATE_FIELDS = (
    FieldInfo("rank", "排名", "Rank"),
    FieldInfo("candidate_id", "候选编号", "Candidate"),
    FieldInfo("road", "道路", "Road"),
    FieldInfo("from_km", "起点桩号", "From stake", "千米"),
    FieldInfo("to_km", "终点桩号", "To stake", "千米"),
    FieldInfo("count", "事故数", "Accidents"),
    FieldInfo("deaths", "死亡", "Deaths", "人"),
    FieldInfo("injuries", "受伤", "Injuries", "人"),
    FieldInfo("fatal", "死亡事故数", "Fatal accidents"),
    FieldInfo("injury_accidents", "受伤事故数", "Injury accidents"),
    FieldInfo("equivalent", "当量事故数", "Equivalent accidents"),
    FieldInfo("length_km", "长度", "Length", "千米"),
    FieldInfo("per_year", "年均事故数", "Accidents per year"),
    FieldInfo("exposure", "交通量（辆/日）", "Traffic (vehicles/day)"),
    FieldInfo("rate_per_mvkm", "事故率（起/百万车公里）", "Rate (per million vehicle-km)"),
    FieldInfo("town", "镇（街道）", "Town"),
    FieldInfo("rank_town", "镇内排名", "Rank in town"),
    FieldInfo("name", "路段", "Segment"),
    FieldInfo("listed", "已挂牌", "Listed as"),
    FieldInfo("is_listed", "是否已挂牌", "Already listed"),
    FieldInfo("flagged", "超过阈值", "Over the threshold"),
    FieldInfo("match_quality", "匹配质量", "Match quality", codes=QUALITY_LABELS),
    FieldInfo("match_distance_m", "匹配距离", "Match distance", "米"),
    FieldInfo("match_road", "匹配道路", "Matched road"),
    FieldInfo("match_road_id", "匹配路段编号", "Matched road piece"),
    FieldInfo("measure_km", "匹配桩号", "Matched stake", "千米"),
    FieldInfo("located_by", "定位方式", "Located by"),
    FieldInfo("row", "行号", "Row"),
    FieldInfo("field", "字段", "Field"),
    FieldInfo("value", "值", "Value"),
    FieldInfo("issue_zh", "问题", "Problem (Chinese)"),
    FieldInfo("issue_en", "问题（英文）", "Problem"),
    FieldInfo("edge", "路网边序号", "Network edge"),
    FieldInfo("length_m", "长度", "Length", "米"),
    FieldInfo("mass", "事故数（核加权）", "Accidents (kernel-weighted)"),
    FieldInfo("density_per_km", "事故密度（起/千米）", "Accidents per km of road"),
)
"""Labels of the columns of the screening's layers (candidates, windows, accidents, issues)."""


@dataclass(frozen=True)
class ScreeningRequest(Recorded):
    """The sliding-window screening: which layers, which records, which parameters.

    ``accidents`` names a layer, or (command line) a CSV / Excel file of police records whose
    lon/lat are in ``system``. ``min_count`` None takes the Poisson critical count at
    ``alpha``. ``date_from`` / ``date_to`` (ISO dates, both included) keep the records of a
    period; ``years`` scales the per-year counts and rates (None: the period's length when
    both dates are given, else the records' own span). ``density`` adds the network kernel
    density, ``raster_cell_m`` its raster too.
    """

    kind: ClassVar[str] = KIND
    layer_fields: ClassVar[tuple[str, ...]] = _LAYERS
    accidents: str = "accidents"
    roads: str = "roads"
    towns: str | None = "towns"
    window_m: float = DEFAULT_WINDOW_M
    step_m: float = DEFAULT_STEP_M
    weights: tuple[float, float, float] = SeverityWeights().as_tuple()
    min_count: int | None = None
    alpha: float = DEFAULT_ALPHA
    min_equivalent: float = 0.0
    qualities: tuple[str, ...] = DEFAULT_QUALITIES
    date_from: str | None = None
    date_to: str | None = None
    years: float | None = None
    exposure_field: str | None = None
    system: str = "WGS84"
    density: bool = False
    raster_cell_m: float | None = None

    def validate(self) -> None:
        """Raise an :class:`InputError` (Chinese and English) for a bad parameter."""
        from gisdesk.analysis.blackspots.screening import check_screening_parameters

        if not self.accidents or not self.roads:
            raise InputError("请选择事故图层和道路图层。", "Choose the accident and road layers.")
        check_screening_parameters(
            window_m=self.window_m,
            step_m=self.step_m,
            alpha=self.alpha,
            min_count=self.min_count,
            min_equivalent=self.min_equivalent,
            weights=SeverityWeights(*self.weights),
            years=self.years,
        )
        unknown = [q for q in self.qualities if q not in MATCH_QUALITIES]
        if not self.qualities or unknown:
            raise InputError(
                f"匹配质量应取自 {'、'.join(MATCH_QUALITIES)}，至少一项。",
                f"Match qualities must be among {', '.join(MATCH_QUALITIES)}, at least one.",
            )
        start, end = _day(self.date_from, "起始"), _day(self.date_to, "截止")
        if start is not None and end is not None and start > end:
            raise InputError(
                f"期间的起点 {start} 晚于终点 {end}。",
                f"The period starts ({start}) after it ends ({end}).",
            )
        if self.raster_cell_m is not None:
            from gisdesk.analysis.blackspots.density import check_raster_cell

            check_raster_cell(self.raster_cell_m)

    def sources(self) -> list[str]:
        """Return the layers the screening reads (accidents, roads, towns)."""
        return [n for n in (self.accidents, self.roads, self.towns) if n]

    def settings_record(self) -> dict[str, Any]:
        """Return the request as the project settings keep it (one flat mapping)."""
        record = self.to_record()
        return {**record["layers"], **record["options"]}


def _day(text: str | None, end_zh: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise InputError(
            f"期间的{end_zh}日期“{text}”不是 年-月-日（如 2022-01-31）。",
            f"The period's date '{text}' is not year-month-day (e.g. 2022-01-31).",
        ) from None


def last_screening(project: Project) -> ScreeningRequest | None:
    """Return the screening last run on a project (None if none, or if its entry is damaged)."""
    stored = screening_settings(project)
    if stored is None:
        return None
    try:
        return ScreeningRequest.from_record(stored)
    except InputError:  # a value not of its type (a hand-edited project file)
        return None


def remember_screening(project: Project, request: ScreeningRequest) -> None:
    """Keep a screening's parameters in the project settings (saved with the project)."""
    store_screening_settings(project, request.settings_record())


def _accidents(
    source: LayerSource, request: ScreeningRequest
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return the accident records and the problems found reading them (a table's rows)."""
    import pandas as pd

    path = Path(request.accidents)
    if path.suffix.lower() in TABLE_SUFFIXES and path.is_file():
        from gisdesk.io.accidents import read_accidents

        imported = read_accidents(path, system=request.system)
        return imported.accidents, imported.issues
    return source.get(request.accidents), pd.DataFrame()


def road_summary(candidates: pd.DataFrame) -> SummaryTable:
    """Return the candidates per road: how many, their accidents, deaths, injuries, best rank."""
    columns = (
        Column("road", "道路", "Road"),
        Column("candidates", "候选路段数", "Candidates", "count"),
        Column("count", "事故数", "Accidents", "count"),
        Column("deaths", "死亡人数", "Deaths", "count"),
        Column("injuries", "受伤人数", "Injuries", "count"),
        Column("equivalent", "当量事故数", "Equivalent accidents", "number"),
        Column("best_rank", "最高排名", "Best rank", "count"),
    )
    rows = []
    if len(candidates):
        grouped = candidates.groupby("road", sort=False)
        table = grouped.agg(
            candidates=("rank", "size"),
            count=("count", "sum"),
            deaths=("deaths", "sum"),
            injuries=("injuries", "sum"),
            equivalent=("equivalent", "sum"),
            best_rank=("rank", "min"),
        ).sort_values("best_rank")
        rows = [
            {"road": str(road), **{str(k): v for k, v in row.items()}}
            for road, row in table.to_dict("index").items()
        ]
    return SummaryTable(columns, tuple(rows))


def _candidate_style() -> LayerStyle:
    symbol = Symbol(fill=None, stroke="#e31a1c", stroke_width=2.2)
    listed_symbol = Symbol(fill=None, stroke="#969696", stroke_width=1.6, dash="dash")
    return LayerStyle(
        "categorized",
        (
            StyleClass(symbol, "候选路段", "Candidate", value=False),
            StyleClass(listed_symbol, "已挂牌", "Already listed", value=True),
        ),
        field="is_listed",
        label=LabelSpec(field="candidate_id", size=8, colour="#b10026", bold=True),
    )


def _notes(
    request: ScreeningRequest,
    found: ScreeningResult,
    issues: pd.DataFrame,
    left_out: int,
) -> tuple[Note, ...]:
    n = len(found.candidates)
    notes = [
        Note(
            f"窗口 {request.window_m:g} 米、步长 {request.step_m:g} 米；参与筛查事故 "
            f"{found.screened} 起；窗口阈值 {found.min_count} 起（均匀分布期望 "
            f"{found.expected_per_window:.2f} 起）；候选路段 {n} 处。",
            f"Window {request.window_m:g} m, step {request.step_m:g} m; {found.screened} "
            f"accidents screened; threshold {found.min_count} per window (even spread "
            f"{found.expected_per_window:.2f}); {n} candidate segments.",
        )
    ]
    years = float(found.settings.get("years", 1.0))  # type: ignore[arg-type]
    if request.date_from or request.date_to:
        start, end = request.date_from or "…", request.date_to or "…"
        notes.append(
            Note(
                f"只用 {start} 至 {end} 的事故（期间外 {left_out} 起未参与）；"
                f"年均事故数按 {years:.2f} 年计。",
                f"Only accidents from {start} to {end} ({left_out} outside the period left "
                f"out); per-year figures over {years:.2f} years.",
            )
        )
    else:
        notes.append(
            Note(f"年均事故数按 {years:.2f} 年计。", f"Per-year figures over {years:.2f} years.")
        )
    quality = found.accidents["match_quality"].value_counts().to_dict()
    names = {key: (zh, en) for key, zh, en in QUALITY_LABELS}
    shown = [(names.get(k, (k, k)), int(v)) for k, v in quality.items()]
    notes.append(
        Note(
            "匹配质量：" + "，".join(f"{zh} {v}" for (zh, _en), v in shown),
            "Match quality: " + ", ".join(f"{en} {v}" for (_zh, en), v in shown),
        )
    )
    if len(issues):
        notes.append(
            Note(f"有问题的记录 {len(issues)} 条。", f"{len(issues)} records have problems.")
        )
    return tuple(notes)


@task
def run(job: Job[LayerSource], request: ScreeningRequest) -> Result:
    """Screen the accidents of the request's period; return the ranked candidates and more."""
    import geopandas as gpd
    import pandas as pd

    from gisdesk.analysis.blackspots.screening import accidents_in_period, screen_accidents

    accidents, read_issues = _accidents(job.source, request)
    roads = job.source.get(request.roads)
    names = job.source.names()
    towns = job.source.get(request.towns) if request.towns and request.towns in names else None
    kept, period_years = accidents_in_period(accidents, request.date_from, request.date_to)
    found = screen_accidents(
        kept,
        roads,
        window_m=request.window_m,
        step_m=request.step_m,
        weights=SeverityWeights(*request.weights),
        min_count=request.min_count,
        min_equivalent=request.min_equivalent,
        alpha=request.alpha,
        qualities=request.qualities,
        towns=towns,
        exposure_field=request.exposure_field,
        years=request.years if request.years is not None else period_years,
        **job.hooks,
    )
    frames = [f for f in (read_issues, found.issues) if len(f)]
    issues = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    cand = found.candidates.copy()
    segments = job.source.get(SEGMENTS) if SEGMENTS in names else None
    cand["listed"] = listed_overlaps(cand, segments)
    cand["is_listed"] = [bool(x) for x in cand["listed"]]
    candidates = gpd.GeoDataFrame(cand, geometry=cand.geometry.name, crs=cand.crs)
    located = found.accidents[[c for c in found.accidents.columns if c != "valid"]]
    labels = {**job.source.fields(request.accidents), **{f.name: f for f in CANDIDATE_FIELDS}}
    layers = [
        ResultLayer(
            CANDIDATES_LAYER,
            "candidates",
            "事故多发路段候选",
            "Black-spot candidates",
            candidates,
            field_infos(candidates, CANDIDATE_FIELDS),
            _candidate_style(),
        ),
        _table("windows", "超过阈值的窗口", "Windows over the threshold", found.windows),
        ResultLayer(
            "blackspot_accidents",
            "accidents_matched",
            "参与匹配的事故",
            "Matched accidents",
            located,
            field_infos(located, (), labels),
            shown=False,
        ),
    ]
    if len(issues):
        layers.append(_table("issues", "记录问题", "Record problems", issues))
    extras: dict[str, Any] = {"screening": found}
    if request.density or request.raster_cell_m is not None:
        layers.append(_density(found.accidents, roads, request, extras))
    unplaced = bool((found.accidents["match_quality"] == "unmatched").any())
    invalid = "valid" in found.accidents and not found.accidents["valid"].all()
    return Result.of(
        request,
        job.source,
        (name for name in request.sources() if name in names),
        title_zh="事故多发路段筛查",
        title_en="Black-spot screening",
        layers=layers,
        summary=road_summary(candidates),
        district=(
            Figure("screened", "参与筛查事故", "Accidents screened", found.screened),
            Figure("threshold", "窗口阈值", "Threshold per window", found.min_count),
            Figure("candidates", "候选路段", "Candidate segments", len(candidates)),
        ),
        notes=_notes(request, found, issues, len(accidents) - len(kept)),
        details={
            "analysis": KIND,
            "window_m": request.window_m,
            "step_m": request.step_m,
            "min_count": found.min_count,
            "expected_per_window": found.expected_per_window,
            "years": found.settings.get("years"),
            "screened": found.screened,
            "candidates": len(candidates),
            "issues": len(issues),
        },
        ok=not (unplaced or bool(invalid)),
        extras=extras,
    )


def _table(file_name: str, zh: str, en: str, frame: pd.DataFrame) -> ResultLayer:
    """Return a table of the result (kept in the output file, not shown as a map layer)."""
    if file_name == "windows":
        frame = frame[frame["flagged"]]
    if "value" in frame.columns:
        frame = frame.astype({"value": "string"})
    return ResultLayer(
        f"blackspot_{file_name}",
        file_name,
        zh,
        en,
        frame,
        field_infos(frame, CANDIDATE_FIELDS),
        shown=False,
    )


def _density(
    accidents: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    request: ScreeningRequest,
    extras: dict[str, Any],
) -> ResultLayer:
    """Return the network kernel density (and put its raster into ``extras`` if asked)."""
    from gisdesk.analysis.blackspots.density import density_raster, network_density

    lixels = network_density(accidents, roads)
    if request.raster_cell_m is not None:
        extras["density_raster"] = density_raster(lixels, cell_m=request.raster_cell_m)
    return ResultLayer(
        "blackspot_density",
        "density",
        "事故网络核密度",
        "Accident network density",
        lixels,
        field_infos(lixels, CANDIDATE_FIELDS),
        shown=False,
    )
