"""One run of a task, and the decorator that makes a task module's ``run`` from its body.

Every task module offers ``run(source, request, progress=None, cancel=None, **writers)``
(what :func:`gisdesk.tasks.run_request` calls). The module writes only the body,
``body(job, request, **writers)``, under :func:`task`, which validates the request first and
hands the body one :class:`Job`: where the layers come from and the caller's progress and
cancel hooks, with the helpers every task used to repeat.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Generic, Protocol, TypeVar

from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report

if TYPE_CHECKING:
    from gisdesk.tasks.base import LayerSource, Request, Result

__all__ = ["Job", "TaskRun", "task"]

S = TypeVar("S", bound="LayerSource")
R = TypeVar("R", bound="Request")
S_contra = TypeVar("S_contra", bound="LayerSource", contravariant=True)
R_contra = TypeVar("R_contra", bound="Request", contravariant=True)


@dataclass(frozen=True)
class Job(Generic[S]):
    """One run of a task: the source of its layers and the caller's progress and cancel."""

    source: S
    progress: ProgressCallback | None = None
    cancel: CancelToken | None = None

    @property
    def hooks(self) -> dict[str, Any]:
        """``progress`` and ``cancel`` as keywords, for the analyses and writers taking them."""
        return {"progress": self.progress, "cancel": self.cancel}

    def report(self, fraction: float, message: str) -> None:
        """Tell the caller how far the run is (a fraction in [0, 1] and a short message)."""
        report(self.progress, fraction, message)

    def check_cancel(self) -> None:
        """Raise :class:`~gisdesk.core.errors.Cancelled` if the caller asked to stop."""
        check_cancel(self.cancel)


class TaskRun(Protocol[S_contra, R_contra]):
    """A task module's ``run``."""

    def __call__(
        self,
        source: S_contra,
        request: R_contra,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        **writers: Any,
    ) -> Result: ...


def task(body: Callable[Concatenate[Job[S], R, ...], Result]) -> TaskRun[S, R]:
    """Return a task's ``run(source, request, progress=None, cancel=None, **writers)``.

    The request is validated (a bad value raises its bilingual InputError before any layer
    is read); then ``body(Job(source, progress, cancel), request, **writers)`` runs.
    """

    @functools.wraps(body)
    def run(
        source: S,
        request: R,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        **writers: Any,
    ) -> Result:
        request.validate()
        return body(Job(source, progress, cancel), request, **writers)

    return run
