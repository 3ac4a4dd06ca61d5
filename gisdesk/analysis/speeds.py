"""Travel speeds by mode and road class: the editable default table.

====== ======== ===== ===== ===== ===== ===== ====== ===================================
mode   高速公路 国道  省道  县道  乡道  村道  慢行道 notes
====== ======== ===== ===== ===== ===== ===== ====== ===================================
walk   closed   5     5     5     5     5     5      ignores one-way (pedestrians walk both
                                                     ways)
bike   closed   15    15    15    15    15    15     capped by the road's ``speed_kmh``
ebike  closed   20    20    20    20    20    20     capped by the road's ``speed_kmh``
car    100      80    70    60    40    30    closed the road's ``speed_kmh`` wins where given
====== ======== ===== ===== ===== ===== ===== ====== ===================================

A road of an unknown or missing class travels at the mode's ``default_kmh`` (村道 speed).
Expressways (高速公路) are closed to people on foot, bicycles and e-bikes, as Chinese
traffic law has it (``ModeSpeeds.closed``): those modes neither travel on them nor reach
them from a point beside them. 慢行道 (slow-traffic ways: footways, cycleways, paths, steps
and pedestrian streets, as OpenStreetMap imports give them, :data:`gisdesk.analysis.osm.FOOT_WAYS`)
are closed to cars; on them a bicycle or e-bike goes no faster than the way's own
``speed_kmh`` (an OSM import sets 5 km/h on footways and steps, 15 on cycleways).
Copy a :class:`ModeSpeeds` with :func:`dataclasses.replace` to change a value, or pass
``speed_kmh=`` to :func:`mode_speeds` for one speed on every road (e.g. a survey's figure).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from gisdesk.analysis._checks import check_positive
from gisdesk.core.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "DEFAULT_MINUTES",
    "DEFAULT_MODE",
    "DEFAULT_SPEEDS",
    "MAX_MINUTES",
    "MAX_SNAP_M",
    "MAX_WALK_KMH",
    "MODES",
    "NO_CARS",
    "NO_PEDESTRIANS",
    "ROAD_CLASSES",
    "SLOW_WAYS",
    "WALK_KMH",
    "ModeSpeeds",
    "check_travel_params",
    "edge_open",
    "edge_speeds",
    "mode_speeds",
]

DEFAULT_MINUTES = 15.0
"""The time limit of the medical-insurance service circle (海政办发〔2022〕30号)."""
DEFAULT_MODE = "ebike"
"""The plan names no travel mode; the e-bike is how villagers mostly get about."""
MAX_MINUTES = 240.0
"""Longest time limit accepted (4 hours): a service circle of a county, not of a journey."""
DEFAULT_MAX_SNAP_M = 500.0
"""How far a point may lie from the road network and still reach it (the access leg)."""
MAX_SNAP_M = 10_000.0
"""Longest access distance accepted between a point and the road network."""
MAX_WALK_KMH = 20.0
WALK_KMH = 5.0
"""Walking speed for the access leg between a point and the road network."""

ROAD_CLASSES = ("高速公路", "国道", "省道", "县道", "乡道", "村道", "慢行道")
SLOW_WAYS = "慢行道"
"""The class of ways for people on foot and on bicycles only (OSM footways, cycleways ...)."""


@dataclass(frozen=True)
class ModeSpeeds:
    """How fast one mode travels on each road class, and which road rules bind it.

    Attributes
    ----------
    mode
        Name of the mode ("walk", "bike", "ebike", "car").
    by_class
        km/h per road class (高速公路, 国道 ... 村道).
    default_kmh
        km/h on a road whose class is missing or not in ``by_class``.
    road_speed
        How the road's own ``speed_kmh`` acts: "wins" replaces the class speed (car),
        "caps" limits it (bikes), "ignored" leaves it out (walking).
    oneway
        Whether one-way roads bind the mode (only the digitised direction is open).
    closed
        Road classes the mode may not use (高速公路 for walking and cycling).
    """

    mode: str
    by_class: Mapping[str, float]
    default_kmh: float
    road_speed: str = "caps"
    oneway: bool = True
    closed: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        speeds = [self.default_kmh, *self.by_class.values()]
        if not all(np.isfinite(v) and v > 0 for v in speeds):
            raise InputError(
                f"出行方式“{self.mode}”的速度必须为正数。",
                f"Speeds of mode '{self.mode}' must be positive numbers.",
            )
        if self.road_speed not in {"wins", "caps", "ignored"}:
            raise InputError(
                f"road_speed 只能是 wins、caps 或 ignored，而不是“{self.road_speed}”。",
                f"road_speed must be 'wins', 'caps' or 'ignored', not '{self.road_speed}'.",
            )


NO_PEDESTRIANS = frozenset({"高速公路"})
"""Classes closed to walking, bicycles and e-bikes."""
NO_CARS = frozenset({SLOW_WAYS})
"""Classes closed to cars."""

MAX_SPEED_KMH = 150.0
"""Fastest speed accepted for a mode: above any road speed limit in China (120 km/h)."""


def _uniform(kmh: float) -> Mapping[str, float]:
    return MappingProxyType(dict.fromkeys(ROAD_CLASSES, kmh))


DEFAULT_SPEEDS: Mapping[str, ModeSpeeds] = MappingProxyType(
    {
        "walk": ModeSpeeds(
            "walk",
            _uniform(WALK_KMH),
            WALK_KMH,
            road_speed="ignored",
            oneway=False,
            closed=NO_PEDESTRIANS,
        ),
        "bike": ModeSpeeds("bike", _uniform(15.0), 15.0, closed=NO_PEDESTRIANS),
        "ebike": ModeSpeeds("ebike", _uniform(20.0), 20.0, closed=NO_PEDESTRIANS),
        "car": ModeSpeeds(
            "car",
            MappingProxyType(
                {
                    "高速公路": 100.0,
                    "国道": 80.0,
                    "省道": 70.0,
                    "县道": 60.0,
                    "乡道": 40.0,
                    "村道": 30.0,
                }
            ),
            30.0,
            road_speed="wins",
            closed=NO_CARS,
        ),
    }
)
"""The default speed table (see the module docstring)."""

MODES = tuple(DEFAULT_SPEEDS)


def mode_speeds(
    mode: str | ModeSpeeds,
    *,
    speed_kmh: float | None = None,
    table: Mapping[str, ModeSpeeds] | None = None,
) -> ModeSpeeds:
    """Return the speeds of a mode, optionally with one speed on every road class.

    Parameters
    ----------
    mode
        A mode name from the table, or a ready :class:`ModeSpeeds`.
    speed_kmh
        Use this speed on every class (the road's own speed then only caps it, for a car too).
    table
        The table to look the mode up in (default :data:`DEFAULT_SPEEDS`).
    """
    if isinstance(mode, ModeSpeeds):
        spec = mode
    else:
        lookup = DEFAULT_SPEEDS if table is None else table
        if mode not in lookup:
            names = ", ".join(lookup)
            raise InputError(
                f"未知的出行方式“{mode}”。可选：{names}。",
                f"Unknown travel mode '{mode}'. Choose one of: {names}.",
            )
        spec = lookup[mode]
    if speed_kmh is None:
        return spec
    speed_kmh = check_positive(
        speed_kmh, ("统一车速", "The speed"), MAX_SPEED_KMH, ("千米/小时", "km/h")
    )
    road_speed = "caps" if spec.road_speed == "wins" else spec.road_speed
    return ModeSpeeds(
        spec.mode,
        _uniform(float(speed_kmh)),
        float(speed_kmh),
        road_speed,
        spec.oneway,
        spec.closed,
    )


def edge_speeds(spec: ModeSpeeds, road_class: np.ndarray, road_speed_kmh: np.ndarray) -> np.ndarray:
    """Return km/h per edge for a mode, from the road class and the road's own speed (NaN = none).

    Parameters
    ----------
    spec
        The mode's speeds.
    road_class
        Class name per edge (object array; None or unknown -> ``spec.default_kmh``).
    road_speed_kmh
        The road's ``speed_kmh`` per edge, NaN where the road gives none.
    """
    classes = np.asarray(road_class, dtype=object)
    speed = np.full(classes.shape, spec.default_kmh, dtype=np.float64)
    for name, kmh in spec.by_class.items():
        speed[classes == name] = kmh
    own = np.asarray(road_speed_kmh, dtype=np.float64)
    given = np.isfinite(own) & (own > 0)
    if spec.road_speed == "wins":
        speed = np.where(given, own, speed)
    elif spec.road_speed == "caps":
        speed = np.where(given, np.minimum(speed, own), speed)
    return speed


def edge_open(spec: ModeSpeeds, road_class: np.ndarray) -> np.ndarray:
    """Return per edge whether the mode may use it (its class is not closed to the mode)."""
    classes = np.asarray(road_class, dtype=object)
    closed = np.zeros(classes.shape, dtype=bool)
    for name in spec.closed:
        closed |= classes == name
    return ~closed


def check_travel_params(*, minutes: float, max_snap_m: float, walk_kmh: float) -> float:
    """Check the time limit, access distance and walking speed; return the time limit.

    The same check (and message) for the window, the command line and the tasks' validate().
    """
    minutes = check_positive(
        minutes, ("时间限值", "The time limit"), MAX_MINUTES, ("分钟", "minutes")
    )
    check_positive(
        max_snap_m, ("最大接入距离", "The maximum access distance"), MAX_SNAP_M, ("米", "m")
    )
    check_positive(walk_kmh, ("步行速度", "The walking speed"), MAX_WALK_KMH, ("千米/小时", "km/h"))
    return minutes
