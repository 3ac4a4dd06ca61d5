"""Every task's run is its body under ``task``: the request is checked first, the hooks reach it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from gisdesk.core.errors import Cancelled, InputError
from gisdesk.core.progress import CancelToken
from gisdesk.tasks import TASKS, ProjectSource
from gisdesk.tasks.base import Result
from gisdesk.tasks.camera_gaps import CameraGapsRequest
from gisdesk.tasks.camera_gaps import run as camera_gaps_run
from gisdesk.tasks.job import Job, task


class _Untouchable:
    """A source that fails the test if the task reads anything from it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the source was used ({name}) before the request was checked")


@dataclass(frozen=True)
class _Request:
    kind: ClassVar[str] = "probe"
    bad: bool = False

    def validate(self) -> None:
        if self.bad:
            raise InputError("坏值。", "Bad value.")

    def sources(self) -> list[str]:
        return []

    def to_record(self) -> dict[str, Any]:
        return {"kind": self.kind, "bad": self.bad}


def test_a_bad_request_stops_before_the_body_and_a_good_one_gets_its_job():
    seen: list[tuple[Job[Any], _Request, dict[str, Any]]] = []

    @task
    def run(job: Job[Any], request: _Request, **writers: Any) -> Result:
        seen.append((job, request, writers))
        raise StopIteration  # the body's own result does not matter here

    with pytest.raises(InputError, match="坏值"):
        run(_Untouchable(), _Request(bad=True))  # type: ignore[arg-type]
    assert seen == []

    token, calls = CancelToken(), []

    def progress(fraction: float, message: str) -> None:
        calls.append((fraction, message))

    with pytest.raises(StopIteration):
        run("source", _Request(), progress, token, draw="drawer")  # type: ignore[arg-type]
    job, request, writers = seen[0]
    assert (job.source, job.progress, job.cancel) == ("source", progress, token)
    assert job.hooks == {"progress": progress, "cancel": token}
    assert request == _Request() and writers == {"draw": "drawer"}
    job.report(1.5, "完成")
    assert calls == [(1.0, "完成")]  # clamped to [0, 1], as every progress report is
    job.check_cancel()
    token.cancel()
    with pytest.raises(Cancelled):
        job.check_cancel()


def test_every_registered_task_runs_through_task():
    for spec in TASKS.values():
        assert callable(getattr(spec.run, "__wrapped__", None)), spec.kind


def test_a_task_rejects_a_bad_value_before_reading_a_layer():
    with pytest.raises(InputError, match="监控卡口"):
        camera_gaps_run(_Untouchable(), CameraGapsRequest(cameras=""))  # type: ignore[arg-type]


def test_a_cancelled_run_stops_with_cancelled(sample_project):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        camera_gaps_run(ProjectSource(sample_project), CameraGapsRequest(), cancel=token)
