"""A bounded load test of `perfxl serve` on loopback: the real command in a process of its own,
20 browsers uploading a zip of workbooks at once; the server stays up and every run completes
with the right counts. The timings are printed (pytest -s shows them)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

from web_helpers import SAMPLES, Client, free_port

CLIENTS = 20
WORKBOOKS = 5  # per zip: 100 workbooks in all, read while the uploads keep coming


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(SAMPLES.glob("*.xlsx"))[:WORKBOOKS]:
            z.write(p, f"自评表/{p.name}")
    return buf.getvalue()


def test_twenty_concurrent_uploads(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfxl", "serve", "--port", str(port), "--no-browser"]
        + ["--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        end = time.monotonic() + 30
        while True:
            try:
                if Client(base).get("/api/session", timeout=2).status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < end, "perfxl serve did not start"
            time.sleep(0.1)
        data = _zip()
        results: list[dict] = []
        errors: list[BaseException] = []
        lock = threading.Lock()
        go = threading.Barrier(CLIENTS)

        def one(k: int) -> None:
            try:
                c = Client(base)
                c.session()
                go.wait()
                t0 = time.monotonic()
                r = c.post_run([(f"第{k}批.zip", data)])
                assert r.status == 202, r.text
                t_upload = time.monotonic() - t0
                final = c.wait(r.json()["id"], timeout=600)
                res = c.get(f"/api/runs/{final['id']}/results").json()
                summary = c.get(f"/api/runs/{final['id']}/files/0")
                with lock:
                    results.append(
                        {
                            "status": final["status"],
                            "error": final.get("error"),
                            "workbooks": res.get("counts", {}).get("workbooks"),
                            "summary": summary.status,
                            "upload_s": t_upload,
                            "total_s": time.monotonic() - t0,
                        }
                    )
            except BaseException as exc:  # reported below
                with lock:
                    errors.append(exc)

        started = time.monotonic()
        threads = [threading.Thread(target=one, args=(k,)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(660)
        wall = time.monotonic() - started
        assert not errors, errors[:3]
        assert len(results) == CLIENTS
        assert all(r["status"] == "done" for r in results), [r["error"] for r in results]
        assert all(r["workbooks"] == WORKBOOKS and r["summary"] == 200 for r in results)
        assert proc.poll() is None and Client(base).get("/api/session").status == 200
        totals = sorted(r["total_s"] for r in results)
        print(
            f"\nload: {CLIENTS} runs × {WORKBOOKS} workbooks in {wall:.1f} s; upload max "
            f"{max(r['upload_s'] for r in results):.2f} s; run done median {totals[len(totals) // 2]:.1f} s,"
            f" max {totals[-1]:.1f} s"
        )
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
