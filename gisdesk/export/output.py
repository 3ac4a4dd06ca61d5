"""Write plates to files: PDF (vector, fonts embedded), PNG at a chosen dpi, SVG.

Files are written to a temporary name beside the target and moved into place at the end,
so a cancelled or failed export never leaves half a file under the name asked for.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QRect, QRectF, QSize, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from gisdesk.analysis._checks import check_dpi
from gisdesk.core.errors import InputError, ProjectError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report
from gisdesk.export._qt import ensure_gui_app, layout_dpi
from gisdesk.export.frame import MapData, prepare_map
from gisdesk.export.legend import LegendEntry
from gisdesk.export.plate import PlateLayout, render_legend_page, render_plate
from gisdesk.render.fonts import TEXT_FAMILY, installed_cjk_family

if TYPE_CHECKING:
    from PySide6.QtSvg import QSvgGenerator

    from gisdesk.core.project import Project
    from gisdesk.export.spec import PlateSpec
    from gisdesk.export.templates import PlateTemplate

__all__ = [
    "FORMATS",
    "export_pages",
    "export_plate",
    "plate_format",
    "render_plate_image",
]

FORMATS = ("pdf", "png", "svg")
MM_PER_INCH = 25.4


def plate_format(path: Path) -> str:
    """Return "pdf", "png" or "svg" from a file name, or raise an :class:`InputError`."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(
            f"不支持的输出格式“{path.suffix or '无扩展名'}”：请用 .pdf、.png 或 .svg。",
            f"Unsupported output format '{path.suffix}': use .pdf, .png or .svg.",
        )
    return fmt


def _page_px(template: PlateTemplate, dpi: int) -> tuple[int, int]:
    w, h = template.page_mm
    return round(w / MM_PER_INCH * dpi), round(h / MM_PER_INCH * dpi)


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` and move it into place on success."""
    if not path.parent.is_dir():
        raise ProjectError(
            f"输出文件夹不存在：{path.parent}", f"The output folder does not exist: {path.parent}"
        )
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    try:
        yield tmp
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise ProjectError(f"无法写入 {path}", f"Cannot write {path}")
        tmp.replace(path)
    except OSError as exc:
        raise ProjectError(f"无法写入 {path}：{exc}", f"Cannot write {path}: {exc}") from None
    finally:
        # a file still held open by a writer (Windows) stays behind, hidden and harmless
        with suppress(OSError):
            tmp.unlink(missing_ok=True)


def _pdf_writer(path: Path, template: PlateTemplate, title: str) -> QPdfWriter:
    writer = QPdfWriter(str(path))
    writer.setResolution(layout_dpi())  # vector: only the unit of the page's coordinates
    w, h = template.page_mm
    size = QPageSize(
        QSizeF(w, h), QPageSize.Unit.Millimeter, "", QPageSize.SizeMatchPolicy.ExactMatch
    )
    writer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    writer.setTitle(title)
    writer.setCreator("gisdesk")
    return writer


def render_plate_image(
    project: Project,
    spec: PlateSpec,
    *,
    dpi: float = 150,
    data: MapData | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[QImage, PlateLayout]:
    """Return the plate as an image at ``dpi`` (white background) with its layout."""
    ensure_gui_app()
    res = check_dpi(dpi)
    image, rect = _blank_page(spec.template, res)
    layout = render_plate(
        project, spec, image, rect=rect, data=data, progress=progress, cancel=cancel
    )
    _set_dpi(image, res)
    return image, layout


def _blank_page(template: PlateTemplate, dpi: int) -> tuple[QImage, QRectF]:
    """Return a white page image ``dpi`` dots per inch and its rectangle, set up to be painted
    at the layout resolution (scaled up to the image); record the real one after painting."""
    w, h = _page_px(template, dpi)
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFFFF)
    _set_dpi(image, layout_dpi())
    return image, QRectF(0, 0, w, h)


def _svg_generator(path: Path, template: PlateTemplate, title: str) -> QSvgGenerator:
    """Return an SVG 1.1 generator (1.1: clip paths) writing a page of ``template``."""
    from PySide6.QtSvg import QSvgGenerator

    gen = QSvgGenerator(QSvgGenerator.SvgVersion.Svg11)
    gen.setFileName(str(path))
    unit = layout_dpi()
    w, h = _page_px(template, unit)
    gen.setSize(QSize(w, h))
    gen.setViewBox(QRect(0, 0, w, h))
    gen.setResolution(unit)
    gen.setTitle(title)
    return gen


def _set_dpi(image: QImage, dpi: float) -> None:
    dpm = round(dpi / 0.0254)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)


def _part(progress: ProgressCallback | None, share: float) -> ProgressCallback | None:
    """Return a hook that maps a step's progress onto the first ``share`` of the whole."""
    if progress is None:
        return None
    return lambda fraction, message: progress(fraction * share, message)


def _write_png(image: QImage, path: Path, title: str) -> None:
    image.setText("Title", title)
    image.setText("Software", "gisdesk")
    if not image.save(str(path)):  # the format follows the .png suffix
        raise ProjectError(f"无法写入 PNG：{path}", f"Cannot write the PNG {path}")


def export_plate(
    project: Project,
    spec: PlateSpec,
    path: str | os.PathLike[str],
    *,
    dpi: float = 300,
    data: MapData | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> PlateLayout:
    """Write one plate to a PDF, PNG or SVG file (by the file's extension).

    Parameters
    ----------
    project
        The project whose layers are drawn.
    spec
        What the plate shows.
    path
        Output file: ``.pdf`` (vector, CJK font embedded as a subset), ``.png`` or ``.svg``.
    dpi
        Resolution of a PNG (PDF and SVG are vector and ignore it).
    data
        Prepared layers to reuse.
    progress, cancel
        See :mod:`gisdesk.core.progress`.

    Returns
    -------
    PlateLayout
        Where each item went.
    """
    out = Path(path)
    fmt = plate_format(out)
    res = check_dpi(dpi)
    ensure_gui_app()
    data = data or prepare_map(project)
    title = spec.title or project.title
    layout: PlateLayout
    with _atomic(out) as tmp:
        if fmt == "png":
            image, layout = render_plate_image(
                project, spec, dpi=res, data=data, progress=_part(progress, 0.9), cancel=cancel
            )
            report(progress, 0.9, "写出 PNG")
            _write_png(image, tmp, title)
            report(progress, 1.0, "完成")
        elif fmt == "pdf":
            (layout,) = _write_pdf(project, [spec], tmp, data, lambda _i: progress, cancel)
        else:
            layout = _render_svg(project, spec, tmp, title, data, progress, cancel)
    if fmt != "pdf" and layout.legend is not None and layout.legend.rest:
        layout.extra_files = _legend_files(spec, layout.legend.rest, out, title, fmt, res)
    return layout


def _write_pdf(
    project: Project,
    specs: Sequence[PlateSpec],
    path: Path,
    data: MapData,
    progress: Callable[[int], ProgressCallback | None],
    cancel: CancelToken | None,
) -> list[PlateLayout]:
    """Write plates (sharing a page size) as the pages of one PDF, each followed by its legend
    continuation pages; return their layouts. ``progress(i)`` is plate ``i``'s hook."""
    writer = _pdf_writer(path, specs[0].template, specs[0].title or project.title)
    painter = QPainter(writer)
    layouts: list[PlateLayout] = []
    try:
        for i, spec in enumerate(specs):
            check_cancel(cancel)
            if i:
                writer.newPage()
            layout = render_plate(
                project, spec, painter, data=data, progress=progress(i), cancel=cancel
            )
            _legend_pages(spec, layout, spec.title or project.title, writer, painter)
            layouts.append(layout)
    finally:
        painter.end()
    del writer  # the file is complete once the writer is gone
    return layouts


def _legend_pages(
    spec: PlateSpec, layout: PlateLayout, title: str, writer: QPdfWriter, painter: QPainter
) -> None:
    """Add pages for the legend lines the plate's legend box could not hold."""
    rest: list[LegendEntry] = list(layout.legend.rest) if layout.legend is not None else []
    while rest:
        writer.newPage()
        more = render_legend_page(spec, rest, painter, title=title).rest
        if len(more) >= len(rest):  # not one line fits a page: stop rather than loop
            break
        rest = list(more)


def _legend_files(
    spec: PlateSpec, rest: list[LegendEntry], out: Path, title: str, fmt: str, dpi: int
) -> list[Path]:
    """Write the legend lines a PNG or SVG plate could not hold beside it; return the files."""
    written: list[Path] = []
    page = 2
    while rest:
        path = out.with_name(f"{out.stem}_图例续{page - 1}{out.suffix}")
        with _atomic(path) as tmp:
            if fmt == "png":
                image, rect = _blank_page(spec.template, dpi)
                more = render_legend_page(spec, rest, image, title=title, rect=rect)
                _set_dpi(image, dpi)
                _write_png(image, tmp, title)
            else:
                gen = _svg_generator(tmp, spec.template, title)
                more = render_legend_page(spec, rest, gen, title=title)
                del gen
                _finish_svg(tmp)
        written.append(path)
        if len(more.rest) >= len(rest):
            break
        rest = list(more.rest)
        page += 1
    return written


def _render_svg(
    project: Project,
    spec: PlateSpec,
    path: Path,
    title: str,
    data: MapData,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> PlateLayout:
    gen = _svg_generator(path, spec.template, title)
    gen.setDescription("gisdesk 专题图")
    layout = render_plate(project, spec, gen, data=data, progress=progress, cancel=cancel)
    del gen  # closes the file
    _finish_svg(path)
    return layout


# Characters XML 1.0 cannot carry at all (not even as &#x1;). QSvgGenerator escapes & < >
# but writes these raw: one control character in a title made the whole SVG ill-formed
# (an XML parser refuses the file); they are shown as U+FFFD instead.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


_SVG_FALLBACKS = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC")


def _svg_fonts() -> str:
    """Return the font-family value for SVG text: installed CJK families a viewer may have.

    Plates are drawn in :data:`~gisdesk.render.fonts.TEXT_FAMILY`, a family registered in
    this process only; a viewer gets the font it came from and the common Chinese fonts of
    Windows and Linux after it.
    """
    families = dict.fromkeys([installed_cjk_family(), *_SVG_FALLBACKS])
    return ", ".join(f"'{f}'" for f in families if "'" not in f) + ", sans-serif"


def _finish_svg(path: Path) -> None:
    """Name fonts a viewer has and replace characters XML cannot hold in a written SVG."""
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    safe = _XML_ILLEGAL.sub("\ufffd", text)
    safe = safe.replace(f'font-family="{TEXT_FAMILY}"', f'font-family="{_svg_fonts()}"')
    if safe != text:
        path.write_text(safe, encoding="utf-8", errors="surrogateescape")


def export_pages(
    project: Project,
    specs: Sequence[PlateSpec],
    path: str | os.PathLike[str],
    *,
    names: Sequence[str] | None = None,
    dpi: float = 300,
    data: MapData | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    layouts: list[PlateLayout] | None = None,
) -> list[Path]:
    """Write several plates: one multi-page PDF, or one PNG/SVG per plate.

    PNG and SVG pages are named ``<stem>_<nn>_<name><suffix>`` beside ``path``. All plates
    of a PDF must share one page size. ``layouts``, when given, receives each plate's
    :class:`PlateLayout` in page order (what it drew, the labels it could not place).

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(path)
    fmt = plate_format(out)
    res = check_dpi(dpi)
    if not specs:
        raise InputError("没有要导出的图幅。", "There are no plates to export.")
    ensure_gui_app()
    data = data or prepare_map(project)
    labels = list(names) if names is not None else [str(i + 1) for i in range(len(specs))]
    n = len(specs)

    def step(i: int) -> Callable[[float, str], None] | None:
        if progress is None:
            return None
        return lambda f, m: report(progress, (i + f) / n, f"{labels[i]}：{m}")

    if fmt == "pdf":
        sizes = {s.template.page_mm for s in specs}
        if len(sizes) > 1:
            raise InputError(
                "同一 PDF 中的图幅须使用相同的纸张大小。",
                "All plates of one PDF must share a page size.",
            )
        with _atomic(out) as tmp:
            drawn = _write_pdf(project, specs, tmp, data, step, cancel)
        if layouts is not None:
            layouts.extend(drawn)
        return [out]
    written: list[Path] = []
    width = max(2, len(str(n)))
    for i, spec in enumerate(specs):
        check_cancel(cancel)
        safe = "".join(c for c in labels[i] if c not in '\\/:*?"<>|').strip() or str(i + 1)
        page = out.with_name(f"{out.stem}_{i + 1:0{width}d}_{safe}{out.suffix}")
        layout = export_plate(
            project, spec, page, dpi=res, data=data, progress=step(i), cancel=cancel
        )
        written.append(page)
        written.extend(layout.extra_files)
        if layouts is not None:
            layouts.append(layout)
    return written
