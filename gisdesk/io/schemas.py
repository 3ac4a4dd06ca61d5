"""Read layer schema files (``layers/*.toml``) into :class:`~gisdesk.core.schema.LayerSchema`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from gisdesk import resources
from gisdesk.core.errors import SchemaError
from gisdesk.core.schema import LayerSchema
from gisdesk.io.toml_files import pick, read_folder, read_toml

__all__ = ["load_schema", "load_schema_file", "load_schemas"]


def load_schema_file(path: Path) -> LayerSchema:
    """Read one schema file, with errors that name the file."""
    data = read_toml(path, SchemaError, ("图层定义文件", "schema file"))
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
    return read_folder(folder or resources.layers_dir(), load_schema_file)


def load_schema(kind: str) -> LayerSchema:
    """Return the schema of one layer type."""
    return pick(load_schemas(), kind, SchemaError, ("图层类型", "类型"), ("layer type", "types"))
