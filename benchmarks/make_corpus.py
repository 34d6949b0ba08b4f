"""Write N distinct, realistic filled workbooks for benchmarks.

    python benchmarks/make_corpus.py 2000 /tmp/corpus --seed 1

The projects are variations of the shipped sample data (samples/data/*.json): both profiles, many
departments and units, the samples' realistic indicator sets and texts. About nine in ten come from
clean samples, one in ten carries the planted anomalies of an anomaly sample; a few use foreign
national layouts, and about one in a hundred is a legacy .xls (when xlwt is installed).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from synth.samples import build_sample  # noqa: E402

CITIES = ("临江", "青山", "白水", "云岭", "江安", "石门", "南湖", "北塘", "东坪", "西林")
DEPARTMENTS = (
    "教育局",
    "水利局",
    "卫生健康委员会",
    "农业农村局",
    "民政局",
    "交通运输局",
    "文化和旅游局",
    "生态环境局",
    "住房和城乡建设局",
    "人力资源和社会保障局",
)
UNIT_KINDS = (
    "第一中学",
    "第二中学",
    "实验小学",
    "服务中心",
    "管理站",
    "监测站",
    "保障中心",
    "事务中心",
    "发展中心",
    "执法大队",
    "研究所",
    "培训中心",
)


def _load_bases() -> tuple[list[dict], list[dict], list[dict]]:
    clean, anomalous, foreign = [], [], []
    for src in sorted((ROOT / "samples" / "data").glob("*.json")):
        d = json.loads(src.read_text(encoding="utf-8"))
        if d.get("expect", {}).get("superseded"):
            continue
        if d.get("layout") == "foreign":
            if not d.get("expect", {}).get("findings"):
                foreign.append(d)
            continue
        (anomalous if d.get("expect", {}).get("findings") else clean).append(d)
    return clean, anomalous, foreign


def make(n: int, out: Path, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    clean, anomalous, foreign = _load_bases()
    try:
        import xlwt  # noqa: F401

        have_xlwt = True
    except ImportError:
        have_xlwt = False
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.10:
            base = rng.choice(anomalous)
        elif roll < 0.14 and foreign:
            base = rng.choice(foreign)
        else:
            base = rng.choice(clean)
        d = copy.deepcopy(base)
        city = rng.choice(CITIES)
        dept = f"{city}市{rng.choice(DEPARTMENTS)}"
        unit = f"{city}市{rng.choice(UNIT_KINDS)}{rng.randint(1, 40)}"
        fields = d.setdefault("fields", {})
        if d["profile"] == "national2020":
            fields["dept"], fields["unit"] = dept, unit
        else:
            fields["dept"] = dept
            fields["unit"] = fields["impl_unit"] = unit
            fields["basic_dept"] = dept
        fields["project_code"] = f"{2024 if d['profile'] == 'national2020' else 2018}-{i:06d}"
        fields["project_name"] = f"{fields.get('project_name', '项目')}（{city}{i}）"
        if have_xlwt and d.get("layout") == "foreign" and rng.random() < 0.25:
            d["foreign"] = {**d.get("foreign", {}), "style": "xls"}
        suffix = ".xls" if d.get("foreign", {}).get("style") == "xls" else ".xlsx"
        path = out / f"{i:06d}_{unit}{suffix}"
        build_sample(d, path)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("n", type=int)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    paths = make(args.n, args.dir, args.seed)
    print(f"wrote {len(paths)} workbooks to {args.dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
