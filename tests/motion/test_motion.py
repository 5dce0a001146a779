"""Motion models on hand-built tracks with closed-form answers, run over every registered model.

Exactness tolerances (pixels), on boxes of about 100 pixels moving tens of pixels per second:

* ``linear``: least squares and interpolation are closed forms; only float64 rounding remains (~1e-13 measured).
* ``kalman``: on exact constant-velocity data every innovation is zero (the velocity prior is centred on the
  two-point velocity), so the filter and the RTS smoother are exact in exact arithmetic. Rounding goes through
  O(100) steps and the smoother's inverses of covariances with condition up to ~1e7 (velocity prior
  ``(100 h)^2 px^2/s^2`` against ``R = (0.05 h)^2 px^2``): at most ~1e-16 * 1e7 relative on corrections that are
  themselves zero, ~1e-12 pixels measured. 1e-8 pixels leaves a wide margin; a zero-centred velocity prior would
  be biased towards 0 velocity (~1e-5 pixels measured on these tracks) and fail.
"""

from __future__ import annotations

import doctest
import importlib
from typing import Literal

import numpy as np
import pytest

# Imported from the submodules: under `.venv/bin/pytest` the folder tests/motion shadows the package `motion`
# as a namespace package, while the editable install still resolves `motion.<submodule>`.
from motion.base import MIN_BOX_SIZE, MotionModel, available_motion_models, get_motion_model, xyxy_to_cxcywh
from motion.kalman import KalmanConstantVelocity
from motion.linear import (
    ConstantVelocity,
    end_window_moments,
    extrapolate_track_ends,
    fit_end_velocities,
    joint_line_residuals,
)

MODELS = available_motion_models()
TOLERANCE_PX = {"linear": 1e-8, "kalman": 1e-8}

# A box (w 40, h 100 px) whose corners move at constant velocity in pixels per SECOND (it grows: w and h +6 px/s).
BOX_AT_0 = np.array([100.0, 50.0, 140.0, 150.0])
CORNER_VELOCITY = np.array([30.0, -12.0, 36.0, -6.0])


def true_boxes(times: np.ndarray) -> np.ndarray:
    return BOX_AT_0 + CORNER_VELOCITY * np.asarray(times)[:, None]


def sampled_times(fps: float, start_s: float, stop_s: float, drop: float = 0.0, seed: int = 0) -> np.ndarray:
    """Times ``frame / fps`` of the 0-based frames in [start_s, stop_s], some dropped (first and last kept)."""
    frames = np.arange(round(start_s * fps), round(stop_s * fps) + 1)
    keep = np.random.default_rng(seed).random(len(frames)) >= drop
    keep[[0, -1]] = True
    return frames[keep] / fps


@pytest.fixture(params=MODELS)
def model(request: pytest.FixtureRequest) -> MotionModel:
    return get_motion_model(request.param)


def read_only(array: np.ndarray) -> np.ndarray:
    array = np.array(array)
    array.flags.writeable = False
    return array


@pytest.mark.parametrize("module", ["motion.base", "motion.linear", "motion.kalman", "motion.camera"])
def test_docstring_examples_run(module: str) -> None:
    results = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted > 0 and results.failed == 0


# ---------------------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------------------


def test_registry_builds_every_model() -> None:
    assert MODELS == ["kalman", "linear"]
    for name in MODELS:
        built = get_motion_model(name)
        assert isinstance(built, MotionModel)
        assert built.name == name
    assert isinstance(get_motion_model("linear", window_seconds=1.0), ConstantVelocity)
    assert get_motion_model("kalman", measurement_std=0.1) == KalmanConstantVelocity(measurement_std=0.1)


def test_unknown_model_name_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match=r"unknown motion model 'lstm'.*\['kalman', 'linear'\]"):
        get_motion_model("lstm")


def test_unknown_parameter_lists_the_valid_parameters() -> None:
    with pytest.raises(ValueError, match=r"'linear'.*window_seconds.*got \['window'\]"):
        get_motion_model("linear", window=1.0)


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("linear", {"window_seconds": -1.0}, "window_seconds: expected >= 0"),
        ("linear", {"window_seconds": float("nan")}, "window_seconds: expected >= 0"),
        ("kalman", {"measurement_std": 0.0}, "measurement_std: expected a finite value > 0"),
        ("kalman", {"acceleration_std": float("inf")}, "acceleration_std: expected a finite value > 0"),
    ],
)
def test_bad_parameter_values(name: str, params: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        get_motion_model(name, **params)


# ---------------------------------------------------------------------------------------------------------------
# Closed-form behaviour of every model
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fps", [7.0, 30.0])
def test_constant_velocity_is_extrapolated_exactly(model: MotionModel, fps: float) -> None:
    times = sampled_times(fps, 3.0, 5.0, drop=0.3, seed=int(fps))  # uneven steps: some frames have no box
    after = np.array([5.1, 5.5, 6.0, 7.0])
    before = np.array([2.9, 2.5, 1.0])
    inside = np.array([3.3, 4.21, times[4]])
    queries = np.concatenate([after, before, inside])
    predicted = model.extrapolate(read_only(times), read_only(true_boxes(times)), read_only(queries))
    assert predicted.shape == (len(queries), 4)
    np.testing.assert_allclose(predicted, true_boxes(queries), rtol=0, atol=TOLERANCE_PX[model.name])


def test_predictions_do_not_depend_on_the_frame_rate(model: MotionModel) -> None:
    queries = np.array([1.0, 2.5, 3.7, 5.05, 6.0, 9.0])  # seconds
    predictions = []
    for fps in (7.0, 30.0):
        times = sampled_times(fps, 2.0, 5.0)
        predictions.append(model.extrapolate(times, true_boxes(times), queries))
    np.testing.assert_allclose(predictions[0], predictions[1], rtol=0, atol=2 * TOLERANCE_PX[model.name])


@pytest.mark.parametrize("fps", [7.0, 30.0])
def test_fill_gap_reproduces_constant_velocity(model: MotionModel, fps: float) -> None:
    before = sampled_times(fps, 3.0, 4.0)
    after = sampled_times(fps, 5.5, 6.5)
    gap = sampled_times(fps, 4.0, 5.5)[1:-1]
    filled = model.fill_gap(before, true_boxes(before), after, true_boxes(after), gap)
    assert filled.shape == (len(gap), 4)
    np.testing.assert_allclose(filled, true_boxes(gap), rtol=0, atol=TOLERANCE_PX[model.name])


def test_fill_gap_between_single_observations_is_linear_interpolation(model: MotionModel) -> None:
    box_before, box_after = np.array([[10.0, 20.0, 30.0, 60.0]]), np.array([[50.0, 0.0, 80.0, 60.0]])
    queries = np.array([1.25, 2.0, 2.75])  # gap from 1 s to 3 s
    filled = model.fill_gap(np.array([1.0]), box_before, np.array([3.0]), box_after, queries)
    fraction = ((queries - 1.0) / 2.0)[:, None]
    np.testing.assert_allclose(filled, (1 - fraction) * box_before + fraction * box_after, atol=1e-6)


def test_one_observation_has_zero_velocity(model: MotionModel) -> None:
    box = np.array([[10.0, 20.0, 30.0, 60.0]])
    queries = np.array([-3.0, 0.0, 1.5, 1.5 + 1e-9, 100.0])
    predicted = model.extrapolate(np.array([1.5]), box, queries)
    np.testing.assert_allclose(predicted, np.repeat(box, len(queries), axis=0), rtol=0, atol=1e-9)


def test_no_query_times_give_no_boxes(model: MotionModel) -> None:
    times = np.array([0.0, 0.1])
    assert model.extrapolate(times, true_boxes(times), np.zeros(0)).shape == (0, 4)
    filled = model.fill_gap(times[:1], true_boxes(times[:1]), times[1:], true_boxes(times[1:]), np.zeros(0))
    assert filled.shape == (0, 4)


def test_shrinking_box_keeps_a_minimum_size(model: MotionModel) -> None:
    times = np.array([0.0, 0.5, 1.0])
    boxes = np.array([[0.0, 0.0, 40.0, 100.0], [5.0, 10.0, 35.0, 90.0], [10.0, 20.0, 30.0, 80.0]])  # -20 px/s
    far = model.extrapolate(times, boxes, np.array([10.0]))
    np.testing.assert_allclose(far[0, 2:] - far[0, :2], [MIN_BOX_SIZE, MIN_BOX_SIZE])
    np.testing.assert_allclose(0.5 * (far[0, :2] + far[0, 2:]), [20.0, 50.0], atol=1e-6)  # centre kept


def test_kalman_smooths_noisy_observations() -> None:
    rng = np.random.default_rng(7)
    times = sampled_times(30.0, 0.0, 4.0)
    truth = true_boxes(times)
    noisy = truth + rng.normal(0.0, 5.0, truth.shape)  # 5 px, the model's measurement_std * h
    model = KalmanConstantVelocity()
    smoothed = model.extrapolate(times, noisy, times)
    raw_error = np.sqrt(np.mean((noisy - truth) ** 2))
    smoothed_error = np.sqrt(np.mean((smoothed - truth) ** 2))
    assert smoothed_error < 0.5 * raw_error
    ahead = model.extrapolate(times, noisy, np.array([4.5]))
    np.testing.assert_allclose(ahead, true_boxes(np.array([4.5])), atol=10.0)


# ---------------------------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------------------------

GOOD_TIMES = np.array([0.0, 0.1, 0.2])
GOOD_BOXES = true_boxes(GOOD_TIMES)


def _with(array: np.ndarray, index: tuple[int, ...], value: float) -> np.ndarray:
    changed = array.copy()
    changed[index] = value
    return changed


BAD_TRACKS = {
    "repeated time": (np.array([0.0, 0.1, 0.1]), GOOD_BOXES, r"times: expected strictly increasing.*times\[2\]"),
    "decreasing": (np.array([0.0, 0.2, 0.1]), GOOD_BOXES, "times: expected strictly increasing"),
    "no observation": (np.zeros(0), np.zeros((0, 4)), r"times: expected shape \(n,\) with n >= 1.*got shape \(0,\)"),
    "2-D times": (GOOD_TIMES[None], GOOD_BOXES, r"times: expected shape \(n,\).*got shape \(1, 3\)"),
    "5 columns": (GOOD_TIMES, np.ones((3, 5)), r"boxes_xyxy: expected shape \(3, 4\).*got shape \(3, 5\)"),
    "lengths differ": (GOOD_TIMES, GOOD_BOXES[:2], r"boxes_xyxy: expected shape \(3, 4\).*got shape \(2, 4\)"),
    "NaN time": (_with(GOOD_TIMES, (1,), np.nan), GOOD_BOXES, r"times: expected finite seconds, got times\[1\] = nan"),
    "NaN box": (GOOD_TIMES, _with(GOOD_BOXES, (2, 3), np.nan), r"boxes_xyxy\[2\]: expected finite"),
    "empty box": (GOOD_TIMES, _with(GOOD_BOXES, (0, 2), 0.0), r"boxes_xyxy\[0\]: expected a box with x2 > x1"),
}


@pytest.mark.parametrize("case", list(BAD_TRACKS))
def test_extrapolate_rejects_bad_tracks(model: MotionModel, case: str) -> None:
    times, boxes, match = BAD_TRACKS[case]
    with pytest.raises(ValueError, match=match):
        model.extrapolate(times, boxes, np.array([1.0]))


@pytest.mark.parametrize(
    ("queries", "match"),
    [
        (np.array([1.0, np.nan]), r"query_times: expected finite seconds, got query_times\[1\] = nan"),
        (np.array([[1.0]]), r"query_times: expected shape \(m,\).*got shape \(1, 1\)"),
    ],
)
def test_extrapolate_rejects_bad_query_times(model: MotionModel, queries: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        model.extrapolate(GOOD_TIMES, GOOD_BOXES, queries)


@pytest.mark.parametrize(
    ("times_after", "boxes_after", "queries", "match"),
    [
        (np.array([1.0, 1.1]), GOOD_BOXES[:2], np.array([0.2]), r"strictly inside the gap \(0.2, 1.0\).*= 0.2"),
        (np.array([1.0, 1.1]), GOOD_BOXES[:2], np.array([0.5, 1.05]), r"query_times\[1\] = 1.05"),
        (np.array([0.2, 1.1]), GOOD_BOXES[:2], np.array([0.5]), r"times_after: expected .* start after"),
        (np.array([1.0, 1.1]), GOOD_BOXES[:1], np.array([0.5]), r"boxes_after: expected shape \(2, 4\)"),
        (np.array([1.1, 1.0]), GOOD_BOXES[:2], np.array([0.5]), r"times_after: expected strictly increasing"),
        (np.array([1.0, 1.1]), GOOD_BOXES[:2], np.array([np.inf]), "query_times: expected finite"),
    ],
)
def test_fill_gap_rejects_bad_input(
    model: MotionModel, times_after: np.ndarray, boxes_after: np.ndarray, queries: np.ndarray, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        model.fill_gap(GOOD_TIMES, GOOD_BOXES, times_after, boxes_after, queries)


# ---------------------------------------------------------------------------------------------------------------
# Vectorised hot path
# ---------------------------------------------------------------------------------------------------------------


def random_tracks(seed: int, num_tracks: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``num_tracks`` tracks (1-25 observations each, uneven times near t = 1000 s) in shuffled order."""
    rng = np.random.default_rng(seed)
    index, times, boxes = [], [], []
    for track in range(num_tracks):
        count = int(rng.integers(1, 26))
        track_times = 1000.0 + rng.uniform(-50, 50) + np.cumsum(rng.integers(1, 5, count)) / rng.choice([7, 25, 30])
        centre = rng.uniform(0, 1000, 2) + rng.normal(0, 30, 2) * (track_times[:, None] - track_times[0])
        size = rng.uniform(20, 200, 2) + rng.normal(0, 5, (count, 2))
        index.append(np.full(count, track))
        times.append(track_times)
        boxes.append(np.hstack([centre - size / 2, centre + size / 2]) + rng.normal(0, 2, (count, 4)))
    order = rng.permutation(sum(len(t) for t in times))
    return np.concatenate(index)[order], np.concatenate(times)[order], np.concatenate(boxes)[order]


def polyfit_reference(times: np.ndarray, boxes: np.ndarray, window: float, at: str) -> tuple[np.ndarray, ...]:
    """One track, the slow way: np.polyfit of (cx, cy, w, h) over the window, evaluated at the reference time."""
    reference = times.max() if at == "end" else times.min()
    inside = np.abs(times - reference) <= window + 1e-9
    params = xyxy_to_cxcywh(boxes[inside])
    if inside.sum() < 2:
        return np.zeros(4), np.asarray(reference), params[0]
    slope, intercept = np.polyfit(times[inside] - reference, params, 1)
    return slope, np.asarray(reference), intercept


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("at", ["end", "start"])
@pytest.mark.parametrize("window", [0.0, 0.5, np.inf])
def test_fit_end_velocities_matches_polyfit_per_track(seed: int, at: Literal["end", "start"], window: float) -> None:
    index, times, boxes = random_tracks(seed)
    velocities, reference_times, reference_boxes = fit_end_velocities(
        read_only(index), read_only(times), read_only(boxes), 40, window, at
    )
    assert velocities.shape == (40, 4) and reference_times.shape == (40,) and reference_boxes.shape == (40, 4)
    for track in range(40):
        rows = index == track
        slope, reference, fitted = polyfit_reference(times[rows], boxes[rows], window, at)
        np.testing.assert_allclose(velocities[track], slope, rtol=1e-7, atol=1e-6)
        assert reference_times[track] == reference
        np.testing.assert_allclose(xyxy_to_cxcywh(reference_boxes[track]), fitted, rtol=1e-9, atol=1e-6)
    if window == 0:
        np.testing.assert_array_equal(velocities, 0.0)


def test_fit_end_velocities_of_exact_motion() -> None:
    times = np.concatenate([sampled_times(7.0, 0.0, 2.0), sampled_times(30.0, 1.0, 3.0)])
    index = np.repeat([0, 1], [len(times) - 61, 61])
    boxes = true_boxes(times)
    velocities, reference_times, reference_boxes = fit_end_velocities(index, times, boxes, 2, 0.5, "end")
    corner_velocity = xyxy_to_cxcywh(CORNER_VELOCITY[None])[0]  # linear map: the velocity of (cx, cy, w, h)
    np.testing.assert_allclose(velocities, [corner_velocity, corner_velocity], atol=1e-9)
    np.testing.assert_allclose(reference_times, [2.0, 3.0])
    np.testing.assert_allclose(reference_boxes, true_boxes(reference_times), atol=1e-9)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.array([0, 0, 2]), 3, 0.5, "end"), r"every track in \[0, 3\).*none for track 1"),
        ((np.array([0, 0, 3]), 3, 0.5, "end"), r"track_index: expected values in \[0, 3\), got track_index\[2\] = 3"),
        ((np.array([0.0, 0, 1]), 2, 0.5, "end"), "track_index: expected integers"),
        ((np.array([0, 0]), 1, 0.5, "end"), r"track_index: expected shape \(3,\)"),
        ((np.array([0, 0, 1]), 2, -0.5, "end"), "window_seconds: expected >= 0"),
        ((np.array([0, 0, 1]), 2, 0.5, "last"), "at: expected 'end' or 'start', got 'last'"),
    ],
)
def test_fit_end_velocities_rejects_bad_input(args: tuple, match: str) -> None:
    index, num_tracks, window, at = args
    with pytest.raises(ValueError, match=match):
        fit_end_velocities(index, GOOD_TIMES, GOOD_BOXES, num_tracks, window, at)


def test_fit_end_velocities_rejects_nan_and_shapes() -> None:
    with pytest.raises(ValueError, match=r"expected finite times and boxes, got times\[1\]"):
        fit_end_velocities([0, 0, 0], GOOD_TIMES, _with(GOOD_BOXES, (1, 0), np.nan), 1, 0.5)
    with pytest.raises(ValueError, match=r"boxes_xyxy: expected shape \(3, 4\), got shape \(3, 2\)"):
        fit_end_velocities([0, 0, 0], GOOD_TIMES, GOOD_BOXES[:, :2], 1, 0.5)


def test_extrapolate_track_ends_values() -> None:
    end_times = np.array([1.0, 2.0, 0.5])
    end_boxes = np.array([[0.0, 0.0, 10.0, 20.0], [100.0, 100.0, 140.0, 200.0], [5.0, 5.0, 7.0, 9.0]])
    velocities = np.array([[10.0, -5.0, 0.0, 0.0], [0.0, 0.0, 4.0, 10.0], [0.0, 0.0, -10.0, -10.0]])
    query_times = np.array([1.5, 0.0, 10.0])  # ahead, 2 s back, far ahead of a shrinking box
    boxes = extrapolate_track_ends(end_times, end_boxes, velocities, query_times)
    assert boxes.shape == (3, 4) and boxes.dtype == np.float64
    np.testing.assert_allclose(boxes[0], [5.0, -2.5, 15.0, 17.5])  # centre moved (+5, -2.5)
    np.testing.assert_allclose(boxes[1], [104.0, 110.0, 136.0, 190.0])  # w 40 -> 32, h 100 -> 80 around (120, 150)
    np.testing.assert_allclose(boxes[2], [6.0 - MIN_BOX_SIZE / 2, 7.0 - MIN_BOX_SIZE / 2, 6.5, 7.5])
    assert extrapolate_track_ends(np.zeros(0), np.zeros((0, 4)), np.zeros((0, 4)), np.zeros(0)).shape == (0, 4)


def test_extrapolate_track_ends_rejects_shapes() -> None:
    with pytest.raises(ValueError, match=r"velocities: expected shape \(2, 4\) \(T = 2 tracks\), got shape \(2, 2\)"):
        extrapolate_track_ends(np.zeros(2), np.ones((2, 4)), np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"query_times: expected shape \(2,\)"):
        extrapolate_track_ends(np.zeros(2), np.ones((2, 4)), np.zeros((2, 4)), np.zeros(3))


def test_linear_model_agrees_with_the_hot_path() -> None:
    index, times, boxes = random_tracks(11, num_tracks=5)
    model = ConstantVelocity(window_seconds=0.4)
    velocities, end_times, end_boxes = fit_end_velocities(index, times, boxes, 5, 0.4, "end")
    query_times = end_times + np.array([0.1, 0.5, 1.0, 2.0, 3.0])
    expected = extrapolate_track_ends(end_times, end_boxes, velocities, query_times)
    for track in range(5):
        rows = np.flatnonzero(index == track)
        rows = rows[np.argsort(times[rows])]
        got = model.extrapolate(times[rows], boxes[rows], query_times[track : track + 1])
        np.testing.assert_allclose(got[0], expected[track], atol=1e-9)


# --- joint-path residuals of two track ends (tracklet links) ------------------------------------------------------


def person(frames: np.ndarray, x: float, y: float, speed_x: float, speed_y: float = 0.0) -> np.ndarray:
    """xyxy boxes (40 x 100 px) of someone walking at constant speed in pixels per frame."""
    frames = np.asarray(frames, dtype=np.float64)
    left, top = x + speed_x * frames, y + speed_y * frames
    return np.column_stack([left, top, left + 40.0, top + 100.0])


def _end_moments(times: np.ndarray, boxes: np.ndarray, window: float, at: Literal["end", "start"]):
    reference = np.array([times.max() if at == "end" else times.min()])
    moments = end_window_moments(np.zeros(len(times), dtype=np.intp), times, boxes, reference, window, at)
    return moments, reference


def _lstsq_residual(times: np.ndarray, centres: np.ndarray) -> float:
    """Sum of squared residuals about one least-squares line per coordinate, the slow way."""
    if len(times) < 2 or np.ptp(times) == 0:
        return float(((centres - centres.mean(axis=0)) ** 2).sum())
    coefficients = np.polyfit(times, centres, 1)
    fitted = np.outer(times, coefficients[0]) + coefficients[1]
    return float(((centres - fitted) ** 2).sum())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("window", [0.3, 1.0, np.inf])
def test_joint_line_residuals_match_a_direct_least_squares_fit(seed: int, window: float) -> None:
    rng = np.random.default_rng(seed)
    fps = float(rng.choice([7.0, 14.0, 30.0]))
    frames_a = np.sort(rng.choice(np.arange(1000, 1060), size=int(rng.integers(1, 25)), replace=False))
    frames_b = frames_a.max() + 1 + np.sort(rng.choice(np.arange(0, 60), size=int(rng.integers(1, 25)), replace=False))
    boxes_a, boxes_b = (person(f, 300, 200, 1.5, 0.4) + rng.normal(0, 3, (len(f), 4)) for f in (frames_a, frames_b))
    times_a, times_b = frames_a / fps, frames_b / fps
    tail, end_time = _end_moments(times_a, boxes_a, window, "end")
    head, start_time = _end_moments(times_b, boxes_b, window, "start")
    rms, excess = joint_line_residuals(tail, end_time, head, start_time)

    in_a = times_a >= times_a.max() - window - 1e-9
    in_b = times_b <= times_b.min() + window + 1e-9
    centres = [xyxy_to_cxcywh(b)[:, :2] for b in (boxes_a[in_a], boxes_b[in_b])]
    joint = _lstsq_residual(np.r_[times_a[in_a], times_b[in_b]], np.vstack(centres))
    separate = _lstsq_residual(times_a[in_a], centres[0]) + _lstsq_residual(times_b[in_b], centres[1])
    n = in_a.sum() + in_b.sum()
    np.testing.assert_allclose(rms, [np.sqrt(joint / n)], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(excess, [np.sqrt(max(joint - separate, 0.0) / n)], rtol=1e-6, atol=1e-5)


def test_joint_line_residuals_separate_a_continuation_from_a_jump() -> None:
    fa, fb = np.arange(0, 20), np.arange(30, 50)
    tail, end_time = _end_moments(fa / 10.0, person(fa, 100, 200, 3.0), 1.0, "end")
    heads = [_end_moments(fb / 10.0, person(fb, 100, 200 + jump, 3.0), 1.0, "start")[0] for jump in (0, 20, 60)]
    start_time = np.full(3, fb[0] / 10.0)
    rms, excess = joint_line_residuals(np.vstack([tail] * 3), np.repeat(end_time, 3), np.vstack(heads), start_time)
    np.testing.assert_allclose([rms[0], excess[0]], 0.0, atol=1e-6)  # one straight walk: one line explains both
    assert 0.1 < rms[1] < rms[2]  # a step off the path leaves a residual that grows with the step
    np.testing.assert_allclose(excess, rms, atol=1e-6)  # each part alone is an exact line: all residual is the join


def test_end_window_moments_rejects_unknown_end() -> None:
    with pytest.raises(ValueError, match="'end' or 'start'"):
        end_window_moments(np.zeros(1, dtype=np.intp), np.zeros(1), np.ones((1, 4)), np.zeros(1), 1.0, "middle")  # type: ignore[arg-type]
