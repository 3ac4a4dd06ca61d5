"""Errors gisdesk raises, each written for the person who has to fix the input.

Every error carries a Chinese and an English message; ``str(err)`` gives both, so a log or
a terminal shows something useful whichever language the reader works in.
"""

from __future__ import annotations

from gisdesk.core.i18n import tr

__all__ = [
    "CRSError",
    "Cancelled",
    "ConflictError",
    "GisdeskError",
    "InputError",
    "ProjectBusyError",
    "ProjectError",
    "ProjectReadOnlyError",
    "SchemaError",
    "StyleError",
]


class GisdeskError(Exception):
    """Base of all gisdesk errors: a user-facing message in Chinese and English."""

    def __init__(self, zh: str, en: str | None = None, *, details: str = "") -> None:
        self.zh = zh
        self.en = en if en is not None else zh
        # technical text for a details button and the log (a driver's own message), not
        # for the message itself
        self.details = details
        super().__init__(self.en)

    def message(self, language: str = "zh") -> str:
        """Return the message in the given language ("zh" or "en")."""
        return tr(self.zh, self.en, language)

    def __str__(self) -> str:
        if self.zh == self.en:
            return self.en
        return f"{self.zh} / {self.en}"


class InputError(GisdeskError):
    """Input data or arguments the user has to correct."""


class CRSError(InputError):
    """A missing, wrong or unusable coordinate reference system."""


class SchemaError(InputError):
    """A schema file or a layer that does not fit its schema."""


class StyleError(InputError):
    """A style file that cannot be understood."""


class ProjectError(GisdeskError):
    """A project file that cannot be opened or saved."""


class ProjectReadOnlyError(ProjectError):
    """A project file (or its folder) this user may not write: it is left as it is."""


class ProjectBusyError(ProjectError):
    """Another program (or window) is writing the project; ``holder`` says who, if known.

    ``holder`` has the keys ``user``, ``host``, ``pid``, ``since`` and ``purpose``.
    """

    def __init__(self, zh: str, en: str, *, holder: dict[str, object] | None = None) -> None:
        super().__init__(zh, en)
        self.holder = holder


class ConflictError(GisdeskError):
    """An edit of a feature that someone else changed since it was read; nothing was written.

    Carries both versions so the user can choose: ``server`` (the feature as stored now,
    ``None`` if deleted) and ``local`` (the values the user wanted, ``None`` for a delete).
    """

    def __init__(
        self,
        zh: str,
        en: str,
        *,
        layer: str,
        fid: int,
        server: dict[str, object] | None,
        local: dict[str, object] | None,
    ) -> None:
        super().__init__(zh, en)
        self.layer = layer
        self.fid = fid
        self.server = server
        self.local = local


class Cancelled(GisdeskError):  # noqa: N818 - it is an outcome, not a failure
    """Long work stopped because the user cancelled it."""

    def __init__(self) -> None:
        super().__init__("操作已取消", "Cancelled by the user")
