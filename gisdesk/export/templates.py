"""Plate templates: page size and where each item sits on the page, in millimetres.

A template is plain data (JSON friendly through :meth:`PlateTemplate.to_dict`), so the plate
designer can let people move items and save their own. Rectangles are ``(x, y, width,
height)`` from the page's top-left corner. The scale bar and north arrow sit inside the map.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gisdesk.core.errors import InputError

if TYPE_CHECKING:
    from gisdesk.core.project import Project

__all__ = [
    "ITEM_NAMES",
    "SETTINGS_KEY",
    "TEMPLATES",
    "PlateTemplate",
    "get_template",
    "project_templates",
    "store_project_template",
]

SETTINGS_KEY = "plate_templates"
"""Key of ``project.settings`` holding the user's templates (name -> template as plain data)."""

RectMM = tuple[float, float, float, float]

ITEM_NAMES: tuple[str, ...] = (
    "title",
    "badge",
    "map",
    "scalebar",
    "north",
    "inset",
    "legend",
    "table",
    "notes",
)
"""Items a template may place: everything else is ignored with an error."""


@dataclass(frozen=True)
class PlateTemplate:
    """A page layout: size, margins and item rectangles, all in millimetres.

    Attributes
    ----------
    name
        Template id, e.g. ``"A3-landscape"``.
    page_mm
        Page (width, height).
    margins_mm
        (left, top, right, bottom) white margins; the page frame is drawn inside them.
    items
        Item name -> (x, y, width, height) on the page.
    font_scale
        Multiplies every text size (A4 pages use smaller type than A3).
    flex
        The item that grows into the room of a neighbouring panel item left out (a plate
        without a table or inset gives its legend more room); the notes take what is left.
    """

    name: str
    page_mm: tuple[float, float]
    margins_mm: tuple[float, float, float, float]
    items: Mapping[str, RectMM] = field(default_factory=dict)
    font_scale: float = 1.0
    flex: str = "legend"

    def __post_init__(self) -> None:
        unknown = set(self.items) - set(ITEM_NAMES)
        if unknown:
            raise InputError(
                f"模板“{self.name}”中有未知的图面要素：{'、'.join(sorted(unknown))}。",
                f"Template '{self.name}' has unknown items: {', '.join(sorted(unknown))}.",
            )
        if "map" not in self.items:
            raise InputError(
                f"模板“{self.name}”缺少地图框（map）。",
                f"Template '{self.name}' has no map item.",
            )
        w, h = self.page_mm
        for key, (x, y, iw, ih) in self.items.items():
            if iw <= 0 or ih <= 0 or x < 0 or y < 0 or x + iw > w + 1e-6 or y + ih > h + 1e-6:
                raise InputError(
                    f"模板“{self.name}”的“{key}”超出页面或尺寸无效。",
                    f"Item '{key}' of template '{self.name}' lies off the page or is empty.",
                )

    @property
    def landscape(self) -> bool:
        """Whether the page is wider than tall."""
        return self.page_mm[0] > self.page_mm[1]

    def item(self, key: str) -> RectMM | None:
        """Return an item's rectangle, or None when the template has no such item."""
        return self.items.get(key)

    def frame_mm(self) -> RectMM:
        """Return the page frame: the page less its margins."""
        left, top, right, bottom = self.margins_mm
        w, h = self.page_mm
        return (left, top, w - left - right, h - top - bottom)

    def to_dict(self) -> dict[str, Any]:
        """Return the template as JSON-friendly data that :meth:`from_dict` reads back."""
        return {
            "name": self.name,
            "page_mm": list(self.page_mm),
            "margins_mm": list(self.margins_mm),
            "items": {k: list(v) for k, v in self.items.items()},
            "font_scale": self.font_scale,
            "flex": self.flex,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlateTemplate:
        """Build a template from data written by :meth:`to_dict` (or by hand)."""
        try:
            page = tuple(float(v) for v in data["page_mm"])
            margins = tuple(float(v) for v in data.get("margins_mm", (10, 10, 10, 10)))
            items = {str(k): tuple(float(x) for x in v) for k, v in data["items"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"模板数据无效：{exc}",
                f"Template data is not valid: {exc}",
            ) from None
        if len(page) != 2 or len(margins) != 4 or any(len(v) != 4 for v in items.values()):
            raise InputError(
                "模板数据无效：页面为 [宽, 高]，边距和各要素为 4 个数。",
                "Template data is not valid: page is [w, h]; margins and items have 4 numbers.",
            )
        return cls(
            name=str(data.get("name", "custom")),
            page_mm=(page[0], page[1]),
            margins_mm=(margins[0], margins[1], margins[2], margins[3]),
            items={k: (v[0], v[1], v[2], v[3]) for k, v in items.items()},
            font_scale=float(data.get("font_scale", 1.0)),
            flex=str(data.get("flex", "legend")),
        )


def _a3_landscape() -> PlateTemplate:
    return PlateTemplate(
        "A3-landscape",
        (420.0, 297.0),
        (10.0, 10.0, 10.0, 10.0),
        {
            "title": (14.0, 13.0, 392.0, 21.0),
            "badge": (332.0, 16.0, 72.0, 13.0),
            "map": (14.0, 37.0, 284.0, 246.0),
            "scalebar": (26.0, 255.0, 80.0, 18.0),
            "north": (274.0, 49.0, 14.0, 21.0),
            "inset": (304.0, 37.0, 102.0, 70.0),
            "legend": (304.0, 111.0, 102.0, 88.0),
            "table": (304.0, 203.0, 102.0, 52.0),
            "notes": (304.0, 259.0, 102.0, 24.0),
        },
    )


def _a3_portrait() -> PlateTemplate:
    return PlateTemplate(
        "A3-portrait",
        (297.0, 420.0),
        (10.0, 10.0, 10.0, 10.0),
        {
            "title": (14.0, 13.0, 269.0, 21.0),
            "badge": (211.0, 16.0, 70.0, 13.0),
            "map": (14.0, 37.0, 269.0, 262.0),
            "scalebar": (26.0, 271.0, 80.0, 18.0),
            "north": (259.0, 49.0, 14.0, 21.0),
            "legend": (14.0, 303.0, 104.0, 103.0),
            "table": (122.0, 303.0, 87.0, 103.0),
            "inset": (213.0, 303.0, 70.0, 60.0),
            "notes": (213.0, 367.0, 70.0, 39.0),
        },
        flex="legend",
    )


def _a4_landscape() -> PlateTemplate:
    return PlateTemplate(
        "A4-landscape",
        (297.0, 210.0),
        (8.0, 8.0, 8.0, 8.0),
        {
            "title": (11.0, 10.0, 275.0, 16.0),
            "badge": (236.0, 12.5, 48.0, 11.0),
            "map": (11.0, 28.0, 200.0, 171.0),
            "scalebar": (20.0, 178.0, 62.0, 14.0),
            "north": (192.0, 37.0, 11.0, 16.0),
            "inset": (215.0, 28.0, 71.0, 53.0),
            "legend": (215.0, 84.0, 71.0, 60.0),
            "table": (215.0, 147.0, 71.0, 32.0),
            "notes": (215.0, 182.0, 71.0, 17.0),
        },
        font_scale=0.78,
    )


def _a4_portrait() -> PlateTemplate:
    return PlateTemplate(
        "A4-portrait",
        (210.0, 297.0),
        (8.0, 8.0, 8.0, 8.0),
        {
            "title": (11.0, 10.0, 188.0, 16.0),
            "badge": (151.0, 12.5, 46.0, 11.0),
            "map": (11.0, 28.0, 188.0, 178.0),
            "scalebar": (20.0, 185.0, 62.0, 14.0),
            "north": (180.0, 37.0, 11.0, 16.0),
            "legend": (11.0, 210.0, 64.0, 76.0),
            "table": (79.0, 210.0, 64.0, 76.0),
            "inset": (147.0, 210.0, 52.0, 42.0),
            "notes": (147.0, 255.0, 52.0, 31.0),
        },
        font_scale=0.78,
    )


TEMPLATES: dict[str, PlateTemplate] = {
    t.name: t for t in (_a3_landscape(), _a3_portrait(), _a4_landscape(), _a4_portrait())
}
"""The built-in templates: A4 and A3, portrait and landscape."""


def get_template(template: str | PlateTemplate | Mapping[str, Any]) -> PlateTemplate:
    """Return a template given its name, a template, or its dict form.

    Names are case-insensitive and accept ``_`` for ``-`` (``a3_landscape``).
    """
    if isinstance(template, PlateTemplate):
        return template
    if isinstance(template, Mapping):
        return PlateTemplate.from_dict(template)
    wanted = template.strip().lower().replace("_", "-")
    for name, tpl in TEMPLATES.items():
        if name.lower() == wanted:
            return tpl
    names = "、".join(TEMPLATES)
    raise InputError(
        f"没有名为“{template}”的模板。可用模板：{names}",
        f"No template named '{template}'. Templates: {', '.join(TEMPLATES)}",
    )


def project_templates(project: Project) -> dict[str, dict[str, Any]]:
    """Return the user templates saved in a project: name -> :meth:`PlateTemplate.to_dict`.

    A damaged entry (not a mapping of mappings) gives no templates, or only the readable ones.
    """
    saved = project.settings.get(SETTINGS_KEY, {})
    if not isinstance(saved, Mapping):
        return {}
    return {str(k): dict(v) for k, v in saved.items() if isinstance(v, Mapping)}


def store_project_template(project: Project, name: str, template: PlateTemplate) -> None:
    """Save a template in the project under ``name`` (replacing one of that name)."""
    from dataclasses import replace

    templates = project_templates(project)
    templates[name] = replace(template, name=name).to_dict()
    project.settings[SETTINGS_KEY] = templates
