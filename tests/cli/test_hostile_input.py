"""Bad input through the command line: a clear bilingual message and an exit code, no traceback.

The corpus (tests/hostile_inputs.py) empties layers of the Haimen sample, damages its stored
settings and styles, breaks files, and the parameters below are non-finite or absurd. Every
case runs the real command (``gisdesk.cli.main.main``, or a subprocess where a window or a
fresh process is involved) and checks the exit code, the message (in Chinese and English)
and that no Python traceback reaches the user.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gisdesk.cli.main import main
from tests.hostile_inputs import (
    BROKEN_FILES,
    broken_file,
    damage_metadata,
    damage_settings,
    damage_style,
    empty_layer,
    set_geometry,
    set_value,
)

EXIT_INVALID, EXIT_USAGE, EXIT_IO, EXIT_INTERNAL = 1, 2, 3, 70


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the command in both languages; return (exit code, stdout, stderr) of both runs."""
    outs, errs, codes = [], [], []
    for lang in ("zh", "en"):
        codes.append(main(["--lang", lang, *argv]))
        captured = capsys.readouterr()
        outs.append(captured.out)
        errs.append(captured.err)
    assert codes[0] == codes[1], f"exit code depends on the language: {codes}"
    out, err = "\n".join(outs), "\n".join(errs)
    assert "Traceback" not in out + err
    return codes[0], out, err


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, sample_path):
    folder = tmp_path_factory.mktemp("hostile")
    layers = (
        "service_points",
        "roads",
        "villages",
        "monitoring_stations",
        "accidents",
        "cameras",
        "towns",
    )
    made = {f"empty_{n}": empty_layer(sample_path, folder / f"empty_{n}.gpkg", n) for n in layers}
    made["bad_settings"] = damage_settings(sample_path, folder / "bad_settings.gpkg")
    made["bad_style"] = damage_style(sample_path, folder / "bad_style.gpkg", "villages")
    made["wrong_style"] = damage_style(
        sample_path, folder / "wrong_style.gpkg", "roads", text='{"kind": "pie", "classes": 3}'
    )
    made["bad_metadata"] = damage_metadata(sample_path, folder / "bad_metadata.gpkg", "rivers")
    made["inf_area"] = set_value(
        sample_path, folder / "inf_area.gpkg", "service_points", "floor_area_m2", float("inf")
    )
    made["folder"] = folder
    return made


# --- empty layers: every analysis command refuses them, naming the layer -----------------


@pytest.mark.parametrize(
    ("project", "argv", "zh", "en"),
    [
        (
            "empty_service_points",
            ["analyze", "service-areas"],
            "服务点图层没有要素",
            "facility layer has no features",
        ),
        ("empty_roads", ["analyze", "service-areas"], "道路图层没有要素", "road layer"),
        ("empty_villages", ["analyze", "service-areas"], "需求点（村）图层没有要素", "demand"),
        ("empty_service_points", ["analyze", "siting"], "无法选址", "sites cannot be computed"),
        ("empty_villages", ["analyze", "siting"], "无法选址", "demand (village) layer"),
        (
            "empty_monitoring_stations",
            ["analyze", "zones"],
            "监测站点图层“monitoring_stations”没有要素",
            "station layer 'monitoring_stations' has no features",
        ),
    ],
)
def test_analyze_refuses_an_empty_layer(capsys, tmp_path, corpus, project, argv, zh, en):
    out = tmp_path / "out.gpkg"
    code, _, err = run(capsys, *argv, str(corpus[project]), "--out", str(out))
    assert code == EXIT_USAGE
    assert zh in err and en in err
    assert not out.exists()  # nothing written that looks like a result


def test_zones_refuse_a_level_no_station_has(capsys, tmp_path, sample_path):
    code, _, err = run(
        capsys,
        "analyze",
        "zones",
        str(sample_path),
        "--levels",
        "市控",
        "--out",
        str(tmp_path / "z.gpkg"),
    )
    assert code == EXIT_USAGE
    assert "没有级别为 市控 的站点" in err and "no station of level 市控" in err


@pytest.mark.parametrize(
    ("project", "argv", "zh", "en"),
    [
        ("empty_accidents", ["blackspots", "screen"], "事故图层没有要素", "accident layer"),
        ("empty_roads", ["blackspots", "screen"], "道路图层没有要素", "road layer"),
        ("empty_cameras", ["blackspots", "cameras"], "监控卡口图层没有要素", "camera layer"),
        ("empty_roads", ["blackspots", "cameras"], "道路图层没有要素", "road layer"),
    ],
)
def test_blackspots_refuse_an_empty_layer(capsys, corpus, project, argv, zh, en):
    code, _, err = run(capsys, *argv, str(corpus[project]))
    assert code == EXIT_USAGE
    assert zh in err and en in err


def test_plate_with_coverage_refuses_empty_villages(capsys, tmp_path, corpus):
    out = tmp_path / "p.pdf"
    code, _, err = run(
        capsys, "plate", str(corpus["empty_villages"]), "--out", str(out), "--stats", "coverage"
    )
    assert code == EXIT_USAGE and "需求点（村）图层没有要素" in err and "has no features" in err
    assert not out.exists()


def test_plate_and_webmap_of_only_empty_layers_are_refused(capsys, tmp_path, corpus):
    code, _, err = run(
        capsys,
        "plate",
        str(corpus["empty_villages"]),
        "--out",
        str(tmp_path / "p.pdf"),
        "--layers",
        "villages",
    )
    assert code == EXIT_USAGE and "没有可绘制的要素" in err
    code, _, err = run(
        capsys,
        "webmap",
        str(corpus["empty_villages"]),
        "--out",
        str(tmp_path / "w.html"),
        "--layers",
        "villages",
    )
    assert code == EXIT_USAGE and "没有可写出的要素" in err


@pytest.mark.parametrize("layer", ["villages", "towns", "cameras"])
def test_targets_warn_about_an_empty_layer_and_exit_1(capsys, corpus, layer):
    code, out, err = run(capsys, "targets", str(corpus[f"empty_{layer}"]), "--as-of", "2022-12-31")
    assert code == EXIT_INVALID
    assert f"图层 {layer} 没有要素" in err and f"layer(s) {layer} have no features" in err
    assert "规划目标评估" in out and "Plan targets as of 2022-12-31" in out  # still evaluated


# --- absurd or non-finite parameters: refused before any work, the range stated -----------


@pytest.mark.parametrize(
    ("argv", "zh", "en"),
    [
        (
            ["analyze", "service-areas", "--minutes", "inf"],
            "时间限值须为大于 0 分钟且不大于 240",
            "at most 240 minutes (got inf)",
        ),
        (["analyze", "service-areas", "--minutes", "1e9"], "（收到 1e+09）", "(got 1e+09)"),
        (["analyze", "service-areas", "--minutes", "nan"], "收到 nan", "got nan"),
        (["analyze", "service-areas", "--minutes", "0"], "大于 0 分钟", "above 0 minutes"),
        (
            ["analyze", "service-areas", "--raster", "0"],
            "栅格单元大小须为不小于 10 米",
            "raster cell size",
        ),
        (["analyze", "service-areas", "--raster", "-5"], "栅格单元大小", "at most 5000 m (got -5)"),
        (["analyze", "service-areas", "--speed-kmh", "1e6"], "统一车速", "at most 150 km/h"),
        (
            ["analyze", "service-areas", "--max-snap", "inf"],
            "最大接入距离",
            "maximum access distance",
        ),
        (["analyze", "service-areas", "--frontage", "-1"], "临街宽度", "frontage width"),
        (["analyze", "siting", "--target-share", "80"], "1 表示 100%", "at most 1 (got 80)"),
        (["analyze", "siting", "--k", "-1"], "新增站点数", "number of new sites"),
        (["analyze", "siting", "--minutes", "inf"], "时间限值", "time limit"),
        (["analyze", "zones", "--radius", "inf"], "重点区域半径", "at most 50,000 m"),
        (["analyze", "zones", "--radius", "0"], "重点区域半径", "zone radius"),
    ],
)
def test_analyze_refuses_absurd_parameters(capsys, tmp_path, sample_path, argv, zh, en):
    out = tmp_path / "out.gpkg"
    code, _, err = run(capsys, *argv[:2], str(sample_path), *argv[2:], "--out", str(out))
    assert code == EXIT_USAGE
    assert zh in err and en in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "zh", "en"),
    [
        (["screen", "--window", "inf"], "窗口长度须为不小于 50 米", "window length"),
        (["screen", "--window", "1e-9"], "窗口长度", "at most 10,000 m"),
        (["screen", "--step", "0"], "步长", "step"),
        (["screen", "--step", "1000"], "不大于 500 米", "at most 500 m (got 1000)"),
        (["screen", "--alpha", "2"], "显著性水平", "significance level"),
        (["screen", "--min-count", "0"], "窗口最少事故数", "window threshold"),
        (["screen", "--weights", "inf,3,1"], "权重应为三个非负数", "Weights must be three"),
        (["screen", "--top", "-3"], "--top 不能为负", "--top cannot be negative"),
        (["screen", "--raster", "0", "--out", "X"], "栅格单元大小", "raster cell size"),
        (["screen", "--raster", "100"], "请同时给出 --out", "give --out as well"),
        (["cameras", "--max-gap-km", "inf"], "最大间距", "longest allowed gap"),
        (["cameras", "--max-gap-km", "0"], "最大间距", "above 0 km"),
    ],
)
def test_blackspots_refuse_absurd_parameters(capsys, tmp_path, sample_path, argv, zh, en):
    argv = [str(tmp_path / "o.gpkg") if a == "X" else a for a in argv]
    code, _, err = run(capsys, "blackspots", argv[0], str(sample_path), *argv[1:])
    assert code == EXIT_USAGE
    assert zh in err and en in err


@pytest.mark.parametrize(
    ("argv", "zh", "en"),
    [
        (["--dpi", "inf"], "分辨率须在", "resolution must lie between"),
        (["--dpi", "0"], "分辨率须在", "(got 0.0)"),
        (["--scale", "0.001"], "比例尺分母须为不小于 100", "scale denominator"),
        (["--scale", "nan"], "比例尺分母", "(got nan)"),
        (["--extent", "0,0,inf,1"], "范围坐标", "extent coordinate"),
        (["--minutes", "inf", "--stats", "coverage"], "时间限值", "time limit"),
    ],
)
def test_plate_refuses_absurd_parameters(capsys, tmp_path, sample_path, argv, zh, en):
    out = tmp_path / "p.png"
    code, _, err = run(capsys, "plate", str(sample_path), "--out", str(out), *argv)
    assert code == EXIT_USAGE
    assert zh in err and en in err
    assert not out.exists()


def test_other_absurd_numbers(capsys, tmp_path, sample_path):
    code, _, err = run(
        capsys, "sample", "build", "--scale", "inf", "--out", str(tmp_path / "s.gpkg")
    )
    assert code == EXIT_USAGE and "规模系数" in err and "size factor" in err
    code, _, err = run(capsys, "validate", str(sample_path), "--limit", "-1")
    assert code == EXIT_USAGE and "--limit" in err


# --- damaged settings and styles: info warns and goes on, validate reports, others warn ----


def test_info_warns_about_damaged_settings_and_goes_on(capsys, corpus):
    code, out, err = run(capsys, "info", str(corpus["bad_settings"]))
    assert code == 0
    assert "villages" in out and "service_points" in out  # every layer still listed
    assert "项目文件中的“settings”已损坏" in err
    assert "The project's 'settings' entry is damaged" in err


def test_info_warns_about_a_style_filter_nested_too_deeply(capsys, tmp_path, sample_path):
    path = damage_style(
        sample_path,
        tmp_path / "deep.gpkg",
        "towns",
        text=json.dumps(
            {
                "kind": "rule",
                "classes": [{"label_zh": "甲", "label_en": "a", "filter": "not " * 3000 + "name"}],
            }
        ),
    )
    code, out, err = run(capsys, "info", str(path))
    assert code == 0 and "towns" in out
    assert "警告：[towns] 图层样式已损坏" in err and "Warning: [towns]" in err


def test_validate_reports_damaged_settings_style_and_metadata(capsys, corpus):
    code, out, _ = run(capsys, "validate", str(corpus["bad_settings"]))
    assert code == EXIT_INVALID
    assert (
        "✗ 项目设置" in out and "“settings”已损坏" in out and "'settings' entry is damaged" in out
    )
    code, out, _ = run(capsys, "validate", str(corpus["bad_style"]))
    assert code == EXIT_INVALID
    assert "✗ villages" in out and "图层样式已损坏" in out and "style is damaged" in out
    code, out, _ = run(capsys, "validate", str(corpus["wrong_style"]))
    assert code == EXIT_INVALID and "✗ roads" in out and "样式类型“pie”无效" in out
    code, out, _ = run(capsys, "validate", str(corpus["bad_metadata"]))
    assert code == EXIT_INVALID and "✗ rivers" in out and "元数据" in out


def test_validate_csv_lists_damaged_state(capsys, tmp_path, corpus):
    import pandas as pd

    csv = tmp_path / "issues.csv"
    assert main(["validate", str(corpus["bad_style"]), "--csv", str(csv)]) == EXIT_INVALID
    capsys.readouterr()
    table = pd.read_csv(csv, encoding="utf-8-sig")
    assert list(table.loc[table["code"] == "style-damaged", "layer"]) == ["villages"]


def test_analyze_and_targets_go_on_with_a_damaged_style(capsys, tmp_path, corpus):
    out = tmp_path / "z.gpkg"
    code, stdout, err = run(capsys, "analyze", "zones", str(corpus["bad_style"]), "--out", str(out))
    assert code == 0 and out.exists() and "海门市监测站" in stdout
    assert "警告：[villages] 图层样式已损坏" in err and "Warning: [villages]" in err
    code, _, err = run(capsys, "targets", str(corpus["bad_settings"]), "--as-of", "2022-12-31")
    assert code == 0 and "“settings”已损坏" in err


def test_validate_reports_values_and_coordinates_outside_the_domain(
    capsys, tmp_path, corpus, sample_path
):
    import shapely

    code, out, _ = run(capsys, "validate", str(corpus["inf_area"]))
    assert code == EXIT_INVALID
    assert "✗ service_points" in out
    assert "数值 inf 不是有限数值（建筑面积）" in out and "is not a finite number" in out
    far = set_geometry(sample_path, tmp_path / "far.gpkg", "villages", shapely.Point(-170, 31.9))
    code, out, _ = run(capsys, "validate", str(far))
    assert code == EXIT_INVALID
    assert "第 1 行：坐标（经度 -170.0000、纬度 31.9000）超出项目范围" in out
    assert "lie outside the project's area (district bounds widened by 0.1 degrees" in out


# --- files that are not projects ----------------------------------------------------------


@pytest.mark.parametrize("kind", BROKEN_FILES)
@pytest.mark.parametrize("command", ["info", "validate"])
def test_broken_files_get_a_message(capsys, tmp_path, sample_path, kind, command):
    path = broken_file(sample_path, tmp_path, kind)
    code, _, err = run(capsys, command, str(path))
    assert code == EXIT_IO
    assert path.name in err


def _gisdesk(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gisdesk", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("kind", "zh"),
    [
        ("text", "不是 GeoPackage 项目文件"),
        ("truncated", "已损坏，无法读取"),
        ("missing", "项目文件不存在"),
    ],
)
def test_open_screenshot_of_a_broken_file_fails_without_a_picture(tmp_path, sample_path, kind, zh):
    path = broken_file(sample_path, tmp_path, kind)
    png = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GISDESK_LOG_DIR": str(tmp_path)}
    done = _gisdesk("open", str(path), "--screenshot", str(png), env=env)
    assert done.returncode == EXIT_IO, done.stderr
    assert zh in done.stderr and "Traceback" not in done.stderr + done.stdout
    assert not png.exists()
    english = _gisdesk("--lang", "en", "open", str(path), "--screenshot", str(png), env=env)
    assert english.returncode == EXIT_IO and path.name in english.stderr
    assert zh not in english.stderr


def test_open_screenshot_of_a_damaged_style_opens_and_warns(tmp_path, corpus):
    png = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GISDESK_LOG_DIR": str(tmp_path)}
    done = _gisdesk("open", str(corpus["bad_style"]), "--screenshot", str(png), env=env)
    assert done.returncode == 0, done.stderr
    assert png.stat().st_size > 0
    assert "警告：[villages] 图层样式已损坏" in done.stderr and "Traceback" not in done.stderr


# --- a fault of gisdesk itself: a short message, the traceback in the log -----------------


def test_an_internal_error_is_a_message_and_a_log_entry(capsys, tmp_path, monkeypatch, sample_path):
    import gisdesk.cli.commands

    monkeypatch.setenv("GISDESK_LOG_DIR", str(tmp_path / "logs"))

    def broken(*_args: object, **_kw: object) -> int:
        raise ZeroDivisionError("division by zero in a test")

    monkeypatch.setattr(gisdesk.cli.commands, "run_info_args", broken)
    code, _, err = run(capsys, "info", str(sample_path))
    assert code == EXIT_INTERNAL
    log = tmp_path / "logs" / "gisdesk.log"
    assert "gisdesk 内部错误（ZeroDivisionError: division by zero in a test）" in err
    assert "Internal error in gisdesk (ZeroDivisionError" in err
    assert f"日志文件：{log}" in err and f"log file: {log}" in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "def broken" not in err
    assert 'raise ZeroDivisionError("division by zero in a test")' in text


def test_input_errors_are_logged_without_reaching_the_screen(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GISDESK_LOG_DIR", str(tmp_path / "logs"))
    code, _, err = run(capsys, "info", str(tmp_path / "nothing.gpkg"))
    assert code == EXIT_IO and "nothing.gpkg" in err
    text = (tmp_path / "logs" / "gisdesk.log").read_text(encoding="utf-8")
    assert "WARNING" in text and "ProjectError" in text and "Traceback" in text


def test_recording_targets_replaces_damaged_settings(capsys, tmp_path, sample_path):
    path = damage_settings(sample_path, tmp_path / "record.gpkg")
    code, _, err = run(capsys, "targets", str(path), "--as-of", "2022-12-31", "--record")
    assert code == 0 and "“settings”已损坏" in err  # said when opened, replaced by the write
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 0 and "项目设置" not in out


def _no_display(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["GISDESK_LOG_DIR"] = str(tmp_path)
    return env


@pytest.mark.skipif(sys.platform.startswith(("win", "darwin")), reason="X11/Wayland only")
def test_without_a_display_open_says_so_and_plates_still_draw(tmp_path, sample_path):
    env = _no_display(tmp_path)
    done = _gisdesk("open", str(sample_path), env=env)
    assert done.returncode == EXIT_USAGE  # Qt would abort the process (134) here
    assert "没有可用的显示器" in done.stderr and "Traceback" not in done.stderr
    png = tmp_path / "plate.png"
    done = _gisdesk("plate", str(sample_path), "--out", str(png), "--dpi", "50", env=env)
    assert done.returncode == 0, done.stderr
    assert png.stat().st_size > 0


def test_webmap_refuses_a_non_finite_simplification(capsys, tmp_path, sample_path):
    out = tmp_path / "w.html"
    code, _, err = run(capsys, "webmap", str(sample_path), "--out", str(out), "--simplify", "inf")
    assert code == EXIT_USAGE and "简化容差" in err and "simplification tolerance" in err
    assert not out.exists()
