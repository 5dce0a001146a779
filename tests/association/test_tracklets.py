"""Two-level association (``association.tracklets``) on small synthetic scenes with the shipped cost model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from association.costs import CostModel
from association.features import JOINT_RESIDUAL_FLOOR, TRACKLET_FEATURES, detection_pair_features
from association.tracklets import (
    DetectionGraphParams,
    LinkingParams,
    Tracklets,
    build_tracklets,
    detection_edges,
    link_candidates,
    link_tracklets,
    summarize_tracklets,
    tracklet_pairs,
)

FPS = 30.0


@pytest.fixture(scope="module")
def model() -> CostModel:
    return CostModel.load()


def person(frames, x0: float, y0: float, vx: float, vy: float = 0.0, w: float = 40.0, h: float = 100.0) -> np.ndarray:
    """xyxy boxes of a person walking at constant velocity (pixels per frame)."""
    f = np.asarray(frames, dtype=np.float64)
    cx, cy = x0 + vx * f, y0 + vy * f
    return np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


def tracklets_of(parts: list[tuple[np.ndarray, np.ndarray]], window: float = 0.3) -> Tracklets:
    """Summaries of tracklets given as (frames, boxes) parts (part k = tracklet k)."""
    labels = np.concatenate([np.full(len(f), k) for k, (f, _) in enumerate(parts)])
    frames = np.concatenate([f for f, _ in parts]).astype(np.int64)
    boxes = np.concatenate([b for _, b in parts])
    order = np.argsort(frames, kind="stable")
    labels, frames, boxes = labels[order], frames[order], boxes[order]
    return summarize_tracklets(labels, frames, frames / FPS, boxes, np.full(len(frames), 0.9), len(parts), window,
                               LinkingParams().joint_window_seconds)  # fmt: skip


# --- level 1: build_tracklets ------------------------------------------------------------------------------------


def test_two_people_walking_in_parallel_give_two_pure_tracklets(model: CostModel) -> None:
    f = np.arange(30)
    frames = np.repeat(f, 2).astype(np.int64)
    boxes = np.empty((60, 4))
    boxes[0::2] = person(f, 100, 200, 2.0)
    boxes[1::2] = person(f, 160, 200, 2.0)
    who = np.tile([0, 1], 30)
    scores, params = np.full(60, 0.9), DetectionGraphParams()
    labels = build_tracklets(frames, frames / FPS, boxes, scores, FPS, model.detection, params)
    assert labels.dtype == np.int64 and labels.shape == (60,)
    assert sorted(np.unique(labels).tolist()) == [0, 1]  # exactly two, labelled consecutively from 0
    for label in (0, 1):
        members = labels == label
        assert len(np.unique(who[members])) == 1  # one person
        assert members.sum() == 30  # the whole walk
        assert len(np.unique(frames[members])) == 30


def test_a_panning_camera_does_not_swap_people_standing_side_by_side(model: CostModel) -> None:
    """The camera pans 30 px per frame. Two narrow people stand 30 px apart, so in image coordinates B's next box
    lies exactly where A's box was: linked by IoU alone, the tracklets swap identities every frame. Five wide
    people elsewhere still overlap themselves between frames; their links show the pan, and the second pass,
    with the pan taken out, sees everyone standing still."""
    frame_count = 12
    f = np.arange(frame_count)
    wide = [person(f, x, 150, -30.0, w=100, h=200) for x in (400, 600, 800, 1000, 1200)]
    narrow = [person(f, x, 150, -30.0, w=40, h=200) for x in (200, 230)]
    parts = wide + narrow
    frames = np.repeat(f, len(parts)).astype(np.int64)
    boxes = np.stack(parts, axis=1).reshape(-1, 4)
    who = np.tile(np.arange(len(parts)), frame_count)
    scores = np.full(len(frames), 0.9)

    def purity(params: DetectionGraphParams) -> float:
        labels = build_tracklets(frames, frames / FPS, boxes, scores, FPS, model.detection, params)
        narrow_rows = who >= len(wide)
        same_tracklet = labels[narrow_rows][:, None] == labels[narrow_rows][None, :]
        same_person = who[narrow_rows][:, None] == who[narrow_rows][None, :]
        return float(np.mean(same_tracklet == same_person))

    assert purity(DetectionGraphParams()) == 1.0  # each narrow person is exactly one tracklet
    assert purity(DetectionGraphParams(camera_window_seconds=0.0)) < 0.9  # one pass: identities swap


def test_build_tracklets_is_independent_of_the_absolute_frame_number(model: CostModel) -> None:
    f = np.arange(30)
    frames = np.repeat(f, 2).astype(np.int64)
    boxes = np.empty((60, 4))
    boxes[0::2], boxes[1::2] = person(f, 100, 200, 2.0), person(f, 160, 200, 2.0)
    scores = np.full(60, 0.9)
    params = DetectionGraphParams()
    early = build_tracklets(frames, frames / FPS, boxes, scores, FPS, model.detection, params)
    late = build_tracklets(frames + 5000, (frames + 5000) / FPS, boxes, scores, FPS, model.detection, params)
    np.testing.assert_array_equal(early, late)


def test_build_tracklets_empty_and_single(model: CostModel) -> None:
    params = DetectionGraphParams()
    none = np.zeros(0)
    empty = build_tracklets(np.zeros(0, np.int64), none, np.zeros((0, 4)), none, FPS, model.detection, params)
    assert empty.shape == (0,) and empty.dtype == np.int64
    one = build_tracklets(np.array([4]), np.array([4 / FPS]), person([0], 50, 50, 0), np.ones(1), FPS, model.detection,
                          params)  # fmt: skip
    assert one.tolist() == [0]


def _clutter(seed: int, n: int, num_frames: int, extent: float):
    rng = np.random.default_rng(seed)
    frames = np.sort(rng.integers(0, num_frames, n)).astype(np.int64)
    centres = rng.uniform(0, extent, (n, 2))
    heights = rng.uniform(30, 100, n)
    boxes = np.column_stack([centres - [0.2, 0.5] * heights[:, None], centres + [0.2, 0.5] * heights[:, None]])
    return frames, boxes, rng.uniform(0, 1, n)


def _assert_one_box_per_frame_per_tracklet(frames: np.ndarray, labels: np.ndarray) -> None:
    assert len(labels) == len(frames)
    pairs = np.column_stack([frames, labels])
    assert len(np.unique(pairs, axis=0)) == len(frames), "two boxes of one frame share a tracklet"
    if len(labels):
        assert sorted(np.unique(labels).tolist()) == list(range(int(labels.max()) + 1))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 80),
    num_frames=st.integers(1, 6),
    extent=st.sampled_from([60.0, 300.0]),
)
def test_random_clutter_never_shares_a_frame_within_a_tracklet(seed, n, num_frames, extent) -> None:
    model = CostModel.load()
    frames, boxes, scores = _clutter(seed, n, num_frames, extent)
    labels = build_tracklets(frames, frames / FPS, boxes, scores, FPS, model.detection, DetectionGraphParams())
    _assert_one_box_per_frame_per_tracklet(frames, labels)


def test_dense_clutter_with_a_generous_graph_never_shares_a_frame(model: CostModel) -> None:
    """Many heavily overlapping boxes and permissive gates: the forbidden same-frame edges must still hold."""
    frames, boxes, scores = _clutter(7, 600, 8, 80.0)
    params = DetectionGraphParams(max_gap_seconds=0.2, max_distance=5.0, min_iou=0.0, neighbours=10, bias=5.0)
    labels = build_tracklets(frames, frames / FPS, boxes, scores, FPS, model.detection, params)
    _assert_one_box_per_frame_per_tracklet(frames, labels)
    assert labels.max() + 1 < len(frames)  # the strong bias did join boxes across frames


def test_detection_edges_gate_on_time_distance_and_iou() -> None:
    box = person([0], 100, 200, 0.0)[0]  # 40 x 100
    boxes = np.array([
        box,  # 0, frame 0
        box + [4, 0, 4, 0],  # 1, frame 1: IoU 36/44, near
        box + [60, 0, 60, 0],  # 2, frame 1: no overlap, 0.6 heights away
        box + [2, 0, 2, 0],  # 3, frame 30: 1 s later, beyond the time window
    ])  # fmt: skip
    frames = np.array([0, 1, 1, 30], dtype=np.int64)
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    params = DetectionGraphParams(max_gap_seconds=0.1, max_distance=1.5, min_iou=0.3, neighbours=3)
    i, j, features = detection_edges(frames, frames / FPS, boxes, scores, FPS, params)
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1)]
    np.testing.assert_allclose(features, detection_pair_features(boxes, scores, frames / FPS, i, j))
    i, j, _ = detection_edges(frames, frames / FPS, boxes, scores, FPS, DetectionGraphParams(
        max_gap_seconds=0.1, max_distance=1.5, min_iou=0.0, neighbours=3))  # fmt: skip
    assert sorted(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 2)]
    i, j, _ = detection_edges(frames, frames / FPS, boxes, scores, FPS, DetectionGraphParams(
        max_gap_seconds=0.1, max_distance=0.5, min_iou=0.0, neighbours=3))  # fmt: skip
    assert sorted(zip(i.tolist(), j.tolist())) == [(0, 1)]
    # the window in frames follows the frame rate: at 10 fps, 0.1 s is one frame; at 300 fps it reaches frame 30
    i, j, _ = detection_edges(frames, frames / 300.0, boxes, scores, 300.0, params)
    assert sorted(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 3), (1, 3)]


# --- Tracklets summaries and candidate pairs ---------------------------------------------------------------------


def test_summarize_tracklets_of_a_straight_walk() -> None:
    fa = np.arange(10, 40)
    t = tracklets_of([(fa, person(fa, 100, 200, 2.0, 1.0))])
    assert len(t) == 1
    assert t.first_frame.tolist() == [10] and t.last_frame.tolist() == [39]
    np.testing.assert_allclose(t.first_time, [10 / FPS])
    np.testing.assert_allclose(t.last_time, [39 / FPS])
    np.testing.assert_allclose(t.first_box, person([10], 100, 200, 2.0, 1.0), atol=1e-9)
    np.testing.assert_allclose(t.last_box, person([39], 100, 200, 2.0, 1.0), atol=1e-9)
    np.testing.assert_allclose(t.end_velocity, [[60.0, 30.0, 0.0, 0.0]], atol=1e-6)  # pixels per second
    np.testing.assert_allclose(t.start_velocity, [[60.0, 30.0, 0.0, 0.0]], atol=1e-6)
    assert t.length.tolist() == [30.0]
    np.testing.assert_allclose(t.mean_score, [0.9])
    assert t.end_occlusion.tolist() == [0.0] and t.start_occlusion.tolist() == [0.0]  # nobody else in view


def test_tracklet_end_and_start_occlusion_look_at_the_three_boxes_at_each_end() -> None:
    labels = np.repeat([0, 1], 8)
    frames = np.tile(np.arange(8), 2)
    boxes = np.tile([0.0, 0.0, 10.0, 20.0], (16, 1))
    occlusion = np.zeros(16)
    occlusion[[1, 4]] = [0.7, 0.9]  # tracklet 0: second box (near its start), fifth box (in the middle)
    occlusion[8 + np.array([5, 7])] = [0.4, 0.2]  # tracklet 1: within its last three boxes
    order = np.argsort(frames, kind="stable")  # rows in frame order, tracklets interleaved
    t = summarize_tracklets(labels[order], frames[order], frames[order] / FPS, boxes[order], np.full(16, 0.9), 2,
                            0.3, 1.0, occlusion[order])  # fmt: skip
    np.testing.assert_allclose(t.start_occlusion, [0.7, 0.0])
    np.testing.assert_allclose(t.end_occlusion, [0.0, 0.4])


def test_tracklet_pairs_orders_and_marks_coexisting() -> None:
    f1, f2, f3 = np.arange(0, 10), np.arange(5, 15), np.arange(40, 50)
    t = tracklets_of([(f3, person(f3, 0, 0, 1)), (f1, person(f1, 0, 0, 1)), (f2, person(f2, 0, 0, 1))])
    a, b, coexist = tracklet_pairs(t, max_seconds=10.0)
    pairs = {(int(x), int(y)): bool(c) for x, y, c in zip(a, b, coexist)}
    assert pairs == {(1, 0): False, (2, 0): False, (1, 2): True}  # a ends before b starts unless they coexist
    a, b, coexist = tracklet_pairs(t, max_seconds=0.5)  # (2 -> 0) is 26 frames apart: beyond 0.5 s
    assert {(int(x), int(y)) for x, y in zip(a, b)} == {(1, 2)}


def test_tracklet_pairs_leave_out_pairs_of_two_settled_tracklets() -> None:
    """Open tracks' tails (settled) are distinct tracks already: only pairs with a new tracklet are worth costing."""
    f1, f2, f3 = np.arange(0, 10), np.arange(5, 15), np.arange(20, 30)
    t = tracklets_of([(f1, person(f1, 0, 0, 1)), (f2, person(f2, 0, 0, 1)), (f3, person(f3, 0, 0, 1))])
    everything = tracklet_pairs(t, max_seconds=10.0)
    assert {(int(x), int(y)) for x, y in zip(*everything[:2])} == {(0, 1), (0, 2), (1, 2)}
    a, b, coexist = tracklet_pairs(t, max_seconds=10.0, settled=np.array([True, True, False]))
    assert {(int(x), int(y)) for x, y in zip(a, b)} == {(0, 2), (1, 2)}
    assert not coexist.any()
    a, _, _ = tracklet_pairs(t, max_seconds=10.0, settled=np.array([False, False, False]))
    assert len(a) == 3


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 300), st.integers(0, 40)), min_size=0, max_size=25),
    st.one_of(st.floats(0.0, 5.0), st.integers(0, 150).map(lambda frames: frames / FPS)),  # gaps land on the limit
    st.lists(st.booleans(), min_size=25, max_size=25),
)
@example(spans=[(79, 1), (200, 4)], max_seconds=4.0, settled_flags=[False] * 25)  # 200/30 - 80/30 == 4.0 exactly
def test_tracklet_pairs_match_every_pair_checked_one_by_one(spans, max_seconds, settled_flags) -> None:
    """The sweep over start times finds exactly the pairs that checking all T^2 pairs finds."""
    parts = [(np.arange(start, start + length + 1), person(np.arange(start, start + length + 1), 0, 0, 1))
             for start, length in spans]  # fmt: skip
    t = tracklets_of(parts) if parts else None
    settled = np.array(settled_flags[: len(spans)])
    for settled_or_none in (None, settled):
        expected = []
        for x in range(len(spans)):
            for y in range(x + 1, len(spans)):
                if settled_or_none is not None and settled_or_none[x] and settled_or_none[y]:
                    continue
                coexist = t.first_frame[x] <= t.last_frame[y] and t.first_frame[y] <= t.last_frame[x]
                a, b = (y, x) if not coexist and t.first_frame[x] > t.last_frame[y] else (x, y)
                if coexist or t.first_time[b] - t.last_time[a] <= max_seconds:
                    expected.append((a, b, coexist))
        if t is None:
            continue
        a, b, coexist = tracklet_pairs(t, max_seconds, settled_or_none)
        assert sorted(zip(a.tolist(), b.tolist(), coexist.tolist())) == sorted(expected)


def test_link_candidates_features_have_every_model_column() -> None:
    fa, fb = np.arange(0, 30), np.arange(44, 74)
    t = tracklets_of([(fa, person(fa, 100, 200, 2.0)), (fb, person(fb, 100, 200, 2.0))])
    a, b, features, ca, cb = link_candidates(t, LinkingParams())
    assert a.tolist() == [0] and b.tolist() == [1] and len(ca) == 0 and len(cb) == 0
    assert features.shape == (1, len(TRACKLET_FEATURES))
    column = {name: k for k, name in enumerate(TRACKLET_FEATURES)}
    assert features[0, column["gap_seconds"]] == pytest.approx(15 / FPS)
    assert features[0, column["predicted_iou"]] == pytest.approx(1.0)  # a straight walk is predicted exactly
    assert features[0, column["successor_rank"]] == 0 and features[0, column["predecessor_rank"]] == 0
    # one straight walk: a single line explains a's tail and b's head, so both joint residuals sit at the floor
    floor = np.log(JOINT_RESIDUAL_FLOOR)
    assert features[0, column["log_joint_rms"]] == pytest.approx(floor, abs=1e-6)
    assert features[0, column["log_joint_excess"]] == pytest.approx(floor, abs=1e-6)
    assert features[0, column["end_occlusion"]] == 0 and features[0, column["start_occlusion"]] == 0


def test_link_candidates_carry_the_occlusion_of_the_ends_they_join() -> None:
    fa, fb = np.arange(0, 30), np.arange(44, 74)
    parts = [(fa, person(fa, 100, 200, 2.0)), (fb, person(fb, 100, 200, 2.0))]
    labels = np.concatenate([np.zeros(30, dtype=np.int64), np.ones(30, dtype=np.int64)])
    frames = np.concatenate([fa, fb])
    boxes = np.concatenate([p[1] for p in parts])
    occlusion = np.where(frames == 29, 0.8, np.where(frames == 44, 0.6, 0.1))
    t = summarize_tracklets(labels, frames, frames / FPS, boxes, np.full(60, 0.9), 2, 0.3, 1.0, occlusion)
    _, _, features, _, _ = link_candidates(t, LinkingParams())
    column = {name: k for k, name in enumerate(TRACKLET_FEATURES)}
    assert features[0, column["end_occlusion"]] == pytest.approx(0.8)  # a went behind someone
    assert features[0, column["start_occlusion"]] == pytest.approx(0.6)  # b came out from behind someone


# --- level 2: link_tracklets -------------------------------------------------------------------------------------


def test_one_person_across_a_half_second_gap_is_joined(model: CostModel) -> None:
    fa, fb = np.arange(0, 30), np.arange(44, 74)  # last seen at 29/30 s, back at 44/30 s: a 0.5 s gap
    t = tracklets_of([(fa, person(fa, 100, 200, 2.0, 0.5)), (fb, person(fb, 100, 200, 2.0, 0.5))])
    clusters = link_tracklets(t, np.array([-1, -1]), model.tracklet, LinkingParams())
    assert clusters.shape == (2,)
    assert clusters[0] == clusters[1]


def test_two_people_each_across_a_gap_are_joined_correctly(model: CostModel) -> None:
    fa, fb = np.arange(0, 30), np.arange(44, 74)
    parts = [
        (fa, person(fa, 100, 200, 2.0)), (fb, person(fb, 100, 200, 2.0)),  # person 0
        (fa, person(fa, 600, 200, -2.0)), (fb, person(fb, 600, 200, -2.0)),  # person 1, walking the other way
    ]  # fmt: skip
    clusters = link_tracklets(tracklets_of(parts), np.full(4, -1), model.tracklet, LinkingParams())
    assert clusters[0] == clusters[1] and clusters[2] == clusters[3] and clusters[0] != clusters[2]


def test_coexisting_tracklets_are_never_joined(model: CostModel) -> None:
    fa, fc = np.arange(0, 30), np.arange(20, 50)  # overlap in frames 20..29, nearly the same place
    t = tracklets_of([(fa, person(fa, 100, 200, 2.0)), (fc, person(fc, 104, 200, 2.0))])
    clusters = link_tracklets(t, np.array([-1, -1]), model.tracklet, LinkingParams(bias=50.0))
    assert clusters[0] != clusters[1]


def test_a_chain_through_a_coexisting_pair_is_not_closed(model: CostModel) -> None:
    """a -> b and a -> c are both plausible but b and c coexist: at most one of them joins a."""
    fa, fb = np.arange(0, 30), np.arange(40, 70)
    wider = person(fb, 100, 200, 2.0, 0.0, 42.0)
    parts = [(fa, person(fa, 100, 200, 2.0)), (fb, person(fb, 100, 200, 2.0)), (fb, wider)]
    t = tracklets_of(parts)
    clusters = link_tracklets(t, np.full(3, -1), model.tracklet, LinkingParams(bias=50.0))
    assert clusters[1] != clusters[2]


def test_two_different_fixed_ids_are_never_joined(model: CostModel) -> None:
    fa, fb = np.arange(0, 30), np.arange(44, 74)
    t = tracklets_of([(fa, person(fa, 100, 200, 2.0)), (fb, person(fb, 100, 200, 2.0))])
    for bias in (0.5, 50.0):
        clusters = link_tracklets(t, np.array([1, 2]), model.tracklet, LinkingParams(bias=bias))
        assert clusters[0] != clusters[1]


def test_a_new_tracklet_continuing_a_fixed_one_is_joined_to_it(model: CostModel) -> None:
    fa, fb = np.arange(0, 30), np.arange(44, 74)
    t = tracklets_of([(fa, person(fa, 100, 200, 2.0)), (fb, person(fb, 100, 200, 2.0))])
    clusters = link_tracklets(t, np.array([7, -1]), model.tracklet, LinkingParams())
    assert clusters[0] == clusters[1]
    clusters = link_tracklets(t, np.array([-1, 7]), model.tracklet, LinkingParams())  # the stub may come second
    assert clusters[0] == clusters[1]


def test_two_fixed_stubs_and_a_continuation_goes_to_the_right_one(model: CostModel) -> None:
    fa, fb = np.arange(0, 30), np.arange(44, 74)
    parts = [(fa, person(fa, 100, 200, 2.0)), (fa, person(fa, 600, 200, -2.0)), (fb, person(fb, 600, 200, -2.0))]
    clusters = link_tracklets(tracklets_of(parts), np.array([3, 9, -1]), model.tracklet, LinkingParams())
    assert clusters[2] == clusters[1] != clusters[0]


def test_link_tracklets_rejects_one_fixed_identity_on_two_tracklets(model: CostModel) -> None:
    fa, fb = np.arange(0, 30), np.arange(44, 74)
    t = tracklets_of([(fa, person(fa, 100, 200, 2.0)), (fb, person(fb, 100, 200, 2.0))])
    with pytest.raises(ValueError, match="fixed_ids: expected each fixed identity on one tracklet"):
        link_tracklets(t, np.array([4, 4]), model.tracklet, LinkingParams())


def test_link_tracklets_empty(model: CostModel) -> None:
    t = tracklets_of([(np.arange(5), person(np.arange(5), 0, 0, 1))])
    empty = Tracklets(*(np.asarray(getattr(t, name))[:0] for name in Tracklets.__dataclass_fields__))
    clusters = link_tracklets(empty, np.zeros(0, dtype=np.int64), model.tracklet, LinkingParams())
    assert clusters.shape == (0,)


def test_link_tracklets_single_tracklet(model: CostModel) -> None:
    t = tracklets_of([(np.arange(5), person(np.arange(5), 0, 0, 1))])
    assert link_tracklets(t, np.array([-1]), model.tracklet, LinkingParams()).tolist() == [0]


@pytest.mark.xfail(
    strict=True,
    reason="DEFECT (cost model): a tracklet reappearing 5 box heights away after a 0.5 s gap (10 heights/s, an "
    "implausible pedestrian speed) gets tracklet log-odds of only about -0.4 from the shipped model, and the "
    "default LinkingParams.bias=+0.5 turns that into a positive (join) cost, so the two are merged",
)
def test_an_implausible_jump_across_a_short_gap_is_not_joined(model: CostModel) -> None:
    fa, fb = np.arange(0, 30), np.arange(44, 74)
    t = tracklets_of([(fa, person(fa, 100, 200, 2.0)), (fb, person(fb, 100, 700, 2.0))])
    clusters = link_tracklets(t, np.array([-1, -1]), model.tracklet, LinkingParams())
    assert clusters[0] != clusters[1]
