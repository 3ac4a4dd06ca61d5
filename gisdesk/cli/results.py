"""What the commands that run tasks share: their layer source, and writing and printing a Result.

A LAYER argument names a layer of PROJECT (a gisdesk project or any vector file), or is a
path of its own (``PATH`` or ``PATH:layer``): :class:`CommandSource`, a
:class:`gisdesk.tasks.base.LayerSource`. :func:`save_result` writes a Result's layers into
a GeoPackage and its JSON summary beside it (``OUT`` with ``.json``: the request, sources,
summary table with Chinese and English headers, totals, notes and every column's labels);
:func:`print_result` prints its headline, summary table and notes. ``gisdesk analyze`` and
``gisdesk blackspots`` both use them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from gisdesk.analysis.targets.model import Target
    from gisdesk.core.project import Project
    from gisdesk.io.project_store import ProjectCatalog
    from gisdesk.tasks.base import FieldInfo, Result

__all__ = ["CommandSource", "print_result", "raster_beside", "save_result", "write_layers"]


class CommandSource:
    """Resolve LAYER arguments against PROJECT, reading each layer once.

    A :class:`gisdesk.tasks.base.LayerSource`: a LAYER names a layer of PROJECT, or is a
    path of its own (``PATH`` or ``PATH:layer``). Only the layers named are read: the
    project's catalog (its layers' names, kinds and titles) is read first, then each
    layer when asked for (the whole project only for its plan targets).
    """

    def __init__(self, project: Path, lang: str = "zh") -> None:
        self.project = project
        self.lang = lang
        self._catalog: ProjectCatalog | None = None
        self._project: Project | None = None
        self._layers: dict[str, gpd.GeoDataFrame] = {}

    def names(self) -> list[str]:
        if self._is_project():
            return self._listed().names()
        import pyogrio

        if not self.project.exists():
            _read(self.project, None)  # the message that says the file does not exist
        return [str(n) for n in pyogrio.list_layers(self.project)[:, 0]]

    def _is_project(self) -> bool:
        return self.project.suffix.lower() == ".gpkg"

    def _listed(self) -> ProjectCatalog:
        if self._catalog is None:
            from gisdesk.cli.commands import warn_problems
            from gisdesk.io.project_store import read_catalog

            catalog = read_catalog(self.project)
            warn_problems(catalog.problems, lang=self.lang)  # damaged settings: warn only
            self._catalog = catalog
        return self._catalog

    def _opened(self) -> Project:
        if self._project is None:
            from gisdesk.cli.commands import warn_load_problems
            from gisdesk.io.project_store import open_project

            project = open_project(self.project)
            warn_load_problems(project, lang=self.lang)  # damaged settings or styles: warn only
            self._project = project
        return self._project

    def _own_file(self, spec: str) -> bool:
        path, _, _ = spec.rpartition(":")
        return bool(path and Path(path).is_file()) or Path(spec).is_file()

    def _project_layer(self, spec: str) -> bool:
        return not self._own_file(spec) and self._is_project() and spec in self._listed().names()

    def get(self, spec: str) -> gpd.GeoDataFrame:
        path, _, layer = spec.rpartition(":")
        if path and Path(path).is_file():
            return _read(Path(path), layer)
        if Path(spec).is_file():
            return _read(Path(spec), None)
        if self._is_project():
            catalog = self._listed()
            if spec not in catalog.names():
                from gisdesk.core.errors import InputError

                names = catalog.names()
                raise InputError(
                    f"项目中没有图层“{spec}”，也没有这个文件。现有图层：{'、'.join(names) or '无'}",
                    f"The project has no layer '{spec}' and no such file exists. "
                    f"Layers: {', '.join(names)}",
                )
            if spec not in self._layers:
                from gisdesk.cli.commands import warn_problems

                self._layers[spec] = catalog.read_layer(spec)
                warn_problems(catalog.layer_problems(spec), lang=self.lang)  # warn only
            return self._layers[spec]
        return _read(self.project, spec)

    def key(self, spec: str) -> str:
        """Return the layer's short name: a project layer's name, a file's layer or stem."""
        if not self._own_file(spec) and self._is_project():
            return spec
        return Path(spec.rpartition(":")[2] or spec).stem

    def title(self, spec: str) -> str:
        """Return a project layer's title, else the layer's short name."""
        if self._project_layer(spec):
            row = self._listed().row(spec) or {}
            return str(row.get("title") or spec)
        return self.key(spec)

    def fields(self, spec: str) -> dict[str, FieldInfo]:
        """Return column labels from the layer's schema (by its name for a file's layer)."""
        from gisdesk.tasks.base import schema_fields

        if self._project_layer(spec):
            return schema_fields(self._listed().schema(spec))
        from gisdesk.io.schemas import load_schemas

        return schema_fields(load_schemas().get(self.key(spec)))

    def token(self, spec: str) -> str | None:
        """Return the token of the layer's file as it is stored now (see
        :func:`gisdesk.io.layer_token.layer_token`), or None."""
        from gisdesk.io.layer_token import layer_token

        path, _, layer = spec.rpartition(":")
        if path and Path(path).is_file():
            return layer_token(Path(path), layer)
        if Path(spec).is_file():
            return layer_token(Path(spec), None)
        if self._project_layer(spec):
            return layer_token(self.project, spec, reader=repr(self._listed().schema(spec)))
        if not self._is_project():
            return layer_token(self.project, spec)
        return None

    def plan_targets(self) -> list[Target] | None:
        """Return the targets imported into PROJECT (None for a plain vector file)."""
        if not self._is_project():
            return None
        from gisdesk.analysis.targets.registry import project_targets

        return project_targets(self._opened())


def _read(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    import pyogrio

    from gisdesk.core.errors import InputError, ProjectError

    if not path.exists():
        raise ProjectError(f"文件不存在：{path}", f"The file does not exist: {path}")
    try:
        return pyogrio.read_dataframe(path, layer=layer or None)
    except pyogrio.errors.DataLayerError as exc:
        raise InputError(
            f"{path.name} 中没有图层“{layer}”：{exc}", f"{path.name} has no layer '{layer}': {exc}"
        ) from None
    except Exception as exc:
        raise ProjectError(f"无法读取 {path}：{exc}", f"Cannot read {path}: {exc}") from None


def raster_beside(
    out: Path, array: Any, transform: Any, crs: Any, description: str
) -> tuple[Path, Callable[[Path], object]]:
    """A GeoTIFF of the result beside ``out`` (its name, ``.tif``) and the function writing it.

    For ``beside`` of :func:`save_result`: it is written with the layers, or not at all.
    """

    def write(path: Path) -> object:
        from gisdesk.io.rasters import write_geotiff

        return write_geotiff(path, array, transform=transform, crs=crs, description=description)

    return out.with_suffix(".tif"), write


def write_layers(
    out: Path,
    layers: dict[str, pd.DataFrame],
    summary: dict[str, Any],
    *,
    beside: Sequence[tuple[Path, Callable[[Path], object]]] = (),
) -> Path:
    """Write layers (or tables) into a new GeoPackage and the summary beside it as JSON.

    Every file is written in a temporary folder beside ``out`` and moved into place only
    when all are written, so a failure or a kill leaves the files of an earlier run as they
    were, never half a GeoPackage under the name asked for. ``beside`` lists other files of
    the result (a GeoTIFF), each a target and the function that writes it to a given path.
    """
    import shutil
    import tempfile
    import warnings

    import pyogrio

    from gisdesk.core.errors import ProjectError
    from gisdesk.core.values import plain_data
    from gisdesk.tasks.base import finite_frame

    if not out.parent.is_dir():
        raise ProjectError(
            f"输出文件夹不存在：{out.parent}", f"The output folder does not exist: {out.parent}"
        )
    summary_path = out.with_suffix(".json")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.stem}.", suffix=".part", dir=out.parent))
    except OSError as exc:
        raise ProjectError(
            f"无法写入 {out}（输出文件夹不可写？）：{exc}",
            f"Cannot write {out} (is the output folder read-only?): {exc}",
        ) from None
    try:
        staged_out = staging / out.name
        with warnings.catch_warnings():  # GDAL's words on a name without .gpkg, say
            warnings.simplefilter("ignore", RuntimeWarning)
            for name, frame in layers.items():
                pyogrio.write_dataframe(finite_frame(frame), staged_out, layer=name, driver="GPKG")
        moves = [(staged_out, out)]
        for target, write in beside:
            staged = staging / target.name
            write(staged)
            moves.append((staged, target))
        staged_summary = staging / summary_path.name
        staged_summary.write_text(
            json.dumps(plain_data(summary), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        moves.append((staged_summary, summary_path))
        for staged, target in moves:
            staged.replace(target)
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ProjectError(
            f"无法写入 {out}（原有文件未改动）：{exc}",
            f"Cannot write {out} (any existing file is untouched): {exc}",
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary_path


def save_result(
    out: Path,
    result: Result,
    extra: dict[str, Any] | None = None,
    *,
    beside: Sequence[tuple[Path, Callable[[Path], object]]] = (),
) -> Path:
    """Write the result's layers into ``out`` and its JSON summary beside it; return its path.

    ``extra`` adds entries to the summary (e.g. the path of a raster written beside it);
    ``beside`` the files written with them (see :func:`write_layers`).
    """
    summary = {
        **result.details,
        "title": {"zh": result.title_zh, "en": result.title_en},
        "request": result.request.to_record(),
        "sources": [{"layer": name, "title": title} for name, title in result.sources],
        "summary_table": {
            "headers_zh": result.summary.headers("zh"),
            "headers_en": result.summary.headers("en"),
            "keys": [c.key for c in result.summary.columns],
            "rows": result.summary.records(),
        },
        "totals": [
            {"key": f.key, "zh": f.zh, "en": f.en, "value": f.value} for f in result.district
        ],
        "notes": [{"zh": n.zh, "en": n.en} for n in result.notes],
        "layers": {
            layer.file_name: {
                "title_zh": layer.title_zh,
                "title_en": layer.title_en,
                "fields": {
                    f.name: {
                        "zh": f.zh,
                        "en": f.en,
                        "unit": f.unit,
                        **({"codes": {k: [zh, en] for k, zh, en in f.codes}} if f.codes else {}),
                    }
                    for f in layer.fields
                },
            }
            for layer in result.layers
        },
    }
    summary |= extra or {}
    layers = {layer.file_name: layer.data for layer in result.layers}
    return write_layers(out, layers, summary, beside=beside)


def print_result(result: Result, lang: str) -> None:
    """Print the result's headline (its district totals), summary table and notes."""
    from gisdesk.cli.commands import format_table
    from gisdesk.core.i18n import tr

    totals = tr("，", ", ", lang).join(f.show(lang) for f in result.district)
    print(f"{result.title(lang)}{tr('：', ': ', lang)}{totals}")
    if result.summary.rows:
        print(format_table(result.summary.headers(lang), result.summary.formatted(lang)))
    for note in result.notes:
        print(note.show(lang))
