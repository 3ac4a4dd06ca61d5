"""frame_table: the read-only table of a DataFrame that issue, candidate and history lists use."""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QWidget

from gisdesk.ui.import_dialog import FrameModel, frame_table


def test_the_view_shows_its_model_named_and_without_row_numbers(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    model, view = frame_table(host, "import_issues")
    qtbot.addWidget(view)
    assert isinstance(model, FrameModel) and model.parent() is host
    assert view.model() is model and view.objectName() == "import_issues"
    assert view.verticalHeader().isHidden()
    assert model.rowCount() == 0
    model.set_frame(pd.DataFrame({"row": [3, 7], "issue": ["缺少日期", "桩号无效"]}))
    assert model.rowCount() == 2
    assert view.model().index(1, 1).data() == "桩号无效"
