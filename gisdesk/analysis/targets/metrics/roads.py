"""Metrics of accidents and listed segments (海政办发〔2022〕25号, ROAD-1..5, ROAD-9)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from gisdesk.analysis.targets.metrics._common import (
    DISTRICT_ZH,
    as_day,
    count_by_town,
    days,
    days_between,
    feature_labels,
    flags,
    gaps_of,
    in_window,
    near_pairs,
    numbers,
    pct,
    period_window,
    same_day_year_before,
    text,
    town_of,
)
from gisdesk.analysis.targets.metrics._registry import metric
from gisdesk.analysis.targets.result import (
    UNIT_DISTRICT,
    UNIT_SEGMENT,
    Gap,
    MetricResult,
    MissingInput,
    UnitValue,
)
from gisdesk.core.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "LOOP_STEPS",
    "closed_loop_progress",
    "listed_items_per_town",
    "listed_on",
    "listed_segments_yoy",
    "road_deaths",
    "segment_stages",
    "water_adjacent_measures",
]

LOOP_STEPS: tuple[str, ...] = ("排查", "会商", "整改", "验收", "销号")
"""The closed loop every listed item follows (survey, review, rectify, accept, close)."""
_LOOP_EN = ("survey", "joint review", "rectify", "acceptance", "closed")
_STEP_DATES = ("listed_date", "reviewed_date", "rectified_date", "accepted_date", "closed_date")


def listed_on(segments: gpd.GeoDataFrame, as_of: date) -> np.ndarray:
    """Return which segments were listed on ``as_of`` (no listing date: listed)."""
    listed = days(segments, "listed_date")
    return np.asarray(np.isnat(listed) | (listed <= as_day(as_of)))


@metric(
    "listed_segments_yoy",
    needs={"accident_segments": (), "accidents": ("date",)},
    title_zh="挂牌路段事故同比变化",
    title_en="Year-on-year change of accidents on listed segments",
)
def listed_segments_yoy(
    accident_segments: gpd.GeoDataFrame,
    accidents: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
    measure: str = "general",
    radius_m: float = 50.0,
    procedures: Sequence[str] = ("一般程序",),
) -> MetricResult:
    """Return the year-on-year change (%) of accidents on each listed segment.

    ROAD-1 (``measure="general"``: accidents handled by the general procedure) and ROAD-2
    (``measure="fatal"``: accidents with deaths). An accident belongs to a segment when it
    lies within ``radius_m`` of it. This year runs from 1 January to ``as_of`` (or the
    deadline, once passed) and is compared with the same days of the year before, so a
    mid-year evaluation compares like with like. The district row counts each accident once.
    No accident in either year meets the target; some this year after none is a rise.
    """
    if measure == "general":
        if "procedure" not in accidents.columns:
            return MetricResult.no_data(MissingInput("accidents", "procedure"))
        relevant = np.isin(text(accidents, "procedure"), list(procedures))
        what_zh, what_en = "一般程序以上事故", "general-procedure accidents"
    elif measure == "fatal":
        if "deaths" not in accidents.columns:
            return MetricResult.no_data(MissingInput("accidents", "deaths"))
        relevant = numbers(accidents, "deaths") > 0
        what_zh, what_en = "亡人事故", "fatal accidents"
    else:
        raise InputError(
            f"measure 应为 general 或 fatal，而不是“{measure}”。",
            f"measure must be 'general' or 'fatal', not '{measure}'.",
        )
    start, end = period_window(as_of, deadline)
    before = (date(start.year - 1, 1, 1), same_day_year_before(end))
    when = days(accidents, "date")
    this = relevant & in_window(when, start, end)
    last = relevant & in_window(when, *before)
    seg, acc, _ = near_pairs(
        accident_segments, accidents, radius_m, a_name="accident_segments", b_name="accidents"
    )
    listed = listed_on(accident_segments, end)
    names, ids, towns = feature_labels(accident_segments, "segment_id")
    window = f"{start:%Y-%m-%d}至{end:%m-%d}"
    year, year_before = start.year, before[0].year

    def unit(
        unit_type: str,
        name: str,
        rows: np.ndarray,
        segment: Sequence[int] = (),
        town: str = "",
        unit_id: str = "",
    ) -> UnitValue:
        now, then = rows[this[rows]], rows[last[rows]]
        n_now, n_before = len(now), len(then)
        note_zh = f"{window} {n_now} 起，{year_before}年同期 {n_before} 起（{what_zh}）"
        note_en = f"{n_now} {what_en} in {year} vs {n_before} a year before, same days"
        value = pct(n_now - n_before, n_before)
        ok: bool | None = None  # judged against the threshold
        if n_before == 0:  # none in either year meets the target; a rise from none has no %
            ok = n_now == 0
            value = 0.0 if ok else float("nan")
            note_zh += "，两年均无" if ok else "，去年同期为 0，无法计算降幅"
        return UnitValue(
            unit_type,
            name,
            value=value,
            numerator=n_now,
            denominator=n_before,
            ok=ok,
            note_zh=note_zh,
            note_en=note_en,
            town=town,
            unit_id=unit_id,
            gaps=(
                *gaps_of("accident_segments", segment, "挂牌路段", "listed segment"),
                *gaps_of("accidents", np.sort(now), f"{year}年{what_zh}", f"{what_en} in {year}"),
            ),
        )

    units = [
        unit(UNIT_SEGMENT, str(names[k]), acc[seg == k], [int(k)], str(towns[k]), str(ids[k]))
        for k in np.flatnonzero(listed)
    ]
    if listed.any():  # each accident once, also where segments overlap
        units.append(
            unit(UNIT_DISTRICT, DISTRICT_ZH, np.unique(acc[np.isin(seg, np.flatnonzero(listed))]))
        )
    return MetricResult(units)


@metric(
    "road_deaths",
    needs={"accidents": ("date", "deaths")},
    title_zh="全年道路交通事故死亡人数",
    title_en="Road deaths in the year",
)
def road_deaths(
    accidents: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
) -> MetricResult:
    """Return the road deaths from 1 January to ``as_of`` (ROAD-3), with the full-year pace.

    ``projected`` scales the count to the whole year, so a mid-year evaluation can tell
    whether the year is heading below the limit.
    """
    start, end = period_window(as_of, deadline)
    when = days(accidents, "date")
    deaths = numbers(accidents, "deaths")
    here = in_window(when, start, end) & (deaths > 0)
    total = float(np.nansum(deaths[here]))
    elapsed = days_between(start, end) + 1
    year_days = days_between(start, date(start.year + 1, 1, 1))
    projected = total * year_days / elapsed
    return MetricResult(
        [
            UnitValue(
                UNIT_DISTRICT,
                DISTRICT_ZH,
                value=total,
                projected=projected,
                note_zh=f"{start.year}年截至{end:%m-%d}死亡 {total:.0f} 人"
                + (f"，按此进度全年约 {projected:.0f} 人" if elapsed < year_days else ""),
                note_en=f"{total:.0f} deaths from 1 January to {end:%m-%d}"
                + (f", about {projected:.0f} at this pace" if elapsed < year_days else ""),
                gaps=gaps_of("accidents", here, "亡人事故", "fatal accident"),
            )
        ]
    )


@metric(
    "listed_items_per_town",
    needs={"accident_segments": ("town", "listed_date")},
    optional={"towns": ("name",)},
    district="share_of_units",
    title_zh="各镇年度挂牌整治重点隐患数",
    title_en="Key hazards listed per town in the year",
)
def listed_items_per_town(
    accident_segments: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
    *,
    as_of: date,
    deadline: date | None = None,
) -> MetricResult:
    """Return the number of items each town listed for rectification this year (ROAD-4)."""
    start, end = period_window(as_of, deadline)
    units = count_by_town(
        town_of(accident_segments, towns),
        in_window(days(accident_segments, "listed_date"), start, end),
        towns,
        note=lambda n: (f"{start.year}年挂牌 {n} 处", f"{n} listed in {start.year}"),
        none=("本年未挂牌隐患", "nothing listed this year"),
        listed=("accident_segments", "本年挂牌隐患", "listed this year"),
    )
    return MetricResult(units)


def _step(stage: int) -> tuple[str, str]:
    """Return the last loop step a stage (0-5) has done, in Chinese and English."""
    return (LOOP_STEPS[stage - 1], _LOOP_EN[stage - 1]) if stage else ("未开始", "not started")


def segment_stages(segments: gpd.GeoDataFrame, *, as_of: date) -> tuple[np.ndarray, list[str]]:
    """Return each segment's closed-loop stage on ``as_of`` (0-5) and its record problems.

    The stage is the number of loop steps (排查, 会商, 整改, 验收, 销号) done by ``as_of``,
    from the step dates; when the status names a step whose date is missing, the status is
    believed (and the missing date is a problem). Dates out of order, or a status outside
    the loop, are problems too.
    """
    status = text(segments, "status")
    dates = np.column_stack([days(segments, c) for c in _STEP_DATES])
    day = as_day(as_of)
    stages = np.zeros(len(segments), dtype=np.int64)
    problems: list[str] = []
    for k in range(len(segments)):
        issues: list[str] = []
        claimed = LOOP_STEPS.index(status[k]) + 1 if status[k] in LOOP_STEPS else 0
        if status[k] and not claimed:
            issues.append(f"状态“{status[k]}”不在闭环步骤中")
        row = dates[k]
        known = ~np.isnat(row)
        missing = [LOOP_STEPS[s] for s in range(claimed) if not known[s]]
        if missing:
            issues.append(f"缺少{'、'.join(missing)}日期")
        if claimed and known[claimed:].any():
            issues.append("状态与日期不符（后续步骤已有日期）")
        stamped = row[known]
        if len(stamped) > 1 and bool(np.any(np.diff(stamped.astype(np.int64)) < 0)):
            issues.append("步骤日期顺序颠倒")
        done = 0
        for s in range(len(LOOP_STEPS)):
            reached = (known[s] and row[s] <= day) or (not known[s] and s < claimed)
            if not reached:
                break
            done = s + 1
        stages[k] = min(done, claimed) if claimed else done
        problems.append("；".join(issues))
    return stages, problems


@metric(
    "closed_loop_progress",
    needs={"accident_segments": ("status",)},
    district="share_of_units",
    title_zh="挂牌隐患闭环整改进度",
    title_en="Closed-loop progress of listed items",
)
def closed_loop_progress(
    accident_segments: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
    stall_days: int = 60,
) -> MetricResult:
    """Return each listed item's progress through the closed loop, in % (100 = 销号, closed).

    ROAD-5. A record with missing or disordered step dates does not count as closed. Before
    the deadline an item is on track while its last step is at most ``stall_days`` old.
    Provincially listed items also need a site visit by the district leader, which no layer
    records (noted).
    """
    listed = listed_on(accident_segments, as_of)
    stages, problems = segment_stages(accident_segments, as_of=as_of)
    dates = np.column_stack([days(accident_segments, c) for c in _STEP_DATES])
    names, ids, towns = feature_labels(accident_segments, "segment_id")
    level = text(accident_segments, "listed_level")
    day = as_day(as_of)
    units = []
    for k in np.flatnonzero(listed):
        stage = int(stages[k])
        past = dates[k][~np.isnat(dates[k]) & (dates[k] <= day)]
        idle = int((day - past.max()).astype(np.int64)) if len(past) else None
        step, step_en = _step(stage)
        notes = [f"当前：{step}"]
        if problems[k]:
            notes.append(problems[k])
        if level[k] == "省级":
            notes.append("省级挂牌：须区分管领导现场踏勘（图层未记录）")
        units.append(
            UnitValue(
                UNIT_SEGMENT,
                str(names[k]),
                value=100.0 * stage / len(LOOP_STEPS),
                ok=False if problems[k] else None,
                on_track=stage == len(LOOP_STEPS) or (idle is not None and idle <= stall_days),
                note_zh="；".join(notes),
                note_en=f"at step: {step_en}"
                + (f"; last step {idle} days ago" if idle is not None else ""),
                town=str(towns[k]),
                unit_id=str(ids[k]),
                gaps=(Gap("accident_segments", (int(k),), f"停留在“{step}”", f"at {step}"),)
                if stage < len(LOOP_STEPS) or problems[k]
                else (),
            )
        )
    return MetricResult(units)


@metric(
    "water_adjacent_measures",
    needs={"accident_segments": ("water_adjacent", "status")},
    district="share_of_units",
    title_zh="临水挂牌路段“三必上”完成情况",
    title_en="Safety measures on water-adjacent listed segments",
)
def water_adjacent_measures(
    accident_segments: gpd.GeoDataFrame,
    *,
    as_of: date,
    deadline: date | None = None,
    done_step: str = "验收",
) -> MetricResult:
    """Return, per water-adjacent listed segment, 100 once its measures passed ``done_step``.

    ROAD-9. The "三必上" measures (guardrail, warning posts and signs) are taken as in place
    when the segment's rectification has reached ``done_step`` (验收, accepted) by ``as_of``.
    """
    if done_step not in LOOP_STEPS:
        raise InputError(
            f"done_step 应为 {'、'.join(LOOP_STEPS)} 之一。",
            f"done_step must be one of {', '.join(LOOP_STEPS)}.",
        )
    need = LOOP_STEPS.index(done_step) + 1
    water = flags(accident_segments, "water_adjacent") & listed_on(accident_segments, as_of)
    stages, _ = segment_stages(accident_segments, as_of=as_of)
    names, ids, towns = feature_labels(accident_segments, "segment_id")
    units = []
    for k in np.flatnonzero(water):
        stage = int(stages[k])
        done = stage >= need
        step, step_en = _step(stage)
        units.append(
            UnitValue(
                UNIT_SEGMENT,
                str(names[k]),
                value=100.0 if done else 0.0,
                note_zh=f"当前：{step}",
                note_en=f"at step: {step_en}",
                town=str(towns[k]),
                unit_id=str(ids[k]),
                gaps=()
                if done
                else (Gap("accident_segments", (int(k),), "临水防护未验收", "not yet accepted"),),
            )
        )
    if not units:
        units.append(
            UnitValue(
                UNIT_DISTRICT,
                DISTRICT_ZH,
                missing_zh="没有临水挂牌路段",
                missing_en="no water-adjacent listed segment",
            )
        )
    return MetricResult(units)
