"""The accident import wizard walks file -> columns -> result and lists every record and issue."""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QLineEdit, QTableView

from gisdesk.io.project_store import open_project
from gisdesk.ui.blackspots_import import AccidentImportWizard
from gisdesk.ui.i18n import language, set_language


def test_a_file_of_three_records_reaches_the_result_page_with_its_problem(
    qtbot, sample_path, tmp_path
):
    before = language()
    set_language("zh", remember=False)
    try:
        project = open_project(sample_path)
        where = project.layer("accidents").data.to_crs(4326).head(3).geometry
        csv = tmp_path / "事故.csv"
        pd.DataFrame(
            {
                "事故编号": ["A1", "A2", "A3"],
                "经度": where.x.to_numpy(),
                "纬度": where.y.to_numpy(),
                "事故日期": ["2024-03-01", "2024-03-02", "不是日期"],
            }
        ).to_csv(csv, index=False)
        wizard = AccidentImportWizard(project)
        qtbot.addWidget(wizard)
        titles = [wizard.page(i).title() for i in wizard.pageIds()]
        assert titles == ["选择事故记录文件", "确认列", "检查结果"]
        assert wizard.file_page.subTitle().startswith("交警事故台账")

        assert not wizard.file_page.isComplete()
        wizard.findChild(QLineEdit, "accident_file").setText(str(csv))
        assert wizard.file_page.isComplete()
        wizard.show()
        wizard.next()
        wizard.next()
        assert wizard.currentPage() is wizard.result_page

        issues = wizard.findChild(QTableView, "import_issues")
        records = wizard.findChild(QTableView, "import_records")
        assert issues.model() is wizard.result_page.issues_model
        assert records.model() is wizard.result_page.records_model
        assert records.model().rowCount() == 3  # every record, none dropped
        assert issues.model().rowCount() == 1  # the date that is not one
        assert issues.verticalHeader().isHidden() and records.verticalHeader().isHidden()
    finally:
        set_language(before, remember=False)
