"""The season ledger: every run, input, submission version, finding and reply of a department's
season in one SQLite file (stdlib sqlite3, WAL mode, a versioned schema).

One `perfxl run --ledger PATH` is one transaction, opened with BEGIN IMMEDIATE when the run
starts and committed only after its outputs are in place: a run killed or failing halfway leaves
the ledger as it was, and a second run on the same ledger waits (PERFXL_LEDGER_WAIT seconds,
default 10) for the first to finish, then stops with a clear message. Readers (`perfxl status`)
are never blocked: WAL lets them read the last committed season while a run writes.

A finding is matched from one version of a project to the next by its fingerprint — rule and
cell (rule and the start of the message where the finding has no cell) — so "fixed", "still
open" and "new" are a set comparison; findings belong to the version they were found in.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from perfxl import __version__

SCHEMA_VERSION = 3
ENV_PATH = "PERFXL_LEDGER"
ENV_WAIT = "PERFXL_LEDGER_WAIT"
APPLICATION_ID = 0x70786C67  # "pxlg": a SQLite file perfxl made, told from any other database

# the first schema (perfxl 0.x, ledger v1): kept verbatim so a v1 file can be migrated and tested
SCHEMA_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    perfxl_version TEXT NOT NULL,
    inputs TEXT NOT NULL,
    config TEXT NOT NULL,
    outdir TEXT
);
CREATE TABLE inputs (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    display TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    sha256 TEXT,
    sub TEXT
);
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    sub TEXT NOT NULL,
    project_key TEXT,
    unit TEXT,
    department TEXT,
    project TEXT,
    fiscal_year INTEGER,
    file TEXT,
    sha256 TEXT,
    sender TEXT,
    mail_subject TEXT,
    received TEXT,
    total REAL,
    grade TEXT,
    errors INTEGER,
    warnings INTEGER,
    infos INTEGER,
    status TEXT
);
CREATE TABLE findings (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    sheet TEXT,
    cell TEXT,
    message TEXT NOT NULL,
    fingerprint TEXT NOT NULL
);
CREATE TABLE replies (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    submission_id INTEGER REFERENCES submissions(id),
    kind TEXT NOT NULL,
    path TEXT,
    at TEXT NOT NULL
);
CREATE TABLE acceptances (
    project_key TEXT NOT NULL,
    rule TEXT NOT NULL,
    who TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX submissions_by_key ON submissions(project_key);
CREATE INDEX findings_by_submission ON findings(submission_id);
"""

# schema version -> the statements that bring a file of that version to the next
MIGRATIONS: dict[int, str] = {
    1: """
    ALTER TABLE acceptances ADD COLUMN cell TEXT;
    ALTER TABLE acceptances ADD COLUMN note TEXT;
    CREATE TABLE explanations (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        rule TEXT NOT NULL,
        cell TEXT,
        text TEXT NOT NULL
    );
    CREATE INDEX replies_by_submission ON replies(submission_id);
    """,
    2: """
    ALTER TABLE runs ADD COLUMN roster TEXT;
    ALTER TABLE submissions ADD COLUMN path TEXT;
    CREATE TABLE not_submitted (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        unit TEXT,
        department TEXT,
        project TEXT NOT NULL
    );
    """,
}


class LedgerError(Exception):
    """A ledger that cannot be used; the message is the Chinese line a user reads."""


def ledger_path(given: str | os.PathLike[str] | None) -> Path | None:
    """The --ledger option, else PERFXL_LEDGER, else none."""
    value = given if given is not None else os.environ.get(ENV_PATH) or None
    return Path(value) if value else None


def fingerprint(rule: str, cell: Any, message: Any) -> str:
    """How a finding is told again in the next version: rule + cell, or rule + message start."""
    cell = cell if isinstance(cell, str) and cell else ""
    tail = "" if cell else (str(message or "")[:40])
    return f"{rule}|{cell}|{tail}"


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container, a service account)
        return "unknown"


class Ledger:
    """A season ledger file. `Ledger(path)` opens (or creates) it and brings its schema up to
    date; its methods return DataFrames (runs, submissions, findings, status)."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        if not self.path.exists() and not create:
            raise LedgerError(f"台账文件不存在：{self.path}")
        if self.path.is_dir():
            raise LedgerError(f"台账路径是一个文件夹，不是数据库文件：{self.path}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(
                f"无法创建台账所在的文件夹 {self.path.parent}（{exc.strerror}）。"
            ) from None
        wait = float(os.environ.get(ENV_WAIT, "10") or 10)
        try:
            self.db = sqlite3.connect(self.path, timeout=wait, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self._open()
        except sqlite3.DatabaseError as exc:
            raise LedgerError(self._damaged(exc)) from None

    # ------------------------------------------------------------------ opening

    def _damaged(self, exc: sqlite3.DatabaseError) -> str:
        if "locked" in str(exc) or "busy" in str(exc):
            return f"台账 {self.path} 正被另一次 perfxl 运行使用，请等它结束后再运行。"
        return (
            f"台账文件 {self.path} 不是 perfxl 的台账数据库，或已损坏（{exc}）；"
            "未作任何修改。请检查路径，或从备份恢复。"
        )

    def _open(self) -> None:
        db = self.db
        app = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables and app != APPLICATION_ID:
            raise LedgerError(
                f"文件 {self.path} 是另一个程序的 SQLite 数据库，不是 perfxl 的台账；未作任何修改。"
            )
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"台账 {self.path} 由更新版本的 perfxl 写成（结构版本 {version}，"
                f"本机为 {SCHEMA_VERSION}）；请升级 perfxl 后再使用。"
            )
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        if not tables:
            self._create()
        elif version < SCHEMA_VERSION:
            self.migrate(version)

    def _create(self) -> None:
        """A new file gets the first schema, then every migration: the path a v1 file takes."""
        self._apply(SCHEMA_V1, f"PRAGMA application_id={APPLICATION_ID}", "PRAGMA user_version=1")
        self.migrate(1)

    def _apply(self, script: str, *pragmas: str) -> None:
        """`script`'s statements and `pragmas` in one transaction (all or none of them)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(None, (s.strip() for s in script.split(";"))):
                self.db.execute(statement)
            for pragma in pragmas:
                self.db.execute(pragma)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def migrate(self, version: int) -> None:
        """Bring a file of schema `version` to SCHEMA_VERSION, one step at a time, each step in
        one transaction (a failed step leaves the file at the version before it)."""
        while version < SCHEMA_VERSION:
            self._apply(MIGRATIONS[version], f"PRAGMA user_version={version + 1}")
            version += 1

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ one run

    @contextmanager
    def run_transaction(self) -> Iterator[sqlite3.Connection]:
        """The whole run as one write transaction: waits for another run's to end (then stops
        with LedgerError), rolls back on any exception or interruption."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise LedgerError(self._damaged(exc)) from None
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def start_run(self, inputs: list[str], config: dict[str, Any], outdir: str | None) -> int:
        cur = self.db.execute(
            "INSERT INTO runs(started, perfxl_version, inputs, config, outdir) VALUES (?,?,?,?,?)",
            (
                _now(),
                __version__,
                json.dumps(inputs, ensure_ascii=False),
                json.dumps(config, ensure_ascii=False, default=str),
                outdir,
            ),
        )
        return int(cur.lastrowid)

    def record_inputs(self, run_id: int, inputs: list[dict[str, Any]]) -> None:
        self.db.executemany(
            "INSERT INTO inputs(run_id, display, status, reason, sha256, sub) VALUES (?,?,?,?,?,?)",
            [
                (run_id, i["display"], i["status"], i.get("reason"), i.get("sha256"), i.get("sub"))
                for i in inputs
            ],
        )

    def record_submissions(
        self, run_id: int, rows: list[dict[str, Any]], findings: pd.DataFrame
    ) -> dict[str, int]:
        """Each submission version and its findings; returns sub -> submission id. A workbook
        the ledger already holds (same SHA-256 and project) is not a new version."""
        ids: dict[str, int] = {}
        by_sub = {s: g for s, g in findings.groupby("sub")} if not findings.empty else {}
        for row in rows:
            known = self.db.execute(
                "SELECT id FROM submissions WHERE sha256 = ? AND project_key IS ? "
                "ORDER BY id DESC LIMIT 1",
                (row.get("sha256"), row.get("project_key")),
            ).fetchone()
            if known is not None:
                ids[row["sub"]] = int(known["id"])
                continue
            cur = self.db.execute(
                "INSERT INTO submissions(run_id, sub, project_key, unit, department, project, "
                "fiscal_year, file, sha256, sender, mail_subject, received, total, grade, errors, "
                "warnings, infos, status, path) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    row["sub"],
                    row.get("project_key"),
                    row.get("unit"),
                    row.get("department"),
                    row.get("project"),
                    row.get("fiscal_year"),
                    row.get("file"),
                    row.get("sha256"),
                    row.get("sender"),
                    row.get("mail_subject"),
                    row.get("received"),
                    row.get("total"),
                    row.get("grade"),
                    row.get("errors"),
                    row.get("warnings"),
                    row.get("infos"),
                    row.get("status"),
                    row.get("path"),
                ),
            )
            sid = int(cur.lastrowid)
            ids[row["sub"]] = sid
            f = by_sub.get(row["sub"])
            if f is not None:
                self.db.executemany(
                    "INSERT INTO findings(submission_id, rule, severity, sheet, cell, message, "
                    "fingerprint) VALUES (?,?,?,?,?,?,?)",
                    [
                        (
                            sid,
                            r["rule"],
                            r["severity"],
                            r.get("sheet"),
                            r.get("cell"),
                            r["message"],
                            fingerprint(r["rule"], r.get("cell"), r["message"]),
                        )
                        for r in f.to_dict("records")
                    ],
                )
        return ids

    def record_explanations(self, submission_id: int, explained: list[dict[str, Any]]) -> None:
        self.db.executemany(
            "INSERT INTO explanations(submission_id, rule, cell, text) VALUES (?,?,?,?)",
            [(submission_id, e["rule"], e.get("cell"), e["text"]) for e in explained],
        )

    def record_reply(self, run_id: int, submission_id: int | None, kind: str, path: str) -> None:
        self.db.execute(
            "INSERT INTO replies(run_id, submission_id, kind, path, at) VALUES (?,?,?,?,?)",
            (run_id, submission_id, kind, path, _now()),
        )

    def record_not_submitted(self, run_id: int, roster: str, missing: list[dict[str, Any]]) -> None:
        """The roster this run used, and its projects no workbook was received for (D01)."""
        self.db.execute("UPDATE runs SET roster = ? WHERE id = ?", (roster, run_id))
        self.db.executemany(
            "INSERT INTO not_submitted(run_id, unit, department, project) VALUES (?,?,?,?)",
            [(run_id, m.get("unit"), m.get("department"), m["project"]) for m in missing],
        )

    def not_submitted(self) -> pd.DataFrame:
        """The projects of the latest roster no version has arrived for."""
        return self.frame(
            "SELECT * FROM not_submitted WHERE run_id = "
            "(SELECT max(id) FROM runs WHERE roster IS NOT NULL) ORDER BY rowid"
        )

    def finish_run(self, run_id: int) -> None:
        self.db.execute("UPDATE runs SET finished = ? WHERE id = ?", (_now(), run_id))

    # ------------------------------------------------------------------ the officer's word

    def accept(
        self, project_key: str, rule: str, cell: str | None = None, note: str | None = None
    ) -> int:
        """The officer accepts a finding of a project (every version from now on); returns how
        many findings of its latest version the acceptance covers."""
        latest = self._latest_submission(project_key)
        if latest is None:
            raise LedgerError(f"台账中没有项目 {project_key}；请用 perfxl status 查看项目编号。")
        covered = self.db.execute(
            "SELECT count(*) FROM findings WHERE submission_id = ? AND rule = ? "
            "AND (? IS NULL OR cell = ?)",
            (latest, rule, cell, cell),
        ).fetchone()[0]
        if not covered:
            raise LedgerError(f"项目 {project_key} 的最新版本中没有规则 {rule} 的问题，无需接受。")
        with self.run_transaction():
            self.db.execute(
                "INSERT INTO acceptances(project_key, rule, cell, note, who, at) "
                "VALUES (?,?,?,?,?,?)",
                (project_key, rule, cell, note, _who(), _now()),
            )
        return int(covered)

    def _latest_submission(self, project_key: str) -> int | None:
        row = self.db.execute(
            "SELECT max(id) FROM submissions WHERE project_key = ?", (project_key,)
        ).fetchone()
        return None if row[0] is None else int(row[0])

    # ------------------------------------------------------------------ reading

    def frame(self, sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
        cur = self.db.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return pd.DataFrame([tuple(r) for r in cur.fetchall()], columns=cols)

    def runs(self) -> pd.DataFrame:
        return self.frame("SELECT * FROM runs ORDER BY id")

    def inputs(self) -> pd.DataFrame:
        return self.frame("SELECT * FROM inputs ORDER BY run_id, rowid")

    def submissions(self) -> pd.DataFrame:
        return self.frame("SELECT * FROM submissions ORDER BY id")

    def findings(self) -> pd.DataFrame:
        return self.frame(
            "SELECT f.*, s.project_key, s.sub FROM findings f JOIN submissions s ON s.id = f.submission_id "
            "ORDER BY f.submission_id, f.rowid"
        )

    def replies(self) -> pd.DataFrame:
        return self.frame("SELECT * FROM replies ORDER BY rowid")

    def acceptances(self) -> pd.DataFrame:
        return self.frame("SELECT * FROM acceptances ORDER BY rowid")

    def explanations(self) -> pd.DataFrame:
        return self.frame("SELECT * FROM explanations ORDER BY rowid")

    def status(self) -> pd.DataFrame:
        """One row per project: its status across versions and its findings fixed / open / new /
        explained (perfxl.run.season)."""
        from perfxl.run.season import season_status

        return season_status(self)


__all__ = [
    "APPLICATION_ID",
    "ENV_PATH",
    "MIGRATIONS",
    "SCHEMA_V1",
    "SCHEMA_VERSION",
    "Ledger",
    "LedgerError",
    "fingerprint",
    "ledger_path",
]
