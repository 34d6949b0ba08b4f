"""`perfxl rules`: the rule catalogue, as text or as the Markdown of docs/rules.md."""

from __future__ import annotations

from pathlib import Path

import click

from perfxl.cli.app import config_option, load_config, main, skip_teardown


@main.command()
@click.option("--markdown", is_flag=True, help="输出 docs/rules.md 的 Markdown 内容。")
@click.option("--english", is_flag=True, help="In English.")
@config_option
def rules(markdown: bool, english: bool, config_path: Path | None) -> None:
    """列出规则目录：编号、级别、说明、阈值配置项。"""
    cfg = load_config(config_path)
    skip_teardown()
    import perfxl.read.workbook  # noqa: F401  (declares the reading rules)
    from perfxl.checks import load_all
    from perfxl.report.text import render_rules, rules_markdown

    load_all()
    if markdown:
        click.echo(rules_markdown(cfg.flat()), nl=False)  # type: ignore[attr-defined]
    else:
        click.echo(render_rules(english=english))
