"""A gisdesk project: ordered layers plus settings. Stored as one GeoPackage by gisdesk.io."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.core.errors import InputError
from gisdesk.core.events import Signal
from gisdesk.core.layer import Layer

if TYPE_CHECKING:
    from gisdesk.core.issues import Issue

__all__ = ["Project"]


class Project:
    """Layers in drawing order (first = bottom) and project settings.

    Signals: ``layers_changed`` (the list changed: added, removed, reordered) and
    ``layer_changed`` (forwarded from any layer with the layer and a reason).
    """

    def __init__(self, *, title: str = "", path: Path | None = None) -> None:
        self.title = title
        self.path = path
        self.settings: dict[str, Any] = {}
        # What could not be read when the file was opened (damaged settings or styles) and
        # was replaced by defaults; validate reports these, the window and commands warn.
        self.load_problems: list[Issue] = []
        self._layers: list[Layer] = []
        self._unsubscribe: dict[str, Any] = {}
        self.layers_changed = Signal()
        self.layer_changed = Signal()

    # --- layers -----------------------------------------------------------------------

    @property
    def layers(self) -> list[Layer]:
        """Layers from bottom to top (a copy: change it through the methods)."""
        return list(self._layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(list(self._layers))

    def __len__(self) -> int:
        return len(self._layers)

    def __contains__(self, name: object) -> bool:
        return any(layer.name == name for layer in self._layers)

    def layer(self, name: str) -> Layer:
        """Return a layer by name, or raise an :class:`InputError` listing the names."""
        for layer in self._layers:
            if layer.name == name:
                return layer
        names = "、".join(layer.name for layer in self._layers) or "无"
        raise InputError(
            f"项目中没有图层“{name}”。现有图层：{names}",
            f"The project has no layer '{name}'. Layers: {names}",
        )

    def layers_of_kind(self, kind: str) -> list[Layer]:
        """Return the layers of a layer type, bottom to top."""
        return [layer for layer in self._layers if layer.kind == kind]

    def add_layer(self, layer: Layer, *, index: int | None = None) -> Layer:
        """Add a layer on top (or at ``index``); its name must be new to the project."""
        if layer.name in self:
            raise InputError(
                f"项目中已有名为“{layer.name}”的图层，请换一个名称。",
                f"The project already has a layer named '{layer.name}'; choose another name.",
            )
        if index is None:
            self._layers.append(layer)
        else:
            self._layers.insert(index, layer)
        self._unsubscribe[layer.name] = layer.changed.connect(self.layer_changed.emit)
        self.layers_changed.emit(self)
        return layer

    def remove_layer(self, name: str) -> Layer:
        """Remove a layer and return it."""
        layer = self.layer(name)
        self._layers.remove(layer)
        self._unsubscribe.pop(name)()
        self.layers_changed.emit(self)
        return layer

    def move_layer(self, name: str, index: int) -> None:
        """Move a layer to a position in the drawing order."""
        layer = self.layer(name)
        self._layers.remove(layer)
        self._layers.insert(max(0, min(index, len(self._layers))), layer)
        self.layers_changed.emit(self)

    def unique_name(self, base: str) -> str:
        """Return ``base`` or ``base_2``, ``base_3``... whichever is not taken."""
        if base not in self:
            return base
        i = 2
        while f"{base}_{i}" in self:
            i += 1
        return f"{base}_{i}"
