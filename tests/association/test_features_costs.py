"""Pair features (``association.features``) and calibrated edge-cost models (``association.costs``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

from association.costs import (
    DEFAULT_MODEL_PATH,
    CostModel,
    GapBucketLogistic,
    fit_gap_bucket_logistic,
    fit_logistic,
)
from association.features import (
    DETECTION_FEATURES,
    DISTANCE_FLOOR,
    JOINT_RESIDUAL_FLOOR,
    TRACKLET_FEATURES,
    covered_fraction,
    detection_pair_features,
    occluded_fraction,
    tracklet_pair_features,
)
from mot.errors import MOTError

DET = {name: k for k, name in enumerate(DETECTION_FEATURES)}
TRK = {name: k for k, name in enumerate(TRACKLET_FEATURES)}


# --- detection_pair_features -------------------------------------------------------------------------------------


def test_detection_pair_features_of_identical_boxes() -> None:
    boxes = np.array([[10.0, 20.0, 30.0, 60.0], [10.0, 20.0, 30.0, 60.0]])
    scores = np.array([0.9, 0.4])
    times = np.array([1.0, 1.2])
    features = detection_pair_features(boxes, scores, times, np.array([0]), np.array([1]))
    assert features.shape == (1, len(DETECTION_FEATURES))
    row = features[0]
    assert row[DET["iou"]] == pytest.approx(1.0)
    assert row[DET["log_center_distance"]] == pytest.approx(np.log(DISTANCE_FLOOR))
    assert row[DET["log_height_ratio"]] == pytest.approx(0.0)
    assert row[DET["log_width_ratio"]] == pytest.approx(0.0)
    assert row[DET["gap_seconds"]] == pytest.approx(0.2)
    assert row[DET["min_score"]] == pytest.approx(0.4)


def test_detection_pair_features_hand_cases() -> None:
    boxes = np.array([
        [0.0, 0.0, 10.0, 20.0],  # 0: h 20, w 10, centre (5, 10)
        [10.0, 0.0, 20.0, 20.0],  # 1: shifted one width: IoU 0, distance 10 / 20 = 0.5
        [0.0, 0.0, 20.0, 40.0],  # 2: twice as large, centre (10, 20): IoU 1/4, distance sqrt(125) / 30
        [30.0, 0.0, 60.0, 20.0],  # 3: w 30 (ratio 3 to box 0)
    ])  # fmt: skip
    scores = np.array([0.5, 0.7, 0.2, 0.9])
    times = np.array([0.0, 0.5, 2.0, 3.0])
    i, j = np.array([0, 0, 0, 2]), np.array([1, 2, 3, 0])
    f = detection_pair_features(boxes, scores, times, i, j)
    assert f.shape == (4, len(DETECTION_FEATURES))
    np.testing.assert_allclose(f[:, DET["iou"]], [0.0, 0.25, 0.0, 0.25])
    np.testing.assert_allclose(
        f[:, DET["log_center_distance"]],
        np.log(np.array([0.5, np.sqrt(125) / 30, 40 / 20, np.sqrt(125) / 30]) + DISTANCE_FLOOR),
    )
    np.testing.assert_allclose(f[:, DET["log_height_ratio"]], [0.0, np.log(2), 0.0, np.log(2)])
    np.testing.assert_allclose(f[:, DET["log_width_ratio"]], [0.0, np.log(2), np.log(3), np.log(2)])
    np.testing.assert_allclose(f[:, DET["gap_seconds"]], [0.5, 2.0, 3.0, 2.0])  # absolute, also for j before i
    np.testing.assert_allclose(f[:, DET["min_score"]], [0.5, 0.2, 0.5, 0.2])


def test_detection_pair_features_are_symmetric_and_scale_free() -> None:
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 500, (20, 2))
    wh = rng.uniform(10, 100, (20, 2))
    boxes = np.column_stack([xy, xy + wh])
    scores, times = rng.uniform(0, 1, 20), rng.uniform(0, 10, 20)
    i, j = rng.integers(0, 20, 50), rng.integers(0, 20, 50)
    forward = detection_pair_features(boxes, scores, times, i, j)
    np.testing.assert_allclose(forward, detection_pair_features(boxes, scores, times, j, i), atol=1e-12)
    # distances are in box heights: scaling the image leaves every feature unchanged
    np.testing.assert_allclose(forward, detection_pair_features(3.0 * boxes, scores, times, i, j), atol=1e-12)


def test_detection_pair_features_no_pairs() -> None:
    boxes = np.array([[0.0, 0.0, 10.0, 20.0]])
    f = detection_pair_features(boxes, np.ones(1), np.zeros(1), np.zeros(0, np.int64), np.zeros(0, np.int64))
    assert f.shape == (0, len(DETECTION_FEATURES))


# --- tracklet_pair_features --------------------------------------------------------------------------------------


def test_tracklet_pair_features_shapes_and_values() -> None:
    last_a = np.array([[0.0, 0.0, 10.0, 20.0], [0.0, 0.0, 10.0, 20.0]])
    first_b = np.array([[10.0, 0.0, 20.0, 20.0], [0.0, 0.0, 20.0, 40.0]])
    forward = first_b.copy()  # perfect forward prediction
    backward = np.array([[5.0, 0.0, 15.0, 20.0], [0.0, 0.0, 10.0, 20.0]])
    f = tracklet_pair_features(
        gap_seconds=np.array([0.5, 1.5]), forward_predicted=forward, first_boxes_b=first_b,
        backward_predicted=backward, last_boxes_a=last_a, lengths_a=np.array([3.0, 40.0]),
        lengths_b=np.array([7.0, 12.0]), mean_scores_a=np.array([0.8, 0.3]), mean_scores_b=np.array([0.6, 0.9]),
        joint_rms=np.array([2.0, 0.0]), joint_excess=np.array([1.0, 6.0]),
    )  # fmt: skip
    # the two rank and the two occlusion columns are appended by link_candidates
    assert f.shape == (2, len(TRACKLET_FEATURES) - 4)
    np.testing.assert_allclose(f[:, TRK["gap_seconds"]], [0.5, 1.5])
    static = np.array([0.5, np.sqrt(125) / 30])
    np.testing.assert_allclose(f[:, TRK["log_static_distance"]], np.log(static + DISTANCE_FLOOR))
    np.testing.assert_allclose(f[:, TRK["log_forward_distance"]], np.log(DISTANCE_FLOOR))
    backward_distance = np.log(np.array([0.25, 0.0]) + DISTANCE_FLOOR)
    np.testing.assert_allclose(f[:, TRK["log_backward_distance"]], backward_distance)
    np.testing.assert_allclose(f[:, TRK["predicted_iou"]], [0.5 * (1 + 1 / 3), 1.0])
    np.testing.assert_allclose(f[:, TRK["log_height_ratio"]], [0.0, np.log(2)])
    np.testing.assert_allclose(f[:, TRK["log_min_length"]], [np.log(3), np.log(12)])
    np.testing.assert_allclose(f[:, TRK["min_mean_score"]], [0.6, 0.3])
    # residuals in units of the mean end-box height (20 and 30 px)
    np.testing.assert_allclose(f[:, TRK["log_joint_rms"]], np.log(np.array([0.1, 0.0]) + JOINT_RESIDUAL_FLOOR))
    np.testing.assert_allclose(f[:, TRK["log_joint_excess"]], np.log(np.array([0.05, 0.2]) + JOINT_RESIDUAL_FLOOR))


def test_tracklet_pair_features_empty() -> None:
    empty = np.zeros((0, 4))
    none = np.zeros(0)
    f = tracklet_pair_features(none, empty, empty, empty, empty, none, none, none, none, none, none)
    assert f.shape == (0, len(TRACKLET_FEATURES) - 4)


# --- occluded_fraction -------------------------------------------------------------------------------------------


def test_occluded_fraction_of_overlapping_boxes() -> None:
    frames = np.array([0, 0, 0, 1, 1])
    boxes = np.array([
        [0.0, 0.0, 10.0, 20.0],   # frame 0: a small box entirely inside the next one
        [-5.0, -5.0, 15.0, 25.0],  # its cover: 200 of 600 px
        [100.0, 0.0, 110.0, 20.0],  # alone in its corner
        [5.0, 0.0, 15.0, 20.0],   # frame 1: the same place as frame 0's boxes, but other frames never cover
        [10.0, 0.0, 20.0, 20.0],  # half of each of the two frame-1 boxes overlaps the other
    ])  # fmt: skip
    np.testing.assert_allclose(occluded_fraction(frames, boxes), [1.0, 200 / 600, 0.0, 0.5, 0.5])
    assert occluded_fraction(np.zeros(0, dtype=np.int64), np.zeros((0, 4))).shape == (0,)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 25), frame_count=st.integers(1, 4))
def test_occluded_fraction_is_a_fraction_and_ignores_row_order(seed: int, count: int, frame_count: int) -> None:
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, frame_count, size=count)
    corners = rng.uniform(0, 100, size=(count, 2))
    boxes = np.column_stack([corners, corners + rng.uniform(0.5, 40, size=(count, 2))])
    cover = occluded_fraction(frames, boxes)
    assert np.all((cover >= 0) & (cover <= 1 + 1e-12))
    order = rng.permutation(count)
    np.testing.assert_allclose(occluded_fraction(frames[order], boxes[order]), cover[order])
    # The value is the largest single overlap: check against a direct pairwise loop.
    for row in range(count):
        others = np.flatnonzero((frames == frames[row]) & (np.arange(count) != row))
        width = np.clip(np.minimum(boxes[others, 2], boxes[row, 2]) - np.maximum(boxes[others, 0], boxes[row, 0]), 0,
                        None)  # fmt: skip
        height = np.clip(np.minimum(boxes[others, 3], boxes[row, 3]) - np.maximum(boxes[others, 1], boxes[row, 1]),
                         0, None)  # fmt: skip
        area = (boxes[row, 2] - boxes[row, 0]) * (boxes[row, 3] - boxes[row, 1])
        expected = (width * height / area).max() if len(others) else 0.0
        assert cover[row] == pytest.approx(expected)


# --- covered_fraction --------------------------------------------------------------------------------------------


def test_covered_fraction_counts_only_boxes_of_the_query_frame() -> None:
    frames = np.array([0, 0, 2])
    boxes = np.array([[0.0, 0, 10, 20], [5.0, 0, 25, 20], [0.0, 0, 10, 20]])
    query_frames = np.array([0, 1, 2, 0])
    query = np.array([[0.0, 0, 10, 20], [0.0, 0, 10, 20], [5.0, 0, 15, 20], [100.0, 0, 110, 20]])
    # frame 0: the first box covers all of it; frame 1: no boxes; frame 2: half; far away: nothing
    np.testing.assert_allclose(covered_fraction(query_frames, query, frames, boxes), [1.0, 0.0, 0.5, 0.0])
    assert covered_fraction(np.zeros(0, np.int64), np.zeros((0, 4)), frames, boxes).shape == (0,)
    np.testing.assert_array_equal(covered_fraction(query_frames, query, np.zeros(0, np.int64), np.zeros((0, 4))), 0)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(0, 20), queries=st.integers(1, 10))
def test_covered_fraction_is_the_largest_cover_by_one_box_of_the_frame(seed: int, count: int, queries: int) -> None:
    rng = np.random.default_rng(seed)
    frames = np.sort(rng.integers(0, 4, size=count))
    corners = rng.uniform(0, 100, size=(count, 2))
    boxes = np.column_stack([corners, corners + rng.uniform(0.5, 40, size=(count, 2))])
    query_frames = rng.integers(0, 5, size=queries)
    query_corners = rng.uniform(0, 100, size=(queries, 2))
    query = np.column_stack([query_corners, query_corners + rng.uniform(0.5, 40, size=(queries, 2))])
    expected = np.zeros(queries)
    for q in range(queries):
        for k in np.flatnonzero(frames == query_frames[q]):
            width = min(query[q, 2], boxes[k, 2]) - max(query[q, 0], boxes[k, 0])
            height = min(query[q, 3], boxes[k, 3]) - max(query[q, 1], boxes[k, 1])
            area = (query[q, 2] - query[q, 0]) * (query[q, 3] - query[q, 1])
            expected[q] = max(expected[q], max(width, 0) * max(height, 0) / area)
    np.testing.assert_allclose(covered_fraction(query_frames, query, frames, boxes), expected, atol=1e-12)


# --- GapBucketLogistic -------------------------------------------------------------------------------------------


def _model(edges, features: int = 2, weights=None) -> GapBucketLogistic:
    edges = np.asarray(edges, dtype=np.float64)
    buckets = len(edges) - 1
    weights = np.zeros((buckets, features + 1)) if weights is None else np.asarray(weights, dtype=np.float64)
    return GapBucketLogistic(
        tuple(f"f{k}" for k in range(features)), edges, weights, np.zeros((buckets, features)),
        np.ones((buckets, features)),
    )


def test_bucket_of_edges_are_right_closed() -> None:
    model = _model([0.0, 0.05, 0.1, 0.17, np.inf])
    gaps = np.array([-1.0, 0.0, 0.01, 0.05, 0.0500001, 0.1, 0.1000001, 0.17, 0.2, 1e9, np.inf])
    assert model.bucket_of(gaps).tolist() == [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 3]


def test_bucket_of_beyond_a_finite_last_edge_uses_the_last_bucket() -> None:
    model = _model([0.0, 1.0, 2.0])
    assert model.bucket_of(np.array([0.5, 1.0, 1.5, 2.0, 2.5, 100.0])).tolist() == [0, 0, 1, 1, 1, 1]


def test_log_odds_uses_the_bucket_of_each_gap() -> None:
    # bucket 0: log-odds = 2 * f0 + 1; bucket 1: log-odds = -3 * f1 - 1
    model = _model([0.0, 1.0, np.inf], weights=[[2.0, 0.0, 1.0], [0.0, -3.0, -1.0]])
    features = np.array([[1.0, 1.0], [1.0, 1.0], [0.5, 2.0]])
    np.testing.assert_allclose(model.log_odds(features, np.array([0.5, 1.5, 3.0])), [3.0, -4.0, -7.0])


def test_log_odds_standardises_with_the_bucket_statistics() -> None:
    edges, weights = np.array([0.0, np.inf]), np.array([[2.0, 0.5]])
    means, scales = np.array([[10.0]]), np.array([[4.0]])
    model = GapBucketLogistic(("f",), edges, weights, means, scales)
    np.testing.assert_allclose(model.log_odds(np.array([[18.0], [10.0]]), np.zeros(2)), [4.5, 0.5])


@pytest.mark.parametrize("shape", [(3,), (3, 1), (3, 3), (1, 2, 2)])
def test_log_odds_rejects_features_of_the_wrong_shape(shape) -> None:
    model = _model([0.0, 1.0, np.inf])
    with pytest.raises(ValueError, match=r"expected shape \(E, 2\)"):
        model.log_odds(np.zeros(shape), np.zeros(3))


# --- fitting -----------------------------------------------------------------------------------------------------


def _logistic_data(rng: np.random.Generator, n: int, coefficients, intercept: float):
    x = rng.standard_normal((n, len(coefficients)))
    y = rng.random(n) < expit(x @ np.asarray(coefficients) + intercept)
    return x, y


def test_fit_logistic_recovers_known_coefficients_and_is_calibrated() -> None:
    rng = np.random.default_rng(20240601)
    truth = np.array([1.5, -2.0, 0.0])
    x, y = _logistic_data(rng, 20_000, truth, 0.5)
    w = fit_logistic(x, y, l2=1.0)
    assert w.shape == (4,)
    assert np.sign(w[0]) == 1 and np.sign(w[1]) == -1
    np.testing.assert_allclose(w[:3], truth, atol=0.12)
    assert w[3] == pytest.approx(0.5, abs=0.12)
    predicted = expit(np.column_stack([x, np.ones(len(x))]) @ w)
    assert abs(predicted.mean() - y.mean()) < 0.01
    # calibrated within probability bins too, not only on average
    bins = np.digitize(predicted, [0.2, 0.4, 0.6, 0.8])
    for b in range(5):
        inside = bins == b
        assert abs(predicted[inside].mean() - y[inside].mean()) < 0.03


def test_fit_logistic_l2_shrinks_towards_zero() -> None:
    x, y = _logistic_data(np.random.default_rng(5), 400, [2.0], 0.0)
    loose, tight = fit_logistic(x, y, l2=0.0), fit_logistic(x, y, l2=4000.0)
    assert abs(tight[0]) < 0.5 * abs(loose[0])


def test_fit_logistic_on_one_class_predicts_that_class() -> None:
    x = np.random.default_rng(1).standard_normal((200, 2))
    w = fit_logistic(x, np.ones(200, dtype=bool))
    assert np.all(expit(np.column_stack([x, np.ones(200)]) @ w) > 0.9)
    w = fit_logistic(x, np.zeros(200, dtype=bool))
    assert np.all(expit(np.column_stack([x, np.ones(200)]) @ w) < 0.1)


def _bucketed_data(rng, sizes_and_signs, edges):
    """Samples per bucket (gap uniform inside the bucket) with label model sign * 2 * f0."""
    xs, gaps, ys = [], [], []
    for b, (size, sign) in enumerate(sizes_and_signs):
        low, high = edges[b], min(edges[b + 1], edges[b] + 1.0)
        x, y = _logistic_data(rng, size, [2.0 * sign, 0.0], 0.0)
        xs.append(x), ys.append(y), gaps.append(rng.uniform(low + 1e-6, high, size))
    return np.concatenate(xs), np.concatenate(gaps), np.concatenate(ys)


def test_fit_gap_bucket_logistic_fits_each_bucket_and_borrows_for_sparse_ones() -> None:
    edges = np.array([0.0, 1.0, 2.0, np.inf])
    rng = np.random.default_rng(11)
    x, gaps, y = _bucketed_data(rng, [(3000, +1), (30, -1), (3000, -1)], edges)
    model = fit_gap_bucket_logistic(x, gaps, y, ("a", "b"), edges, min_samples=50)
    assert model.feature_names == ("a", "b")
    assert model.weights.shape == (3, 3) and model.means.shape == (3, 2) and model.scales.shape == (3, 2)
    assert model.weights[0, 0] > 1.0  # bucket 0: positive association
    assert model.weights[2, 0] < -1.0  # bucket 2: its own fit, negative
    # bucket 1 has too few samples: the neighbouring (previous) bucket's model, not its own negative one
    np.testing.assert_array_equal(model.weights[1], model.weights[0])
    np.testing.assert_array_equal(model.means[1], model.means[0])
    np.testing.assert_array_equal(model.scales[1], model.scales[0])


def test_fit_gap_bucket_logistic_first_bucket_sparse_uses_the_pooled_fit() -> None:
    edges = np.array([0.0, 1.0, np.inf])
    rng = np.random.default_rng(12)
    x, gaps, y = _bucketed_data(rng, [(20, -1), (4000, +1)], edges)
    model = fit_gap_bucket_logistic(x, gaps, y, ("a", "b"), edges, l2=1.0, min_samples=50)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    pooled = fit_logistic((x - mean) / scale, y, 1.0)
    np.testing.assert_allclose(model.means[0], mean)
    np.testing.assert_allclose(model.scales[0], scale)
    np.testing.assert_allclose(model.weights[0], pooled, atol=1e-6)
    assert model.weights[1, 0] > 1.0


def test_fit_gap_bucket_logistic_bucket_with_one_class_borrows() -> None:
    edges = np.array([0.0, 1.0, 2.0])
    rng = np.random.default_rng(13)
    x, gaps, y = _bucketed_data(rng, [(2000, +1), (2000, +1)], edges)
    y[gaps > 1.0] = True  # bucket 1: plenty of samples but no negatives
    model = fit_gap_bucket_logistic(x, gaps, y, ("a", "b"), edges, min_samples=50)
    np.testing.assert_array_equal(model.weights[1], model.weights[0])


def test_fit_gap_bucket_logistic_constant_feature_does_not_divide_by_zero() -> None:
    edges = np.array([0.0, np.inf])
    rng = np.random.default_rng(14)
    x, gaps, y = _bucketed_data(rng, [(1000, +1)], edges)
    x[:, 1] = 7.0
    model = fit_gap_bucket_logistic(x, gaps, y, ("a", "b"), edges)
    assert model.scales[0, 1] == 1.0
    assert np.all(np.isfinite(model.log_odds(x, gaps)))


# --- CostModel ---------------------------------------------------------------------------------------------------


def _random_features(rng, model: GapBucketLogistic, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0, 2, (n, len(model.feature_names))), rng.uniform(0, 5, n)


def test_cost_model_save_load_round_trip(tmp_path: Path) -> None:
    model = CostModel.load()
    path = model.save(tmp_path / "sub" / "model.json")
    assert path == tmp_path / "sub" / "model.json" and path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ["model.json"]  # no temporary file left behind
    loaded = CostModel.load(path)
    assert loaded.card == model.card
    rng = np.random.default_rng(0)
    for ours, theirs in ((model.detection, loaded.detection), (model.tracklet, loaded.tracklet)):
        assert theirs.feature_names == ours.feature_names
        features, gaps = _random_features(rng, ours)
        np.testing.assert_array_equal(theirs.log_odds(features, gaps), ours.log_odds(features, gaps))


def test_cost_model_round_trip_of_a_fitted_model(tmp_path: Path) -> None:
    rng = np.random.default_rng(21)
    edges = np.array([0.0, 1.0, np.inf])
    x, gaps, y = _bucketed_data(rng, [(500, +1), (500, -1)], edges)
    fitted = fit_gap_bucket_logistic(x, gaps, y, ("a", "b"), edges)
    model = CostModel(fitted, fitted, {"note": "synthetic", "n": 1000})
    loaded = CostModel.load(model.save(tmp_path / "m.json"))
    assert loaded.card == {"note": "synthetic", "n": 1000}
    np.testing.assert_array_equal(loaded.detection.bucket_edges, edges)  # inf survives JSON
    np.testing.assert_array_equal(loaded.tracklet.log_odds(x, gaps), fitted.log_odds(x, gaps))


@pytest.mark.parametrize(
    "text",
    [
        '{"card": {}, "detection": {"feature_names": ["a"]',  # truncated
        "",
        "not json at all",
        '{"card": {}, "detection": {}}',  # missing fields
        '{"card": {}}',
    ],
)
def test_loading_a_corrupt_model_raises_motError_naming_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "broken_model.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MOTError, match="broken_model.json"):
        CostModel.load(path)


def test_loading_undecodable_bytes_raises_motError(tmp_path: Path) -> None:
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(MOTError, match="binary.json"):
        CostModel.load(path)


def test_loading_a_missing_model_raises_motError(tmp_path: Path) -> None:
    with pytest.raises(MOTError, match="absent.json"):
        CostModel.load(tmp_path / "absent.json")


@pytest.mark.parametrize("text", ["[1, 2, 3]", '{"card": {}, "detection": 5, "tracklet": 5}'])
def test_loading_json_of_the_wrong_shape_raises_motError(tmp_path: Path, text: str) -> None:
    path = tmp_path / "wrong_shape.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MOTError, match="wrong_shape.json"):
        CostModel.load(path)


def test_shipped_default_model_loads_with_a_complete_card() -> None:
    assert DEFAULT_MODEL_PATH.is_file()
    model = CostModel.load()
    assert model.detection.feature_names == DETECTION_FEATURES
    assert model.tracklet.feature_names == TRACKLET_FEATURES
    for part in (model.detection, model.tracklet):
        buckets = len(part.bucket_edges) - 1
        assert np.all(np.diff(part.bucket_edges) > 0)
        assert part.weights.shape == (buckets, len(part.feature_names) + 1)
        assert part.means.shape == part.scales.shape == (buckets, len(part.feature_names))
        assert np.all(np.isfinite(part.weights)) and np.all(part.scales > 0)
    card = model.card
    trained_on = card["trained_on"]
    assert isinstance(trained_on, list) and len(trained_on) >= 1 and all(isinstance(s, str) and s for s in trained_on)
    for key in ("data", "licence", "split"):
        assert isinstance(card.get(key), str) and card[key].strip(), f"card lacks {key!r}"
    assert "MOT" in card["data"]
    # the card is the same one the file holds
    assert json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))["card"] == card


def test_shipped_detection_model_prefers_overlapping_boxes() -> None:
    """Sanity of the shipped costs: identical boxes one frame apart are far likelier the same than distant ones."""
    model = CostModel.load().detection
    boxes = np.array([[100.0, 100.0, 140.0, 200.0], [100.0, 100.0, 140.0, 200.0], [160.0, 100.0, 200.0, 200.0]])
    features = detection_pair_features(boxes, np.full(3, 0.9), np.array([0.0, 1 / 30, 1 / 30]), np.array([0, 0]),
                                       np.array([1, 2]))  # fmt: skip
    near, far = model.log_odds(features, features[:, DET["gap_seconds"]])
    assert near > 0 > far
