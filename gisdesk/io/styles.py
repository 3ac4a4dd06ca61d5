"""Read default style files (``styles/*.toml``) into :class:`~gisdesk.core.style.LayerStyle`."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from gisdesk import resources
from gisdesk.core.errors import StyleError
from gisdesk.core.style import LayerStyle

__all__ = ["load_style", "load_style_file", "load_styles"]


def load_style_file(path: Path) -> LayerStyle:
    """Read one style file, with errors that name the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StyleError(
            f"无法读取样式文件 {path}：{exc}",
            f"Cannot read style file {path}: {exc}",
        ) from None
    return LayerStyle.from_dict(data, source=str(path))


@cache
def load_styles(folder: Path | None = None) -> dict[str, LayerStyle]:
    """Return every style in the folder (default: gisdesk's ``styles/``), by name."""
    root = folder or resources.styles_dir()
    return {p.stem: load_style_file(p) for p in sorted(root.glob("*.toml"))}


def load_style(name: str) -> LayerStyle:
    """Return one default style by name."""
    styles = load_styles()
    try:
        return styles[name]
    except KeyError:
        raise StyleError(
            f"没有样式“{name}”。可用样式：{'、'.join(styles)}",
            f"No style '{name}'. Known styles: {', '.join(styles)}",
        ) from None
