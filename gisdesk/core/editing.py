"""Feature edits as transactions: validated, written to a store first, then applied, undoable.

Every change to features goes through an :class:`Editor`. An edit is an
:class:`EditTransaction` of :class:`FeatureChange` rows (layer, feature id, values before,
values after). The editor checks it against the layer schema, hands it to its
:class:`EditStore` (the project GeoPackage, or a PostGIS server) which must make it durable
before returning, and only then changes the layer in memory. If the store refuses, nothing
changes and the caller gets the store's message.

Undo and redo are transactions too (``action`` "undo"/"redo" naming the transaction they
revert or repeat), so the store's journal is at once the audit trail and the undo history:
:meth:`Editor.load_history` rebuilds the undo and redo stacks from it after a reopen.

Values are plain Python values keyed by field name; the geometry is under the key
:data:`GEOMETRY` as a shapely geometry in the layer's CRS.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gisdesk.core.errors import InputError
from gisdesk.core.events import Signal
from gisdesk.core.i18n import tr
from gisdesk.core.layer import Layer
from gisdesk.core.project import Project
from gisdesk.core.schema import GEOMETRY_FAMILY, coerce_to_schema
from gisdesk.core.validation import (
    ProjectArea,
    check_feature_geometry,
    check_finite_geometry,
    check_value,
    project_area,
)
from gisdesk.core.values import plain_value

__all__ = [
    "GEOMETRY",
    "EditStore",
    "EditTransaction",
    "Editor",
    "FeatureChange",
    "default_user",
    "row_values",
    "same_value",
]

GEOMETRY = "geometry"
Action = Literal["edit", "undo", "redo"]

_FAMILY_ZH = {"Point": "点", "LineString": "线", "Polygon": "面"}


@dataclass(frozen=True)
class FeatureChange:
    """One feature's values before and after (``None`` before = new, after = deleted)."""

    layer: str
    fid: int
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None

    @property
    def op(self) -> Literal["insert", "update", "delete"]:
        """What the change does to the feature."""
        if self.before is None:
            return "insert"
        if self.after is None:
            return "delete"
        return "update"

    def inverse(self) -> FeatureChange:
        """The change that puts the feature back as it was."""
        return FeatureChange(self.layer, self.fid, self.after, self.before)


@dataclass(frozen=True)
class EditTransaction:
    """Changes accepted together: one user action, one undo step, one store transaction."""

    id: int
    label_zh: str
    label_en: str
    changes: tuple[FeatureChange, ...]
    user: str = ""
    at: str = ""  # ISO 8601, UTC
    action: Action = "edit"
    target: int | None = None  # the transaction an undo or redo refers to

    def label(self, language: str = "zh") -> str:
        """The action's name in the given language."""
        return tr(self.label_zh, self.label_en, language)

    @property
    def layers(self) -> set[str]:
        """Names of the layers the transaction changes."""
        return {c.layer for c in self.changes}


class EditStore(Protocol):
    """Where accepted edits go. ``apply`` returns only once the transaction is durable."""

    def apply(self, txn: EditTransaction) -> EditTransaction | None:
        """Write the transaction atomically, or raise a GisdeskError and write nothing.

        A store that numbers transactions or new features itself returns the transaction
        as stored; the editor then applies and records that one (None: stored as given).
        """

    def transactions(self) -> list[EditTransaction]:
        """All transactions the store has recorded, oldest first."""


def default_user() -> str:
    """The operating-system user name, or "unknown" when the system cannot tell."""
    try:
        return str(getpass.getuser() or "unknown")
    except Exception:  # no user database entry (containers), no env variables
        return "unknown"


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def row_values(layer: Layer, row: int) -> dict[str, Any]:
    """All values of one feature (attributes and geometry) as plain Python values."""
    data = layer.data
    geom_col = data.geometry.name
    values: dict[str, Any] = {}
    for column in data.columns:
        value = data[column].iloc[row]
        values[GEOMETRY if column == geom_col else str(column)] = plain_value(value, finite=False)
    return values


def _geometry_family(geom: BaseGeometry) -> str:
    return GEOMETRY_FAMILY.get(str(geom.geom_type), str(geom.geom_type))


class Editor:
    """Applies validated, durable, undoable edits to a project's layers.

    Parameters
    ----------
    project
        The project whose layers are edited.
    store
        Where edits are made durable first; ``None`` keeps them in memory only.
    user
        The name recorded with each edit (default: the OS user).
    clock
        Returns the timestamp recorded with each edit (ISO 8601); tests fix it.
    """

    def __init__(
        self,
        project: Project,
        store: EditStore | None = None,
        *,
        user: str | None = None,
        clock: Callable[[], str] | None = None,
    ) -> None:
        self.project = project
        self.store = store
        # layers kept elsewhere (e.g. on a shared PostGIS server) name their own store
        self.stores: dict[str, EditStore] = {}
        self.user = user or default_user()
        self._clock = clock or _utc_now
        self._history: dict[int, EditTransaction] = {}
        self._undo: list[int] = []
        self._redo: list[int] = []
        self._next_id = 1
        self.applied = Signal()  # (EditTransaction) after memory and store both changed
        # layer name -> rule a user's edit of it must pass (raises InputError); undo, redo and
        # commits with guarded=False (the rules' own steps) skip it
        self.guards: dict[str, Callable[[FeatureChange], None]] = {}

    # --- history ----------------------------------------------------------------------

    def load_history(self, transactions: Iterable[EditTransaction]) -> None:
        """Rebuild the undo/redo stacks from a store's journal (oldest first)."""
        self._history.clear()
        self._undo.clear()
        self._redo.clear()
        for txn in transactions:
            self._record(txn)
        self._next_id = max(self._history, default=0) + 1

    def _record(self, txn: EditTransaction) -> None:
        self._history[txn.id] = txn
        if txn.action == "edit":
            self._undo.append(txn.id)
            self._redo.clear()
        elif txn.action == "undo" and txn.target is not None:
            if txn.target in self._undo:
                self._undo.remove(txn.target)
            self._redo.append(txn.target)
        elif txn.action == "redo" and txn.target is not None:
            if txn.target in self._redo:
                self._redo.remove(txn.target)
            self._undo.append(txn.target)

    @property
    def transactions(self) -> list[EditTransaction]:
        """Every transaction of this project, oldest first."""
        return [self._history[k] for k in sorted(self._history)]

    def history_of(self, layer: str, fid: int) -> list[tuple[EditTransaction, FeatureChange]]:
        """The recorded changes of one feature, oldest first."""
        return [
            (txn, change)
            for txn in self.transactions
            for change in txn.changes
            if change.layer == layer and change.fid == fid
        ]

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone edit to redo."""
        return bool(self._redo)

    def undo_label(self, language: str = "zh") -> str:
        """The name of the edit :meth:`undo` would revert ("" if none)."""
        return self._history[self._undo[-1]].label(language) if self._undo else ""

    def redo_label(self, language: str = "zh") -> str:
        """The name of the edit :meth:`redo` would repeat ("" if none)."""
        return self._history[self._redo[-1]].label(language) if self._redo else ""

    # --- editing ----------------------------------------------------------------------

    def commit(
        self,
        label_zh: str,
        label_en: str,
        changes: Iterable[FeatureChange],
        *,
        action: Action = "edit",
        target: int | None = None,
        guarded: bool = True,
    ) -> EditTransaction:
        """Validate, store and apply changes as one transaction; return it.

        An edit (not an undo or redo) passes the :attr:`guards` of its layers unless
        ``guarded`` is False.

        Raises
        ------
        InputError
            When a value breaks its field's rules or a geometry is unusable; nothing changed.
        GisdeskError
            When the store cannot write the transaction; nothing changed.
        """
        # undo/redo put back geometries the file already had: only new ones meet the area rule
        area = project_area(self.project) if action == "edit" else None
        checked = tuple(self._check(c, area=area, where=action == "edit") for c in changes)
        if not checked:
            raise InputError("没有要保存的更改。", "There are no changes to save.")
        if action == "edit" and guarded:
            for change in checked:
                guard = self.guards.get(change.layer)
                if guard is not None:
                    guard(change)
        txn = EditTransaction(
            id=self._next_id,
            label_zh=label_zh,
            label_en=label_en,
            changes=checked,
            user=self.user,
            at=self._clock(),
            action=action,
            target=target,
        )
        store = self._store_for(txn)
        if store is not None:
            stored = store.apply(txn)  # durable before memory changes; raises, nothing changes
            txn = stored if stored is not None else txn
        self._next_id = max(self._next_id, txn.id) + 1
        self._apply_memory(txn.changes)
        self._record(txn)
        self.applied.emit(txn)
        return txn

    def _store_for(self, txn: EditTransaction) -> EditStore | None:
        """The one store that takes the transaction (one store per transaction)."""
        stores = {
            id(self.stores.get(name, self.store)): self.stores.get(name, self.store)
            for name in txn.layers
        }
        if len(stores) > 1:
            raise InputError(
                "一次编辑不能同时修改本地图层和服务器图层，请分开进行。",
                "One edit cannot change both local and server layers; make them separately.",
            )
        return next(iter(stores.values()), None)

    def undo(self) -> EditTransaction | None:
        """Revert the last edit (as a new, recorded transaction); None if nothing to undo."""
        if not self._undo:
            return None
        original = self._history[self._undo[-1]]
        inverse = [c.inverse() for c in reversed(original.changes)]
        return self.commit(
            f"撤销：{original.label_zh}",
            f"Undo: {original.label_en}",
            inverse,
            action="undo",
            target=original.id,
        )

    def redo(self) -> EditTransaction | None:
        """Repeat the last undone edit; None if nothing to redo."""
        if not self._redo:
            return None
        original = self._history[self._redo[-1]]
        return self.commit(
            f"重做：{original.label_zh}",
            f"Redo: {original.label_en}",
            original.changes,
            action="redo",
            target=original.id,
        )

    def add_feature(
        self,
        layer: str,
        geometry: BaseGeometry,
        values: Mapping[str, Any] | None = None,
        *,
        label: tuple[str, str] | None = None,
    ) -> int:
        """Add one feature; return its new feature id."""
        change, default = self.insert_change(layer, geometry, values)
        zh, en = label or default
        txn = self.commit(zh, en, [change])
        return txn.changes[0].fid  # the id the store gave it

    def insert_change(
        self, layer: str, geometry: BaseGeometry, values: Mapping[str, Any] | None = None
    ) -> tuple[FeatureChange, tuple[str, str]]:
        """The change that adds a feature (with the next free id) and its default label."""
        target = self.project.layer(layer)
        after = {**(values or {}), GEOMETRY: geometry}
        label = (f"添加要素（{target.title}）", f"Add feature ({target.title})")
        return FeatureChange(layer, target.next_fid(), None, after), label

    def update_change(
        self, layer: str, fid: int, values: Mapping[str, Any]
    ) -> tuple[FeatureChange, tuple[str, str]] | None:
        """The change that sets ``values`` on a feature and its default label (None: no change)."""
        target = self.project.layer(layer)
        current = row_values(target, target.row_of(fid))
        changed = {k: v for k, v in values.items() if not same_value(current.get(k), v)}
        if not changed:
            return None
        before = {k: current.get(k) for k in changed}
        geometry_only = set(changed) == {GEOMETRY}
        label = (
            f"修改{'几何' if geometry_only else '属性'}（{target.title} #{fid}）",
            f"Edit {'geometry' if geometry_only else 'attributes'} ({target.title} #{fid})",
        )
        return FeatureChange(layer, fid, before, changed), label

    def delete_changes(
        self, layer: str, fids: Iterable[int]
    ) -> tuple[list[FeatureChange], tuple[str, str]]:
        """The changes that delete features, and their default label."""
        target = self.project.layer(layer)
        changes = [
            FeatureChange(layer, int(fid), row_values(target, target.row_of(int(fid))), None)
            for fid in fids
        ]
        n = len(changes)
        return changes, (
            f"删除 {n} 个要素（{target.title}）",
            f"Delete {n} feature(s) ({target.title})",
        )

    def update_feature(
        self,
        layer: str,
        fid: int,
        values: Mapping[str, Any],
        *,
        label: tuple[str, str] | None = None,
    ) -> EditTransaction:
        """Change some values (attributes and/or :data:`GEOMETRY`) of one feature."""
        found = self.update_change(layer, fid, values)
        if found is None:
            raise InputError("值没有变化。", "The values did not change.")
        change, default = found
        zh, en = label or default
        return self.commit(zh, en, [change])

    def delete_features(
        self, layer: str, fids: Iterable[int], *, label: tuple[str, str] | None = None
    ) -> EditTransaction:
        """Delete features (all in one undoable transaction)."""
        changes, default = self.delete_changes(layer, fids)
        zh, en = label or default
        return self.commit(zh, en, changes)

    # --- checks -----------------------------------------------------------------------

    def _check(
        self, change: FeatureChange, *, area: ProjectArea | None = None, where: bool = True
    ) -> FeatureChange:
        layer = self.project.layer(change.layer)
        if change.after is None:
            layer.row_of(change.fid)  # must exist
            return change
        if change.before is not None:
            layer.row_of(change.fid)
        elif np.any(layer.fids == change.fid):
            raise InputError(
                f"图层“{layer.title}”已有编号为 {change.fid} 的要素。",
                f"Layer '{layer.title}' already has a feature with id {change.fid}.",
            )
        after = dict(change.after)
        columns = set(layer.data.columns) - {layer.data.geometry.name}
        for key, value in list(after.items()):
            if key == GEOMETRY:
                after[key] = self._check_geometry(layer, value, area=area, where=where)
                continue
            if key not in columns and (layer.schema is None or key not in layer.schema.field_index):
                raise InputError(
                    f"图层“{layer.title}”没有字段“{key}”。",
                    f"Layer '{layer.title}' has no field '{key}'.",
                )
            spec = layer.schema.field_index.get(key) if layer.schema else None
            after[key] = plain_value(
                check_value(spec, value) if spec is not None else value, finite=False
            )
        if change.before is None:
            if GEOMETRY not in after:
                raise InputError("新要素缺少几何。", "The new feature has no geometry.")
            if layer.schema is not None:  # every required field of a new feature
                for spec in layer.schema.fields:
                    if spec.name not in after:
                        after[spec.name] = plain_value(check_value(spec, None), finite=False)
        return replace(change, after=after)

    def _check_geometry(
        self, layer: Layer, geom: object, *, area: ProjectArea | None = None, where: bool = True
    ) -> BaseGeometry:
        """Check a geometry for the layer: type, validity and, with ``where``, coordinates.

        ``where``: every coordinate a finite number inside ``area`` (the project's area of
        use, :func:`~gisdesk.core.validation.project_area`; None: valid lon/lat only).
        """
        if not isinstance(geom, BaseGeometry) or geom.is_empty:
            raise InputError("几何为空，无法保存。", "The geometry is empty and cannot be saved.")
        if layer.schema is not None:
            want = GEOMETRY_FAMILY.get(layer.schema.geometry, layer.schema.geometry)
            got = _geometry_family(geom)
            if want != got:
                raise InputError(
                    f"图层“{layer.title}”只接受{_FAMILY_ZH.get(want, want)}要素，"
                    f"不能放入{_FAMILY_ZH.get(got, got)}。",
                    f"Layer '{layer.title}' takes {want} features, not {got}.",
                )
            if layer.schema.geometry == "MultiPolygon" and geom.geom_type == "Polygon":
                geom = shapely.MultiPolygon([geom])
        if where:
            check_finite_geometry(geom)  # before validity: GEOS calls inf "invalid coordinate"
        if not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            raise InputError(
                f"几何无效（{reason}）：例如面的边界自相交。请修改后再保存。",
                f"The geometry is not valid ({reason}), e.g. a polygon crossing itself. "
                "Fix it and save again.",
            )
        if where:
            check_feature_geometry(geom, layer.data.crs, area)
        return geom

    # --- applying to memory -----------------------------------------------------------

    def _apply_memory(self, changes: tuple[FeatureChange, ...]) -> None:
        by_layer: dict[str, list[FeatureChange]] = {}
        for change in changes:
            by_layer.setdefault(change.layer, []).append(change)
        for name, layer_changes in by_layer.items():
            _apply_to_layer(self.project.layer(name), layer_changes)


def same_value(a: Any, b: Any) -> bool:
    """Whether two cell values (or geometries) are the same for editing purposes."""
    if isinstance(a, BaseGeometry) or isinstance(b, BaseGeometry):
        return isinstance(a, BaseGeometry) and isinstance(b, BaseGeometry) and a.equals_exact(b, 0)
    a, b = plain_value(a, finite=False), plain_value(b, finite=False)
    return bool(a == b) if a is not None and b is not None else a is b


def _sort_changes(
    layer: Layer, changes: list[FeatureChange]
) -> tuple[np.ndarray, dict[str, dict[int, Any]], list[tuple[int, Mapping[str, Any]]]]:
    """Split changes into rows to keep, cell updates by column and new rows."""
    geom_col = layer.data.geometry.name
    keep = np.ones(len(layer.data), dtype=bool)
    updates: dict[str, dict[int, Any]] = {}
    inserts: list[tuple[int, Mapping[str, Any]]] = []
    pending: dict[int, int] = {}
    for change in changes:
        if change.op == "insert":
            assert change.after is not None
            keep[layer.fids == change.fid] = False  # re-inserted after a delete in this txn
            inserts.append((change.fid, change.after))
            pending[change.fid] = len(inserts) - 1
        elif change.fid in pending:  # changed again after being inserted in this txn
            idx = pending[change.fid]
            merged = {} if change.after is None else {**inserts[idx][1], **change.after}
            inserts[idx] = (change.fid, merged)
        elif change.after is None:
            keep[layer.row_of(change.fid)] = False
        else:
            row = layer.row_of(change.fid)
            for key, value in change.after.items():
                updates.setdefault(geom_col if key == GEOMETRY else key, {})[row] = value
    return keep, updates, [(fid, vals) for fid, vals in inserts if vals]


def _apply_to_layer(layer: Layer, changes: list[FeatureChange]) -> None:
    data = layer.data
    geom_col = data.geometry.name
    fids = layer.fids.copy()
    keep, updates, inserts = _sort_changes(layer, changes)
    frame = data.copy(deep=False)
    for column, rows in updates.items():
        if column == geom_col:
            geoms = np.asarray(frame.geometry.values, dtype=object).copy()
            for row, geom in rows.items():
                geoms[row] = geom
            frame[geom_col] = gpd.GeoSeries(geoms, index=frame.index, crs=data.crs)
        else:
            frame[column] = _set_cells(frame.get(column, None), frame, rows)
    if not keep.all():
        frame = frame.iloc[np.flatnonzero(keep)]
        fids = fids[keep]
    if inserts:
        frame, fids = _append_rows(layer, frame, fids, inserts)
    selected = set(layer.fids[layer.selection].tolist()) if len(layer.selection) else set()
    layer.set_data(frame.reset_index(drop=True), fids=fids)
    if selected:
        layer.set_selection(np.flatnonzero(np.isin(fids, list(selected))))


def _set_cells(column: pd.Series | None, frame: pd.DataFrame, rows: dict[int, Any]) -> pd.Series:
    col = (
        pd.Series([None] * len(frame), index=frame.index, dtype=object)
        if column is None
        else column.copy()
    )
    for row, value in rows.items():
        if value is None:
            if str(col.dtype) in ("Int64", "boolean", "string"):
                col.iloc[row] = pd.NA
            elif str(col.dtype) == "float64":
                col.iloc[row] = np.nan
            elif str(col.dtype).startswith("datetime64"):
                col.iloc[row] = pd.NaT
            else:
                col = col.astype(object)
                col.iloc[row] = None
            continue
        try:
            col.iloc[row] = value
        except (TypeError, ValueError):
            col = col.astype(object)
            col.iloc[row] = value
    return col


def _append_rows(
    layer: Layer,
    frame: gpd.GeoDataFrame,
    fids: np.ndarray,
    inserts: list[tuple[int, Mapping[str, Any]]],
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    geom_col = frame.geometry.name
    records = [
        {(geom_col if k == GEOMETRY else k): v for k, v in values.items()}
        for _fid, values in inserts
    ]
    new = pd.DataFrame.from_records(records)
    for column in frame.columns:
        if column not in new:
            new[column] = None
    new = new[list(frame.columns) + [c for c in new.columns if c not in frame.columns]]
    if layer.schema is not None:
        new = coerce_to_schema(new, layer.schema)
    new_gdf = gpd.GeoDataFrame(new, geometry=geom_col, crs=frame.crs)
    for column in frame.columns:
        if column != geom_col and column in new_gdf and len(frame):
            with contextlib.suppress(TypeError, ValueError):
                new_gdf[column] = new_gdf[column].astype(frame[column].dtype)
    combined = pd.concat([frame, new_gdf], ignore_index=True) if len(frame) else new_gdf
    out = gpd.GeoDataFrame(combined, geometry=geom_col, crs=frame.crs)
    return out, np.concatenate([fids, np.array([f for f, _ in inserts], dtype=np.int64)])
