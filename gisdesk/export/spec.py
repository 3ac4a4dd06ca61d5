"""What a plate shows: template, titles, layers, extent or scale, and which items are drawn.

Plain data with no Qt, so the plate designer, the CLI and scripts build the same object and
hand it to :func:`gisdesk.export.plate.render_plate` or
:func:`gisdesk.export.output.export_plate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from gisdesk.core.errors import InputError
from gisdesk.export.templates import PlateTemplate, get_template

if TYPE_CHECKING:
    import pandas as pd

    from gisdesk.core.layer import Layer

__all__ = ["ExtraLayer", "GridKind", "PlateSpec"]

GridKind = Literal["graticule", "grid", "none"]
Extent = tuple[float, float, float, float]


@dataclass(frozen=True)
class ExtraLayer:
    """A layer that is not in the project (an analysis result) drawn on one plate.

    Attributes
    ----------
    layer
        The layer, with its style.
    above
        Name of the layer it is drawn just above (None: on top of everything).
    replaces
        Name of a project layer this one hides on the plate (e.g. villages restyled by
        coverage).
    """

    layer: Layer
    above: str | None = None
    replaces: str | None = None


SCALE_RANGE = (100.0, 100_000_000.0)
"""Scale denominators accepted: 1:100 (a building) to 1:100,000,000 (a continent)."""
MAX_EXTENT_M = 40_000_000.0
"""Largest extent coordinate accepted in metres (about the Earth's circumference)."""


@dataclass(frozen=True)
class PlateSpec:
    """Everything that decides what a plate looks like.

    Attributes
    ----------
    template
        A :class:`PlateTemplate` (see :data:`~gisdesk.export.templates.TEMPLATES`).
    title, subtitle
        Text at the top; the title defaults to the project title.
    layers
        Layer names to draw (drawn in project order); None draws the visible layers.
    extent
        (xmin, ymin, xmax, ymax) to show, in the display CRS (metres, EPSG:4549 around
        Haimen); None fits the drawn layers (the district when there is one).
    scale
        Scale denominator N of 1:N, rounded to a nice value; None picks the smallest nice
        scale that shows the whole extent.
    focus
        A geometry in EPSG:4490 to emphasise (the atlas town): outlined, the rest dimmed.
    grid
        "graticule" (CGCS2000 longitude/latitude lines), "grid" (kilometre grid) or "none".
    legend, scalebar, north_arrow, inset, notes
        Whether those items are drawn (where the template places them).
    table
        A statistics table (a DataFrame; its columns become the header row) or None.
    table_title
        Heading above the table.
    table_note
        A line under the table (e.g. the district total).
    sources
        Data sources for the notes; None lists the drawn layers' sources.
    organisation
        制图单位 in the notes.
    date
        制图日期; None means today.
    extra_layers
        Analysis layers drawn on this plate only.
    schematic
        Force the 示意数据 label on (True) or off (False); None decides from the layers
        shown (any layer with ``metadata.schematic``).
    labels
        Draw feature labels.
    auto_place
        Move the north arrow and scale bar to the emptiest corners of the map frame.
    """

    template: PlateTemplate = field(default_factory=lambda: get_template("A3-landscape"))
    title: str = ""
    subtitle: str = ""
    layers: tuple[str, ...] | None = None
    extent: Extent | None = None
    scale: float | None = None
    focus: Any = field(default=None, compare=False)
    grid: GridKind = "graticule"
    legend: bool = True
    scalebar: bool = True
    north_arrow: bool = True
    inset: bool = True
    notes: bool = True
    table: pd.DataFrame | None = field(default=None, compare=False)
    table_title: str = "统计表"
    table_note: str = ""
    sources: tuple[str, ...] | None = None
    organisation: str = ""
    date: str | None = None
    extra_layers: tuple[ExtraLayer, ...] = ()
    schematic: bool | None = None
    labels: bool = True
    auto_place: bool = True

    def __post_init__(self) -> None:
        from gisdesk.analysis._checks import check_metres, check_number

        if self.scale is not None:
            check_number(
                self.scale,
                what_zh="比例尺分母",
                what_en="The scale denominator",
                low=SCALE_RANGE[0],
                high=SCALE_RANGE[1],
            )
        if self.extent is not None:
            xmin, ymin, xmax, ymax = self.extent
            for value in self.extent:
                check_metres(
                    value, ("范围坐标", "An extent coordinate"), (-MAX_EXTENT_M, MAX_EXTENT_M)
                )
            if not (xmax - xmin >= 1.0 and ymax - ymin >= 1.0):
                raise InputError(
                    "范围无效：须 xmax 比 xmin、ymax 比 ymin 至少大 1 米。",
                    "The extent is empty: xmax must exceed xmin, and ymax exceed ymin, by at "
                    "least 1 m.",
                )

    def with_options(self, **changes: Any) -> PlateSpec:
        """Return a copy with some fields changed (``template`` may be a name)."""
        if "template" in changes and not isinstance(changes["template"], PlateTemplate):
            changes["template"] = get_template(changes["template"])
        return replace(self, **changes)

    @classmethod
    def create(
        cls,
        template: str | PlateTemplate | Mapping[str, Any] = "A3-landscape",
        **options: Any,
    ) -> PlateSpec:
        """Build a spec from a template name (or template dict) and options."""
        if "layers" in options and options["layers"] is not None:
            options["layers"] = tuple(options["layers"])
        return cls(template=get_template(template), **options)
