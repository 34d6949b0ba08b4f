"""`perfxl collect`: save the workbook attachments of mailboxes, with a manifest."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from perfxl.cli.app import EXIT_INTERRUPTED, PerfxlError, main, output_folder_option, say


@main.command()
@click.argument("mailboxes", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_folder_option("保存附件的文件夹。")
def collect(mailboxes: tuple[Path, ...], outdir: Path) -> None:
    """从邮件（.eml、mbox、Maildir）中保存工作簿附件和工作簿压缩包，并写出清单 manifest.csv。"""
    missing = [str(p) for p in mailboxes if not p.exists()]
    if missing:
        raise PerfxlError("输入不存在：" + "，".join(missing))
    if outdir.exists() and not outdir.is_dir():
        raise PerfxlError(f"输出位置不是文件夹：{outdir}")
    from perfxl.intake.collect import CollectError, collect_mail

    try:
        got = collect_mail(mailboxes, outdir)
    except CollectError as exc:
        raise PerfxlError(str(exc)) from exc
    except KeyboardInterrupt:
        # each attachment is saved whole (or not at all); the manifest is written at the end
        say(
            f"perfxl: 已中断：已保存的附件完整保留在 {outdir}，清单 manifest.csv 未更新；"
            "再次运行 collect 会跳过已保存的附件并补齐清单。"
        )
        sys.exit(EXIT_INTERRUPTED)
    n, kinds = got.counts, got.kinds
    click.echo(
        f"读取 {got.messages} 封邮件：保存附件 {n['saved']} 个（工作簿 {kinds['workbook']}，"
        f"压缩包 {kinds['zip']}），重复 {n['duplicate']} 个，非工作簿 {n['skipped']} 个，"
        f"无附件的邮件 {n['no_attachment']} 封，无法读取 {n['unreadable']} 个。"
    )
    click.echo(f"  {outdir / 'manifest.csv'}")
