"""Every file a command writes, checked before it runs: no result replaces an input.

:func:`check_outputs` is called by :func:`gisdesk.cli.main.main` for every command, so a
command gets the check by naming its output ``out``, ``csv`` or ``screenshot``. It lists
what the command will write (the output and the files written beside it: the JSON summary
of ``analyze`` and ``blackspots``, a GeoTIFF, a shapefile's parts) and every existing file
the command line names (the project, and any ``PATH`` or ``PATH:layer`` given for a layer
or a table), and refuses with exit code 2 before any work when one output is one of those
files (:func:`gisdesk.io.output_guard.refuse_overwriting`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gisdesk.io.output_guard import refuse_overwriting

__all__ = ["check_outputs", "command_inputs", "command_outputs"]

OUTPUT_ARGS = ("out", "csv", "screenshot")
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def command_outputs(args: argparse.Namespace) -> list[Path]:
    """The files the parsed command will write."""
    command = getattr(args, "command", None)
    if command == "sample":
        return []  # builds a project: the save itself checks permission and the lock
    outputs: list[Path] = []
    for name in OUTPUT_ARGS:
        value = getattr(args, name, None)
        if value is not None:
            outputs.append(Path(value))
    out = getattr(args, "out", None)
    if out is None:
        return outputs
    out = Path(out)
    if command in ("analyze", "blackspots"):
        outputs.append(out.with_suffix(".json"))  # the summary beside the GeoPackage
        if getattr(args, "raster", None):
            outputs.append(out.with_suffix(".tif"))
    elif command == "export":
        fmt = getattr(args, "format", None) or out.suffix.lower().lstrip(".")
        if fmt == "shp":
            outputs += [out.with_suffix(s) for s in _SHAPEFILE_PARTS]
        elif fmt in ("xlsx", "csv"):
            outputs.append(out.with_suffix(f".{fmt}"))
    return outputs


def _named_files(value: object) -> list[Path]:
    if isinstance(value, list | tuple):
        return [p for v in value for p in _named_files(v)]
    if not isinstance(value, str | Path):
        return []
    text = str(value)
    candidates = (text, text.rpartition(":")[0])  # PATH or PATH:layer
    return [Path(c) for c in candidates if c and Path(c).is_file()]


def command_inputs(args: argparse.Namespace) -> list[Path]:
    """Every existing file the command line names, outputs aside."""
    inputs: list[Path] = []
    for name, value in vars(args).items():
        if name in OUTPUT_ARGS:
            continue
        inputs += _named_files(value)
    return inputs


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse (InputError, exit 2) a command whose output would replace one of its inputs."""
    outputs = command_outputs(args)
    if not outputs:
        return
    project = getattr(args, "project", None)
    refuse_overwriting(
        outputs,
        command_inputs(args),
        project=project if project is not None and Path(project).exists() else None,
    )
