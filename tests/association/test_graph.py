"""Candidate edges of the detection graph (``association.graph``) against brute-force references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from association.graph import (
    expand_ranges,
    group_rank,
    pairs_at_frame_offset,
    same_frame_pairs,
    temporal_candidate_pairs,
)

# Sorted 0-based frame arrays, sometimes starting above 0, with repeated frames and holes.
sorted_frames = st.lists(st.integers(0, 12), max_size=40).map(lambda v: np.array(sorted(v), dtype=np.int64))


def _brute_pairs(frames: np.ndarray, offset: int) -> list[tuple[int, int]]:
    n = len(frames)
    return [
        (i, j)
        for i in range(n)
        for j in range(n)
        if frames[j] - frames[i] == offset and (offset != 0 or i < j)
    ]


def _as_pairs(i: np.ndarray, j: np.ndarray) -> list[tuple[int, int]]:
    return list(zip(i.tolist(), j.tolist()))


# --- pairs_at_frame_offset ---------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(frames=sorted_frames, offset=st.integers(0, 4))
def test_pairs_at_frame_offset_matches_brute_force(frames: np.ndarray, offset: int) -> None:
    i, j = pairs_at_frame_offset(frames, offset)
    assert i.dtype == np.int64 and j.dtype == np.int64
    assert sorted(_as_pairs(i, j)) == sorted(_brute_pairs(frames, offset))
    # no pair twice
    assert len(set(_as_pairs(i, j))) == len(i)


def test_pairs_at_frame_offset_hand_example() -> None:
    frames = np.array([0, 0, 1, 2, 2, 2, 5], dtype=np.int64)
    assert sorted(_as_pairs(*pairs_at_frame_offset(frames, 0))) == [(0, 1), (3, 4), (3, 5), (4, 5)]
    assert sorted(_as_pairs(*pairs_at_frame_offset(frames, 1))) == [(0, 2), (1, 2), (2, 3), (2, 4), (2, 5)]
    assert sorted(_as_pairs(*pairs_at_frame_offset(frames, 3))) == [(3, 6), (4, 6), (5, 6)]
    assert _as_pairs(*pairs_at_frame_offset(frames, 4)) == [(2, 6)]
    assert _as_pairs(*pairs_at_frame_offset(frames, 6)) == []


def test_pairs_at_frame_offset_does_not_depend_on_the_first_frame() -> None:
    frames = np.array([0, 0, 1, 3, 3], dtype=np.int64)
    for offset in range(5):
        shifted = pairs_at_frame_offset(frames + 1000, offset)
        assert _as_pairs(*pairs_at_frame_offset(frames, offset)) == _as_pairs(*shifted)


@pytest.mark.parametrize("offset", [0, 1, 4])
def test_pairs_at_frame_offset_empty_and_single_input(offset: int) -> None:
    for frames in (np.zeros(0, dtype=np.int64), np.array([7], dtype=np.int64)):
        i, j = pairs_at_frame_offset(frames, offset)
        assert len(i) == 0 and len(j) == 0
        assert i.dtype == np.int64 and j.dtype == np.int64


# --- same_frame_pairs --------------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(frames=sorted_frames)
def test_same_frame_pairs_are_ordered_and_within_frames(frames: np.ndarray) -> None:
    i, j = same_frame_pairs(frames)
    assert np.all(i < j)
    assert np.all(frames[i] == frames[j])
    # every same-frame pair exactly once: sum over frames of c*(c-1)/2
    counts = np.bincount(frames) if len(frames) else np.zeros(0, dtype=np.int64)
    assert len(i) == int((counts * (counts - 1) // 2).sum())
    assert len(set(_as_pairs(i, j))) == len(i)


def test_same_frame_pairs_single_detection_per_frame_gives_none() -> None:
    i, j = same_frame_pairs(np.arange(10, dtype=np.int64))
    assert len(i) == 0 and len(j) == 0


# --- temporal_candidate_pairs ------------------------------------------------------------------------------------


def _random_scene(rng: np.random.Generator, n: int, num_frames: int) -> tuple[np.ndarray, np.ndarray]:
    frames = np.sort(rng.integers(0, num_frames, n)).astype(np.int64)
    centres = rng.uniform(0, 200, (n, 2))
    heights = rng.uniform(20, 80, n)
    widths = 0.4 * heights
    boxes = np.column_stack([
        centres[:, 0] - widths / 2, centres[:, 1] - heights / 2, centres[:, 0] + widths / 2, centres[:, 1] + heights / 2
    ])  # fmt: skip
    return frames, boxes


def _brute_candidates(frames, boxes, max_frame_gap, max_distance, neighbours) -> list[tuple[int, int]]:
    centres = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])
    heights = boxes[:, 3] - boxes[:, 1]
    kept = []
    for j in range(len(frames)):
        for gap in range(1, max_frame_gap + 1):
            candidates = []
            for i in range(len(frames)):
                if frames[j] - frames[i] != gap:
                    continue
                dx, dy = centres[i] - centres[j]
                distance = np.sqrt(dx * dx + dy * dy) / (0.5 * (heights[i] + heights[j]))
                if distance < max_distance:
                    candidates.append((distance, i))
            candidates.sort()
            kept.extend((i, j) for _, i in candidates[:neighbours])
    return kept


@pytest.mark.parametrize("seed", range(8))
def test_temporal_candidate_pairs_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frames, boxes = _random_scene(rng, int(rng.integers(0, 60)), int(rng.integers(1, 10)))
    max_frame_gap, neighbours = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    max_distance = float(rng.uniform(0.5, 3.0))
    i, j = temporal_candidate_pairs(frames, boxes, max_frame_gap, max_distance, neighbours)
    assert sorted(_as_pairs(i, j)) == sorted(_brute_candidates(frames, boxes, max_frame_gap, max_distance, neighbours))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 40),
    num_frames=st.integers(1, 8),
    max_frame_gap=st.integers(1, 4),
    max_distance=st.floats(0.1, 5.0),
    neighbours=st.integers(1, 4),
)
def test_temporal_candidate_pairs_invariants(seed, n, num_frames, max_frame_gap, max_distance, neighbours) -> None:
    """Gap window, distance gate, at most ``neighbours`` per (j, gap), nearest first, and nothing nearer dropped."""
    frames, boxes = _random_scene(np.random.default_rng(seed), n, num_frames)
    i, j = temporal_candidate_pairs(frames, boxes, max_frame_gap, max_distance, neighbours)
    gap = frames[j] - frames[i]
    assert np.all(gap >= 1) and np.all(gap <= max_frame_gap)
    centres = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])
    heights = boxes[:, 3] - boxes[:, 1]

    def distance(a, b):
        return np.linalg.norm(centres[a] - centres[b], axis=-1) / (0.5 * (heights[a] + heights[b]))

    assert np.all(distance(i, j) < max_distance)
    # sorted by j, then gap, then distance
    keys = list(zip(j.tolist(), gap.tolist(), distance(i, j).tolist()))
    assert keys == sorted(keys)
    kept = set(_as_pairs(i, j))
    for jj in range(len(frames)):
        for g in range(1, max_frame_gap + 1):
            earlier = np.flatnonzero(frames == frames[jj] - g)
            within = earlier[distance(earlier, np.full(len(earlier), jj)) < max_distance]
            chosen = [ii for ii in within if (ii, jj) in kept]
            assert len(chosen) == min(neighbours, len(within))
            if chosen:
                worst_kept = distance(np.array(chosen), np.full(len(chosen), jj)).max()
                dropped = np.array([ii for ii in within if (ii, jj) not in kept], dtype=np.int64)
                assert np.all(distance(dropped, np.full(len(dropped), jj)) >= worst_kept)


def test_temporal_candidate_pairs_keeps_the_nearest_neighbours_of_a_crowd() -> None:
    """Hand example: one later box with five earlier boxes at increasing distance, one of them too far."""
    size = np.array([0.0, 0.0, 10.0, 20.0])  # height 20
    shifts = [0.0, 4.0, 8.0, 12.0, 60.0]  # distances 0, 0.2, 0.4, 0.6, 3.0 heights
    earlier = np.array([size + [s, 0, s, 0] for s in shifts])
    boxes = np.vstack([earlier[[3, 1, 4, 0, 2]], size])  # shuffled within frame 0
    frames = np.array([0, 0, 0, 0, 0, 1], dtype=np.int64)
    i, j = temporal_candidate_pairs(frames, boxes, max_frame_gap=1, max_distance=1.0, neighbours=3)
    assert j.tolist() == [5, 5, 5]
    assert i.tolist() == [3, 1, 4]  # shifts 0, 4, 8 in nearest-first order
    i, j = temporal_candidate_pairs(frames, boxes, max_frame_gap=1, max_distance=1.0, neighbours=10)
    assert i.tolist() == [3, 1, 4, 0]  # the 3-heights-away box is gated out


def test_temporal_candidate_pairs_respects_max_frame_gap() -> None:
    box = np.array([[0.0, 0.0, 10.0, 20.0]])
    frames = np.array([0, 1, 3], dtype=np.int64)
    boxes = np.repeat(box, 3, axis=0)
    assert sorted(_as_pairs(*temporal_candidate_pairs(frames, boxes, 1, 1.0, 5))) == [(0, 1)]
    assert sorted(_as_pairs(*temporal_candidate_pairs(frames, boxes, 2, 1.0, 5))) == [(0, 1), (1, 2)]
    assert sorted(_as_pairs(*temporal_candidate_pairs(frames, boxes, 3, 1.0, 5))) == [(0, 1), (0, 2), (1, 2)]


def test_temporal_candidate_pairs_empty_input() -> None:
    i, j = temporal_candidate_pairs(np.zeros(0, dtype=np.int64), np.zeros((0, 4)), 3, 1.5, 3)
    assert len(i) == 0 and len(j) == 0


# --- group_rank --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "ranks"),
    [
        ([], []),
        ([4], [0]),
        ([5, 5, 5, 2, 2, 7], [0, 1, 2, 0, 1, 0]),
        ([1, 2, 1], [0, 0, 0]),  # runs of consecutive keys, not global groups
        ([3, 3, 3, 3], [0, 1, 2, 3]),
        ([-1, -1, 0, 0, 0], [0, 1, 0, 1, 2]),
    ],
)
def test_group_rank_hand_examples(keys: list[int], ranks: list[int]) -> None:
    result = group_rank(np.array(keys, dtype=np.int64))
    assert result.dtype == np.int64
    assert result.tolist() == ranks


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(st.integers(-3, 3), max_size=50))
def test_group_rank_matches_brute_force(keys: list[int]) -> None:
    expected = []
    for index, key in enumerate(keys):
        expected.append(expected[-1] + 1 if index and keys[index - 1] == key else 0)
    assert group_rank(np.array(keys, dtype=np.int64)).tolist() == expected


# --- expand_ranges -------------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(-5, 20), st.integers(-5, 20)), max_size=12))
def test_expand_ranges_lists_every_index_of_every_range_in_order(ranges) -> None:
    low = np.array([lo for lo, _ in ranges], dtype=np.int64)
    high = np.array([hi for _, hi in ranges], dtype=np.int64)
    owner, index = expand_ranges(low, high)
    expected = [(k, i) for k, (lo, hi) in enumerate(ranges) for i in range(lo, hi)]  # empty when hi <= lo
    assert list(zip(owner.tolist(), index.tolist())) == expected
    assert owner.dtype == np.int64 and index.dtype == np.int64
