"""click's own words (usage errors, help headings, the help option) in Chinese, for perfxl's CLI.

click marks every message it prints for gettext; its modules look `_` and `ngettext` up when they
speak. While `perfxl` runs, those two names are this catalogue, keyed by click's English text (the
English rendering stays available: it is the key, and any text not listed here passes unchanged).
Exit codes are click's own; only the words change."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator

# click's message → perfxl's. Placeholders keep click's names; one a Chinese sentence does not
# need ({name} in "File '…' is a directory") is simply not used.
CLICK_ZH = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "输入 '{command} {option}' 查看帮助。",
    "Aborted!": "已中断。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少必填选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令（check、run、collect、template 或 rules）。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Did you mean {possibility}?": "是否想输入 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否想输入其中之一：{possibilities}？）",
    "{name} {filename!r} does not exist.": "{filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{filename!r} 是文件，此处需要文件夹。",
    "{name} {filename!r} is a directory.": "{filename!r} 是文件夹，此处需要文件。",
    "{name} {filename!r} is not readable.": "{filename!r} 没有读取权限。",
    "{name} {filename!r} is not writable.": "{filename!r} 没有写入权限。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字。",
    "{value} is not in the range {range}.": "{value} 超出允许的范围 {range}。",
    "{value!r} is not {choice}.": "{value!r} 无效，只能是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 无效，可选：{choices}。",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} 不是有效的是/否值，可用：{states}"
    ),
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Press any key to continue...": "按任意键继续……",
}
# the modules of click that speak
_MODULES = (
    "click.core",
    "click.exceptions",
    "click.types",
    "click.parser",
    "click.decorators",
    "click.formatting",
    "click.termui",
)


def gettext_zh(message: str) -> str:
    return CLICK_ZH.get(message, message)


def ngettext_zh(singular: str, plural: str, n: int) -> str:
    """Chinese has one form for both: the singular's entry, else click's own English."""
    zh = CLICK_ZH.get(singular)
    return zh if zh is not None else (singular if n == 1 else plural)


@contextlib.contextmanager
def chinese_click() -> Iterator[None]:
    """click speaks perfxl's Chinese inside the block, its own English again after it."""
    saved: list[tuple[object, str, object]] = []
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a click without that module: its words stay English
            continue
        for attr, zh in (("_", gettext_zh), ("ngettext", ngettext_zh)):
            if hasattr(module, attr):
                saved.append((module, attr, getattr(module, attr)))
                setattr(module, attr, zh)
    try:
        yield
    finally:
        for module, attr, original in reversed(saved):
            setattr(module, attr, original)
