"""MOTChallenge file I/O (mot.io): readers, strict validation, atomic writing, sequences on the real data."""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mot.errors import MOTFormatError
from mot.io import (
    MOTSequence,
    VideoSequence,
    find_sequences,
    format_results,
    open_sequence,
    read_detections,
    read_ground_truth,
    read_results,
    read_seqinfo,
    write_results,
    write_text_atomically,
)
from mot.types import DetectionTable, GroundTruth, Tracks


def write(tmp_path: Path, text: str | bytes, name: str = "file.txt") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def number(text: str) -> str:
    """Regex for a float in a message, printed plainly (``nan``) or as a numpy 2 repr (``np.float64(nan)``)."""
    return rf"(np\.float64\()?{re.escape(text)}\)?"


# ---------------------------------------------------------------------------------------------------------------
# good files


@pytest.mark.parametrize("columns", [7, 8, 9, 10])
def test_read_detections_columns(tmp_path, columns):
    rows = [
        "1,-1,10,20,30,40,0.9,-1,-1,-1",
        "3,-1,0.5,1.25,2,4,-0.75,-1,-1,-1",  # negative detector score
        "1,-1,-5,-6,7,8,12.5,-1,-1,-1",  # boxes may start outside the image
    ]
    path = write(tmp_path, "".join(",".join(r.split(",")[:columns]) + "\n" for r in rows))
    table = read_detections(path, num_frames=5)
    assert isinstance(table, DetectionTable)
    assert table.num_frames == 5
    np.testing.assert_array_equal(table.frames, [0, 0, 2])  # 1-based -> 0-based, sorted stably
    np.testing.assert_array_equal(table.boxes_xyxy, [[10, 20, 40, 60], [-5, -6, 2, 2], [0.5, 1.25, 2.5, 5.25]])
    np.testing.assert_array_equal(table.scores, [0.9, 12.5, -0.75])


def test_read_detections_without_num_frames_uses_last_frame(tmp_path):
    path = write(tmp_path, "2,-1,1,1,1,1,1\n7,-1,1,1,1,1,1\n")
    table = read_detections(path)
    assert table.num_frames == 7
    np.testing.assert_array_equal(table.frames, [1, 6])


def test_blank_lines_are_ignored(tmp_path):
    path = write(tmp_path, "\n1,-1,1,2,3,4,0.5\n   \n\n2,-1,5,6,7,8,0.25\n\n")
    table = read_detections(path, 2)
    np.testing.assert_array_equal(table.frames, [0, 1])
    np.testing.assert_array_equal(table.boxes_xyxy, [[1, 2, 4, 6], [5, 6, 12, 14]])
    # line numbers of errors still count the blank lines
    bad = write(tmp_path, "\n1,-1,1,2,3,4,0.5\n\n2,-1,5,6,0,8,0.25\n", "bad.txt")
    with pytest.raises(MOTFormatError) as info:
        read_detections(bad, 2)
    assert info.value.line == 4


def test_crlf_and_spaces_around_fields(tmp_path):
    path = write(tmp_path, "1, -1, 10, 20, 30, 40, 0.5\r\n2,-1,1,1,1,1,1 \r\n")
    table = read_detections(path, 2)
    np.testing.assert_array_equal(table.boxes_xyxy, [[10, 20, 40, 60], [1, 1, 2, 2]])


def test_read_ground_truth_mot16(tmp_path):
    text = "\n".join(
        [
            "2,5,100,200,50,120,1,1,0.75",
            "1,5,98,199,50,121,1,1,1",
            "1,3,10,20,30,40,0,8,0.25",  # a distractor, not considered
            "2,3,11,21,30,40,1,7,0",
        ]
    )
    gt = read_ground_truth(write(tmp_path, text + "\n"), num_frames=3)
    assert isinstance(gt, GroundTruth)
    assert gt.num_frames == 3
    np.testing.assert_array_equal(gt.frames, [0, 0, 1, 1])
    np.testing.assert_array_equal(gt.track_ids, [3, 5, 3, 5])
    np.testing.assert_array_equal(
        gt.boxes_xyxy, [[10, 20, 40, 60], [98, 199, 148, 320], [11, 21, 41, 61], [100, 200, 150, 320]]
    )
    np.testing.assert_array_equal(gt.consider, [False, True, True, True])
    np.testing.assert_array_equal(gt.class_ids, [8, 1, 7, 1])
    np.testing.assert_array_equal(gt.visibility, [0.25, 1, 0, 0.75])
    np.testing.assert_array_equal(gt.evaluated(pedestrians_only=True).track_ids, [5, 5])
    np.testing.assert_array_equal(gt.evaluated(pedestrians_only=False).track_ids, [5, 3, 5])


def test_read_ground_truth_2dmot2015(tmp_path):
    text = (
        "1,9,499,158,31.03,75.17,1,-4.1554,-7.3591,0\n"
        "1,15,258,219,32.9,88.7,0,-1,-1,-1\n"
        "4,9,500,160,31,75,1,-1,-1,-1\n"
    )
    gt = read_ground_truth(write(tmp_path, text), num_frames=4)
    np.testing.assert_array_equal(gt.frames, [0, 0, 3])
    np.testing.assert_array_equal(gt.track_ids, [9, 15, 9])
    np.testing.assert_allclose(gt.boxes_xyxy[0], [499, 158, 530.03, 233.17], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(gt.consider, [True, False, True])
    np.testing.assert_array_equal(gt.class_ids, [-1, -1, -1])  # no class column in 2DMOT2015
    assert np.isnan(gt.visibility).all()
    assert len(gt.evaluated(pedestrians_only=False)) == 2


@pytest.mark.parametrize("columns", [6, 7, 8, 9, 10])
def test_read_results_columns(tmp_path, columns):
    rows = ["2,4,10.5,20,30,40,0.5,-1,-1,-1", "1,4,1,2,3,4,0.25,-1,-1,-1", "2,1,5,5,5,5,-2,-1,-1,-1"]
    path = write(tmp_path, "".join(",".join(r.split(",")[:columns]) + "\n" for r in rows))
    tracks = read_results(path, num_frames=3)
    assert isinstance(tracks, Tracks)
    assert tracks.num_frames == 3
    np.testing.assert_array_equal(tracks.frames, [0, 1, 1])
    np.testing.assert_array_equal(tracks.track_ids, [4, 1, 4])
    np.testing.assert_array_equal(tracks.boxes_xyxy, [[1, 2, 4, 6], [5, 5, 10, 10], [10.5, 20, 40.5, 60]])
    expected_scores = [0.25, -2, 0.5] if columns > 6 else [1, 1, 1]
    np.testing.assert_array_equal(tracks.scores, expected_scores)
    assert read_results(path).num_frames == 2  # without num_frames: the last frame with a row


@pytest.mark.parametrize(
    ("reader", "kwargs"),
    [(read_detections, {}), (read_detections, {"num_frames": 4}), (read_ground_truth, {"num_frames": 4}),
     (read_results, {}), (read_results, {"num_frames": 4})],
)
@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file_gives_empty_table(tmp_path, reader, kwargs, text):
    table = reader(write(tmp_path, text), **kwargs)
    assert len(table) == 0
    assert table.boxes_xyxy.shape == (0, 4)
    assert table.num_frames == kwargs.get("num_frames", 0)


# ---------------------------------------------------------------------------------------------------------------
# bad files: every error names the file and the 1-based line, and says what was expected and what was found

DET = "1,-1,10,20,30,40,0.9,-1,-1,-1"
RES = "1,1,10,20,30,40,0.9,-1,-1,-1"
GT = "1,1,10,20,30,40,1,1,1"
READERS = {
    "det": (read_detections, DET),
    "gt": (read_ground_truth, GT),
    "res": (read_results, RES),
}


def replace_field(row: str, column: int, value: str) -> str:
    fields = row.split(",")
    fields[column] = value
    return ",".join(fields)


def assert_format_error(info, path: Path, line: int | None, *patterns: str) -> None:
    error = info.value
    assert isinstance(error, ValueError)
    assert error.path == path
    assert error.line == line
    message = str(error)
    assert str(path) in message
    if line is not None:
        assert f"line {line}" in message
    assert "expected" in message and "got" in message, message
    for pattern in patterns:
        assert re.search(pattern, message), (pattern, message)


def bad_row_cases():
    """(name, column, value, patterns) for one broken field in an otherwise good row."""
    return [
        ("non-numeric", 2, "abc", [r"column 3: expected a number, got 'abc'"]),
        ("empty-field", 3, "", [r"column 4: expected a number, got ''"]),
        ("nan", 4, "nan", [r"column 5: expected a finite number, got " + number("nan")]),
        ("inf", 5, "inf", [r"column 6: expected a finite number, got " + number("inf")]),
        ("-inf", 2, "-inf", [r"column 3: expected a finite number"]),
        ("nan-frame", 0, "NaN", [r"column 1: expected a finite number"]),
        ("zero-width", 4, "0", [r"width: expected a positive box width, got " + number("0.0")]),
        ("negative-width", 4, "-3", [r"width: expected a positive box width"]),
        ("zero-height", 5, "0.0", [r"height: expected a positive box height"]),
        ("negative-height", 5, "-1.5", [r"height: expected a positive box height, got " + number("-1.5")]),
        ("frame-zero", 0, "0", [r"frame: expected a 1-based frame in 1\.\.5 \(\w[\w ]*\), got 0"]),
        ("frame-negative", 0, "-2", [r"frame: expected a 1-based frame in 1\.\.5.*got -2"]),
        ("frame-beyond", 0, "6", [r"frame: expected a 1-based frame in 1\.\.5.*got 6"]),
        ("frame-non-integral", 0, "2.5", [r"frame: expected an integer, got " + number("2.5")]),
    ]


@pytest.mark.parametrize("kind", sorted(READERS))
@pytest.mark.parametrize(
    ("column", "value", "patterns"), [pytest.param(*case[1:], id=case[0]) for case in bad_row_cases()]
)
def test_bad_field_is_reported_with_file_and_line(tmp_path, kind, column, value, patterns):
    reader, good = READERS[kind]
    rows = [good if kind == "det" else replace_field(good, 1, str(k)) for k in range(4)]  # distinct ids
    rows[1] = replace_field(rows[1], 0, "2")
    rows[2] = replace_field(rows[2], column, value)
    text = "\n".join([rows[0], rows[1], "", rows[2], rows[3]]) + "\n"
    path = write(tmp_path, text)
    with pytest.raises(MOTFormatError) as info:
        reader(path, num_frames=5)
    assert_format_error(info, path, 4, *patterns)


@pytest.mark.parametrize("kind", ["det", "res"])  # read_ground_truth always takes num_frames
def test_frame_zero_is_rejected_without_num_frames(tmp_path, kind):
    reader, good = READERS[kind]
    path = write(tmp_path, good + "\n" + replace_field(good, 0, "0") + "\n")
    with pytest.raises(MOTFormatError) as info:
        reader(path)
    assert_format_error(info, path, 2, r"expected a 1-based frame in 1\.\.\d+ \(", r"got 0")


@pytest.mark.parametrize("kind", sorted(READERS))
def test_ragged_rows_are_rejected(tmp_path, kind):
    reader, good = READERS[kind]
    columns = len(good.split(","))
    short = ",".join(good.split(",")[:-1])
    path = write(tmp_path, f"{good}\n{good.replace('1,', '2,', 1)}\n{short}\n")
    with pytest.raises(MOTFormatError) as info:
        reader(path, num_frames=5)
    assert_format_error(info, path, 3, rf"expected {columns} columns like the first row, got {columns - 1}")
    longer = write(tmp_path, f"{good}\n\n{good},7\n", "longer.txt")
    with pytest.raises(MOTFormatError) as info:
        reader(longer, num_frames=5)
    assert_format_error(info, longer, 3, rf"expected {columns} columns like the first row, got {columns + 1}")


@pytest.mark.parametrize(
    ("reader", "columns", "lowest", "highest"),
    [(read_detections, 6, 7, 10), (read_detections, 11, 7, 10), (read_detections, 1, 7, 10),
     (read_ground_truth, 6, 7, 10), (read_ground_truth, 12, 7, 10),
     (read_results, 5, 6, 10), (read_results, 11, 6, 10)],
)
def test_wrong_number_of_columns(tmp_path, reader, columns, lowest, highest):
    row = ",".join(["1"] * columns)
    path = write(tmp_path, f"\n{row}\n{row}\n")
    with pytest.raises(MOTFormatError) as info:
        reader(path, num_frames=5)
    assert_format_error(info, path, 2, rf"expected {lowest} to {highest} comma-separated columns, got {columns}")


def test_duplicate_id_in_results_names_both_lines(tmp_path):
    text = "\n".join(
        [
            "1,1,10,20,30,40,1,-1,-1,-1",
            "1,2,10,20,30,40,1,-1,-1,-1",
            "2,2,10,20,30,40,1,-1,-1,-1",
            "",
            "1,2,11,21,30,40,1,-1,-1,-1",  # id 2 again in frame 1
            "2,1,10,20,30,40,1,-1,-1,-1",
        ]
    )
    path = write(tmp_path, text + "\n")
    with pytest.raises(MOTFormatError) as info:
        read_results(path)
    assert_format_error(
        info, path, 5, r"expected each id at most once per frame", r"got id 2 in frame 1", r"first at line 2"
    )


def test_duplicate_id_in_ground_truth(tmp_path):
    path = write(tmp_path, "1,3,1,1,5,5,1,1,1\n2,3,1,1,5,5,1,1,1\n2,3,2,2,5,5,1,1,1\n")
    with pytest.raises(MOTFormatError) as info:
        read_ground_truth(path, 3)
    assert_format_error(info, path, 3, r"got id 3 in frame 2", r"first at line 2")


@pytest.mark.parametrize("reader", [read_results, read_ground_truth])
@pytest.mark.parametrize(("value", "pattern"), [("-1", r"id: expected a track id in 0\.\.\d+, got -1"),
                                                ("1.5", r"id: expected an integer, got " + number("1.5"))])
def test_bad_ids(tmp_path, reader, value, pattern):
    good = RES if reader is read_results else GT
    path = write(tmp_path, f"{good}\n{replace_field(good, 1, value)}\n")
    with pytest.raises(MOTFormatError) as info:
        reader(path, num_frames=2)
    assert_format_error(info, path, 2, pattern)


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_id_beyond_int64_is_rejected(tmp_path):
    path = write(tmp_path, "1,1e19,1,1,1,1,1\n")
    with pytest.raises(MOTFormatError) as info:
        read_results(path)  # got a table with track_ids [-9223372036854775808]
    assert info.value.line == 1


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_frame_beyond_int64_is_rejected(tmp_path):
    path = write(tmp_path, "1e300,-1,1,1,1,1,1\n")
    with pytest.raises(MOTFormatError) as info:
        read_detections(path)
    assert info.value.line == 1


def test_detections_allow_id_minus_one_and_repeated_rows(tmp_path):
    path = write(tmp_path, f"{DET}\n{DET}\n")  # detection files have no ids: two equal boxes are fine
    assert len(read_detections(path, 1)) == 2


def test_non_integral_class_in_ground_truth(tmp_path):
    path = write(tmp_path, f"{GT}\n{replace_field(replace_field(GT, 1, '2'), 7, '1.5')}\n")
    with pytest.raises(MOTFormatError) as info:
        read_ground_truth(path, 2)
    assert_format_error(info, path, 2, r"class: expected an integer")


@pytest.mark.parametrize("reader", [read_detections, read_ground_truth, read_results])
def test_missing_or_unreadable_file(tmp_path, reader):
    missing = tmp_path / "nope" / "det.txt"
    with pytest.raises(MOTFormatError, match=r"cannot read file") as info:
        reader(missing, num_frames=3)
    assert info.value.path == missing and info.value.line is None
    assert str(missing) in str(info.value)
    folder = tmp_path / "a_folder.txt"
    folder.mkdir()
    with pytest.raises(MOTFormatError, match=r"cannot read file") as info:
        reader(folder, num_frames=3)
    assert info.value.path == folder


@pytest.mark.parametrize("reader", [read_detections, read_ground_truth, read_results])
def test_non_utf8_bytes(tmp_path, reader):
    path = write(tmp_path, b"1,1,10,20,30,40,1,1,1\n1,2,\xff\xfe,20,30,40,1,1,1\n")
    with pytest.raises(MOTFormatError) as info:
        reader(path, num_frames=3)
    assert_format_error(info, path, None, r"expected a UTF-8/ASCII text file, got undecodable bytes")


# ---------------------------------------------------------------------------------------------------------------
# writing


def test_format_results_concrete():
    tracks = Tracks(np.array([1, 0]), np.array([7, 3]), np.array([[10, 20, 40.5, 60], [0, 0, 1, 2]]),
                    np.array([0.5, 1.0]), 2)
    assert format_results(tracks) == (
        "1,3,0.000,0.000,1.000,2.000,1.0000,-1,-1,-1\n2,7,10.000,20.000,30.500,40.000,0.5000,-1,-1,-1\n"
    )
    assert format_results(Tracks.empty(3)) == ""


thousandths = st.integers(min_value=-2_000_000, max_value=2_000_000)
size_thousandths = st.integers(min_value=1, max_value=500_000)


@st.composite
def random_tracks(draw):
    num_frames = draw(st.integers(min_value=1, max_value=20))
    keys = draw(st.lists(st.tuples(st.integers(0, num_frames - 1), st.integers(0, 10**6)), max_size=30, unique=True))
    count = len(keys)
    x1 = np.array(draw(st.lists(thousandths, min_size=2 * count, max_size=2 * count)), np.int64).reshape(count, 2)
    wh = np.array(draw(st.lists(size_thousandths, min_size=2 * count, max_size=2 * count)), np.int64).reshape(count, 2)
    boxes = np.hstack([x1, x1 + wh]).reshape(count, 4) / 1000.0
    scores = np.array(draw(st.lists(st.integers(-10**5, 10**5), min_size=count, max_size=count)), dtype=np.int64) / 1e4
    frames = np.array([k[0] for k in keys], dtype=np.int64)
    ids = np.array([k[1] for k in keys], dtype=np.int64)
    return Tracks(frames, ids, boxes, scores, num_frames)


@settings(max_examples=60, deadline=None)
@given(random_tracks())
def test_write_then_read_results_round_trip(tracks):
    with tempfile.TemporaryDirectory() as folder:
        path = write_results(Path(folder) / "SEQ.txt", tracks)
        assert path == Path(folder) / "SEQ.txt"
        back = read_results(path, num_frames=tracks.num_frames)
        assert os.listdir(folder) == ["SEQ.txt"]
    assert back.num_frames == tracks.num_frames
    np.testing.assert_array_equal(back.frames, tracks.frames)
    np.testing.assert_array_equal(back.track_ids, tracks.track_ids)
    np.testing.assert_allclose(back.boxes_xyxy, tracks.boxes_xyxy, rtol=0, atol=1e-9)
    np.testing.assert_allclose(back.scores, tracks.scores, rtol=0, atol=1e-12)


def test_large_track_ids_survive_writing(tmp_path):
    ids = np.array([2**53, 2**53 + 1])
    tracks = Tracks(np.array([0, 0]), ids, np.array([[0, 0, 1, 1], [2, 2, 3, 3.0]]), np.ones(2), 1)
    written = [int(line.split(",")[1]) for line in format_results(tracks).splitlines()]
    assert written == ids.tolist()


def test_written_results_have_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = write_results(tmp_path / "SEQ.txt", Tracks.empty(1))
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_results_creates_folders_and_replaces(tmp_path):
    path = tmp_path / "deep" / "er" / "SEQ.txt"
    first = Tracks(np.array([0]), np.array([1]), np.array([[0, 0, 1, 1.0]]), np.array([1.0]), 1)
    write_results(path, first)
    write_results(path, Tracks.empty(1))
    assert path.read_text() == ""
    assert sorted(os.listdir(path.parent)) == ["SEQ.txt"]


def test_failed_write_keeps_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "SEQ.txt"
    path.write_text("previous content\n")
    tracks = Tracks(np.array([0]), np.array([1]), np.array([[0, 0, 1, 1.0]]), np.array([1.0]), 1)

    def failing_replace(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        write_results(path, tracks)
    assert path.read_text() == "previous content\n"
    assert os.listdir(tmp_path) == ["SEQ.txt"]


def test_interrupted_write_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "out.txt"
    path.write_text("old")

    def interrupted_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomically(path, "new text")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


# ---------------------------------------------------------------------------------------------------------------
# seqinfo.ini

SEQINFO = """[Sequence]
name=Test-01
imDir=frames
frameRate=12.5
seqLength=42
imWidth=640
imHeight=480
imExt=.png
"""


def test_read_seqinfo(tmp_path):
    info = read_seqinfo(write(tmp_path, SEQINFO, "seqinfo.ini"))
    assert (info.name, info.frame_rate, info.num_frames, info.width, info.height) == ("Test-01", 12.5, 42, 640, 480)
    assert (info.image_dir, info.image_ext) == ("frames", ".png")
    assert isinstance(info.num_frames, int) and isinstance(info.frame_rate, float)


def test_read_seqinfo_defaults(tmp_path):
    folder = tmp_path / "SEQ-7"
    folder.mkdir()
    text = "[Sequence]\nframeRate=30\nseqLength=10\nimWidth=8\nimHeight=6\n"
    info = read_seqinfo(write(folder, text, "seqinfo.ini"))
    assert (info.name, info.image_dir, info.image_ext) == ("SEQ-7", "img1", ".jpg")


@pytest.mark.parametrize("key", ["frameRate", "seqLength", "imWidth", "imHeight"])
def test_read_seqinfo_missing_key(tmp_path, key):
    text = "".join(line + "\n" for line in SEQINFO.splitlines() if not line.startswith(key + "="))
    path = write(tmp_path, text, "seqinfo.ini")
    with pytest.raises(MOTFormatError, match=rf"expected key '{key}' in \[Sequence\], got keys") as info:
        read_seqinfo(path)
    assert info.value.path == path and str(path) in str(info.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [("frameRate", "fast"), ("seqLength", "forty"), ("seqLength", "42.5"), ("imWidth", ""), ("imHeight", "0"),
     ("frameRate", "-7"), ("seqLength", "nan")],
)
def test_read_seqinfo_bad_value(tmp_path, key, value):
    text = re.sub(rf"^{key}=.*$", f"{key}={value}", SEQINFO, flags=re.M)
    path = write(tmp_path, text, "seqinfo.ini")
    with pytest.raises(MOTFormatError, match=rf"'{key}': expected .*, got '{re.escape(value)}'") as info:
        read_seqinfo(path)
    assert info.value.path == path and str(path) in str(info.value)


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_read_seqinfo_rejects_non_finite_frame_rate(tmp_path, value):
    path = write(tmp_path, SEQINFO.replace("frameRate=12.5", f"frameRate={value}"), "seqinfo.ini")
    with pytest.raises(MOTFormatError, match="frameRate"):
        read_seqinfo(path)


def test_read_seqinfo_non_utf8(tmp_path):
    path = write(tmp_path, SEQINFO.replace("Test-01", "Caf").encode().replace(b"Caf", b"Caf\xe9"), "seqinfo.ini")
    with pytest.raises(MOTFormatError) as info:
        read_seqinfo(path)
    assert info.value.path == path


def test_read_seqinfo_missing_section_or_file(tmp_path):
    path = write(tmp_path, SEQINFO.replace("[Sequence]", "[Other]"), "seqinfo.ini")
    with pytest.raises(MOTFormatError, match=r"expected a \[Sequence\] section, got sections \['Other'\]") as info:
        read_seqinfo(path)
    assert info.value.path == path
    no_header = write(tmp_path, "frameRate=3\n", "no_header.ini")
    with pytest.raises(MOTFormatError, match=r"expected an ini file") as info:
        read_seqinfo(no_header)
    assert info.value.path == no_header
    with pytest.raises(MOTFormatError, match="cannot read sequence info") as info:
        read_seqinfo(tmp_path / "missing.ini")
    assert info.value.path == tmp_path / "missing.ini"


# ---------------------------------------------------------------------------------------------------------------
# sequences in temporary folders


def make_sequence(root: Path, name: str = "SEQ-1", det: str = "1,-1,1,1,2,2,0.5\n") -> Path:
    folder = root / name
    (folder / "det").mkdir(parents=True)
    (folder / "seqinfo.ini").write_text("[Sequence]\nframeRate=10\nseqLength=3\nimWidth=8\nimHeight=6\n")
    (folder / "det" / "det.txt").write_text(det)
    return folder


def test_sequence_from_temporary_folder(tmp_path):
    folder = make_sequence(tmp_path)
    sequence = MOTSequence(folder)
    assert sequence.name == "SEQ-1" and sequence.info.num_frames == 3
    assert sequence.has_detections and not sequence.has_ground_truth
    assert sequence.detections() is sequence.detections()  # cached
    assert sequence.detections().num_frames == 3
    with pytest.raises(MOTFormatError, match="cannot read file"):
        sequence.ground_truth()
    assert sequence.frame_path(0) == folder / "img1" / "000001.jpg"
    for bad in (-1, 3):
        with pytest.raises(IndexError, match=r"expected 0\.\.2"):
            sequence.frame_path(bad)
    with pytest.raises(MOTFormatError, match="expected a readable image file"):
        sequence.frame(0)
    assert "SEQ-1" in repr(sequence)


def test_sequence_detections_beyond_seq_length(tmp_path):
    folder = make_sequence(tmp_path, det="1,-1,1,1,2,2,0.5\n4,-1,1,1,2,2,0.5\n")
    with pytest.raises(MOTFormatError) as info:
        MOTSequence(folder).detections()
    assert_format_error(info, folder / "det" / "det.txt", 2, r"1\.\.3", r"got 4")


def test_find_sequences_in_temporary_folders(tmp_path):
    make_sequence(tmp_path, "B")
    make_sequence(tmp_path, "A")
    (tmp_path / "not-a-sequence").mkdir()
    assert [s.name for s in find_sequences(tmp_path)] == ["A", "B"]
    assert [s.name for s in find_sequences(tmp_path / "B")] == ["B"]
    with pytest.raises(MOTFormatError, match="got neither") as info:
        find_sequences(tmp_path / "not-a-sequence")
    assert info.value.path == tmp_path / "not-a-sequence"
    with pytest.raises(MOTFormatError, match="got no such folder"):
        find_sequences(tmp_path / "missing")
    with pytest.raises(MOTFormatError, match="expected a MOTChallenge sequence folder"):
        MOTSequence(tmp_path / "missing")
    with pytest.raises(MOTFormatError, match="cannot read sequence info"):
        MOTSequence(tmp_path / "not-a-sequence")


def test_video_sequence_errors(tmp_path):
    with pytest.raises(MOTFormatError, match="expected a video file, got no such file"):
        VideoSequence(tmp_path / "missing.mp4")
    garbage = write(tmp_path, b"this is not a video" * 10, "garbage.mp4")
    with pytest.raises(MOTFormatError, match="expected a video OpenCV can decode") as info:
        VideoSequence(garbage)
    assert info.value.path == garbage


# ---------------------------------------------------------------------------------------------------------------
# the real data in ../shared/data

MOT15_WITH_GT = {
    "ADL-Rundle-6", "ETH-Bahnhof", "ETH-Sunnyday", "KITTI-13", "KITTI-17", "PETS09-S2L1", "TUD-Campus",
    "TUD-Stadtmitte",
}


def test_every_real_sequence_loads(shared_data):
    mot15 = find_sequences(shared_data / "MOT15" / "train")
    mot16 = find_sequences(shared_data / "MOT16" / "train")
    assert len(mot15) == 11
    assert [s.name for s in mot16] == ["MOT16-11", "MOT16-13"]
    assert {s.name for s in mot15 if s.has_ground_truth} == MOT15_WITH_GT
    for sequence in mot15 + mot16:
        assert sequence.has_detections, sequence
        detections = sequence.detections()
        assert len(detections) > 0, sequence
        assert detections.num_frames == sequence.info.num_frames
        assert detections.frames.max() < sequence.info.num_frames
        if sequence.has_ground_truth:
            gt = sequence.ground_truth()
            assert len(gt) > 0 and gt.num_frames == sequence.info.num_frames, sequence
            expected_class = gt.class_ids == -1 if sequence in mot15 else gt.class_ids >= 1
            assert expected_class.all(), sequence
        else:
            with pytest.raises(MOTFormatError):
                sequence.ground_truth()


@pytest.mark.parametrize(("name", "rows", "ids"), [("MOT16-11", 9174, 69), ("MOT16-13", 11450, 107)])
def test_mot16_official_pedestrian_counts(shared_data, name, rows, ids):
    sequence = MOTSequence(shared_data / "MOT16" / "train" / name)
    gt = sequence.ground_truth()
    pedestrians = gt.evaluated(pedestrians_only=True)
    assert len(pedestrians) == rows
    assert int(np.count_nonzero(gt.consider & (gt.class_ids == 1))) == rows
    assert len(np.unique(pedestrians.track_ids)) == ids
    assert len(gt.evaluated(pedestrians_only=False)) >= rows
    scores = sequence.detections().scores
    assert (scores < 0.5).any()  # simulated false positives have low scores


def test_pets_ground_truth_and_frame(shared_data):
    sequence = MOTSequence(shared_data / "MOT15" / "train" / "PETS09-S2L1")
    assert sequence.info.frame_rate == 7 and sequence.info.num_frames == 795
    assert (sequence.info.width, sequence.info.height) == (768, 576)
    gt = sequence.ground_truth()
    assert len(gt) == 4650
    assert len(np.unique(gt.track_ids)) == 19
    first_line = (sequence.path / "gt" / "gt.txt").read_text().splitlines()[0]  # 1,9,499,158,31.03,75.17,...
    frame, track, left, top, width, height = (float(v) for v in first_line.split(",")[:6])
    rows = np.flatnonzero((gt.frames == frame - 1) & (gt.track_ids == track))
    assert len(rows) == 1
    np.testing.assert_allclose(gt.boxes_xyxy[rows[0]], [left, top, left + width, top + height], rtol=0, atol=1e-9)
    image = sequence.frame(0)
    assert image.shape == (576, 768, 3) and image.dtype == np.uint8
    assert open_sequence(sequence.path).name == "PETS09-S2L1"


def test_video_sequence(shared_data):
    path = shared_data / "video" / "PETS09-S2L1.mp4"
    video = VideoSequence(path)
    assert video.info.num_frames == 795
    assert video.info.frame_rate == pytest.approx(7)
    assert (video.info.width, video.info.height) == (768, 576)
    assert video.info.image_dir is None
    assert video.name == "PETS09-S2L1"
    frames = video.frames()
    first, second = itertools.islice(frames, 2)
    frames.close()
    assert first.shape == (576, 768, 3) and first.dtype == np.uint8
    assert second.shape == first.shape
    assert isinstance(open_sequence(path), VideoSequence)


def test_reference_results_load(shared_data):
    files = sorted((shared_data / "reference").glob("*/*.txt")) + sorted(
        (shared_data / "reference" / "motmetrics").glob("*/test.txt")
    )
    assert len(files) >= 20
    lengths = {}
    for sequence in find_sequences(shared_data / "MOT15" / "train") + find_sequences(shared_data / "MOT16" / "train"):
        lengths[sequence.name] = sequence.info.num_frames
    for path in files:
        name = path.parent.name if path.name == "test.txt" else path.stem
        tracks = read_results(path, num_frames=lengths.get(name))
        assert len(tracks) > 0, path
        assert tracks.track_ids.min() >= 0
