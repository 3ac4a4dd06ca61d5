"""The accident import wizard: police CSV / Excel sheets into an accidents layer.

Three pages: the file, its coordinate system and the road layer stakes are placed on; the
columns (recognised Chinese headers pre-selected, the rest mapped by the user) with the first
rows; and the result before anything changes: how many rows were placed by coordinates or by
stake (桩号), the match quality of each, and every row that could not be placed or has a bad
value, by spreadsheet row. Finishing adds the layer; nothing is dropped (rows that could not
be placed keep an empty geometry and quality ``unmatched``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from gisdesk.analysis.blackspots.matching import locate_accidents
from gisdesk.core.errors import GisdeskError, InputError
from gisdesk.core.layer import Layer, LayerMetadata, check_layer_name
from gisdesk.core.project import Project
from gisdesk.core.schema import coerce_to_schema
from gisdesk.io.accidents import AccidentImport, read_accidents, recognise_columns
from gisdesk.io.crs_options import COORDINATE_SYSTEMS
from gisdesk.io.schemas import load_schemas
from gisdesk.io.styles import load_styles
from gisdesk.io.tables import read_table, sheet_names
from gisdesk.ui import plain_text
from gisdesk.ui.file_dialogs import ask_open_path
from gisdesk.ui.form_widgets import path_row
from gisdesk.ui.i18n import language, tr
from gisdesk.ui.import_dialog import FrameModel, cell_text, frame_table, warning_text

__all__ = ["FIELD_LABELS", "QUALITY_LABELS", "AccidentImportWizard"]

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "case_no": ("事故编号", "Case number"),
    "datetime": ("事故时间（日期和时刻）", "Date and time"),
    "date": ("事故日期", "Date"),
    "time": ("时刻", "Time of day"),
    "deaths": ("死亡人数", "Deaths"),
    "injuries": ("受伤人数", "Injuries"),
    "property_loss": ("直接财产损失（元）", "Property loss (yuan)"),
    "type": ("事故形态", "Accident type"),
    "procedure": ("处理程序", "Procedure"),
    "vehicles": ("涉事车辆数", "Vehicles"),
    "road": ("道路名称", "Road name"),
    "stake_km": ("桩号", "Stake (km)"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
}
"""Display names of the standard accident fields (keys of ``ACCIDENT_COLUMNS``)."""

QUALITY_LABELS: dict[str, tuple[str, str]] = {
    "good": ("良好", "good"),
    "fair": ("一般", "fair"),
    "ambiguous": ("不确定", "ambiguous"),
    "unmatched": ("未匹配", "unmatched"),
}

_KEEP = (
    "row", "case_no", "date", "time", "deaths", "injuries", "property_loss", "type",
    "procedure", "vehicles", "road", "stake_km", "valid", "match_quality", "match_distance_m",
    "match_road", "match_road_id", "measure_km", "located_by",
)  # fmt: skip
_SHOWN = (
    "row", "case_no", "date", "deaths", "injuries", "road", "stake_km", "match_quality",
    "match_distance_m", "located_by",
)  # fmt: skip
_UNSET = ""
_HOW = {"stake": ("桩号", "stake"), "coordinates": ("坐标", "coordinates")}


def _field_title(name: str) -> str:
    if name in FIELD_LABELS:
        return tr(*FIELD_LABELS[name])
    other = {"location": ("位置", "location"), "lon/lat": ("经纬度", "lon/lat")}
    return tr(*other.get(name, (name, name)))


_BAD_ROW = QColor("#fddbc7")


def _line_layers(project: Project) -> list[tuple[str, str]]:
    out = []
    for layer in reversed(project.layers):
        types = set(layer.data.geom_type.dropna().unique())
        if any("Line" in str(t) for t in types):
            out.append((layer.name, layer.title))
    return out


class _Page(QWizardPage):
    """A page of the wizard with its title and the line under it that says what it asks."""

    def __init__(self, wizard: AccidentImportWizard, title: str, subtitle: str) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(title)
        self.setSubTitle(subtitle)


class _FilePage(_Page):
    def __init__(self, wizard: AccidentImportWizard) -> None:
        super().__init__(
            wizard,
            tr("选择事故记录文件", "Choose the accident records"),
            tr(
                "交警事故台账（CSV 或 Excel）：位置为经纬度，或道路名称加桩号（如 K12+300）。",
                "Police accident records (CSV or Excel): located by lon/lat, or by road name "
                "and stake (e.g. K12+300).",
            ),
        )
        self.path, row = path_row("accident_file", self._browse)
        self.sheet = QComboBox()
        self.sheet.setObjectName("sheet")
        self.sheet.setEnabled(False)
        self.system = QComboBox()
        self.system.setObjectName("system")
        for key, (zh, en) in COORDINATE_SYSTEMS.items():
            self.system.addItem(zh if language() == "zh" else en, key)
        self.system.setCurrentIndex(self.system.findData("WGS84"))
        self.roads = QComboBox()
        self.roads.setObjectName("roads")
        for name, title in _line_layers(wizard.project):
            self.roads.addItem(f"{title}（{name}）", name)
        if self.roads.findData("roads") >= 0:
            self.roads.setCurrentIndex(self.roads.findData("roads"))
        note = QLabel(
            tr(
                "经纬度从高德/腾讯地图取得的选 GCJ-02，百度地图选 BD-09，GPS 选 WGS84；"
                "选错会偏移约 500 米。按桩号定位的记录沿所选道路图层的桩号放置。",
                "Coordinates from Amap/Tencent are GCJ-02, from Baidu BD-09, from a GPS "
                "WGS84; a wrong choice shifts points by about 500 m. Records with stakes are "
                "placed along the chosen road layer.",
            )
        )
        note.setWordWrap(True)
        self.error = plain_text.plain_label("")  # messages quote the data
        self.error.setObjectName("page_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b2182b;")
        form = QFormLayout(self)
        form.addRow(tr("文件", "File"), row)
        form.addRow(tr("工作表", "Sheet"), self.sheet)
        form.addRow(tr("经纬度坐标系", "Lon/lat system"), self.system)
        form.addRow(tr("道路图层", "Road layer"), self.roads)
        form.addRow(note)
        form.addRow(self.error)
        self.path.textChanged.connect(lambda _t: self.completeChanged.emit())
        self.path.textChanged.connect(self._list_sheets)

    def _list_sheets(self, text: str) -> None:
        """List an Excel workbook's sheets (the first one chosen); nothing for a CSV."""
        self.sheet.clear()
        names = sheet_names(Path(text.strip())) if text.strip() else []
        for name in names:
            self.sheet.addItem(name, name)
        self.sheet.setEnabled(len(names) > 1)

    def _browse(self) -> None:
        path = ask_open_path(
            self,
            tr("选择事故记录", "Choose accident records"),
            tr("表格", "Tables") + " (*.csv *.txt *.xlsx *.xls)",
        )
        if path is not None:
            self.path.setText(str(path))

    def isComplete(self) -> bool:
        """A file must be named, and a road layer exist to place the records on."""
        return bool(self.path.text().strip()) and self.roads.count() > 0

    def validatePage(self) -> bool:
        """Read the table (errors stay on the page)."""
        self.error.setText("")
        try:
            sheet = self.sheet.currentData() if self.sheet.count() else 0
            self.wiz.table = read_table(Path(self.path.text().strip()), sheet=sheet)
        except GisdeskError as exc:
            self.error.setText(exc.message(language()))
            return False
        if len(self.wiz.table) == 0:
            self.error.setText(tr("表格没有数据行。", "The table has no data rows."))
            return False
        return True


class _ColumnsPage(_Page):
    def __init__(self, wizard: AccidentImportWizard) -> None:
        super().__init__(
            wizard,
            tr("确认列", "Confirm the columns"),
            tr(
                "已按常用表头识别；其余请指定。位置需要“经度+纬度”或“道路名称+桩号”，日期必填。",
                "Usual headers are recognised; map the rest. Location needs longitude + "
                "latitude or road name + stake; the date is required.",
            ),
        )
        self.mapping = QTableWidget(len(FIELD_LABELS), 2)
        self.mapping.setObjectName("column_mapping")
        self.mapping.setHorizontalHeaderLabels([tr("字段", "Field"), tr("表中的列", "Column")])
        self.mapping.verticalHeader().hide()
        self.mapping.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.combos: dict[str, QComboBox] = {}
        for i, (key, (zh, en)) in enumerate(FIELD_LABELS.items()):
            item = QTableWidgetItem(zh if language() == "zh" else en)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.mapping.setItem(i, 0, item)
            combo = QComboBox()
            combo.setObjectName(f"column_{key}")
            self.mapping.setCellWidget(i, 1, combo)
            self.combos[key] = combo
        self.mapping.resizeColumnToContents(0)
        self.preview_model = FrameModel(parent=self)
        self.preview = QTableView()
        self.preview.setModel(self.preview_model)
        self.error = plain_text.plain_label("")  # messages quote the data
        self.error.setObjectName("page_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b2182b;")
        layout = QHBoxLayout()
        layout.addWidget(self.mapping, 2)
        right = QVBoxLayout()
        right.addWidget(QLabel(tr("表格前几行", "First rows")))
        right.addWidget(self.preview)
        layout.addLayout(right, 3)
        outer = QVBoxLayout(self)
        outer.addLayout(layout)
        outer.addWidget(self.error)

    def initializePage(self) -> None:
        """Fill the drop-downs with the table's columns, recognised ones pre-selected."""
        table = self.wiz.table
        assert table is not None
        columns = [str(c) for c in table.columns]
        found = recognise_columns(table)
        for key, combo in self.combos.items():
            combo.clear()
            combo.addItem(tr("（不使用）", "(not used)"), _UNSET)
            for column in columns:
                combo.addItem(column, column)
            if key in found:
                combo.setCurrentIndex(combo.findData(found[key]))
        self.preview_model.set_frame(table.head(8))
        self.preview.resizeColumnsToContents()

    def chosen(self) -> dict[str, str]:
        """Standard field -> column, as chosen."""
        return {k: c.currentData() for k, c in self.combos.items() if c.currentData()}

    def validatePage(self) -> bool:
        """Read and place the records; stay on the page with the reason when impossible."""
        self.error.setText("")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.wiz.run_import(self.chosen())
        except GisdeskError as exc:
            self.error.setText(exc.message(language()))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        return True


class _ResultPage(_Page):
    def __init__(self, wizard: AccidentImportWizard) -> None:
        super().__init__(
            wizard,
            tr("检查结果", "Check the result"),
            tr(
                "未能定位和有问题的记录逐行列出，不会被丢弃；点“加入项目”后才会添加图层。",
                "Records that could not be placed or have problems are listed row by row, "
                "never dropped; the layer is added only with “Add to project”.",
            ),
        )
        self.summary = plain_text.plain_label("")
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)
        self.issues_model, self.issues = frame_table(self, "import_issues")
        self.records_model, self.records = frame_table(self, "import_records")
        self.name = QLineEdit()
        self.name.setObjectName("layer_name")
        self.error = plain_text.plain_label("")  # messages quote the data
        self.error.setObjectName("page_error")
        self.error.setStyleSheet("color: #b2182b;")
        form = QFormLayout()
        form.addRow(tr("图层名称", "Layer name"), self.name)
        outer = QVBoxLayout(self)
        outer.addWidget(self.summary)
        outer.addWidget(
            QLabel(tr("问题记录（行号按表格计，表头为第 1 行）", "Problems (sheet rows)"))
        )
        outer.addWidget(self.issues, 2)
        outer.addWidget(QLabel(tr("导入结果", "Records")))
        outer.addWidget(self.records, 3)
        outer.addLayout(form)
        outer.addWidget(self.error)

    def initializePage(self) -> None:
        """Show the placement summary, the problems and the records."""
        wiz = self.wiz
        assert wiz.located is not None
        self.summary.setText(wiz.summary_text())
        issues = wiz.issues
        headers = [tr("行", "Row"), tr("字段", "Field"), tr("值", "Value"), tr("问题", "Problem")]
        shown = pd.DataFrame(
            {
                "row": issues["row"],
                "field": [_field_title(str(f)) for f in issues["field"]],
                "value": issues["value"],
                "issue": issues["issue_zh" if language() == "zh" else "issue_en"],
            }
        )
        unplaced = set(wiz.unplaced_rows())
        colours = {i: _BAD_ROW for i, r in enumerate(shown["row"]) if int(r) in unplaced}
        self.issues_model.set_frame(shown, headers, colours)
        self.issues.resizeColumnsToContents()
        self.issues.horizontalHeader().setStretchLastSection(True)
        located = wiz.located
        cols = [c for c in _SHOWN if c in located]
        frame = pd.DataFrame(located[cols]).head(500)
        frame["match_quality"] = [
            tr(*QUALITY_LABELS.get(str(q), (str(q), str(q)))) for q in frame["match_quality"]
        ]
        if "located_by" in frame:
            frame["located_by"] = [
                tr(*_HOW.get(str(h), (cell_text(h), cell_text(h)))) for h in frame["located_by"]
            ]
        bad = {i for i, r in enumerate(frame["row"]) if int(r) in unplaced}
        self.records_model.set_frame(
            frame, [wiz.column_title(c) for c in cols], dict.fromkeys(bad, _BAD_ROW)
        )
        self.records.resizeColumnsToContents()
        if not self.name.text():
            self.name.setText(wiz.project.unique_name("accidents_import"))

    def validatePage(self) -> bool:
        """Build the layer (a name the project does not have yet)."""
        self.error.setText("")
        try:
            self.wiz.layer = self.wiz.build_layer(self.name.text().strip())
        except GisdeskError as exc:
            self.error.setText(exc.message(language()))
            return False
        return True


class AccidentImportWizard(QWizard):
    """Import police accident records into a new accidents layer (see the module doc)."""

    def __init__(
        self, project: Project, parent: QWidget | None = None, *, path: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("accident_import_wizard")
        self.project = project
        self.table: pd.DataFrame | None = None
        self.imported: AccidentImport | None = None
        self.located: gpd.GeoDataFrame | None = None
        self.issues = pd.DataFrame(columns=["row", "field", "value", "issue_zh", "issue_en"])
        self.layer: Layer | None = None
        self.setWindowTitle(tr("导入事故记录", "Import accident records"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.file_page = _FilePage(self)
        self.columns_page = _ColumnsPage(self)
        self.result_page = _ResultPage(self)
        for page in (self.file_page, self.columns_page, self.result_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.NextButton, tr("下一步 >", "Next >"))
        self.setButtonText(QWizard.WizardButton.BackButton, tr("< 上一步", "< Back"))
        self.setButtonText(QWizard.WizardButton.FinishButton, tr("加入项目", "Add to project"))
        self.setButtonText(QWizard.WizardButton.CancelButton, tr("取消", "Cancel"))
        self.resize(900, 640)
        if path is not None:
            self.file_page.path.setText(str(path))

    # --- the work the pages ask for ------------------------------------------------------

    def run_import(self, mapping: dict[str, str]) -> None:
        """Read the records with the chosen columns and place them on the road layer."""
        assert self.table is not None
        used = list(dict.fromkeys(mapping.values()))
        # only the chosen columns: a column the user set to "not used" is not recognised again
        subset = self.table[used]
        system = self.file_page.system.currentData()
        self.imported = read_accidents(subset, system=system, mapping=mapping)
        roads_name = self.file_page.roads.currentData()
        if not roads_name or roads_name not in self.project:
            raise InputError("请选择道路图层。", "Choose a road layer.")
        roads = self.project.layer(roads_name).data
        located, match_issues = locate_accidents(self.imported.accidents, roads)
        self.located = located
        frames = [f for f in (self.imported.issues, match_issues) if len(f)]
        issues = pd.concat(frames, ignore_index=True) if frames else self.issues.iloc[:0]
        self.issues = issues.sort_values("row", kind="stable").reset_index(drop=True)

    def unplaced_rows(self) -> list[int]:
        """Sheet rows of the records that could not be placed on a road."""
        if self.located is None:
            return []
        bad = self.located["match_quality"] == "unmatched"
        return [int(r) for r in self.located.loc[bad, "row"]]

    def counts(self) -> dict[str, Any]:
        """Rows, how they were located, match qualities and problems (for the summary)."""
        assert self.located is not None
        located = self.located
        quality = located["match_quality"].value_counts()
        how = located["located_by"].value_counts()
        return {
            "rows": len(located),
            "coordinates": int(how.get("coordinates", 0)),
            "stake": int(how.get("stake", 0)),
            **{q: int(quality.get(q, 0)) for q in QUALITY_LABELS},
            "problems": len(self.issues),
            "problem_rows": int(self.issues["row"].nunique()) if len(self.issues) else 0,
        }

    def summary_text(self) -> str:
        """One paragraph for the result page and the log."""
        c = self.counts()
        lang = language()
        quality = "，".join(f"{tr(*QUALITY_LABELS[q])} {c[q]}" for q in QUALITY_LABELS)
        conversions = (
            "；".join(warning_text(x, lang) for x in self.imported.conversions)
            if self.imported is not None
            else ""
        )
        return tr(
            f"共 {c['rows']} 条记录：按坐标定位 {c['coordinates']} 条，按桩号定位 {c['stake']} 条；"
            f"匹配质量：{quality}。未能定位 {c['unmatched']} 条；"
            f"问题 {c['problems']} 条（涉及 {c['problem_rows']} 行）。{conversions}",
            f"{c['rows']} records: {c['coordinates']} placed by coordinates, {c['stake']} by "
            f"stake; match quality: {quality.replace('，', ', ')}. {c['unmatched']} could not be "
            f"placed; {c['problems']} problems in {c['problem_rows']} rows. {conversions}",
        )

    @staticmethod
    def column_title(name: str) -> str:
        """A column's display name."""
        extra = {
            "row": ("行", "Row"),
            "match_quality": ("匹配质量", "Match"),
            "match_distance_m": ("距道路（米）", "Distance (m)"),
            "located_by": ("定位方式", "Located by"),
        }
        zh, en = FIELD_LABELS.get(name) or extra.get(name, (name, name))
        return tr(zh, en)

    def build_layer(self, name: str) -> Layer:
        """The accidents layer to add (schema and style of the accidents layer type)."""
        assert self.located is not None and self.imported is not None
        check_layer_name(name)
        if name in self.project:
            raise InputError(
                f"项目中已有图层“{name}”，请换一个名称。",
                f"The project already has a layer '{name}'; choose another name.",
            )
        located = self.located
        keep = [c for c in _KEEP if c in located.columns]
        schema = load_schemas().get("accidents")
        data = pd.DataFrame(located[keep])
        if schema is not None:
            data = coerce_to_schema(data, schema)
        gdf = gpd.GeoDataFrame(data, geometry=located.geometry.to_numpy(), crs=located.crs)
        style = load_styles().get(schema.style) if schema is not None else None
        source = Path(self.file_page.path.text()).name
        return Layer(
            name,
            gdf,
            schema=schema,
            style=style,
            title=tr(f"事故记录（{source}）", f"Accidents ({source})"),
            metadata=LayerMetadata(
                source_zh=f"导入自 {source}",
                source_en=f"imported from {source}",
                conversions=list(self.imported.conversions),
            ),
        )
