"""`perfxl status` and `perfxl accept`: the season board of a ledger, and the officer's word on
a finding — each one library call on perfxl.run.ledger."""

from __future__ import annotations

import json
from pathlib import Path

import click

from perfxl.cli.app import PerfxlError, main

_LEDGER = click.option(
    "--ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="PERFXL_LEDGER",
    required=True,
    help="本季台账（SQLite 文件；也可用环境变量 PERFXL_LEDGER）。",
)


def _open(path: Path):  # noqa: ANN202  (perfxl.run.ledger.Ledger, imported late)
    from perfxl.run.ledger import Ledger, LedgerError

    try:
        return Ledger(path, create=False)
    except LedgerError as exc:
        raise PerfxlError(str(exc)) from exc


@main.command()
@_LEDGER
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（projects、counts）。")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="另存为看板工作簿 board.xlsx（台账总览、项目状态、未关闭问题）。",
)
def status(ledger: Path, as_json: bool, output: Path | None) -> None:
    """本季看板：各状态项目数（按主管部门）、已退回未重报、重报后的变化、按规则的未关闭问题。"""
    from perfxl.report.season_board import board_json, board_lines, write_board
    from perfxl.run.season import open_by_rule, season_counts

    with _open(ledger) as book:
        table = book.status()
        counts = season_counts(table)
        by_rule = open_by_rule(book)
    if output is not None:
        write_board(output, table, counts, by_rule)
    lines = (
        [json.dumps(board_json(table, counts), ensure_ascii=False, indent=1)]
        if as_json
        else board_lines(table, counts, by_rule) + ([f"  {output}"] if output is not None else [])
    )
    try:
        for line in lines:
            click.echo(line)
    except BrokenPipeError:  # `perfxl status | head`: the rest is not wanted
        from perfxl.cli.run import _quiet_stdout

        _quiet_stdout()


@main.command()
@_LEDGER
@click.option("--project", "key", required=True, help="项目编号（perfxl status 中的“项目编号”）。")
@click.option("--rule", "rule_id", required=True, help="接受的规则编号，如 F08。")
@click.option("--cell", default=None, help="只接受此单元格上的问题（默认：该规则的全部问题）。")
@click.option("--note", default=None, help="接受的理由，记入台账。")
def accept(ledger: Path, key: str, rule_id: str, cell: str | None, note: str | None) -> None:
    """接受一个项目某条规则的问题（记录接受人和时间）：此后不再计为未关闭。"""
    from perfxl.run.ledger import LedgerError

    with _open(ledger) as book:
        try:
            n = book.accept(key, rule_id.strip().upper(), cell, note)
        except LedgerError as exc:
            raise PerfxlError(str(exc)) from exc
    click.echo(f"已接受：{key} 的 {rule_id.upper()}（{n} 条问题），此后不再计为未关闭。")
