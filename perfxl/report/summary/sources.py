"""Links from the summary to the source files: each submission's file, archive and cell."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from perfxl.intake.inputs import InputFile
from perfxl.report.run_result import RunResult
from perfxl.report.summary.values import SURROGATE, Link, as_text

_ESCAPED = re.compile(r"%[0-9A-Fa-f]{2}")
_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")


class Sources:
    """Where each submission's file is, and how to link to it from OUTDIR."""

    def __init__(self, run: RunResult, outdir: Path, beside: Path | None = None) -> None:
        self.outdir = outdir.resolve()
        # where the outputs written with the summary are until they are all put in place
        self.beside = beside
        self.by_sub: dict[str, InputFile] = {}
        self.duplicates: dict[str, list[str]] = {}
        bases: set[Path] = set()
        for i in run.inputs:
            if i.origin == "file":
                base = _base_of(i.path, i.display)
                if base is not None:
                    bases.add(base)
            if not i.sub:
                continue
            if i.status == "duplicate":
                self.duplicates.setdefault(i.sub, []).append(i.display)
            elif i.sub not in self.by_sub:
                self.by_sub[i.sub] = i
        self.bases = sorted(bases)
        frames = getattr(getattr(run, "report", None), "frames", None)
        fmt = getattr(frames, "projects", None)
        self.format: dict[str, str] = {}
        if isinstance(fmt, pd.DataFrame) and {"sub", "format"} <= set(fmt.columns):
            self.format = {
                s: f for s, f in zip(fmt["sub"], fmt["format"], strict=True) if isinstance(f, str)
            }
        self._archive_cache: dict[str, Path | None] = {}
        self._rel_cache: dict[Path, str | None] = {}

    def output_exists(self, rel: str) -> bool:
        """Whether the output OUTDIR/`rel` (a feedback copy, a reply draft) was written."""
        return (self.outdir / rel).exists() or (
            self.beside is not None and (self.beside / rel).exists()
        )

    def _relative(self, target: Path) -> str | None:
        """The path from OUTDIR, or None where Excel could not follow it."""
        if target in self._rel_cache:
            return self._rel_cache[target]
        rel: str | None
        try:
            rel = os.path.relpath(target.resolve(), self.outdir)
        except ValueError:  # another drive on Windows: an absolute link
            rel = str(target.resolve())
        except OSError:
            rel = None
        # a backslash inside a (Linux) file name is a separator to Excel on Windows, so a file
        # named "..\\..\\x.xlsx" would lead out of the input folder: no link for those
        if rel is not None and ("\\" in target.name or unlinkable(rel)):
            rel = None
        self._rel_cache[target] = rel
        return rel

    def archive_path(self, item: InputFile) -> Path | None:
        prov = item.provenance or {}
        if prov.get("archive_path"):
            return Path(prov["archive_path"])
        archive = str(prov.get("archive") or "")
        top = _top_archive(archive)
        if not top:
            return None
        if top not in self._archive_cache:
            found = None
            for cand in (*(b / top for b in self.bases), Path(top)):
                if cand.is_file():
                    found = cand
                    break
            self._archive_cache[top] = found
        return self._archive_cache[top]

    def file_link(self, sub: Any, shown: Any) -> Link | None:
        """The 源文件 cell: a link to the file, or to the archive holding it."""
        item = self.by_sub.get(sub) if isinstance(sub, str) else None
        text = as_text(shown)
        if item is None:
            return Link(text, None) if text else None
        text = text or item.display
        if item.origin == "file":
            rel = self._relative(item.path)
            return Link(text, "external:" + rel if rel else None, "打开源文件")
        if item.origin == "zip":
            prov = item.provenance or {}
            member = str(prov.get("member") or item.display)
            archive = str(prov.get("archive") or "")
            label = f"{member}（在压缩包 {archive} 中，链接打开压缩包）"
            path = self.archive_path(item)
            rel = self._relative(path) if path else None
            return Link(label, "external:" + rel if rel else None, "打开压缩包")
        return Link(text, None)

    def cell_link(self, sub: Any, sheet: Any, cell: Any) -> str | None:
        """file#'Sheet'!A1 where Excel can open the source at that cell (a plain xlsx/xlsm file)."""
        item = self.by_sub.get(sub) if isinstance(sub, str) else None
        if item is None or item.origin != "file" or not isinstance(sheet, str) or not sheet:
            return None
        if item.path.suffix.lower() not in (".xlsx", ".xlsm"):
            return None
        if self.format.get(sub, "xlsx") not in ("xlsx", "xlsm"):
            return None
        first = str(cell).split(":")[0].strip().upper() if isinstance(cell, str) else ""
        if not _A1.match(first):
            first = "A1"
        rel = self._relative(item.path)
        if rel is None:
            return None
        return "external:" + rel + "#'" + sheet.replace("'", "''") + "'!" + first


def _base_of(path: Path, display: str) -> Path | None:
    parts, shown = Path(path).parts, Path(display).parts
    if shown and len(parts) >= len(shown) and parts[-len(shown) :] == shown:
        return Path(*parts[: -len(shown)]) if len(parts) > len(shown) else Path(".")
    return None


def _top_archive(archive: str) -> str | None:
    parts = archive.replace("\\", "/").split("/")
    for k in range(1, len(parts) + 1):
        if parts[k - 1].lower().endswith(".zip"):
            return "/".join(parts[:k])
    return archive or None


# ---------------------------------------------------------------- the workbook writer


def unlinkable(rel: str) -> bool:
    """Whether Excel would misread this relative path as a link: a "#" splits the link from its
    location and "%xx" is taken as already escaped; a lone surrogate cannot be written at all."""
    return "#" in rel or _ESCAPED.search(rel) is not None or SURROGATE.search(rel) is not None
