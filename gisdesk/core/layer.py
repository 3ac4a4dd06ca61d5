"""A map layer: features, the layer type they follow, style and display state."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gisdesk.core.errors import InputError
from gisdesk.core.events import Signal

if TYPE_CHECKING:
    import geopandas as gpd

    from gisdesk.core.schema import LayerSchema
    from gisdesk.core.style import LayerStyle

__all__ = ["Layer", "LayerMetadata", "check_layer_name"]

_NAME = re.compile(r"^[^\x00-\x1f\"'`;]{1,63}$")


def check_layer_name(name: str) -> str:
    """Return the name if it can be a layer (and GeoPackage table) name, else raise."""
    if not _NAME.match(name) or name.lower().startswith(("gpkg_", "rtree_", "gisdesk_", "sqlite_")):
        raise InputError(
            f"图层名称“{name}”不可用：须为 1-63 个字符，不含引号、分号或控制字符，且不以 "
            "gpkg_/rtree_/gisdesk_/sqlite_ 开头。",
            f"Layer name '{name}' cannot be used: 1-63 characters without quotes, semicolons "
            "or control characters, not starting with gpkg_, rtree_, gisdesk_ or sqlite_.",
        )
    return name


@dataclass
class LayerMetadata:
    """Where a layer's data comes from, and what was done to it on the way in."""

    schematic: bool = False  # 示意数据: generated, not official
    source_zh: str = ""
    source_en: str = ""
    conversions: list[str] = field(default_factory=list)  # e.g. "GCJ-02 -> CGCS2000"
    stale: bool = False  # a derived result whose source layers were edited since it was made
    # column -> (Chinese, English) label with unit, for layers without a schema (results)
    field_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the metadata as plain data."""
        out: dict[str, Any] = {
            "schematic": self.schematic,
            "source_zh": self.source_zh,
            "source_en": self.source_en,
            "conversions": list(self.conversions),
        }
        if self.field_labels:
            out["field_labels"] = {k: list(v) for k, v in self.field_labels.items()}
        return {**out, "stale": True} if self.stale else out

    def field_label(self, column: str, language: str = "zh") -> str | None:
        """Return a column's label in a language, or None when it has none."""
        found = self.field_labels.get(column)
        if found is None:
            return None
        return found[1] if language == "en" else found[0]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerMetadata:
        """Build metadata from plain data, ignoring keys it does not know."""
        return cls(
            schematic=bool(data.get("schematic", False)),
            source_zh=str(data.get("source_zh", "")),
            source_en=str(data.get("source_en", "")),
            conversions=[str(c) for c in data.get("conversions", [])],
            stale=bool(data.get("stale", False)),
            field_labels={
                str(k): (str(v[0]), str(v[1]))
                for k, v in dict(data.get("field_labels") or {}).items()
                if isinstance(v, list | tuple) and len(v) == 2
            },
        )


def _default_fids(n: int) -> np.ndarray:
    return np.arange(1, n + 1, dtype=np.int64)


class Layer:
    """Features of one layer type, with its style and display state.

    ``changed`` is emitted with the layer and a reason ("data", "style", "display") so views
    redraw only what changed.
    """

    def __init__(
        self,
        name: str,
        data: gpd.GeoDataFrame,
        *,
        schema: LayerSchema | None = None,
        style: LayerStyle | None = None,
        title: str | None = None,
        visible: bool = True,
        opacity: float = 1.0,
        group: str = "",
        metadata: LayerMetadata | None = None,
    ) -> None:
        self.name = check_layer_name(name)
        self._data = data
        self.schema = schema
        self.style = style
        self.title = title or (schema.title_zh if schema else name)
        self.visible = visible
        self.opacity = opacity
        self.group = group
        self.metadata = metadata or LayerMetadata()
        self.revision = 0  # bumped on every data change, so caches know when to rebuild
        # Feature ids (the GeoPackage fid), aligned with the rows: stable across edits.
        self.fids: np.ndarray = _default_fids(len(data))
        # The highest id the layer has ever used (features deleted since, or ids its file
        # used before): new features get ids above it, so an id is never reused.
        self.fid_floor = 0
        self.selection: np.ndarray = np.empty(0, dtype=np.intp)  # row positions, sorted
        self.changed = Signal()

    @property
    def kind(self) -> str | None:
        """The layer type (schema id), or None for a layer without a schema."""
        return self.schema.id if self.schema else None

    @property
    def data(self) -> gpd.GeoDataFrame:
        """The features."""
        return self._data

    def set_data(self, data: gpd.GeoDataFrame, *, fids: np.ndarray | None = None) -> None:
        """Replace the features and tell the views.

        ``fids`` gives the feature ids of the new rows; without it the ids are kept when the
        row count is unchanged (an edit of values) and renumbered 1..n otherwise (new content).
        """
        if fids is not None:
            fids = np.asarray(fids, dtype=np.int64)
            if len(fids) != len(data):
                raise ValueError("fids must have one id per row")
            if len(self.fids):
                self.fid_floor = max(self.fid_floor, int(self.fids.max()))
            self.fids = fids
        elif len(data) != len(self.fids):
            self.fids = _default_fids(len(data))
        self._data = data
        self.revision += 1
        if len(self.selection) and self.selection[-1] >= len(data):
            self.selection = self.selection[self.selection < len(data)]
        self.changed.emit(self, "data")

    def row_of(self, fid: int) -> int:
        """Return the row position of a feature id, or raise an :class:`InputError`."""
        hits = np.flatnonzero(self.fids == fid)
        if len(hits) == 0:
            raise InputError(
                f"图层“{self.title}”中没有编号为 {fid} 的要素（可能已被删除）。",
                f"Layer '{self.title}' has no feature with id {fid} (it may have been deleted).",
            )
        return int(hits[0])

    def fid_at(self, row: int) -> int:
        """Return the feature id of a row position."""
        return int(self.fids[row])

    def next_fid(self) -> int:
        """Return an id no feature of the layer has, nor had before (see ``fid_floor``)."""
        highest = int(self.fids.max()) if len(self.fids) else 0
        return max(highest, self.fid_floor) + 1

    def set_selection(self, rows: Iterable[int] | np.ndarray) -> None:
        """Select features by row position (replacing the selection) and tell the views."""
        arr = np.unique(
            np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows, dtype=np.intp)
        )
        arr = arr[(arr >= 0) & (arr < len(self._data))]
        if np.array_equal(arr, self.selection):
            return
        self.selection = arr
        self.changed.emit(self, "selection")

    def set_style(self, style: LayerStyle) -> None:
        """Replace the style and tell the views."""
        self.style = style
        self.changed.emit(self, "style")

    def set_visible(self, visible: bool) -> None:
        """Show or hide the layer."""
        self.visible = visible
        self.changed.emit(self, "display")

    def set_opacity(self, opacity: float) -> None:
        """Set the layer opacity in [0, 1]."""
        self.opacity = min(1.0, max(0.0, opacity))
        self.changed.emit(self, "display")

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Layer({self.name!r}, kind={self.kind!r}, features={len(self)})"
