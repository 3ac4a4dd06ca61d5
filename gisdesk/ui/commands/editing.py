"""The Edit and Layer menus' feature commands: delete, copy, paste, forms, history, snapping.

Each works on the window's current layer and its selection; copied features wait in the
window's ``feature_clipboard`` (layer, geometry type, CRS, rows) until pasted into a layer
of the same geometry type. The digitising, form and history modules load on first use.
"""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtWidgets import QInputDialog

from gisdesk.core.crs import transformer
from gisdesk.core.editing import GEOMETRY, FeatureChange, row_values
from gisdesk.ui.editing import EditController
from gisdesk.ui.i18n import settings, tr
from gisdesk.ui.snapping import SnapSettingsDialog
from gisdesk.ui.window_api import WindowApi, window_widget

__all__ = ["EditCommands"]


class EditCommands:
    """Feature commands on the window's current layer and selection."""

    def __init__(self, window: WindowApi) -> None:
        self.window = window

    def delete(self) -> None:
        """Delete: the hovered vertex in the vertex tool, else the selected features."""
        from gisdesk.ui.digitize import VertexTool

        window = self.window
        tool = window.canvas.tool
        if isinstance(tool, VertexTool) and tool.hover is not None:
            layer = window.current_layer()
            if layer is not None and tool.row is not None:
                tool._delete(layer, tool.row, tool.hover)
                return
        layer = window.current_layer()
        if layer is None or len(layer.selection) == 0:
            window.status(tr("请先选择要删除的要素。", "Select the features to delete first."))
            return
        fids = [layer.fid_at(int(r)) for r in layer.selection]
        window.edits.delete_features(layer.name, fids)

    def copy(self) -> int:
        """Copy the selected features of the current layer; return how many."""
        from gisdesk.ui.digitize import geometry_family, layer_crs

        window = self.window
        layer = window.current_layer()
        if layer is None or len(layer.selection) == 0:
            window.status(tr("请先选择要复制的要素。", "Select the features to copy first."))
            return 0
        rows = [row_values(layer, int(r)) for r in layer.selection]
        window.feature_clipboard = (layer.name, geometry_family(layer), layer_crs(layer), rows)
        window.status(tr(f"已复制 {len(rows)} 个要素。", f"Copied {len(rows)} feature(s)."))
        return len(rows)

    def paste(self) -> int:
        """Paste copied features into the current layer (same geometry type); return how many."""
        from gisdesk.ui.digitize import geometry_family, layer_crs

        window = self.window
        clip = window.feature_clipboard
        layer = window.current_layer()
        if clip is None or layer is None:
            window.status(tr("没有可粘贴的要素。", "Nothing to paste."))
            return 0
        _source, family, crs, rows = clip
        if geometry_family(layer) != family:
            window.status(
                tr(
                    "只能粘贴到几何类型相同的图层（点到点、线到线、面到面）。",
                    "Features can only be pasted into a layer of the same geometry type.",
                )
            )
            return 0
        t = transformer(crs, layer_crs(layer))
        columns = set(layer.data.columns)
        fid = layer.next_fid()
        changes = []
        for i, values in enumerate(rows):
            geom = shapely.transform(
                values[GEOMETRY], lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))
            )
            kept = {k: v for k, v in values.items() if k in columns and k != GEOMETRY}
            changes.append(FeatureChange(layer.name, fid + i, None, {**kept, GEOMETRY: geom}))
        txn = window.edits.commit(
            (f"粘贴 {len(changes)} 个要素（{layer.title}）", f"Paste {len(changes)} feature(s)"),
            changes,
        )
        return len(changes) if txn is not None else 0

    def edit_attributes(self) -> None:
        """Edit the selected feature's attributes in a form checked by the schema."""
        from gisdesk.ui.feature_form import edit_feature_attributes

        edit_feature_attributes(self.window)

    def history(self) -> None:
        """Show who changed the selected feature, when, and the values before and after."""
        from gisdesk.ui.feature_history import show_feature_history

        show_feature_history(self.window)

    def snap_settings(self) -> None:
        """Choose snapping layers and tolerance."""
        window = self.window
        SnapSettingsDialog(window.snapper, window.project, window_widget(window)).exec()

    def ask_user_name(self) -> None:
        """Set the name the audit trail records for this user's edits."""
        name, ok = QInputDialog.getText(
            window_widget(self.window),
            tr("编辑人员", "Editor name"),
            tr(
                "编辑记录中使用的姓名（留空则用系统用户名）：",
                "Name in the edit log (empty: OS user):",
            ),
            text=EditController.user_name(),
        )
        if ok:
            settings().setValue("edit/user_name", name.strip())
            editor = self.window.edits.editor
            if editor is not None:
                editor.user = EditController.user_name()
