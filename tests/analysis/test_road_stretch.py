"""Road stretches between two clicks: hand-made networks, networkx, and the sample's stakes."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from gisdesk.analysis.road_stretch import (
    StretchFinder,
    format_stake,
    next_segment_id,
    parse_stake,
    road_stretch,
)
from gisdesk.core.errors import InputError
from tests.analysis.networks import grid_roads

X0, Y0 = 600_000.0, 3_530_000.0


def roads(lines, names=None, stakes=None):
    n = len(lines)
    names = names or [None] * n
    stakes = stakes or [(None, None)] * n
    return gpd.GeoDataFrame(
        {
            "road_id": [f"R{i}" for i in range(n)],
            "name": names,
            "class": ["县道"] * n,
            "from_km": [s[0] for s in stakes],
            "to_km": [s[1] for s in stakes],
        },
        geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in c]) for c in lines],
        crs=4549,
    )


def at(x, y):
    return (X0 + x, Y0 + y)


# --- hand-made networks with known answers -------------------------------------------------

# X204 runs east in two staked pieces (K3+000 to K5+000); an unnamed lane makes a detour.
LADDER = roads(
    [
        [(0, 0), (1000, 0)],
        [(1000, 0), (2000, 0)],
        [(1000, 0), (1000, 500), (2000, 500), (2000, 0)],
    ],
    names=["X204", "X204", None],
    stakes=[(3.0, 4.0), (4.0, 5.0), (None, None)],
)


def test_stretch_follows_the_road_and_interpolates_stakes():
    s = road_stretch(LADDER, at(500, 3), at(1500, -2))
    assert s.length_m == pytest.approx(1000.0)
    assert s.road == "X204"
    assert s.from_km == pytest.approx(3.5)
    assert s.to_km == pytest.approx(4.5)
    assert s.values() == {"road": "X204", "from_km": 3.5, "to_km": 4.5}
    assert s.title() == "X204 K3+500–K4+500"
    # one line from the first snapped end to the second, along the road
    coords = shapely.get_coordinates(s.geometry)
    assert coords[0] == pytest.approx(at(500, 0))
    assert coords[-1] == pytest.approx(at(1500, 0))
    assert s.geometry.length == pytest.approx(1000.0)
    assert s.geometry.geom_type == "LineString"


def test_stakes_are_ordered_whatever_the_click_order():
    s = road_stretch(LADDER, at(1750, 4), at(250, -4))
    assert (s.from_km, s.to_km) == (pytest.approx(3.25), pytest.approx(4.75))
    coords = shapely.get_coordinates(s.geometry)
    assert coords[0] == pytest.approx(at(1750, 0))  # the geometry keeps the click order
    assert coords[-1] == pytest.approx(at(250, 0))


def test_same_edge_and_a_shorter_way_round():
    # a long winding edge P-Q (2100 m) and a short direct edge P-Q (100 m)
    net = roads(
        [[(0, 0), (1000, 0), (1000, 100), (0, 100)], [(0, 0), (0, 100)]],
        names=["S336", "Y001"],
        stakes=[(10.0, 12.1), (0.0, 0.1)],
    )
    direct = road_stretch(net, at(500, 2), at(700, -2))
    assert direct.length_m == pytest.approx(200.0)
    assert direct.pieces == ((0, 500.0, 700.0),)
    assert (direct.from_km, direct.to_km) == (pytest.approx(10.5), pytest.approx(10.7))
    # 10 m from each end of the winding edge: round via the short edge is 10 + 100 + 10
    around = road_stretch(net, at(10, 1), at(10, 99))
    assert around.length_m == pytest.approx(120.0)
    # 100 m on Y001, 20 m on S336: Y001 carries most, and its stakes span the whole of it
    assert around.road == "Y001"
    assert around.road_lengths == {"S336": pytest.approx(20.0), "Y001": pytest.approx(100.0)}
    assert (around.from_km, around.to_km) == (pytest.approx(0.0), pytest.approx(0.1))


def test_road_carrying_most_length_names_the_stretch():
    # G328 400 m then X201 900 m after the junction at (1000, 0)
    net = roads(
        [[(0, 0), (1000, 0)], [(1000, 0), (1000, 1000)]],
        names=["G328", "X201"],
        stakes=[(20.0, 21.0), (5.0, 6.0)],
    )
    s = road_stretch(net, at(600, 1), at(1002, 900))
    assert s.length_m == pytest.approx(1300.0)
    assert s.road == "X201"
    assert (s.from_km, s.to_km) == (pytest.approx(5.0), pytest.approx(5.9))
    assert s.road_rows == (0, 1)


def test_errors_say_what_is_wrong():
    islands = roads([[(0, 0), (1000, 0)], [(0, 500), (1000, 500)]])
    with pytest.raises(InputError, match="互不连通"):
        road_stretch(islands, at(100, 0), at(100, 500))
    with pytest.raises(InputError, match="没有道路") as exc:
        road_stretch(islands, at(100, 0), at(100, 250))
    assert "250" in exc.value.message("zh")  # tells how far the nearest road is
    with pytest.raises(InputError, match="重合"):
        road_stretch(islands, at(100, 1), at(100, -1))


def test_crossing_without_a_junction_is_not_a_shortcut():
    # two roads cross at (500, 0) without a shared vertex (a bridge): no turning there
    net = roads(
        [
            [(0, 0), (1000, 0)],
            [(500, -500), (500, 500)],
            [(1000, 0), (1000, 500), (500, 500)],
        ]
    )
    s = road_stretch(net, at(400, 0), at(500, 400))
    # along the first road to its end, up the third, back along it and down to the click
    assert s.length_m == pytest.approx(600 + 500 + 500 + 100)


def test_format_stake():
    assert format_stake(8.7) == "K8+700"
    assert format_stake(0.0456) == "K0+046"
    assert format_stake(11.9996) == "K12+000"


# --- against networkx on the same road lines --------------------------------------------


def _nx_length(lines: np.ndarray, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Shortest length between two clicks with networkx on the raw lines (noded grid)."""
    g = nx.Graph()

    def key(xy):
        return (round(float(xy[0]), 3), round(float(xy[1]), 3))

    for i, line in enumerate(lines):
        c = shapely.get_coordinates(line)
        g.add_edge(key(c[0]), key(c[-1]), weight=line.length, line=i)
    for name, (x, y) in (("A", a), ("B", b)):
        p = shapely.Point(x, y)
        i = int(np.argmin(shapely.distance(lines, p)))
        line = lines[i]
        c = shapely.get_coordinates(line)
        d = line.project(p)
        g.add_edge(name, key(c[0]), weight=d)
        g.add_edge(name, key(c[-1]), weight=line.length - d)
    ia = int(np.argmin(shapely.distance(lines, shapely.Point(*a))))
    ib = int(np.argmin(shapely.distance(lines, shapely.Point(*b))))
    best = nx.shortest_path_length(g, "A", "B", weight="weight")
    if ia == ib:  # both on one line: straight along it is also a way
        la, lb = lines[ia].project(shapely.Point(*a)), lines[ia].project(shapely.Point(*b))
        best = min(best, abs(la - lb))
    return float(best)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lengths_match_networkx_on_a_jittered_grid(seed):
    grid = grid_roads(12, 10, spacing=250.0, jitter=40.0, seed=seed, drop_share=0.15)
    finder = StretchFinder(grid)
    lines = grid.geometry.to_numpy()
    rng = np.random.default_rng(seed)
    checked = 0
    for _ in range(40):
        i, j = rng.integers(0, len(lines), 2)
        a = lines[i].interpolate(rng.uniform(0.05, 0.95), normalized=True)
        b = lines[j].interpolate(rng.uniform(0.05, 0.95), normalized=True)
        pa, pb = finder.locate(a.x, a.y), finder.locate(b.x, b.y)
        try:
            s = finder.stretch(pa, pb)
        except InputError:  # dropped lines may leave islands: networkx must agree
            with pytest.raises(nx.NetworkXNoPath):
                _nx_length(lines, (a.x, a.y), (b.x, b.y))
            continue
        expected = _nx_length(lines, (a.x, a.y), (b.x, b.y))
        assert s.length_m == pytest.approx(expected, abs=1e-6)
        assert s.geometry.length == pytest.approx(expected, abs=1e-6)
        start, end = shapely.get_coordinates(s.geometry)[[0, -1]]
        assert start == pytest.approx((a.x, a.y), abs=1e-6)
        assert end == pytest.approx((b.x, b.y), abs=1e-6)
        checked += 1
    assert checked >= 30


# --- the Haimen sample: stakes checked by hand ----------------------------------------------


def test_sample_stretch_on_g328_matches_its_stakes(sample_project):
    roads_layer = sample_project.layer("roads").data
    g328 = roads_layer[roads_layer["name"] == "G328"].sort_values("from_km")
    metric = g328.to_crs(4549)
    first, last = metric.iloc[5], metric.iloc[30]
    a = first.geometry.interpolate(0.5, normalized=True)
    b = last.geometry.interpolate(0.25, normalized=True)
    s = road_stretch(roads_layer, (b.x, b.y + 3.0), (a.x, a.y - 2.0))  # clicked off the road
    # by hand: halfway along the 6th piece, a quarter along the 31st
    km_a = first["from_km"] + 0.5 * (first["to_km"] - first["from_km"])
    km_b = last["from_km"] + 0.25 * (last["to_km"] - last["from_km"])
    assert s.road == "G328"
    assert s.from_km == pytest.approx(km_a, abs=1e-3)
    assert s.to_km == pytest.approx(km_b, abs=1e-3)
    # the sample's stakes are the pieces' lengths in km, so the stretch is that long
    assert s.length_m == pytest.approx((km_b - km_a) * 1000.0, rel=2e-3)


# --- typed stakes and segment numbers ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "km"),
    [
        ("K16+600", 16.6),
        ("k16+600.5", 16.6005),
        ("K16 + 600", 16.6),
        ("16+050", 16.05),
        ("Ｋ１６＋６００", 16.6),
        ("16.6", 16.6),
        ("16.6km", 16.6),
        ("K0+000", 0.0),
        (" 21.7 ", 21.7),
    ],
)
def test_parse_stake_reads_the_usual_spellings(text, km):
    assert parse_stake(text) == pytest.approx(km, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "zh"),
    [
        ("", "请输入桩号"),
        ("   ", "请输入桩号"),
        ("K16+1200", "米数应小于 1000"),
        ("K16", "无法识别桩号“K16”"),
        ("16,6", "无法识别桩号"),
        ("-3", "无法识别桩号"),
        ("K16+600+5", "无法识别桩号"),
        ("十六公里", "无法识别桩号"),
    ],
)
def test_parse_stake_refuses_bad_input_in_chinese(text, zh):
    with pytest.raises(InputError) as err:
        parse_stake(text)
    assert zh in err.value.message("zh")
    assert err.value.message("en")


def test_parse_stake_refuses_stakes_outside_the_road():
    assert parse_stake("K5+000", road="X204", km_range=(3.0, 5.0)) == pytest.approx(5.0)
    with pytest.raises(InputError) as err:
        parse_stake("K5+001", road="X204", km_range=(3.0, 5.0))
    assert err.value.message("zh") == "桩号 K5+001 超出道路 X204 的桩号范围（K3+000–K5+000）。"
    with pytest.raises(InputError):
        parse_stake("2.999", road="X204", km_range=(3.0, 5.0))


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        (["HM-SG-01", "HM-SG-06", "HM-SG-03"], "HM-SG-07"),
        (["HM-SG-09", "HM-SG-10"], "HM-SG-11"),
        (["HM-SG-99"], "HM-SG-100"),
        (["HM-SG-01", "HM-SG-02", "X-1"], "HM-SG-03"),  # the prefix most ids share
        ([], "HM-SG-01"),
        ([None, "", "无编号"], "HM-SG-01"),
        (["HM-SG-01"], "HM-SG-02"),
        (["SG7", "SG007"], "SG008"),  # padded to the widest number seen
    ],
)
def test_next_segment_id_follows_the_numbering(existing, expected):
    assert next_segment_id(existing) == expected


def test_next_segment_id_default_skips_taken_default():
    assert next_segment_id(["无编号"], default="无编号") == "无编号"  # no number to count on
    assert next_segment_id([], default="A-1") == "A-1"


def test_stretch_by_stakes_keeps_to_the_named_road():
    # the unnamed lane is not a shortcut here, but the stretch must not use it in any case
    finder = StretchFinder(LADDER)
    assert finder.staked_roads() == {"X204": (3.0, 5.0)}
    s = finder.stretch_by_stakes("X204", 4.5, 3.25)
    assert s.road == "X204"
    assert (s.from_km, s.to_km) == pytest.approx((3.25, 4.5))
    assert s.length_m == pytest.approx(1250.0)
    assert set(s.road_rows) == {0, 1}
    with pytest.raises(InputError, match="超出道路 X204"):
        finder.stretch_by_stakes("X204", 2.0, 4.0)
    with pytest.raises(InputError, match="桩号相同"):
        finder.stretch_by_stakes("X204", 4.0, 4.0)
    with pytest.raises(InputError, match="没有带桩号的道路“G328”"):
        finder.stretch_by_stakes("G328", 1.0, 2.0)


def test_sample_stretch_by_typed_stakes_on_g328(sample_project):
    finder = StretchFinder(sample_project.layer("roads").data)
    s = finder.stretch_by_stakes("G328", parse_stake("K16+600"), parse_stake("K21+700"))
    assert s.road == "G328"
    assert s.title() == "G328 K16+600–K21+700"
    assert s.length_m == pytest.approx(5100.0, rel=2e-3)
