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


_PAGES: tuple[tuple[str, tuple[float, float], float, float], ...] = (
    # name, page (width, height), margin on every side, font scale
    ("A3-landscape", (420.0, 297.0), 10.0, 1.0),
    ("A3-portrait", (297.0, 420.0), 10.0, 1.0),
    ("A4-landscape", (297.0, 210.0), 8.0, 0.78),
    ("A4-portrait", (210.0, 297.0), 8.0, 0.78),
)

# Item -> its rectangle on each page of _PAGES, in that order.
_RECTS: dict[str, tuple[RectMM, RectMM, RectMM, RectMM]] = {
    "title": ((14, 13, 392, 21), (14, 13, 269, 21), (11, 10, 275, 16), (11, 10, 188, 16)),
    "badge": ((332, 16, 72, 13), (211, 16, 70, 13), (236, 12.5, 48, 11), (151, 12.5, 46, 11)),
    "map": ((14, 37, 284, 246), (14, 37, 269, 262), (11, 28, 200, 171), (11, 28, 188, 178)),
    "scalebar": ((26, 255, 80, 18), (26, 271, 80, 18), (20, 178, 62, 14), (20, 185, 62, 14)),
    "north": ((274, 49, 14, 21), (259, 49, 14, 21), (192, 37, 11, 16), (180, 37, 11, 16)),
    "inset": ((304, 37, 102, 70), (213, 303, 70, 60), (215, 28, 71, 53), (147, 210, 52, 42)),
    "legend": ((304, 111, 102, 88), (14, 303, 104, 103), (215, 84, 71, 60), (11, 210, 64, 76)),
    "table": ((304, 203, 102, 52), (122, 303, 87, 103), (215, 147, 71, 32), (79, 210, 64, 76)),
    "notes": ((304, 259, 102, 24), (213, 367, 70, 39), (215, 182, 71, 17), (147, 255, 52, 31)),
}

# The order of a page's items (the designer lists them so): landscape pages stack the panels
# right of the map (inset, legend, table, notes), portrait pages set them in a row under it
# (legend, table, then the inset over the notes).
_LANDSCAPE_ORDER = ITEM_NAMES
_PORTRAIT_ORDER = (*ITEM_NAMES[:5], "legend", "table", "inset", "notes")


def _built_in(column: int) -> PlateTemplate:
    name, page, margin, font_scale = _PAGES[column]
    order = _LANDSCAPE_ORDER if page[0] > page[1] else _PORTRAIT_ORDER
    items: dict[str, RectMM] = {}
    for key in order:
        x, y, w, h = _RECTS[key][column]
        items[key] = (float(x), float(y), float(w), float(h))
    return PlateTemplate(name, page, (margin,) * 4, items, font_scale=font_scale)


TEMPLATES: dict[str, PlateTemplate] = {
    t.name: t for t in (_built_in(column) for column in range(len(_PAGES)))
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
