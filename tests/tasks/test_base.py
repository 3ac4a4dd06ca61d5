"""The pieces every task shares (gisdesk.tasks.base)."""

from __future__ import annotations

import pytest

from gisdesk.tasks.base import Result, SummaryTable
from gisdesk.tasks.camera_gaps import CameraGapsRequest


class _Titles:
    """A layer source that knows only titles (all Result.of asks of it)."""

    def title(self, name: str) -> str:
        return {"cameras": "监控卡口", "roads": "道路"}.get(name, name)


def test_a_result_of_a_request_carries_its_kind_the_request_and_the_source_titles():
    request = CameraGapsRequest(cameras="cameras", roads="roads")
    result = Result.of(
        request,
        _Titles(),  # type: ignore[arg-type]
        title_zh="间距",
        title_en="Gaps",
        layers=[],
        summary=SummaryTable((), ()),
    )
    assert result.kind == "camera_gaps" == request.kind
    assert result.request is request
    assert result.sources == (("cameras", "监控卡口"), ("roads", "道路"))
    assert result.title("en") == "Gaps"
    assert result.ok is True and result.notes == ()


def test_a_result_cites_the_layers_named_instead_of_the_request_sources():
    request = CameraGapsRequest(cameras="cameras", roads="roads")
    result = Result.of(
        request,
        _Titles(),  # type: ignore[arg-type]
        iter(["roads", "towns"]),
        title_zh="间距",
        title_en="Gaps",
        layers=[],
        summary=SummaryTable((), ()),
        ok=False,
    )
    assert result.sources == (("roads", "道路"), ("towns", "towns"))
    assert result.ok is False


def test_a_field_a_result_does_not_have_is_refused():
    with pytest.raises(TypeError):
        Result.of(
            CameraGapsRequest(),
            _Titles(),  # type: ignore[arg-type]
            title_zh="间距",
            title_en="Gaps",
            layers=[],
            summary=SummaryTable((), ()),
            colour="red",
        )
