"""The Edit and Layer menus' feature commands: delete, copy, paste, forms, history, snapping.

The digitising, form and history modules load when a command is first used.
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog

from gisdesk.ui.editing import EditController
from gisdesk.ui.i18n import settings, tr
from gisdesk.ui.window_api import WindowApi, window_widget

__all__ = ["EditCommands"]


class EditCommands:
    """Feature commands on the window's current layer and selection."""

    def __init__(self, window: WindowApi) -> None:
        self.window = window

    def delete(self) -> None:
        """Delete: the hovered vertex in the vertex tool, else the selected features."""
        from gisdesk.ui import digitize

        window = self.window
        tool = window.canvas.tool
        if isinstance(tool, digitize.VertexTool) and tool.hover is not None:
            layer = window.current_layer()
            if layer is not None and tool.row is not None:
                tool._delete(layer, tool.row, tool.hover)
                return
        digitize.delete_selected(window)

    def copy(self) -> None:
        """Copy the current layer's selected features."""
        from gisdesk.ui import digitize

        digitize.copy_selected(self.window)

    def paste(self) -> None:
        """Paste copied features into the current layer."""
        from gisdesk.ui import digitize

        digitize.paste_features(self.window)

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
        from gisdesk.ui.digitize import SnapSettingsDialog

        SnapSettingsDialog(self.window).exec()

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
