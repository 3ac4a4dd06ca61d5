"""Connect to a PostGIS database and open its layers in the project (issue 11).

:class:`PostgisDialog` keeps connection profiles (never their passwords: those are asked or
kept in the OS keyring when the user ticks the box), tests a connection with a clear result
and lists the layers published in the profile's schema. :func:`install_postgis` adds the
commands to the window's Project menu: connect and open layers, read the PostGIS layers
again (to see colleagues' edits), and retry edits the server did not confirm.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gisdesk.core.driver_errors import explain_gisdesk_error
from gisdesk.core.errors import ConflictError, GisdeskError
from gisdesk.core.project import Project
from gisdesk.io.postgis.profiles import (
    ConnectionProfile,
    ConnectionReport,
    check_connection,
    keyring_available,
    load_profiles,
    remember_password,
    remembered_password,
    save_profiles,
)
from gisdesk.ui import plain_text
from gisdesk.ui.actions import ActionSpec
from gisdesk.ui.form_widgets import ok_cancel_buttons
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.window_api import window_widget
from gisdesk.ui.workers import Task, error_text, run_task

if TYPE_CHECKING:
    from gisdesk.core.editing import Editor
    from gisdesk.core.layer import Layer
    from gisdesk.io.postgis.store import PostgisEditStore
    from gisdesk.io.postgis.tables import TableInfo, ViewLimit
    from gisdesk.ui.window_api import WindowApi

__all__ = ["PostgisController", "PostgisDialog", "install_postgis"]


class PostgisDialog(QDialog):
    """Profiles, connection fields, a test button and the layers of the schema."""

    tested = Signal(bool)  # a connection test has answered (True: connected)

    def __init__(self, parent: QWidget | None = None, *, profiles_file: Path | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("连接 PostGIS", "Connect to PostGIS"))
        self.setObjectName("postgis_dialog")
        self.profiles_file = profiles_file
        self.report: ConnectionReport | None = None
        self.tables_found: list[TableInfo] = []
        self._probe_id = 0  # each test gets a number; only the latest one's answer shows
        self._probe_task: Task | None = None

        self.profile_list = QListWidget()
        self.profile_list.setObjectName("profiles")
        self.profile_list.setMaximumWidth(200)
        self.new_button = QPushButton(tr("新建", "New"))
        self.delete_button = QPushButton(tr("删除", "Delete"))
        self.save_button = QPushButton(tr("保存连接", "Save connection"))
        self.save_button.setObjectName("save_profile")

        self.name_edit = QLineEdit()
        self.host_edit = QLineEdit("localhost")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(5432)
        self.db_edit = QLineEdit("gisdesk")
        self.user_edit = QLineEdit()
        self.schema_edit = QLineEdit("public")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setObjectName("password")
        self.remember_box = QCheckBox(tr("在系统钥匙串中记住密码", "Remember in the OS keyring"))
        self.remember_box.setObjectName("remember")
        if not keyring_available():
            self.remember_box.setEnabled(False)
            self.remember_box.setToolTip(
                tr(
                    "本机没有可用的系统钥匙串：每次连接时输入密码。",
                    "No OS keyring is available here: enter the password each time.",
                )
            )
        self.test_button = QPushButton(tr("测试连接", "Test connection"))
        self.test_button.setObjectName("test_connection")
        self.result_label = plain_text.plain_label(tr("尚未连接。", "Not connected yet."))
        self.result_label.setObjectName("result")
        self.result_label.setWordWrap(True)
        # Room for a server's error (up to four lines) without squeezing; selectable, so
        # the user can copy it for whoever runs the server.
        self.result_label.setMinimumHeight(self.result_label.fontMetrics().lineSpacing() * 4)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The driver's own words of a failure, behind a button (the label explains first).
        self.details_button = QPushButton(tr("显示详情", "Show details"))
        self.details_button.setObjectName("show_details")
        self.details_button.setCheckable(True)
        self.details_button.setVisible(False)
        self.details = QPlainTextEdit()
        self.details.setObjectName("details")
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(self.details.fontMetrics().lineSpacing() * 5)
        self.details.setVisible(False)
        self.details_button.toggled.connect(self._toggle_details)
        self.table_list = QListWidget()
        self.table_list.setObjectName("tables")
        self.table_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)

        form = QFormLayout()
        form.addRow(tr("名称", "Name"), self.name_edit)
        form.addRow(tr("主机", "Host"), self.host_edit)
        form.addRow(tr("端口", "Port"), self.port_spin)
        form.addRow(tr("数据库", "Database"), self.db_edit)
        form.addRow(tr("用户名", "User"), self.user_edit)
        form.addRow(tr("模式", "Schema"), self.schema_edit)
        form.addRow(tr("密码", "Password"), self.password_edit)
        form.addRow("", self.remember_box)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.save_button)
        test_row.addStretch(1)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(test_row)
        right.addWidget(self.result_label)
        details_row = QHBoxLayout()
        details_row.addStretch(1)
        details_row.addWidget(self.details_button)
        right.addLayout(details_row)
        right.addWidget(self.details)
        right.addWidget(
            plain_text.plain_label(
                tr("已发布的图层（可多选）", "Published layers (select one or more)")
            )
        )
        right.addWidget(self.table_list, 1)
        left = QVBoxLayout()
        left.addWidget(plain_text.plain_label(tr("已保存的连接", "Saved connections")))
        left.addWidget(self.profile_list, 1)
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.new_button)
        buttons_row.addWidget(self.delete_button)
        left.addLayout(buttons_row)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        self.buttons = ok_cancel_buttons(
            self, tr("打开所选图层", "Open selected layers"), on_ok=self._accept
        )  # 取消 too, whether or not Qt's own translations are loaded
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        outer = QVBoxLayout(self)
        outer.addLayout(body, 1)
        outer.addWidget(self.buttons)

        self.profile_list.currentRowChanged.connect(self._profile_chosen)
        self.new_button.clicked.connect(self._new_profile)
        self.delete_button.clicked.connect(self._delete_profile)
        self.save_button.clicked.connect(self.save_current)
        self.test_button.clicked.connect(self.test_connection)
        self.table_list.itemSelectionChanged.connect(self._selection_changed)
        for edit in (self.host_edit, self.db_edit, self.user_edit, self.schema_edit):
            edit.textEdited.connect(self._fields_changed)
        self.port_spin.valueChanged.connect(self._fields_changed)

        self.profiles: list[ConnectionProfile] = []
        try:
            self.profiles = load_profiles(profiles_file)
        except GisdeskError as exc:
            self._show(False, exc.message(language()))
        for profile in self.profiles:
            self.profile_list.addItem(QListWidgetItem(profile.name))
        if self.profiles:
            self.profile_list.setCurrentRow(0)
        self.resize(720, 480)

    # --- fields -------------------------------------------------------------------------

    def profile(self) -> ConnectionProfile:
        """The profile the fields describe (raises InputError when a field is unusable)."""
        name = self.name_edit.text().strip() or (
            f"{self.user_edit.text().strip()}@{self.host_edit.text().strip()}"
        )
        return ConnectionProfile(
            name=name,
            host=self.host_edit.text().strip(),
            port=self.port_spin.value(),
            dbname=self.db_edit.text().strip(),
            user=self.user_edit.text().strip(),
            schema=self.schema_edit.text().strip() or "public",
        )

    def password(self) -> str | None:
        """The typed password, or None to use the keyring's."""
        return self.password_edit.text() or None

    def selected_tables(self) -> list[str]:
        """Names of the tables chosen in the list."""
        return [
            str(item.data(Qt.ItemDataRole.UserRole)) for item in self.table_list.selectedItems()
        ]

    def _profile_chosen(self, row: int) -> None:
        if not 0 <= row < len(self.profiles):
            return
        p = self.profiles[row]
        self.name_edit.setText(p.name)
        self.host_edit.setText(p.host)
        self.port_spin.setValue(int(p.port))
        self.db_edit.setText(p.dbname)
        self.user_edit.setText(p.user)
        self.schema_edit.setText(p.schema)
        kept = remembered_password(p)
        self.password_edit.setText(kept or "")
        self.remember_box.setChecked(kept is not None)
        self._fields_changed()

    def _fields_changed(self) -> None:
        self.report = None
        self.tables_found = []
        self.table_list.clear()
        self.ok_button.setEnabled(False)

    def _new_profile(self) -> None:
        self.profile_list.setCurrentRow(-1)
        for edit in (self.name_edit, self.user_edit, self.password_edit):
            edit.clear()
        self.host_edit.setText("localhost")
        self.port_spin.setValue(5432)
        self.db_edit.setText("gisdesk")
        self.schema_edit.setText("public")
        self._fields_changed()

    def _delete_profile(self) -> None:
        row = self.profile_list.currentRow()
        if not 0 <= row < len(self.profiles):
            return
        del self.profiles[row]
        self.profile_list.takeItem(row)
        save_profiles(self.profiles, self.profiles_file)

    def save_current(self) -> ConnectionProfile | None:
        """Save the fields as a profile (the password only into the keyring, if ticked)."""
        try:
            profile = self.profile()
        except GisdeskError as exc:
            self._show(False, exc.message(language()))
            return None
        names = [p.name for p in self.profiles]
        if profile.name in names:
            self.profiles[names.index(profile.name)] = profile
        else:
            self.profiles.append(profile)
            self.profile_list.blockSignals(True)
            self.profile_list.addItem(QListWidgetItem(profile.name))
            self.profile_list.setCurrentRow(len(self.profiles) - 1)
            self.profile_list.blockSignals(False)
        save_profiles(self.profiles, self.profiles_file)
        self._remember(profile)
        return profile

    def _remember(self, profile: ConnectionProfile) -> None:
        password = self.password()
        if self.remember_box.isChecked() and password:
            remember_password(profile, password)

    # --- testing ------------------------------------------------------------------------

    def _show(self, ok: bool, text: str, details: str = "") -> None:
        colour = "#1b7f3b" if ok else "#b00020"
        self.result_label.setStyleSheet(f"color: {colour};")
        self.result_label.setText(text)
        self.details.setPlainText(details)
        self.details_button.setChecked(False)
        self.details_button.setVisible(bool(details))

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText(
            tr("隐藏详情", "Hide details") if shown else tr("显示详情", "Show details")
        )

    def test_connection(self) -> None:
        """Connect once in a worker thread (the dialog stays responsive), then show the
        result and list the schema's published layers (:meth:`_tested`)."""
        try:
            profile = self.profile()
        except GisdeskError as exc:
            self._show(False, exc.message(language()))
            return
        self._fields_changed()
        self._show(True, tr("正在连接…", "Connecting…"))
        self.test_button.setEnabled(False)
        self._probe_id += 1
        probe = self._probe_id
        task = Task(_probe, profile, self.password(), pass_hooks=False)
        task.signals.finished.connect(lambda result: self._tested(probe, profile, result))
        task.signals.failed.connect(
            lambda message, details: self._tested(
                probe, profile, (ConnectionReport(False, message, message, details=details), [])
            )
        )
        self._probe_task = run_task(task)

    def _tested(
        self,
        probe: int,
        profile: ConnectionProfile,
        result: tuple[ConnectionReport, list[TableInfo]],
    ) -> None:
        if probe != self._probe_id:  # an earlier test answering late
            return
        self.test_button.setEnabled(True)
        report, tables = result
        self.report = report
        text = report.message(language())
        if report.ok:
            text += tr(
                f" 模式“{profile.schema}”中有 {len(tables)} 个 gisdesk 图层。",
                f" Schema '{profile.schema}' has {len(tables)} gisdesk layer(s).",
            )
            self._remember(profile)
        self._show(report.ok, text, report.details)
        self.tables_found = tables
        for info in tables:
            label = f"{info.title or info.table}  [{info.table}]"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, info.table)
            self.table_list.addItem(item)
        self.tested.emit(report.ok)

    def _selection_changed(self) -> None:
        self.ok_button.setEnabled(bool(self.report and self.report.ok and self.selected_tables()))

    def _accept(self) -> None:
        if self.report is None or not self.report.ok or not self.selected_tables():
            return
        self.accept()


def _probe(
    profile: ConnectionProfile, password: str | None
) -> tuple[ConnectionReport, list[TableInfo]]:
    """Connect, then list the published layers (in a worker thread)."""
    from gisdesk.io.postgis.store import describe_tables

    report = check_connection(profile, password)
    tables: list[TableInfo] = []
    if report.ok:
        try:
            tables = describe_tables(profile, password)
        except GisdeskError as exc:
            zh, en, details = explain_gisdesk_error(exc)
            report = ConnectionReport(False, zh, en, details=details)
    return report, tables


# --- the window's commands ---------------------------------------------------------------


def install_postgis(window: WindowApi) -> PostgisController:
    """Add the PostGIS commands to the window's Project menu and return their controller."""
    return PostgisController(window)


class PostgisController(QObject):
    """The PostGIS commands of one window and the stores of the layers opened through them."""

    def __init__(self, window: WindowApi) -> None:
        super().__init__(window_widget(window))
        self.window = window
        self.stores: list[PostgisEditStore] = []
        # Tables with more rows than this open for the map view only (None: the default,
        # gisdesk.io.postgis.tables.LARGE_TABLE_ROWS).
        self.large_rows: int | None = None
        registry = window.registry
        for spec in (
            ActionSpec(
                "postgis_connect",
                "连接 PostGIS…",
                "Connect to PostGIS…",
                "project",
                self.ask_open,
                tip_zh="从 PostGIS 数据库打开共享图层",
                tip_en="Open shared layers from a PostGIS database",
            ),
            ActionSpec(
                "postgis_refresh",
                "刷新 PostGIS 图层",
                "Refresh PostGIS layers",
                "project",
                self.refresh,
            ),
            ActionSpec(
                "postgis_retry",
                "重试保存 PostGIS 修改",
                "Retry unsaved PostGIS edits",
                "project",
                self.retry,
            ),
        ):
            registry.add(spec)

    def _editor(self) -> Editor | None:
        return self.window.edits.editor

    def store_of(self, layer: str) -> PostgisEditStore | None:
        """The store keeping a layer, if it came from PostGIS."""
        return next((s for s in self.stores if s.handles(layer)), None)

    def ask_open(self) -> list[Layer]:
        """Show the dialog and open the chosen layers."""
        dialog = PostgisDialog(window_widget(self.window))
        if not dialog.exec():
            return []
        return self.open_layers(dialog.profile(), dialog.password(), dialog.selected_tables())

    def view_bbox(self) -> tuple[float, float, float, float] | None:
        """The map view as an EPSG:4490 box, enlarged by half on each side (None: no view).

        A window without layers has no view worth reading for: big tables then open whole.
        """
        from gisdesk.io.postgis.tables import view_bbox

        window = self.window
        canvas = window.canvas
        project = window.project
        if project is None or len(project) == 0:
            return None
        try:
            return view_bbox(canvas.viewport.extent, canvas.crs)
        except GisdeskError:
            return None

    def open_layers(
        self,
        profile: ConnectionProfile,
        password: str | None,
        tables: list[str],
        *,
        large_rows: int | None = None,
    ) -> list[Layer]:
        """Open tables of the profile's schema as layers of the current project.

        A table with more than ``large_rows`` rows (default :attr:`large_rows`) is read for
        the current map view only; the user is told so, and the refresh command reads it
        again for the view of the moment.
        """
        from gisdesk.io.postgis.store import PostgisEditStore
        from gisdesk.io.postgis.tables import LARGE_TABLE_ROWS, layer_name_for

        window = self.window
        view = self.view_bbox()
        limit_rows = large_rows if large_rows is not None else self.large_rows
        if limit_rows is None:
            limit_rows = LARGE_TABLE_ROWS
        if window.project is None:
            window.set_project(Project(title=tr("新项目", "New project")))
        project = window.project
        assert project is not None
        store = PostgisEditStore(profile, password)
        opened: list[Layer] = []
        try:
            for table in tables:
                layer = store.open_layer(
                    table,
                    name=project.unique_name(layer_name_for(table)),
                    view=view,
                    large_rows=limit_rows,
                )
                project.add_layer(layer)
                opened.append(layer)
                limit = layer.view_limit
                if limit is not None:
                    text = self._partial_message(layer.name, limit, opened=True)
                    window.log_message(text)
                    window.status(text)
                    continue
                window.log_message(
                    tr(
                        f"已从 PostGIS 打开图层 {layer.name}（{len(layer)} 个要素，"
                        f"{profile.describe()}）",
                        f"Opened layer {layer.name} from PostGIS ({len(layer)} features, "
                        f"{profile.describe()})",
                    )
                )
        except GisdeskError as exc:
            window.report_error(
                tr("无法打开 PostGIS 图层", "Cannot open the PostGIS layer"),
                *error_text("postgis open", exc),  # the server's own text as details
            )
        if opened:
            self.stores.append(store)
            editor = self._editor()
            stores = getattr(editor, "stores", None)
            if isinstance(stores, dict):  # the editor's per-layer stores
                for done in opened:
                    stores[done.name] = store
        else:
            store.close()
        return opened

    @staticmethod
    def _partial_message(name: str, limit: ViewLimit, *, opened: bool) -> str:
        about_zh, about_en = ("", "") if limit.exact else ("约 ", "about ")
        if opened:
            return tr(
                f"PostGIS 图层 {name} 数据量大（共{about_zh}{limit.total:,} 个要素），"
                f"只读取了当前视图范围内的 {limit.loaded:,} 个要素"
                f"（{limit.loaded:,} / {about_zh}{limit.total:,}）。"
                "平移或缩放地图后，请用“刷新 PostGIS 图层”读取新视图范围内的要素。",
                f"PostGIS layer {name} is large ({about_en}{limit.total:,} features): read "
                f"only the {limit.loaded:,} features in the current view "
                f"({limit.loaded:,} of {about_en}{limit.total:,}). After panning or zooming, "
                "use Refresh PostGIS layers to read the features of the new view.",
            )
        return tr(
            f"已按当前视图重新读取 PostGIS 图层 {name}：{limit.loaded:,} 个要素"
            f"（共{about_zh}{limit.total:,} 个）。",
            f"Read PostGIS layer {name} again for the current view: {limit.loaded:,} "
            f"features (of {about_en}{limit.total:,}).",
        )

    def refresh(self) -> None:
        """Read every PostGIS layer again: colleagues' saved edits appear.

        Layers opened for a map view (big tables) are read for the current view, replacing
        the features they held.
        """
        from gisdesk.io.postgis.tables import PostgisLayer

        project = self.window.project
        if project is None:
            return
        view = self.view_bbox()
        notes: list[str] = []
        for store in self.stores:
            for name in list(store.tables):
                if name not in project:
                    continue
                layer = project.layer(name)
                try:
                    store.refresh(layer, view=view)
                except GisdeskError as exc:
                    self.window.report_error(
                        tr("无法刷新 PostGIS 图层", "Cannot refresh the PostGIS layer"),
                        *error_text("postgis refresh", exc),
                    )
                    return
                limit = layer.view_limit if isinstance(layer, PostgisLayer) else None
                if limit is not None:
                    notes.append(self._partial_message(name, limit, opened=False))
        for note in notes:
            self.window.log_message(note)
        done = tr("PostGIS 图层已刷新。", "PostGIS layers refreshed.")
        self.window.log_message(done)
        self.window.status(" ".join([done, *notes]))

    def retry(self) -> None:
        """Write the edits the server did not confirm, oldest first."""
        editor = self._editor()
        waiting = sum(len(s.pending) for s in self.stores)
        if not waiting:
            self.window.log_message(tr("没有待重试的修改。", "No edits wait to be retried."))
            return
        for store in self.stores:
            try:
                saved = store.retry(editor)
            except ConflictError as exc:
                self.window.report_error(tr("修改冲突", "Edit conflict"), exc.message(language()))
                return
            except GisdeskError as exc:
                self.window.report_error(
                    tr("仍无法保存到 PostGIS", "Still cannot save to PostGIS"),
                    *error_text("postgis retry", exc),
                )
                return
            self.window.log_message(
                tr(
                    f"已重新保存 {len(saved)} 项修改到 PostGIS。",
                    f"Saved {len(saved)} edit(s) to PostGIS on retry.",
                )
            )
