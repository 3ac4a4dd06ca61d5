"""The targets and web-map tasks: one Request for the command line and the window, checked."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial

import pytest

from gisdesk.cli.main import _parser, main
from gisdesk.cli.plate import plate_request
from gisdesk.cli.targets import targets_request
from gisdesk.cli.webmap import webmap_request
from gisdesk.core.errors import InputError
from gisdesk.tasks import TASKS, ProjectSource, request_from_record, run_request
from gisdesk.tasks.plates import PlateRequest, plan_plates
from gisdesk.tasks.targets import TargetsRequest
from gisdesk.tasks.webmap import WebMapRequest

AS_OF = dt.date(2022, 12, 31)


def _args(*argv):
    return _parser().parse_args(list(argv))


def test_the_output_tasks_are_registered_and_rebuilt_from_their_records():
    assert TASKS["targets"].request_type is TargetsRequest
    assert TASKS["webmap"].request_type is WebMapRequest
    assert TASKS["plate"].request_type is PlateRequest
    for request in (
        PlateRequest(out="p.pdf"),
        PlateRequest(
            out="a.png",
            template={"name": "mine", "page_mm": [297, 210], "items": {"map": [10, 10, 200, 150]}},
            layers=("towns",),
            extent=(0.0, 0.0, 1000.0, 1000.0),
            atlas="towns",
            names=("海永镇",),
            stats="none",
            dpi=150.0,
            hide=("inset", "labels"),
        ),
        TargetsRequest(as_of=AS_OF, targets_file="mine.toml"),
        TargetsRequest(),
        WebMapRequest(out="m.html", layers=("roads", "villages"), title="图", all_roads=True),
        WebMapRequest(out="m.html", road_classes=("国道",), simplify_m=0.0, force=True),
    ):
        record = json.loads(json.dumps(request.to_record()))  # plain data
        assert request_from_record(record) == request


def test_options_left_out_take_the_requests_defaults():
    assert targets_request(_args("targets", "p.gpkg")) == TargetsRequest()
    assert webmap_request(_args("webmap", "p.gpkg", "--out", "m.html")) == WebMapRequest(
        out="m.html"
    )
    given = _args(
        "webmap", "p.gpkg", "--out", "m.html", "--layers", "roads，villages", "--simplify", "0"
    )
    assert webmap_request(given) == WebMapRequest(
        out="m.html", layers=("roads", "villages"), simplify_m=0.0
    )
    assert plate_request(_args("plate", "p.gpkg", "--out", "p.pdf")) == PlateRequest(out="p.pdf")
    atlas = _args("plate", "p.gpkg", "--out", "a.pdf", "--atlas", "towns", "--names", "甲,乙")
    assert plate_request(atlas) == PlateRequest(out="a.pdf", atlas="towns", names=("甲", "乙"))
    bare = _args("plate", "p.gpkg", "--out", "p.pdf", "--no-inset", "--no-labels")
    assert plate_request(bare).spec_options()["inset"] is False
    assert plate_request(bare).hide == ("inset", "labels")
    assert "legend" not in plate_request(bare).spec_options()  # drawn: the plate's default
    dated = targets_request(_args("targets", "p.gpkg", "--as-of", "2022-12-31"))
    assert dated == TargetsRequest(as_of=AS_OF)


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        (TargetsRequest(as_of="2022-12-31"), "日期"),  # type: ignore[arg-type]
        (TargetsRequest(targets_file=" "), "目标文件"),
        (WebMapRequest(out="map.pdf"), ".html"),
        (WebMapRequest(out="m.html", simplify_m=float("nan")), "简化容差"),
        (WebMapRequest(out="m.html", simplify_m=-1.0), "简化容差"),
        (WebMapRequest(out="m.html", simplify_m=5000.0), "1000"),
        (WebMapRequest(out="m.html", all_roads=True, road_classes=("国道",)), "道路等级"),
        (WebMapRequest(out="m.html", layers=()), "图层"),
        (PlateRequest(out="p.doc"), ".pdf"),
        (PlateRequest(out="p.png", dpi=0.0), "分辨率须在"),
        (PlateRequest(out="p.png", dpi=float("inf")), "分辨率须在"),
        (PlateRequest(out="p.pdf", grid="hex"), "grid"),
        (PlateRequest(out="p.pdf", stats="all"), "stats"),
        (PlateRequest(out="p.pdf", stats="coverage", minutes=float("nan")), "时间"),
        (PlateRequest(out="p.pdf", stats="coverage", mode="plane"), "plane"),
        (PlateRequest(out="p.pdf", names=("海永镇",)), "图集"),
        (PlateRequest(out="p.pdf", layers=()), "图层"),
        (PlateRequest(out="p.pdf", hide=("title",)), "hide"),
    ],
)
def test_bad_values_are_refused_in_both_languages(request_, words):
    with pytest.raises(InputError) as info:
        request_.validate()
    assert words in info.value.message("zh")
    assert info.value.message("en") and info.value.message("en") != info.value.message("zh")


def test_the_writer_gets_the_request_and_its_result_lists_what_was_written(tmp_path):
    seen = {}

    class Written:
        def __init__(self, path):
            self.path, self.bytes, self.layers = path, 2_500_000, {"roads": 7, "villages": 3}

    def write(path, **options):
        seen.update(options, path=path)
        return Written(path)

    class Source:
        def title(self, name):
            return {"roads": "道路", "villages": "村"}[name]

    request = WebMapRequest(out=str(tmp_path / "m.html"), layers=("roads", "villages"))
    result = run_request(Source(), request, write=write)
    assert seen["layers"] == ["roads", "villages"] and "road_classes" not in seen
    assert seen["simplify_m"] == 10.0 and seen["force"] is False and "progress" in seen
    assert result.summary.headers() == ["图层", "名称", "要素数"]
    assert result.summary.formatted() == [["roads", "道路", "7"], ["villages", "村", "3"]]
    assert [f.show() for f in result.district] == ["图层 2", "要素 10", "大小 2.5 MB"]
    run_request(Source(), WebMapRequest(out="m.html", all_roads=True), write=write)
    assert seen["road_classes"] is None  # every road, not the writer's default classes


def test_targets_table_speaks_chinese_with_units(sample_project):
    result = run_request(ProjectSource(sample_project), TargetsRequest(as_of=AS_OF))
    table = result.summary
    assert table.headers() == [
        "目标编号",
        "目标",
        "镇（街道）",
        "现值",
        "目标值",
        "期限",
        "状态",
        "是否达标",
    ]
    rows = {(r[0], r[2]): r for r in table.formatted()}
    evaluation = result.extras["evaluation"]
    assert len(rows) == len(
        evaluation.table[evaluation.table["unit_type"].isin(["district", "town"])]
    )
    med1 = rows[("MED-1", "正余镇")]
    assert med1[6] == "未达标" and med1[7] == "否"
    assert rows[("MED-1", "海门街道")][6:] == ["达标", "是"]
    shares = [r[3] for r in table.formatted() if r[3].endswith("%")]
    assert shares and all("." in s and float(s[:-1]) <= 100 for s in shares)
    counts = [r[3] for r in table.formatted() if r[3].endswith(" 个")]
    assert counts and all(s[:-2].isdigit() for s in counts)  # whole, not 3.0
    assert sum(f.value for f in result.district) == len(evaluation.targets)
    assert result.ok == (evaluation.summary()["missed"] == 0)


def test_the_targets_command_runs_the_task(sample_path, tmp_path, sample_project):
    out = tmp_path / "t.json"
    argv = ["targets", str(sample_path), "--as-of", "2022-12-31", "--format", "json"]
    assert main([*argv, "--out", str(out)]) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    task = run_request(ProjectSource(sample_project), targets_request(_args(*argv)))
    assert rows == task.extras["evaluation"].to_dict()["rows"]


def test_the_webmap_command_runs_the_task(sample_path, sample_project, tmp_path, capsys):
    from gisdesk.export.webmap import export_webmap

    def argv(out):
        return ["webmap", str(sample_path), "--out", str(out), "--layers", "towns,service_points"]

    out, again = tmp_path / "m.html", tmp_path / "again.html"
    assert main(argv(out)) == 0
    printed = capsys.readouterr().out
    request = webmap_request(_args(*argv(again)))
    result = run_request(
        ProjectSource(sample_project), request, write=partial(export_webmap, sample_project)
    )
    points = len(sample_project.layer("service_points"))
    assert result.details["layers"] == {"towns": 12, "service_points": points}
    assert printed.strip() == result.notes[0].show("zh").replace(str(again), str(out))


class Layers:
    def __init__(self, *names):
        self._names = list(names)

    def names(self):
        return self._names

    def title(self, name):
        return f"《{name}》"

    def get(self, name):
        raise InputError(f"没有图层“{name}”", f"No layer '{name}'")


def test_the_plan_decides_the_statistics_and_the_drawer_gets_it():
    every = Layers("towns", "roads", "service_points", "villages")
    atlas = plan_plates(every, PlateRequest(out="a.pdf", atlas="towns"))
    assert atlas.coverage == (15.0, "ebike") and atlas.atlas == ("towns", "name", None)
    assert plan_plates(every, PlateRequest(out="p.pdf")).coverage is None  # auto: atlases only
    short = Layers("towns", "roads")
    assert plan_plates(short, PlateRequest(out="a.pdf", atlas="towns")).coverage is None
    with pytest.raises(InputError, match="nope"):
        plan_plates(short, PlateRequest(out="p.pdf", layers=("towns", "nope")))
    drawn = {}

    class Drawn:
        files, template, scale_text, schematic = [], "A4-portrait", None, True

    def draw(plan, *, progress=None, cancel=None):
        drawn["plan"] = plan
        Drawn.files = [plan.out.with_name("a_01_甲.png"), plan.out.with_name("a_02_乙.png")]
        return Drawn()

    request = PlateRequest(out="a.png", atlas="towns", title="标题", layers=("towns",))
    result = run_request(every, request, draw=draw)
    plan = drawn["plan"]
    assert plan.format == "png" and plan.options["title"] == "标题"
    assert plan.options["layers"] == ("towns",) and plan.options["extent"] is None
    assert result.summary.formatted() == [["a_01_甲.png", "PNG"], ["a_02_乙.png", "PNG"]]
    assert [n.show() for n in result.notes][-1].startswith("注意：图中含示意数据")
    assert "《roads》" in [title for _, title in result.sources]  # the service circle's
