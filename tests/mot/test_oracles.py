"""Ground-truth oracles: which tracks they join or drop, and that they never touch boxes."""

from __future__ import annotations

import numpy as np
import pytest

from mot.oracles import oracle_drop_false_tracks, oracle_stitch, track_persons
from mot.types import GroundTruth, Tracks

NUM_FRAMES = 60
FRAME_RATE = 10.0


def _walker(x0: float, frames: np.ndarray) -> np.ndarray:
    """Boxes of a person 40 px wide walking right at 2 px per frame."""
    left = x0 + 2.0 * frames
    return np.column_stack([left, np.full(len(frames), 100.0), left + 40.0, np.full(len(frames), 200.0)])


def _ground_truth() -> GroundTruth:
    """Person 1 walks from x=0, person 2 from x=300, both over every frame."""
    frames = np.arange(NUM_FRAMES)
    all_frames = np.concatenate([frames, frames])
    boxes = np.concatenate([_walker(0.0, frames), _walker(300.0, frames)])
    ids = np.repeat([1, 2], NUM_FRAMES)
    count = len(ids)
    return GroundTruth(all_frames, ids, boxes, np.ones(count, bool), np.full(count, -1), np.full(count, np.nan),
                       NUM_FRAMES)  # fmt: skip


def _tracks(parts: list[tuple[int, float, np.ndarray]]) -> Tracks:
    """Tracks from ``(id, walker start x, frames)`` parts."""
    frames = np.concatenate([p[2] for p in parts])
    ids = np.concatenate([np.full(len(p[2]), p[0]) for p in parts])
    boxes = np.concatenate([_walker(p[1], p[2]) for p in parts])
    return Tracks(frames, ids, boxes, np.linspace(0.5, 0.9, len(frames)), NUM_FRAMES)


def test_fragments_of_one_person_are_joined_within_the_gap_and_only_then() -> None:
    fragments = _tracks([
        (10, 0.0, np.arange(0, 10)),  # person 1
        (11, 0.0, np.arange(13, 20)),  # person 1 again after 0.3 s
        (12, 0.0, np.arange(31, 40)),  # person 1 again after 1.1 s
        (20, 300.0, np.arange(0, 40)),  # person 2
        (30, 600.0, np.arange(20, 30)),  # nobody
    ])  # fmt: skip
    stitched = oracle_stitch(fragments, _ground_truth(), FRAME_RATE, max_gap_seconds=0.5)
    ids_of = {int(old): set(stitched.track_ids[fragments.track_ids == old].tolist()) for old in (10, 11, 12, 20, 30)}
    assert ids_of[10] == ids_of[11] == {10}
    assert ids_of[12] == {12} and ids_of[20] == {20} and ids_of[30] == {30}
    np.testing.assert_array_equal(stitched.frames, fragments.frames)
    np.testing.assert_array_equal(stitched.boxes_xyxy, fragments.boxes_xyxy)
    np.testing.assert_array_equal(stitched.scores, fragments.scores)

    everything = oracle_stitch(fragments, _ground_truth(), FRAME_RATE, max_gap_seconds=np.inf)
    assert len(np.unique(everything.track_ids[np.isin(fragments.track_ids, [10, 11, 12])])) == 1
    assert len(np.unique(everything.track_ids)) == 3


def test_tracks_of_one_person_that_overlap_in_time_stay_apart() -> None:
    # the second track shares frames 8-9 with the first: joining them would give one id two boxes in a frame
    overlapping = _tracks([(1, 0.0, np.arange(0, 10)), (2, 0.0, np.arange(8, 30))])
    persons = track_persons(overlapping, _ground_truth())[1]
    assert (persons == 1).all()
    stitched = oracle_stitch(overlapping, _ground_truth(), FRAME_RATE, max_gap_seconds=10.0)
    assert len(np.unique(stitched.track_ids)) == 2


def test_false_tracks_and_tracks_mostly_of_nobody_are_dropped() -> None:
    frames = np.arange(0, 10)
    mixed = _walker(300.0, frames)
    mixed[:6, 0] += 200.0  # six of ten boxes far from person 2: not mostly one person
    mixed[:6, 2] += 200.0
    mostly = _walker(0.0, frames)
    mostly[:4, 0] += 200.0  # four of ten boxes off: still mostly person 1
    mostly[:4, 2] += 200.0
    tracks = Tracks(np.concatenate([frames, frames, frames + 20]), np.repeat([1, 2, 3], 10),
                    np.concatenate([mostly, mixed, _walker(700.0, frames + 20)]), np.ones(30), NUM_FRAMES)  # fmt: skip
    ids, persons = track_persons(tracks, _ground_truth())
    assert ids.tolist() == [1, 2, 3] and persons.tolist() == [1, -1, -1]
    kept = oracle_drop_false_tracks(tracks, _ground_truth())
    assert np.unique(kept.track_ids).tolist() == [1]
    np.testing.assert_array_equal(kept.boxes_xyxy, mostly)


def test_empty_output_and_bad_settings() -> None:
    empty = Tracks.empty(NUM_FRAMES)
    assert len(oracle_stitch(empty, _ground_truth(), FRAME_RATE, 2.0)) == 0
    assert len(oracle_drop_false_tracks(empty, _ground_truth())) == 0
    one = _tracks([(1, 0.0, np.arange(5))])
    with pytest.raises(ValueError, match="max_gap_seconds"):
        oracle_stitch(one, _ground_truth(), FRAME_RATE, float("nan"))
    with pytest.raises(ValueError, match="frame_rate"):
        oracle_stitch(one, _ground_truth(), 0.0, 1.0)
