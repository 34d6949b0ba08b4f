"""A cache of per-file reading results, keyed by content hash and by the code that read them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfxl import __version__
from perfxl.intake.own_folders import TAG
from perfxl.model.findings import Finding
from perfxl.model.submission import Extract, Submission

# The default location, inside OUTDIR: a run writes nothing outside its output folder.
DIRNAME = ".perfxl-cache"
# Bumped when the entry layout below changes; the reader's own changes are caught by the
# fingerprint (its source code), so nobody has to remember to bump anything for those.
FORMAT = 1
MAGIC = b"perfxl-read-cache"
# Entries no run has used for this long are removed; so are leftovers of writes cut short.
MAX_AGE = 30 * 24 * 3600
STALE_TMP = 3600
# Readings that may depend on the machine rather than the file (a parser that crashed or ran out of
# memory, a file that vanished) are not kept: the next run tries them again.
_TRANSIENT = {"R01", "R06"}
_ENTRY = re.compile(r"^[0-9a-f]{64}\.json$")
_TMP = re.compile(r"^\.[0-9a-f]{64}\.(\d+)\.[0-9a-f]{8}\.tmp$")

_fingerprint: str | None = None


def reader_fingerprint() -> str:
    """What makes two readings of the same bytes differ: the entry format, the perfxl version, the
    parser's version and perfxl's own source (a changed reader, spec or message template)."""
    global _fingerprint
    if _fingerprint is None:
        try:
            from importlib.metadata import version

            calamine = version("python-calamine")
        except Exception:  # not installed as a distribution: the source hash still holds
            calamine = "?"
        _fingerprint = fingerprint_of(Path(__file__).resolve().parent, __version__, calamine)
    return _fingerprint


def fingerprint_of(package: Path, perfxl_version: str, calamine_version: str) -> str:
    # the whole package, not a list of the reader's modules that would go stale when the reader
    # imports one more; a change elsewhere only costs one full read
    h = hashlib.sha256(
        f"format={FORMAT};perfxl={perfxl_version};python-calamine={calamine_version};".encode()
    )
    for src in sorted(package.rglob("*.py")):
        h.update(str(src.relative_to(package)).encode("utf-8", "surrogateescape") + b"\0")
        try:
            h.update(src.read_bytes())
        except OSError:
            h.update(b"?")
    return h.hexdigest()


# ------------------------------------------------------------------ encoding

# JSON, never pickle: loading an entry cannot run code, whoever edited the file. Values JSON has no
# type for are tagged objects; anything else makes the submission uncacheable (read afresh).


class Unencodable(TypeError):
    pass


def _enc(v: Any) -> Any:
    t = type(v)  # exact types: a subclass (numpy float, pandas Timestamp) would come back different
    if v is None or t is str or t is int or t is bool or t is float:
        return v  # NaN and ±inf: Python's json writes and reads them back
    if t is list:
        return [_enc(x) for x in v]
    if t is dict:
        if all(type(k) is str and not k.startswith("$") for k in v):
            return {k: _enc(x) for k, x in v.items()}
        return {"$map": [[_enc(k), _enc(x)] for k, x in v.items()]}
    if t is tuple:
        return {"$tuple": [_enc(x) for x in v]}
    if t is dt.datetime:
        return {"$datetime": v.isoformat()}
    if t is dt.date:
        return {"$date": v.isoformat()}
    if t is dt.time:
        return {"$time": v.isoformat()}
    if t is dt.timedelta:
        return {"$timedelta": [v.days, v.seconds, v.microseconds]}
    raise Unencodable(t.__name__)


_TAGS: dict[str, Callable[[Any], Any]] = {
    "$map": lambda v: {k: x for k, x in v},  # a key that is a list: TypeError, entry corrupt
    "$tuple": tuple,
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$timedelta": lambda v: dt.timedelta(*v),
}


def _hook(d: dict[str, Any]) -> Any:
    if len(d) == 1:
        key = next(iter(d))
        if key[:1] == "$":
            return _TAGS[key](d[key])  # an unknown tag: KeyError, the entry is corrupt
    return d


_SUB_FIELDS = tuple(f.name for f in dataclasses.fields(Submission))
_EXTRACT_FIELDS = tuple(f.name for f in dataclasses.fields(Extract))
_FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
_RECORD_LISTS = tuple(n for n in _EXTRACT_FIELDS if n not in ("project", "refs"))
_TEXT_FIELDS = ("profile", "layout", "money_unit")
_NONE = type(None)
_SCALARS: dict[str, tuple[type, ...]] = {
    "file": (str,),
    "sha256": (str,),
    "size": (int,),
    "mtime": (float, int, _NONE),
    "format": (str,),
    "profile": (str, _NONE),
    "layout": (str,),
    "template_version": (str, _NONE),
    "blocked": (bool,),
    "read_ms": (float, int),
    "provenance": (dict,),
    "library_error": (str, _NONE),
}


def encode(sub: Submission) -> bytes:
    """A submission as JSON (raises Unencodable for a value JSON cannot carry faithfully)."""
    data = {name: getattr(sub, name) for name in _SUB_FIELDS}
    ex = sub.extract
    data["extract"] = None if ex is None else {n: getattr(ex, n) for n in _EXTRACT_FIELDS}
    data["findings"] = [[getattr(f, n) for n in _FINDING_FIELDS] for f in sub.findings]
    data["provenance"] = {}  # the run adds where the file came from; that is not the file's
    return json.dumps(_enc(data), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(body: bytes) -> Submission:
    """The submission back; raises (ValueError, TypeError, KeyError …) on anything malformed."""
    data = json.loads(body, object_hook=_hook)
    if not isinstance(data, dict) or tuple(data) != _SUB_FIELDS:
        raise ValueError("not a submission")
    ex = data["extract"]
    if ex is not None:
        if not isinstance(ex, dict) or tuple(ex) != _EXTRACT_FIELDS:
            raise ValueError("not an extract")
        # the shapes later stages iterate over, so a damaged entry fails here and not there
        if not isinstance(ex["project"], dict) or not isinstance(ex["refs"], dict):
            raise ValueError("bad extract")
        for name in _RECORD_LISTS:
            v = ex[name]
            if name in _TEXT_FIELDS:
                ok = isinstance(v, str)
            elif name in ("missing_blocks", "incomplete"):
                ok = isinstance(v, list) and all(isinstance(x, str) for x in v)
            else:
                ok = isinstance(v, list) and all(isinstance(r, dict) for r in v)
            if not ok:
                raise ValueError(f"bad {name}")
        data["extract"] = Extract(**ex)
    findings = data["findings"]
    if not isinstance(findings, list):
        raise ValueError("bad findings")
    out = []
    for f in findings:
        if not isinstance(f, list) or len(f) != len(_FINDING_FIELDS):
            raise ValueError("bad finding")
        fd = dict(zip(_FINDING_FIELDS, f, strict=True))
        if not all(isinstance(fd[k], str) for k in ("rule", "severity", "message", "message_en")):
            raise ValueError("bad finding")
        out.append(Finding(**fd))
    data["findings"] = out
    for key, kinds in _SCALARS.items():
        if type(data[key]) not in kinds:
            raise ValueError(f"bad {key}")
    return Submission(**data)


def cacheable(sub: Submission) -> bool:
    if not sub.sha256 or sub.format == "unreadable":
        return False
    return not (sub.blocked and any(f.rule in _TRANSIENT for f in sub.findings))


# ------------------------------------------------------------------ the store


class ReadCache:
    """Entries `<root>/v<FORMAT>-<fingerprint>/<sha[:2]>/<sha>.json`, each a header line (magic,
    format, fingerprint, file hash, hash of the body) and the JSON body. Each entry is written to a
    temporary name and renamed, so a killed run keeps every entry it finished; an entry that fails
    any check is deleted and the file read again. No index: the folder is the index, and there is
    nothing to corrupt but single entries. Cache trouble (a read-only disk, a damaged entry) never
    stops a run: it only costs a fresh read."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.fingerprint = reader_fingerprint()
        self.dir = self.root / f"v{FORMAT}-{self.fingerprint[:20]}"
        self.hits = 0
        self.stored = 0
        self.rejected = 0  # damaged or foreign entries, removed
        self.uncacheable = 0
        self.writable = True
        self._ready = False

    def stats(self) -> dict[str, Any]:
        return {
            "dir": str(self.root),
            "hits": self.hits,
            "stored": self.stored,
            "rejected": self.rejected,
            "uncacheable": self.uncacheable,
        }

    def _path(self, sha: str) -> Path:
        return self.dir / sha[:2] / f"{sha}.json"

    def get(self, sha: str, display: str, path: str | os.PathLike[str]) -> Submission | None:
        """The earlier reading of these bytes, shown under today's name; None on a miss."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha or ""):
            return None
        t0 = time.perf_counter()
        entry = self._path(sha)
        try:
            raw = entry.read_bytes()
        except OSError:
            return None
        try:
            sub = self._parse(raw, sha)
        except Exception:  # anything at all wrong with it: drop it, read the file again
            self.rejected += 1
            try:
                entry.unlink()
            except OSError:
                pass
            return None
        try:
            sub.mtime = os.stat(path).st_mtime  # what a fresh read of this copy would record
            os.utime(entry)  # used: safe from the age limit
        except OSError:
            pass
        sub.file = display
        sub.read_ms = (time.perf_counter() - t0) * 1000
        self.hits += 1
        return sub

    def _parse(self, raw: bytes, sha: str) -> Submission:
        header, sep, body = raw.partition(b"\n")
        parts = header.split(b" ")
        if not sep or len(parts) != 5 or parts[0] != MAGIC:
            raise ValueError("no header")
        if parts[1] != str(FORMAT).encode() or parts[2].decode() != self.fingerprint:
            raise ValueError("another reader")
        if parts[3].decode() != sha or parts[4].decode() != hashlib.sha256(body).hexdigest():
            raise ValueError("damaged")  # truncated, or bytes changed
        sub = decode(body)
        if sub.sha256 != sha:
            raise ValueError("another file")
        return sub

    def put(self, sub: Submission) -> None:
        if not self.writable or not cacheable(sub):
            return
        try:
            body = encode(sub)
        except (Unencodable, ValueError, RecursionError):
            self.uncacheable += 1
            return
        digest = hashlib.sha256(body).hexdigest()
        head = b" ".join(
            [MAGIC, str(FORMAT).encode(), self.fingerprint.encode(), sub.sha256.encode()]
        )
        entry = self._path(sub.sha256)
        tmp = entry.parent / f".{sub.sha256}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            self._prepare()
            entry.parent.mkdir(exist_ok=True)
            with open(tmp, "xb") as fh:
                fh.write(head + b" " + digest.encode() + b"\n" + body)
            os.replace(tmp, entry)
            self.stored += 1
        except OSError:
            self.writable = False  # a full or read-only disk: go on without storing
            try:
                tmp.unlink()
            except OSError:
                pass

    def put_all(self, subs: list[Submission]) -> None:
        for sub in subs:
            self.put(sub)

    def _prepare(self) -> None:
        if self._ready:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        tag = self.root / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(TAG, encoding="ascii")
        self._ready = True

    def prune(self) -> None:
        """Remove the entries of other readers (another perfxl), entries unused for MAX_AGE, and
        temporary files that killed runs left."""
        now = time.time()
        try:
            tops = list(self.root.iterdir())
        except OSError:
            return
        for top in tops:
            if top.name.startswith("v") and top.is_dir() and top != self.dir:
                if re.fullmatch(r"v\d+-[0-9a-f]{20}", top.name):
                    shutil.rmtree(top, ignore_errors=True)
        try:
            shards = [p for p in self.dir.iterdir() if p.is_dir()]
        except OSError:
            return
        for shard in shards:
            try:
                names = os.listdir(shard)
            except OSError:
                continue
            for name in names:
                p = shard / name
                try:
                    age = now - p.stat().st_mtime
                except OSError:
                    continue
                m = _TMP.match(name)
                old = (m is not None and age > STALE_TMP) or (_ENTRY.match(name) and age > MAX_AGE)
                if old:
                    try:
                        p.unlink()
                    except OSError:
                        pass
