"""Read layer schema files (``layers/*.toml``) into :class:`~gisdesk.core.schema.LayerSchema`."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from gisdesk import resources
from gisdesk.core.errors import SchemaError
from gisdesk.core.schema import LayerSchema

__all__ = ["load_schema", "load_schema_file", "load_schemas"]


def load_schema_file(path: Path) -> LayerSchema:
    """Read one schema file, with errors that name the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SchemaError(
            f"无法读取图层定义文件 {path}：{exc}",
            f"Cannot read schema file {path}: {exc}",
        ) from None
    schema = LayerSchema.from_dict(data, source=str(path))
    if schema.id != path.stem:
        raise SchemaError(
            f"图层定义文件 {path.name} 的 id 为“{schema.id}”，应与文件名一致。",
            f"Schema file {path.name} declares id '{schema.id}'; it must match the file name.",
        )
    return schema


@cache
def load_schemas(folder: Path | None = None) -> dict[str, LayerSchema]:
    """Return every schema in the folder (default: gisdesk's ``layers/``), by id."""
    root = folder or resources.layers_dir()
    return {p.stem: load_schema_file(p) for p in sorted(root.glob("*.toml"))}


def load_schema(kind: str) -> LayerSchema:
    """Return the schema of one layer type."""
    schemas = load_schemas()
    try:
        return schemas[kind]
    except KeyError:
        raise SchemaError(
            f"没有图层类型“{kind}”。可用类型：{'、'.join(schemas)}",
            f"No layer type '{kind}'. Known types: {', '.join(schemas)}",
        ) from None
