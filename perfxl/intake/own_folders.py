"""perfxl's own folders and files (the reading cache, the outputs of a run, scratch), recognised by
their markers so that they are never read as submissions when they sit inside an input folder."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from perfxl.files import SCRATCH_DIR, SCRATCH_FILE, alive

TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by perfxl (reading results; safe to delete).\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
RUN_FILE = "run.json"
# run.json lists every output written with it ({path in OUTDIR: sha256}) under this key
OUTPUTS_KEY = "outputs"
# what a run.json written before that listing had beside it
_OLD_OUTPUTS = ("summary.xlsx", "projects.csv", "findings.csv")
_OLD_FOLDERS = ("feedback", "replies")
# the reasons told in the manifest; the CLI counts them under one line
OWN_OUTPUT = "perfxl 自己的输出（上次运行写出，见同一文件夹的 run.json），未作为报送材料读取"
OWN_CACHE = "perfxl 读取缓存文件夹"
OWN_SCRATCH = "perfxl 的临时文件（另一次运行正在使用），未作为报送材料读取"


def is_cache_dir(p: Path) -> bool:
    """A folder holding perfxl's cache tag (skipped when it sits inside an input folder)."""
    try:
        with open(p / "CACHEDIR.TAG", "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return head.startswith(b"Signature: 8a477f597d28d172789f06886806bc55") and b"perfxl" in head


def is_live_scratch(p: Path) -> bool:
    """A temporary file or folder of a perfxl run that is still going (a dead run's are swept)."""
    m = (SCRATCH_DIR if p.is_dir() and not p.is_symlink() else SCRATCH_FILE).match(p.name)
    return m is not None and alive(int(m.group(1)))


class OwnOutputs:
    """Tells, file by file, what perfxl wrote into the folders it looks at: a file is perfxl's
    when a perfxl run.json in its folder (or, for feedback/ and replies/, the folder above) lists
    it with the same sha256 — a unit's file that happens to be called summary.xlsx is still read.
    A run.json from before that listing vouches for the output names beside it."""

    def __init__(self) -> None:
        self._runs: dict[Path, dict[str, str] | None | bool] = {}

    def owns(self, path: Path) -> bool:
        if path.name == RUN_FILE and self._listing(path.parent) is not False:
            return True
        for folder in (path.parent, path.parent.parent):
            listing = self._listing(folder)
            if listing is False:
                continue
            rel = path.relative_to(folder).as_posix()
            if listing is None:  # an older run.json: its outputs by name
                top = rel.split("/")[0]
                return rel in _OLD_OUTPUTS or (top in _OLD_FOLDERS and "/" in rel)
            assert isinstance(listing, dict)
            digest = listing.get(rel)
            return digest is not None and _sha256(path) == digest
        return False

    def _listing(self, folder: Path) -> dict[str, str] | None | bool:
        """What the perfxl run.json in `folder` lists (None: it lists nothing); False: none there."""
        if folder not in self._runs:
            self._runs[folder] = _read_listing(folder / RUN_FILE)
        return self._runs[folder]


def _read_listing(p: Path) -> dict[str, str] | None | bool:
    try:
        with open(p, "rb") as fh:
            if b'"perfxl_version"' not in fh.read(64):
                return False
            fh.seek(0)
            data = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(data, dict) or "inputs" not in data:
        return False
    listing = data.get(OUTPUTS_KEY)
    if not isinstance(listing, dict):
        return None
    return {str(k): str(v) for k, v in listing.items()}


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()
