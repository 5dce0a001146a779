"""Camera motion estimated from tracklets (``motion.camera``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motion.camera import CameraPath, estimate_camera_path


def scene(pan: np.ndarray, walk: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """People (rows of ``starts``, xyxy at frame 0) walking at ``walk`` px/frame, filmed with a camera whose
    per-frame image shift is ``pan`` (F, 2): labels, frames, boxes of every person in every frame."""
    frame_count = len(pan)
    offsets = np.cumsum(pan, axis=0) - pan[0]
    labels = np.repeat(np.arange(len(starts)), frame_count)
    frames = np.tile(np.arange(frame_count), len(starts))
    moves = walk[labels] * frames[:, None] + offsets[frames]
    boxes = starts[labels] + np.column_stack([moves, moves])
    return labels, frames, boxes


def test_a_pan_is_recovered_while_people_walk_different_ways() -> None:
    rng = np.random.default_rng(0)
    pan = np.column_stack([np.linspace(-8, 8, 40), np.full(40, 1.0)])
    starts = np.column_stack([np.arange(7) * 120.0, np.full(7, 50.0), np.arange(7) * 120.0 + 40, np.full(7, 150.0)])
    walk = rng.uniform(-2, 2, size=(7, 2))
    walk -= np.median(walk, axis=0)  # people's own motion has no common direction
    labels, frames, boxes = scene(pan, walk, starts)
    path = estimate_camera_path(labels, frames, boxes, window_frames=0, min_pairs=3)
    expected = np.cumsum(pan, axis=0) - pan[0]
    assert path.first_frame == 0
    np.testing.assert_allclose(path.offsets, expected, atol=1e-9)
    # In compensated coordinates each person only walks.
    still = path.compensate(frames, boxes) - starts[labels]
    np.testing.assert_allclose(still[:, :2], walk[labels] * frames[:, None], atol=1e-9)


def test_a_still_camera_with_few_links_stays_still() -> None:
    starts = np.array([[0.0, 0, 40, 100], [200, 0, 240, 100]])
    labels, frames, boxes = scene(np.zeros((20, 2)), np.array([[3.0, 0], [3, 0]]), starts)
    # Two people walking the same way are fewer than min_pairs links per frame: no camera motion is inferred.
    path = estimate_camera_path(labels, frames, boxes, window_frames=0, min_pairs=3)
    assert not path.offsets.any()
    # Pooling frames makes enough pairs, and then their common walk does read as camera motion: this is why the
    # tracker pools only a short window and needs several links.
    pooled = estimate_camera_path(labels, frames, boxes, window_frames=1, min_pairs=3)
    assert pooled.offsets[-1, 0] == pytest.approx(3.0 * 19)


def test_links_across_a_missed_frame_and_other_frames_do_not_count() -> None:
    labels = np.array([0, 0, 1, 1, 2, 2])
    frames = np.array([0, 2, 5, 6, 5, 6])  # tracklet 0 skips frame 1; tracklets 1 and 2 link frames 5 and 6
    boxes = np.array([[0.0, 0, 10, 10], [50, 0, 60, 10], [0, 0, 10, 10], [4, 0, 14, 10], [20, 0, 30, 10],
                      [26, 0, 36, 10]])  # fmt: skip
    path = estimate_camera_path(labels, frames, boxes, window_frames=0, min_pairs=2)
    assert path.first_frame == 0 and path.offsets.shape == (7, 2)
    np.testing.assert_allclose(path.offsets[:6], 0.0)
    np.testing.assert_allclose(path.offsets[6], [5.0, 0.0])  # median of the two links' 4 and 6 px


def test_empty_input_and_bad_parameters() -> None:
    empty = np.zeros(0, dtype=np.int64)
    path = estimate_camera_path(empty, empty, np.zeros((0, 4)), window_frames=3, min_pairs=3)
    assert path.offsets.shape == (0, 2)
    assert path.compensate(empty, np.zeros((0, 4))).shape == (0, 4)
    with pytest.raises(ValueError, match="window_frames >= 0 and min_pairs >= 1"):
        estimate_camera_path(empty, empty, np.zeros((0, 4)), window_frames=-1, min_pairs=3)
    with pytest.raises(ValueError, match="window_frames >= 0 and min_pairs >= 1"):
        estimate_camera_path(empty, empty, np.zeros((0, 4)), window_frames=1, min_pairs=0)


def test_frames_outside_the_path_are_rejected() -> None:
    path = CameraPath(10, np.zeros((5, 2)))
    assert path.at(np.array([10, 14])).shape == (2, 2)
    with pytest.raises(ValueError, match=r"expected frames in \[10, 14\], got 9 to 14"):
        path.at(np.array([9, 14]))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    frame_count=st.integers(2, 30),
    people=st.integers(1, 6),
    window=st.integers(0, 4),
    min_pairs=st.integers(1, 4),
)
def test_adding_a_pan_shifts_the_estimate_by_exactly_that_pan(seed, frame_count, people, window, min_pairs) -> None:
    """Translation equivariance: a camera pan added to every box moves the estimated path by the pan wherever an
    estimate is made, and nowhere else (the median of shifted displacements is the shifted median). The pan varies
    from frame to frame without pooling, and is steady with it (pooling mixes the frames of a window)."""
    rng = np.random.default_rng(seed)
    starts = rng.uniform(0, 500, size=(people, 2))
    starts = np.column_stack([starts, starts + [40, 100]])
    walk = rng.uniform(-3, 3, size=(people, 2))
    labels, frames, boxes = scene(np.zeros((frame_count, 2)), walk, starts)
    pan = np.round(rng.uniform(-10, 10, size=(frame_count if window == 0 else 1, 2))) + np.zeros((frame_count, 2))
    _, _, panned = scene(pan, walk, starts)
    order = rng.permutation(len(labels))  # rows in any order
    base = estimate_camera_path(labels[order], frames[order], boxes[order], window, min_pairs)
    moved = estimate_camera_path(labels[order], frames[order], panned[order], window, min_pairs)
    estimated = (np.arange(frame_count) > 0) & (people * (np.minimum(np.arange(frame_count) + window, frame_count - 1)
                                                          - np.maximum(np.arange(frame_count) - window, 1) + 1)
                                                >= min_pairs)  # fmt: skip
    step = np.diff(np.vstack([[0, 0], moved.offsets - base.offsets]), axis=0)
    np.testing.assert_allclose(step[estimated], pan[estimated], atol=1e-6)
    np.testing.assert_allclose(step[~estimated], 0.0, atol=1e-6)
