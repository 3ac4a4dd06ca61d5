"""Read gisdesk's own state in a project file (settings, styles, metadata) without failing.

That state is JSON text in the ``gisdesk_project`` and ``gisdesk_layers`` tables. Another
program, a hand edit or a broken copy can leave it unreadable. The layers themselves are
then still fine, so the project opens: each damaged entry is replaced by its default (no
settings, the layer type's default style, empty metadata) and reported as an
:class:`~gisdesk.core.validation.Issue` in ``Project.load_problems``. ``gisdesk validate``
lists those issues as errors, ``gisdesk info`` and the other commands warn, and the window
says so when it opens the project. Saving the project writes the defaults in their place.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from gisdesk.core.errors import GisdeskError
from gisdesk.core.layer import LayerMetadata
from gisdesk.core.style import LayerStyle
from gisdesk.core.validation import Issue

__all__ = [
    "PROJECT_ENTRY",
    "parse_metadata",
    "parse_opacity",
    "parse_settings",
    "parse_style",
    "stored_settings",
]

PROJECT_ENTRY = "项目设置"
"""The ``layer`` of issues about the project's own settings (not about one layer)."""

_SHOWN = 120


def _reason(exc: BaseException, language: str) -> str:
    """What was wrong: gisdesk's own message in the language, else the Python error."""
    if isinstance(exc, GisdeskError):
        text = exc.message(language)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _issue(layer: str, code: str, zh: str, en: str) -> Issue:
    return Issue("error", layer, None, None, code, zh, en)


def parse_settings(raw: Mapping[str, str]) -> tuple[dict[str, Any], list[Issue]]:
    """Decode the ``gisdesk_project`` rows (key -> JSON text); damaged entries become issues.

    Returns the decoded entries (damaged ones left out; ``settings`` always a dict, ``title``
    a string when present) and the issues.
    """
    out: dict[str, Any] = {}
    problems: list[Issue] = []
    for key, text in raw.items():
        try:
            value = json.loads(text)
        except (TypeError, ValueError) as exc:
            problems.append(
                _issue(
                    PROJECT_ENTRY,
                    "settings-damaged",
                    f"项目文件中的“{key}”已损坏，无法读取（{_reason(exc, 'zh')}），已按默认值打开；"
                    "保存项目会以默认值替换它。",
                    f"The project's '{key}' entry is damaged and cannot be read "
                    f"({_reason(exc, 'en')}); it was opened with defaults, and saving the "
                    "project replaces it with them.",
                )
            )
            continue
        expected = {"settings": dict, "title": str, "format_version": int}.get(key)
        if expected is not None and (not isinstance(value, expected) or isinstance(value, bool)):
            problems.append(
                _issue(
                    PROJECT_ENTRY,
                    "settings-damaged",
                    f"项目文件中的“{key}”类型不对（应为 {expected.__name__}，实为 "
                    f"{type(value).__name__}），已按默认值打开。",
                    f"The project's '{key}' entry has the wrong type ({type(value).__name__} "
                    f"instead of {expected.__name__}); it was opened with defaults.",
                )
            )
            continue
        out[key] = value
    return out, problems


def parse_style(
    text: str | None, *, layer: str, source: str, fallback: LayerStyle | None
) -> tuple[LayerStyle | None, Issue | None]:
    """Decode a layer's style JSON; a damaged one gives ``fallback`` and an issue."""
    if not text:
        return fallback, None
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise TypeError(f"a style is a JSON object, not {type(data).__name__}")
        return LayerStyle.from_dict(data, source=source), None
    except (GisdeskError, TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        return fallback, _issue(
            layer,
            "style-damaged",
            f"图层样式已损坏，无法读取（{_reason(exc, 'zh')}），已改用该图层类型的默认样式；"
            "保存项目会以默认样式替换它。",
            f"The layer's style is damaged and cannot be read ({_reason(exc, 'en')}); the layer "
            "type's default style is used, and saving the project replaces it.",
        )


def parse_metadata(text: str | None, *, layer: str) -> tuple[LayerMetadata, Issue | None]:
    """Decode a layer's metadata JSON; damaged metadata gives empty metadata and an issue."""
    if not text:
        return LayerMetadata(), None
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise TypeError(f"metadata is a JSON object, not {type(data).__name__}")
        return LayerMetadata.from_dict(data), None
    except (TypeError, ValueError, AttributeError) as exc:
        return LayerMetadata(), _issue(
            layer,
            "metadata-damaged",
            f"图层的来源说明（元数据）已损坏，无法读取（{_reason(exc, 'zh')}），已清空；"
            "如有“示意数据”标记也一并丢失，请核对。",
            f"The layer's metadata (source notes) is damaged and cannot be read "
            f"({_reason(exc, 'en')}); it was cleared, including any 'schematic data' mark: "
            "check it.",
        )


def parse_opacity(value: object, *, layer: str) -> tuple[float, Issue | None]:
    """Return the stored opacity in [0, 1]; anything else gives 1 and an issue."""
    if value is None:
        return 1.0, None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if math.isfinite(number) and 0.0 <= number <= 1.0:
        return number, None
    return 1.0, _issue(
        layer,
        "opacity-damaged",
        f"图层不透明度“{value}”无效（应在 0 到 1 之间），已设为 1。",
        f"The layer's opacity '{value}' is not valid (0 to 1 expected); it was set to 1.",
    )


def stored_settings(text: str | None) -> dict[str, Any]:
    """Decode the ``settings`` entry for a write that changes one setting in the file.

    Damaged or of the wrong kind, it counts as empty: the write then replaces it, as a full
    save does (opening the project has already said it was damaged).
    """
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
