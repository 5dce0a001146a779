"""Core tables (mot.types): validation, immutability, copying, sorting and per-frame access."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mot.errors import MOTFormatError
from mot.types import Detections, DetectionTable, GroundTruth, Tracks

BOXES = np.array([[0, 0, 10, 20], [5, 5, 8, 9], [100, 50, 130, 110]], dtype=np.float64)
SCORES = np.array([0.9, 0.5, -0.25])


def make_detection_table(frames=(2, 0, 2), boxes=BOXES, scores=SCORES, num_frames=4) -> DetectionTable:
    return DetectionTable(np.asarray(frames), np.asarray(boxes, dtype=np.float64), np.asarray(scores), num_frames)


def make_tracks(frames=(1, 0, 1), ids=(7, 3, 2), boxes=BOXES, scores=SCORES, num_frames=3) -> Tracks:
    boxes = np.asarray(boxes, dtype=np.float64)
    return Tracks(np.asarray(frames), np.asarray(ids), boxes, np.asarray(scores), num_frames)


def make_ground_truth(
    frames=(1, 0, 1),
    ids=(7, 3, 2),
    boxes=BOXES,
    consider=(True, False, True),
    class_ids=(1, 1, 7),
    visibility=(1.0, 0.5, np.nan),
    num_frames=3,
) -> GroundTruth:
    return GroundTruth(
        np.asarray(frames),
        np.asarray(ids),
        np.asarray(boxes, dtype=np.float64),
        np.asarray(consider),
        np.asarray(class_ids),
        np.asarray(visibility, dtype=np.float64),
        num_frames,
    )


def number(text: str) -> str:
    """Regex for a float in a message, printed either plainly (``1.5``) or as a numpy 2 repr (``np.float64(1.5)``)."""
    return rf"(np\.float64\()?{re.escape(text)}\)?"


BAD_BOXES = [
    pytest.param([[0, 0, np.nan, 1]], "finite", id="nan"),
    pytest.param([[0, 0, np.inf, 1]], "finite", id="inf"),
    pytest.param([[-np.inf, 0, 1, 1]], "finite", id="-inf"),
    pytest.param([[3, 0, 3, 1]], "positive width and height", id="zero-width"),
    pytest.param([[0, 4, 1, 4]], "positive width and height", id="zero-height"),
    pytest.param([[0, 4, 1, 2]], "positive width and height", id="negative-height"),
    pytest.param([[5, 0, 1, 2]], "positive width and height", id="negative-width"),
]


# ---------------------------------------------------------------------------------------------------------------
# Detections


def test_detections_basic():
    det = Detections(BOXES, SCORES, class_ids=[0, 1, 1], features=np.eye(3))
    assert len(det) == 3
    assert det.boxes_xyxy.dtype == np.float64 and det.scores.dtype == np.float64
    assert det.class_ids.dtype == np.int64
    np.testing.assert_array_equal(det.boxes_xyxy, BOXES)
    np.testing.assert_array_equal(det.scores, SCORES)  # negative scores are allowed


def test_detections_empty():
    det = Detections.empty()
    assert len(det) == 0
    assert det.boxes_xyxy.shape == (0, 4)
    assert det.scores.shape == (0,)
    assert Detections([], []).boxes_xyxy.shape == (0, 4)


@pytest.mark.parametrize(("row", "reason"), BAD_BOXES)
def test_detections_reject_bad_boxes(row, reason):
    boxes = np.vstack([BOXES[:2], row])
    with pytest.raises(MOTFormatError, match=reason) as info:
        Detections(boxes, [1.0, 1.0, 1.0])
    assert info.value.line == 2  # row index of the bad box
    assert "expected" in str(info.value) and "got" in str(info.value)


@pytest.mark.parametrize(
    ("boxes", "scores", "pattern"),
    [
        (np.zeros((2, 3)), [1, 1], r"boxes_xyxy: expected shape \(N, 4\), got \(2, 3\)"),
        (np.zeros(4), [1], r"boxes_xyxy: expected shape \(N, 4\), got \(4,\)"),
        (BOXES, [1, 1], r"scores: expected shape \(3,\), got \(2,\)"),
        (BOXES, np.ones((3, 1)), r"scores: expected shape \(3,\), got \(3, 1\)"),
    ],
)
def test_detections_reject_bad_shapes(boxes, scores, pattern):
    with pytest.raises(MOTFormatError, match=pattern):
        Detections(boxes, scores)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_detections_reject_non_finite_scores(bad):
    with pytest.raises(MOTFormatError, match="scores: expected finite values") as info:
        Detections(BOXES, [0.5, bad, 0.1])
    assert info.value.line == 1


def test_detections_reject_bad_class_ids_and_features():
    with pytest.raises(MOTFormatError, match=r"class_ids: expected integer values, got " + number("1.5")):
        Detections(BOXES, SCORES, class_ids=[1.0, 1.5, 2.0])
    with pytest.raises(MOTFormatError, match=r"class_ids: expected shape \(3,\)"):
        Detections(BOXES, SCORES, class_ids=[1, 2])
    with pytest.raises(MOTFormatError, match=r"features: expected shape \(3, D\), got \(2, 5\)"):
        Detections(BOXES, SCORES, features=np.zeros((2, 5)))
    # integral floats are accepted and stored as int64
    assert Detections(BOXES, SCORES, class_ids=[1.0, 2.0, 3.0]).class_ids.dtype == np.int64


def test_detections_are_frozen_read_only_copies():
    boxes, scores, classes, features = BOXES.copy(), SCORES.copy(), np.array([1, 2, 3]), np.ones((3, 2))
    det = Detections(boxes, scores, classes, features)
    boxes[0, 0] = -99
    scores[0] = 42
    classes[0] = 9
    features[0, 0] = 7
    np.testing.assert_array_equal(det.boxes_xyxy, BOXES)
    np.testing.assert_array_equal(det.scores, SCORES)
    np.testing.assert_array_equal(det.class_ids, [1, 2, 3])
    np.testing.assert_array_equal(det.features, np.ones((3, 2)))
    for array in (det.boxes_xyxy, det.scores, det.class_ids, det.features):
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0] = 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        det.scores = np.zeros(3)  # type: ignore[misc]


def test_detections_select():
    det = Detections(BOXES, SCORES, class_ids=[4, 5, 6])
    masked = det.select(np.array([True, False, True]))
    np.testing.assert_array_equal(masked.boxes_xyxy, BOXES[[0, 2]])
    np.testing.assert_array_equal(masked.scores, SCORES[[0, 2]])
    np.testing.assert_array_equal(masked.class_ids, [4, 6])
    assert masked.features is None
    indexed = det.select([2, 0])
    np.testing.assert_array_equal(indexed.boxes_xyxy, BOXES[[2, 0]])
    assert len(det.select(np.zeros(3, bool))) == 0
    assert len(det) == 3  # the original is unchanged


# ---------------------------------------------------------------------------------------------------------------
# DetectionTable


def test_detection_table_sorts_by_frame_stably():
    table = DetectionTable(
        np.array([2, 0, 2, 1, 0]),
        np.array([[i, i, i + 1, i + 1] for i in range(5)], dtype=np.float64),
        np.arange(5, dtype=np.float64),
        3,
    )
    np.testing.assert_array_equal(table.frames, [0, 0, 1, 2, 2])
    # rows keep their box/score together and equal frames keep input order
    np.testing.assert_array_equal(table.scores, [1, 4, 3, 0, 2])
    np.testing.assert_array_equal(table.boxes_xyxy[:, 0], [1, 4, 3, 0, 2])
    assert table.frames.dtype == np.int64
    assert table.num_frames == 3 and isinstance(table.num_frames, int)
    assert table.frame_range == (0, 2)


def test_detection_table_at():
    table = make_detection_table()
    frame2 = table.at(2)
    assert isinstance(frame2, Detections)
    np.testing.assert_array_equal(frame2.boxes_xyxy, BOXES[[0, 2]])
    np.testing.assert_array_equal(frame2.scores, SCORES[[0, 2]])
    np.testing.assert_array_equal(table.at(0).boxes_xyxy, BOXES[[1]])
    for empty_frame in (1, 3, 4, 100, -1):
        assert len(table.at(empty_frame)) == 0
        assert table.at(empty_frame).boxes_xyxy.shape == (0, 4)


@st.composite
def random_detection_tables(draw):
    num_frames = draw(st.integers(min_value=0, max_value=12))
    count = draw(st.integers(min_value=0, max_value=40)) if num_frames else 0
    frame = st.integers(0, max(num_frames - 1, 0))
    frames = np.array(draw(st.lists(frame, min_size=count, max_size=count)), dtype=np.int64)
    xy = np.array(draw(st.lists(st.integers(-100, 100), min_size=2 * count, max_size=2 * count)), dtype=np.float64)
    wh = np.array(draw(st.lists(st.integers(1, 50), min_size=2 * count, max_size=2 * count)), dtype=np.float64)
    xy, wh = xy.reshape(count, 2), wh.reshape(count, 2)
    boxes = np.hstack([xy, xy + wh]).reshape(count, 4)
    scores = np.array(draw(st.lists(st.floats(-1, 1), min_size=count, max_size=count)), dtype=np.float64)
    return frames, boxes, scores, num_frames


@given(random_detection_tables())
def test_detection_table_at_matches_a_boolean_mask(data):
    frames, boxes, scores, num_frames = data
    table = DetectionTable(frames, boxes, scores, num_frames)
    assert len(table) == len(frames)
    assert np.all(np.diff(table.frames) >= 0)
    total = 0
    for frame in range(-1, num_frames + 2):
        mask = frames == frame
        det = table.at(frame)
        np.testing.assert_array_equal(det.boxes_xyxy, boxes[mask].reshape(-1, 4))
        np.testing.assert_array_equal(det.scores, scores[mask])
        total += len(det)
    assert total == len(frames)


@given(random_detection_tables(), st.data())
def test_detection_table_select_matches_numpy(data, draw):
    frames, boxes, scores, num_frames = data
    table = DetectionTable(frames, boxes, scores, num_frames)
    mask = np.array(draw.draw(st.lists(st.booleans(), min_size=len(table), max_size=len(table))), dtype=bool)
    chosen = table.select(mask)
    assert chosen.num_frames == num_frames
    np.testing.assert_array_equal(chosen.frames, table.frames[mask])
    np.testing.assert_array_equal(chosen.boxes_xyxy, table.boxes_xyxy[mask].reshape(-1, 4))
    np.testing.assert_array_equal(chosen.scores, table.scores[mask])


def test_detection_table_select_with_integer_index_resorts():
    table = make_detection_table()  # frames sorted: [0, 2, 2]
    chosen = table.select([2, 0])
    np.testing.assert_array_equal(chosen.frames, [0, 2])
    np.testing.assert_array_equal(chosen.boxes_xyxy, table.boxes_xyxy[[0, 2]])


def test_detection_table_from_frames():
    per_frame = [Detections(BOXES[:2], SCORES[:2]), Detections.empty(), Detections(BOXES[2:], SCORES[2:])]
    table = DetectionTable.from_frames(per_frame)
    assert table.num_frames == 3
    np.testing.assert_array_equal(table.frames, [0, 0, 2])
    np.testing.assert_array_equal(table.boxes_xyxy, BOXES)
    empty = DetectionTable.from_frames([])
    assert len(empty) == 0 and empty.num_frames == 0 and empty.frame_range == (0, -1)


@pytest.mark.parametrize(("row", "reason"), BAD_BOXES)
def test_detection_table_rejects_bad_boxes(row, reason):
    with pytest.raises(MOTFormatError, match=reason):
        make_detection_table(boxes=np.vstack([BOXES[:2], row]))


@pytest.mark.parametrize(
    ("frames", "num_frames", "pattern", "line"),
    [
        ((0, -1, 2), 4, r"frames: expected 0-based frame >= 0, got -1", 1),
        ((0, 1, 4), 4, r"frames: expected 0-based frames below num_frames=4, got 4", 2),
        ((9, 1, 2), 4, r"below num_frames=4, got 9", 0),
        ((0, 1, 0), 0, r"below num_frames=0, got 0", 0),
        ((0, 1.5, 2), 4, r"frames: expected integer values, got " + number("1.5"), 1),
        ((0, np.nan, 2), 4, r"frames: expected integer values, got " + number("nan"), 1),
    ],
)
def test_detection_table_rejects_bad_frames(frames, num_frames, pattern, line):
    with pytest.raises(MOTFormatError, match=pattern) as info:
        make_detection_table(frames=frames, num_frames=num_frames)
    assert info.value.line == line


def test_detection_table_rejects_other_bad_columns():
    with pytest.raises(MOTFormatError, match=r"frames: expected shape \(3,\), got \(2,\)"):
        make_detection_table(frames=(0, 1))
    with pytest.raises(MOTFormatError, match=r"frames: expected integers, got dtype <U"):
        make_detection_table(frames=np.array(["0", "1", "2"]))
    with pytest.raises(MOTFormatError, match=r"scores: expected shape \(3,\)"):
        make_detection_table(scores=(1.0,))
    with pytest.raises(MOTFormatError, match=r"scores: expected finite values, got " + number("nan")):
        make_detection_table(scores=(1.0, np.nan, 0.2))
    with pytest.raises(MOTFormatError, match=r"num_frames: expected an integer >= 0, got -1"):
        DetectionTable(np.zeros(0, int), np.zeros((0, 4)), np.zeros(0), -1)
    # integral float frames are fine
    assert make_detection_table(frames=np.array([2.0, 0.0, 1.0])).frames.dtype == np.int64


@pytest.mark.parametrize("table", ["detections", "tracks"])
def test_non_integral_num_frames_is_rejected(table):
    with pytest.raises(MOTFormatError):
        if table == "detections":
            DetectionTable(np.array([2]), BOXES[:1], np.ones(1), 2.5)
        else:
            Tracks(np.array([2]), np.array([1]), BOXES[:1], np.ones(1), 2.5)


def test_detection_table_is_a_read_only_copy():
    frames, boxes, scores = np.array([2, 0, 2]), BOXES.copy(), SCORES.copy()
    table = DetectionTable(frames, boxes, scores, 4)
    before = (table.frames.copy(), table.boxes_xyxy.copy(), table.scores.copy())
    frames[:] = 3
    boxes[:] = 1
    scores[:] = 0
    for after, expected in zip((table.frames, table.boxes_xyxy, table.scores), before):
        np.testing.assert_array_equal(after, expected)
        assert not after.flags.writeable
    with pytest.raises(ValueError):
        table.boxes_xyxy[0, 0] = 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.num_frames = 9  # type: ignore[misc]
    # an already sorted input is copied too (no fancy-index shortcut that aliases it)
    sorted_frames = np.array([0, 1, 2])
    table = DetectionTable(sorted_frames, BOXES, SCORES, 4)
    sorted_frames[0] = 2
    assert table.frames[0] == 0


# ---------------------------------------------------------------------------------------------------------------
# Tracks


def test_tracks_sorted_by_frame_then_id():
    tracks = make_tracks(
        frames=(1, 0, 1, 0), ids=(7, 3, 2, 1), boxes=np.vstack([BOXES, BOXES[:1] + 1]), scores=(0.1, 0.2, 0.3, 0.4)
    )
    np.testing.assert_array_equal(tracks.frames, [0, 0, 1, 1])
    np.testing.assert_array_equal(tracks.track_ids, [1, 3, 2, 7])
    np.testing.assert_array_equal(tracks.scores, [0.4, 0.2, 0.3, 0.1])
    np.testing.assert_array_equal(tracks.boxes_xyxy, np.vstack([BOXES[:1] + 1, BOXES[[1, 2, 0]]]))
    np.testing.assert_array_equal(tracks.unique_ids, [1, 2, 3, 7])
    assert tracks.frame_range == (0, 1)
    ids, boxes = tracks.at(1)
    np.testing.assert_array_equal(ids, [2, 7])
    np.testing.assert_array_equal(boxes, BOXES[[2, 0]])
    ids, boxes = tracks.at(2)
    assert ids.shape == (0,) and boxes.shape == (0, 4)


def test_tracks_allow_any_integer_ids_in_memory():
    tracks = make_tracks(ids=(-5, 0, 2**40))
    np.testing.assert_array_equal(np.sort(tracks.track_ids), [-5, 0, 2**40])


def test_tracks_empty():
    tracks = Tracks.empty(5)
    assert len(tracks) == 0
    assert tracks.num_frames == 5
    assert tracks.boxes_xyxy.shape == (0, 4)
    assert tracks.frames.dtype == np.int64 and tracks.track_ids.dtype == np.int64
    assert tracks.frame_range == (0, -1)
    assert tracks.unique_ids.shape == (0,)
    ids, boxes = tracks.at(0)
    assert len(ids) == 0 and boxes.shape == (0, 4)
    with pytest.raises(MOTFormatError):
        Tracks.empty(-1)


@pytest.mark.parametrize("table", ["tracks", "ground_truth"])
def test_duplicate_id_in_one_frame_is_rejected(table):
    kwargs = {"frames": (1, 0, 1), "ids": (7, 3, 7)}
    make = make_tracks if table == "tracks" else make_ground_truth
    pattern = r"expected each id at most once per frame, got id 7 twice in 0-based frame 1"
    with pytest.raises(MOTFormatError, match=pattern):
        make(**kwargs)
    # the same id in different frames is fine
    ok = make(frames=(0, 1, 2), ids=(7, 7, 7))
    assert len(ok) == 3


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"ids": (1, 2.5, 3)}, r"track_ids: expected integer values, got " + number("2.5")),
        ({"ids": (1, 2)}, r"track_ids: expected shape \(3,\), got \(2,\)"),
        ({"frames": (0, -2, 1)}, r"expected 0-based frame >= 0, got -2"),
        ({"frames": (0, 3, 1)}, r"below num_frames=3, got 3"),
        ({"frames": (0, 0.5, 1)}, r"frames: expected integer values, got " + number("0.5")),
        ({"scores": (0.1, np.inf, 0.3)}, r"scores: expected finite values, got " + number("inf")),
        ({"boxes": [[0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 1, 1]]}, r"positive width and height"),
        ({"boxes": [[0, 0, 1, 1], [0, 0, 1, np.nan], [0, 0, 1, 1]]}, r"expected finite box coordinates"),
        ({"boxes": np.zeros((3, 5))}, r"boxes_xyxy: expected shape \(N, 4\), got \(3, 5\)"),
    ],
)
def test_tracks_validation(kwargs, pattern):
    with pytest.raises(MOTFormatError, match=pattern):
        make_tracks(**kwargs)


def test_tracks_are_read_only_copies_and_select():
    frames, ids, boxes = np.array([1, 0, 1]), np.array([7, 3, 2]), BOXES.copy()
    tracks = Tracks(frames, ids, boxes, np.ones(3), 3)
    frames[:] = 0
    ids[:] = 0
    boxes[:] = 0
    np.testing.assert_array_equal(tracks.frames, [0, 1, 1])
    np.testing.assert_array_equal(tracks.track_ids, [3, 2, 7])
    np.testing.assert_array_equal(tracks.boxes_xyxy, BOXES[[1, 2, 0]])
    for array in (tracks.frames, tracks.track_ids, tracks.boxes_xyxy, tracks.scores):
        assert not array.flags.writeable
    chosen = tracks.select(tracks.track_ids != 2)
    assert isinstance(chosen, Tracks) and chosen.num_frames == 3
    np.testing.assert_array_equal(chosen.track_ids, [3, 7])
    np.testing.assert_array_equal(chosen.frames, [0, 1])
    np.testing.assert_array_equal(chosen.boxes_xyxy, BOXES[[1, 0]])


# ---------------------------------------------------------------------------------------------------------------
# GroundTruth


def test_ground_truth_sorted_and_typed():
    gt = make_ground_truth()
    np.testing.assert_array_equal(gt.frames, [0, 1, 1])
    np.testing.assert_array_equal(gt.track_ids, [3, 2, 7])
    np.testing.assert_array_equal(gt.boxes_xyxy, BOXES[[1, 2, 0]])
    np.testing.assert_array_equal(gt.consider, [False, True, True])
    np.testing.assert_array_equal(gt.class_ids, [1, 7, 1])
    np.testing.assert_array_equal(gt.visibility, [0.5, np.nan, 1.0])
    assert gt.consider.dtype == np.bool_ and gt.class_ids.dtype == np.int64 and gt.visibility.dtype == np.float64
    for name in ("frames", "track_ids", "boxes_xyxy", "consider", "class_ids", "visibility"):
        assert not getattr(gt, name).flags.writeable, name


def test_ground_truth_is_a_copy():
    consider = np.array([True, False, True])
    class_ids = np.array([1, 1, 7])
    visibility = np.array([1.0, 0.5, 0.2])
    gt = GroundTruth(np.array([0, 1, 2]), np.array([1, 2, 3]), BOXES.copy(), consider, class_ids, visibility, 3)
    consider[:] = False
    class_ids[:] = 0
    visibility[:] = 0
    np.testing.assert_array_equal(gt.consider, [True, False, True])
    np.testing.assert_array_equal(gt.class_ids, [1, 1, 7])
    np.testing.assert_array_equal(gt.visibility, [1.0, 0.5, 0.2])


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"consider": (True, False)}, r"consider: expected shape \(3,\), got \(2,\)"),
        ({"class_ids": (1, 1.5, 1)}, r"class_ids: expected integer values, got " + number("1.5")),
        ({"visibility": (1.0, 0.5)}, r"visibility: expected shape \(3,\), got \(2,\)"),
        ({"frames": (0, 1, 3)}, r"below num_frames=3, got 3"),
        ({"frames": (0, -1, 1)}, r"expected 0-based frame >= 0, got -1"),
        ({"ids": (1, 2, 2.25)}, r"track_ids: expected integer values, got " + number("2.25")),
        ({"boxes": [[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, np.inf, 1]]}, r"expected finite box coordinates"),
        ({"boxes": [[0, 0, 1, 1], [0, 0, 1, 1], [0, 5, 1, 1]]}, r"positive width and height"),
    ],
)
def test_ground_truth_validation(kwargs, pattern):
    with pytest.raises(MOTFormatError, match=pattern):
        make_ground_truth(**kwargs)


def test_ground_truth_evaluated():
    gt = make_ground_truth(
        frames=(0, 0, 1, 1, 2),
        ids=(1, 2, 1, 3, 4),
        boxes=np.array([[i, i, i + 2, i + 3] for i in range(5)], dtype=np.float64),
        consider=(True, True, False, True, True),
        class_ids=(1, 7, 1, 1, 2),
        visibility=(0.1, 0.2, 0.3, 0.4, 0.5),
        num_frames=5,
    )
    pedestrians = gt.evaluated(pedestrians_only=True)
    assert isinstance(pedestrians, GroundTruth)
    assert pedestrians.num_frames == 5
    np.testing.assert_array_equal(pedestrians.track_ids, [1, 3])
    np.testing.assert_array_equal(pedestrians.frames, [0, 1])
    np.testing.assert_array_equal(pedestrians.visibility, [0.1, 0.4])
    np.testing.assert_array_equal(pedestrians.boxes_xyxy[:, 0], [0, 3])
    assert pedestrians.consider.all() and (pedestrians.class_ids == 1).all()
    everyone = gt.evaluated(pedestrians_only=False)
    np.testing.assert_array_equal(everyone.track_ids, [1, 2, 3, 4])
    np.testing.assert_array_equal(everyone.class_ids, [1, 7, 1, 2])
    assert everyone.consider.all()
    assert len(gt) == 5  # the original is unchanged


def test_ground_truth_as_tracks():
    gt = make_ground_truth()
    tracks = gt.as_tracks()
    assert isinstance(tracks, Tracks)
    np.testing.assert_array_equal(tracks.frames, gt.frames)
    np.testing.assert_array_equal(tracks.track_ids, gt.track_ids)
    np.testing.assert_array_equal(tracks.boxes_xyxy, gt.boxes_xyxy)
    np.testing.assert_array_equal(tracks.scores, np.ones(3))
    assert tracks.num_frames == gt.num_frames
