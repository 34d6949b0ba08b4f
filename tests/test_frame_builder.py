"""FrameBuilder (frames made while files are read, in chunks) gives build_frames' frames."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from perfxl.model.frames import FrameBuilder, build_frames
from perfxl.read.workbook import read_workbook

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def subs():
    return [read_workbook(p) for p in sorted(SAMPLES.glob("*.xlsx"))]


def _assert_same(a, b) -> None:
    for name in a.names():
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_like=True)


@pytest.mark.parametrize("chunk", [1, 3, 7, 1000])
def test_chunks_arriving_out_of_order_give_the_whole_batch_frames(subs, chunk) -> None:
    expected = build_frames(copy.deepcopy(subs))
    builder = FrameBuilder(chunk=chunk)
    mine = copy.deepcopy(subs)
    # the workers hand back chunks in any order
    for k in list(range(1, len(mine), 2)) + list(range(0, len(mine), 2)):
        builder.add([mine[k]])
    got = builder.frames([s.sub for s in mine])
    _assert_same(got, expected)
    # the records are let go once they are in the frames
    assert all(s.extract is None for s in mine)
    assert len(expected.projects) == len(subs) and len(expected.indicators) > 100


def test_a_later_reading_of_the_same_file_replaces_the_earlier(subs) -> None:
    first, second = copy.deepcopy(subs[:4]), copy.deepcopy(subs[:4])
    first[2].extract.project["project_name"] = "过时的读取"  # type: ignore[union-attr]
    builder = FrameBuilder(chunk=2, release=False)
    builder.add(first)
    builder.add([second[2]])
    got = builder.frames([s.sub for s in first])
    _assert_same(got, build_frames(second))
    assert "过时的读取" not in set(got.projects["project_name"])


def test_column_types_are_settled_over_the_batch(subs) -> None:
    # a chunk whose workbooks leave a number column blank must not make it an object column
    frames = build_frames(subs)
    numeric = [c for c in frames.indicators.columns if frames.indicators[c].dtype == float]
    assert numeric
    builder = FrameBuilder(chunk=1)
    builder.add(copy.deepcopy(subs))
    got = builder.frames([s.sub for s in subs])
    assert {c: str(got.indicators[c].dtype) for c in numeric} == {c: "float64" for c in numeric}


def test_no_submissions() -> None:
    got = FrameBuilder().frames([])
    assert got.projects.empty and "sub" in got.projects.columns


def test_text_columns_are_plain_object_columns_with_none_for_blanks(subs) -> None:
    # the checks are written for (and 3-4x faster on) object columns; pandas 3 infers its str
    # type whenever it is given a chance
    for frames in (build_frames(copy.deepcopy(subs)), _built(subs, 5)):
        for name in frames.names():
            df = getattr(frames, name)
            assert not [c for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)], name
        names = frames.indicators["deviation"]
        assert names.dtype == object and any(v is None for v in names)
        assert not any(isinstance(v, float) for v in names)


def _built(subs, chunk):
    builder = FrameBuilder(chunk=chunk)
    builder.add(copy.deepcopy(subs))
    return builder.frames([s.sub for s in subs])
