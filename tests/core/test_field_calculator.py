"""The field calculator's logic on the sample villages: new and existing fields, one undo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gisdesk.core.editing import Editor
from gisdesk.core.errors import InputError
from gisdesk.core.field_calculator import (
    FieldCalculation,
    add_field,
    calculate,
    check_new_field_name,
)


@pytest.fixture
def editor(sample_path):
    from gisdesk.io.project_store import open_project

    return Editor(open_project(sample_path), user="测试")


def _commit(editor: Editor, calc: FieldCalculation) -> None:
    layer = editor.project.layer(calc.layer)
    result = calculate(layer, calc)
    editor.commit(result.label_zh, result.label_en, result.changes(editor, calc.layer, calc.field))


def test_people_per_household_into_a_new_field_then_undo(editor):
    villages = editor.project.layer("villages")
    before = villages.data.copy()
    calc = FieldCalculation("villages", "户均人口", "round(人口 / 户数, 2)", True, "float")
    add_field(villages, "户均人口", "float")
    _commit(editor, calc)
    expected = (before["population"] / before["households"]).round(2)
    np.testing.assert_allclose(villages.data["户均人口"].to_numpy(float), expected, rtol=1e-12)
    assert editor.can_undo and editor.undo_label().startswith("字段计算器：户均人口")
    assert len(editor.transactions) == 1  # one transaction for all 250 villages
    assert len(editor.transactions[0].changes) == len(before)
    editor.undo()
    assert villages.data["户均人口"].isna().all()  # values gone, the empty column stays
    pd.testing.assert_frame_equal(villages.data.drop(columns="户均人口"), before)
    editor.redo()
    assert villages.data["户均人口"].notna().all()


def test_only_selected_features_and_an_existing_int_field(editor):
    villages = editor.project.layer("villages")
    villages.set_selection([0, 2])
    old = villages.data["households"].copy()
    calc = FieldCalculation("villages", "households", "户数 + 0.6", selected_only=True)
    preview = calculate(villages, calc, limit=1)
    assert preview.computed == (int(old.iloc[0]) + 1,)  # int field: rounded
    _commit(editor, calc)
    assert villages.data["households"].iloc[0] == old.iloc[0] + 1
    assert villages.data["households"].iloc[1] == old.iloc[1]
    assert villages.data["households"].iloc[2] == old.iloc[2] + 1
    editor.undo()
    pd.testing.assert_series_equal(villages.data["households"], old)


def test_text_into_a_new_text_field(editor):
    villages = editor.project.layer("villages")
    add_field(villages, "label", "str")
    calc = FieldCalculation("villages", "label", "村名 || '（' || 户数 || '户）'", True, "str")
    _commit(editor, calc)
    first = villages.data.iloc[0]
    assert first["label"] == f"{first['name']}（{first['households']}户）"


def test_schema_rules_and_refusals(editor):
    villages = editor.project.layer("villages")
    # the schema's range for households refuses negative numbers: nothing changes
    calc = FieldCalculation("villages", "households", "0 - 户数")
    result = calculate(villages, calc)
    with pytest.raises(InputError):
        editor.commit("x", "x", result.changes(editor, "villages", "households"))
    assert (villages.data["households"] > 0).all()
    assert not editor.can_undo
    with pytest.raises(InputError, match="不能写入数字字段"):
        calculate(villages, FieldCalculation("villages", "households", "村名"))
    with pytest.raises(InputError, match="没有选中的要素"):
        calculate(villages, FieldCalculation("villages", "population", "1", selected_only=True))
    with pytest.raises(InputError, match="计算表达式"):
        calculate(villages, FieldCalculation("villages", "population", "人口 +"))
    with pytest.raises(InputError, match="没有字段"):
        calculate(villages, FieldCalculation("villages", "nope", "1"))
    for bad in ("", "1abc", "a b", "population", "户数", "geometry", "x" * 64):
        with pytest.raises(InputError):
            check_new_field_name(villages, bad)
    assert check_new_field_name(villages, " 户均人口 ") == "户均人口"
