"""``gisdesk targets``: evaluate the plan targets on a project, as a table, JSON or Excel.

Targets come from ``--targets FILE``, else those imported into the project, else the Haimen
2022 targets shipped with gisdesk. The table shows targets down and the district and towns
across (√ met, ○ on track, △ at risk, × missed, - no data), then the other units (segments,
roads, station zones, sewage districts) and the targets no layer can measure, with what they
need.

Exit codes: 0 done; 1 a layer the targets use has no features (the evaluation is still
printed, evaluated as if there were none, and a warning names the layers), or with
``--fail-on-missed`` a target is missed; 2 wrong usage; 3 a file (project, targets file,
output) could not be read or written.

The command is a form for :class:`gisdesk.tasks.targets.TargetsRequest` (the dashboard is
the other); the evaluation runs in :func:`gisdesk.tasks.targets.run`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gisdesk.cli.exit_codes import EXIT_IO, EXIT_MISSED, EXIT_OK, EXIT_USAGE
from gisdesk.cli.forms import add_command, open_source, say_written
from gisdesk.core.i18n import tr

if TYPE_CHECKING:
    import pandas as pd

    from gisdesk.analysis.targets import TargetEvaluation
    from gisdesk.tasks.targets import TargetsRequest

__all__ = ["add_targets_parser", "run_targets", "targets_request"]


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期应写作 YYYY-MM-DD，而不是“{text}” / a date is YYYY-MM-DD, not '{text}'"
        ) from None


def add_targets_parser(sub: Any) -> None:
    """Register ``targets`` on the main parser's subparsers."""
    p = add_command(
        sub,
        "targets",
        "规划目标评估 / evaluate plan targets",
        out_help="输出文件 / output file",
        out_required=False,
    )
    p.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        metavar="YYYY-MM-DD",
        help="评估日期（默认今天）/ evaluation date (default: today)",
    )
    p.add_argument(
        "--targets",
        type=Path,
        default=None,
        metavar="FILE",
        help="目标文件 (.toml) / targets file (default: the project's, else Haimen 2022)",
    )
    p.add_argument(
        "--format",
        choices=["table", "json", "xlsx"],
        default="table",
        help="输出格式 / output format",
    )
    p.add_argument(
        "--layout",
        choices=["wide", "long"],
        default="wide",
        help="表格：目标×镇 或逐行 / table: targets by towns, or one line per unit",
    )
    p.add_argument(
        "--fail-on-missed",
        action="store_true",
        help="有目标未达标时返回 1 / exit 1 when a target is missed",
    )
    p.add_argument(
        "--record",
        action="store_true",
        help="把本次评估记入项目历史并保存项目 / record in the project's history and save it",
    )
    p.add_argument(
        "--lang",
        choices=["zh", "en"],
        default=argparse.SUPPRESS,
        help="输出语言 / output language",
    )


def targets_request(args: argparse.Namespace) -> TargetsRequest:
    """Return the Request the command line describes (options left out: its defaults)."""
    from gisdesk.tasks.targets import TargetsRequest

    return TargetsRequest(
        as_of=args.as_of, targets_file=None if args.targets is None else str(args.targets)
    )


def run_targets(args: argparse.Namespace, *, lang: str = "zh") -> int:
    """Evaluate the targets and print or write the result; return the exit code."""
    from gisdesk.analysis.targets import TargetsFileError, history_frame, record_evaluation
    from gisdesk.tasks import run_request

    if args.format == "xlsx" and args.out is None:
        print(tr("xlsx 格式需要 --out 文件", "--format xlsx needs --out", lang), file=sys.stderr)
        return EXIT_USAGE
    source = open_source(args.project, lang)
    project = source.project
    try:
        result = run_request(source, targets_request(args))
    except TargetsFileError as exc:  # the file the user named cannot be used: exit 3
        print(exc.message(lang), file=sys.stderr)
        return EXIT_IO
    evaluation: TargetEvaluation = result.extras["evaluation"]
    if args.record:
        when = datetime.now().replace(microsecond=0)
        record_evaluation(project, evaluation, when)
        _record_in_file(args.project, evaluation, when, lang)
    if args.format == "json":
        _emit(evaluation.to_json(), args.out, lang)
    elif args.format == "xlsx":
        from gisdesk.analysis.targets import status_fills, workbook_sheets
        from gisdesk.io.targets import write_targets_xlsx

        sheets = workbook_sheets(
            evaluation, history=history_frame(project), lang=lang, title=project.title
        )
        say_written(write_targets_xlsx(args.out, sheets, fills=status_fills(lang)), lang)
        print(_headline(evaluation, lang))
    else:
        _emit(_table_text(evaluation, lang=lang, layout=args.layout), args.out, lang)
    for note in result.notes:  # layers the targets use without features: the data lacks them
        print(note.show(lang), file=sys.stderr)
    if result.details["empty_layers"]:
        return EXIT_MISSED
    return EXIT_MISSED if args.fail_on_missed and not result.ok else EXIT_OK


def _record_in_file(path: Path, evaluation: TargetEvaluation, when: datetime, lang: str) -> None:
    """Add the snapshot to the history in the file, under the project's lock.

    The history is read from the file inside the write, so snapshots others recorded
    since this command opened the project are kept.
    """
    from gisdesk.analysis.targets import record_evaluation
    from gisdesk.cli.writing import locked_project
    from gisdesk.core.project import Project
    from gisdesk.io.project_store import update_settings

    def change(settings: dict[str, Any]) -> None:
        current = Project()
        current.settings = settings
        record_evaluation(current, evaluation, when)

    with locked_project(path, purpose="record", lang=lang) as lock:
        update_settings(path, change, lock=lock)


def _emit(text: str, out: Path | None, lang: str) -> None:
    if out is None:
        print(text)
        return
    from gisdesk.io.output_guard import replace_file

    replace_file(out, lambda path: path.write_text(text + "\n", encoding="utf-8"))
    say_written(out, lang, err=True)


def _headline(evaluation: TargetEvaluation, lang: str) -> str:
    from gisdesk.analysis.targets import STATUSES, status_label

    s = evaluation.summary()
    parts = tr("，", ", ", lang).join(f"{status_label(k, lang)} {s[k]}" for k in STATUSES)
    n = len(evaluation.targets)
    return tr(
        f"规划目标评估（截至 {evaluation.as_of}）：{n} 项目标，{parts}",
        f"Plan targets as of {evaluation.as_of}: {n} targets, {parts}",
        lang,
    )


def _format(frame: pd.DataFrame) -> str:
    from gisdesk.cli.commands import format_table

    rows = [["" if v is None else str(v) for v in r] for r in frame.itertuples(index=False)]
    return format_table([str(c) for c in frame.columns], rows)


def _table_text(evaluation: TargetEvaluation, *, lang: str, layout: str) -> str:
    from gisdesk.analysis.targets import STATUS_SYMBOLS, status_label, wide_frame
    from gisdesk.analysis.targets.model import format_value

    sep = tr("：", ": ", lang)
    table = evaluation.table
    lines = [_headline(evaluation, lang), ""]
    no_data = set(evaluation.target_status().query("status == 'no_data'")["target_id"])
    measured = [t for t in evaluation.targets if t.id not in no_data]
    if layout == "wide":
        wide = wide_frame(evaluation, lang=lang)
        wide = wide[wide.iloc[:, 0].isin([t.id for t in measured])]
        legend = "；".join(f"{STATUS_SYMBOLS[s]} {status_label(s, lang)}" for s in STATUS_SYMBOLS)
        lines += [_format(wide), "", legend, ""]
        rest = table[
            ~table["unit_type"].isin(["district", "town"]) & ~table["target_id"].isin(no_data)
        ]
        if len(rest):
            lines.append(tr("分项（路段、道路、重点区域、污水片区）：", "Other units:", lang))
    else:
        rest = table[~table["target_id"].isin(no_data)]
    explanation = tr("explanation_zh", "explanation_en", lang)
    for r in rest.to_dict("records"):
        value = format_value(float(r["value"]), str(r["value_unit"]))
        mark = STATUS_SYMBOLS.get(str(r["status"]), "?")
        unit = tr(r["unit"], "district" if r["unit"] == "全区" else r["unit"], lang)
        lines.append(f"  {mark} {r['target_id']} {unit}{sep}{value} — {r[explanation]}")
    if no_data:
        lines += ["", tr("无数据（需补充的数据）：", "No data (what is needed):", lang)]
        for t in evaluation.targets:
            if t.id in no_data:
                why = str(table.loc[table["target_id"] == t.id, explanation].iloc[0])
                why = why.removeprefix("无数据：").removeprefix("no data: ")
                lines.append(f"  - {t.id} {t.title(lang)}{sep}{why}")
    return "\n".join(lines)
