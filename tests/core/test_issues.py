"""A layer's report records issues under its own name."""

from __future__ import annotations

from gisdesk.core.issues import Issue, ValidationReport
from gisdesk.core.validation import Issue as ReExported


def test_error_and_warning_record_issues_of_the_layer():
    report = ValidationReport(layer="村庄")
    err = report.error("type", "不是整数。", "Not an integer.", row=4, field="pop")
    warn = report.warning("crs", "坐标系不同。", "Another CRS.")
    assert err == Issue("error", "村庄", 4, "pop", "type", "不是整数。", "Not an integer.")
    assert warn == Issue("warning", "村庄", None, None, "crs", "坐标系不同。", "Another CRS.")
    assert report.issues == [err, warn]
    assert report.errors == [err] and report.warnings == [warn] and not report.ok
    assert err.message("zh") == "[村庄] 第 5 行字段“pop”：不是整数。"
    assert warn.message("en") == "[村庄] Another CRS."
    assert list(report.to_frame()["code"]) == ["type", "crs"]


def test_validation_still_exports_issue():
    assert ReExported is Issue
