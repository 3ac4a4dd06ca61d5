"""Read default style files (``styles/*.toml``) into :class:`~gisdesk.core.style.LayerStyle`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from gisdesk import resources
from gisdesk.core.errors import StyleError
from gisdesk.core.style import LayerStyle
from gisdesk.io.toml_files import pick, read_folder, read_toml

__all__ = ["load_style", "load_style_file", "load_styles"]


def load_style_file(path: Path) -> LayerStyle:
    """Read one style file, with errors that name the file."""
    data = read_toml(path, StyleError, ("样式文件", "style file"))
    return LayerStyle.from_dict(data, source=str(path))


@cache
def load_styles(folder: Path | None = None) -> dict[str, LayerStyle]:
    """Return every style in the folder (default: gisdesk's ``styles/``), by name."""
    return read_folder(folder or resources.styles_dir(), load_style_file)


def load_style(name: str) -> LayerStyle:
    """Return one default style by name."""
    return pick(load_styles(), name, StyleError, ("样式", "样式"), ("style", "styles"))
