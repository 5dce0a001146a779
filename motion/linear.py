"""Constant-velocity motion by least squares: a per-track model and vectorised helpers for the tracker's hot path.

Velocities here are always the velocity of ``(cx, cy, w, h)`` (centre, width, height; see :mod:`motion.base`) in
PIXELS PER SECOND. The map from ``xyxy`` is linear, so a least-squares line through ``(cx, cy, w, h)`` is the
least-squares line through the corners, mapped.

The hot-path pair works on all tracks at once, with grouped sums instead of a Python loop per track:

* :func:`fit_end_velocities` fits a line per track to its observations near the end (or start) of the track;
* :func:`extrapolate_track_ends` moves each track's reference box along its velocity to one query time per track.

Example (two tracks, the rows in any order):
    >>> import numpy as np
    >>> track_index = np.array([0, 1, 0, 1, 0])
    >>> times = np.array([0.0, 0.0, 0.1, 0.1, 0.2])  # seconds
    >>> boxes = np.array([[0, 0, 10, 10], [50, 50, 60, 70], [1, 0, 11, 10], [50, 52, 60, 72], [2, 0, 12, 10.0]])
    >>> velocities, ref_times, ref_boxes = fit_end_velocities(track_index, times, boxes, 2, window_seconds=1.0)
    >>> velocities.round(6).tolist()  # (vcx, vcy, vw, vh) pixels per second
    [[10.0, 0.0, 0.0, 0.0], [0.0, 20.0, 0.0, 0.0]]
    >>> extrapolate_track_ends(ref_times, ref_boxes, velocities, np.array([1.2, 0.6])).round(6).tolist()
    [[12.0, 0.0, 22.0, 10.0], [50.0, 62.0, 60.0, 82.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from motion.base import check_gap, check_query_times, check_track, cxcywh_to_xyxy, xyxy_to_cxcywh

__all__ = [
    "ConstantVelocity",
    "end_window_moments",
    "extrapolate_track_ends",
    "fit_end_velocities",
    "interpolate_boxes",
    "joint_line_residuals",
]

FloatArray = NDArray[np.float64]

#: Slack (seconds) on the window boundary, so that ``frame / fps`` rounding never drops the boundary observation.
WINDOW_SLACK_SECONDS = 1e-9


def _grouped_sum(index: NDArray[np.intp], values: FloatArray, num_groups: int) -> FloatArray:
    """Sum of ``values`` ((N,) or (N, k)) per group ``index`` ((N,) in [0, num_groups)); (G,) or (G, k)."""
    columns = values[:, None] if values.ndim == 1 else values
    sums = np.stack([np.bincount(index, weights=column, minlength=num_groups) for column in columns.T], axis=1)
    return np.asarray(sums[:, 0] if values.ndim == 1 else sums, dtype=np.float64)


def _in_end_window(offset: FloatArray, window_seconds: float, at: Literal["end", "start"]) -> NDArray[np.bool_]:
    """Observations within ``window_seconds`` (plus slack) of their track's reference time; ``offset = t - t_ref``."""
    slack = window_seconds + WINDOW_SLACK_SECONDS
    return offset >= -slack if at == "end" else offset <= slack


def _track_index(track_index: ArrayLike, length: int, num_tracks: int) -> NDArray[np.intp]:
    raw = np.asarray(track_index)
    if raw.shape != (length,):
        raise ValueError(f"track_index: expected shape ({length},) (one per observation), got shape {raw.shape}")
    if length and raw.dtype.kind not in "iu":
        raise ValueError(f"track_index: expected integers, got dtype {raw.dtype}")
    out_of_range = np.flatnonzero((raw < 0) | (raw >= num_tracks))
    if len(out_of_range):
        k = int(out_of_range[0])
        raise ValueError(f"track_index: expected values in [0, {num_tracks}), got track_index[{k}] = {raw[k]}")
    return raw.astype(np.intp)


def fit_end_velocities(
    track_index: ArrayLike,
    times: ArrayLike,
    boxes_xyxy: ArrayLike,
    num_tracks: int,
    window_seconds: float,
    at: Literal["end", "start"] = "end",
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Least-squares constant velocity of every track near its end (or start), vectorised over tracks.

    For each track ``j``, with ``t_ref`` its last observation time (``at="end"``) or its first (``at="start"``),
    the observations with ``|t - t_ref| <= window_seconds`` (plus :data:`WINDOW_SLACK_SECONDS`) are fitted with
    a line per coordinate of ``(cx, cy, w, h)``::

        slope = cov(t, x) / var(t),   x(t_ref) = mean(x) + slope * (t_ref - mean(t))

    computed with centred grouped sums (``np.bincount``), no loop over tracks. A track with a single observation in
    its window (``var(t) = 0``) gets velocity 0. The reference box is the FITTED box at ``t_ref`` (smoothed over the
    window), not the raw observation.

    Args:
        track_index: (N,) int track of each observation, in ``[0, num_tracks)``; every track must occur.
        times: (N,) finite seconds; rows may come in any order, but a track must not repeat a time.
        boxes_xyxy: (N, 4) xyxy float64 pixels, finite.
        num_tracks: T, the number of tracks.
        window_seconds: >= 0 (``inf`` uses every observation); 0 gives velocity 0.
        at: ``"end"`` to fit the last ``window_seconds`` of each track, ``"start"`` for the first.

    Returns:
        ``(velocities, reference_times, reference_boxes)``: (T, 4) float64 velocity of ``(cx, cy, w, h)`` in pixels
        per second; (T,) float64 ``t_ref`` in seconds; (T, 4) xyxy float64 fitted boxes at ``t_ref``.

    Raises:
        ValueError: on bad shapes, non-finite values, track indices out of range, a track without observations,
            a negative or NaN window or an unknown ``at``.
    """
    if at not in ("end", "start"):
        raise ValueError(f"at: expected 'end' or 'start', got {at!r}")
    if not window_seconds >= 0:  # also rejects NaN
        raise ValueError(f"window_seconds: expected >= 0 seconds, got {window_seconds!r}")
    if int(num_tracks) != num_tracks or num_tracks < 0:
        raise ValueError(f"num_tracks: expected an int >= 0, got {num_tracks!r}")
    num_tracks = int(num_tracks)
    time_array = np.asarray(times, dtype=np.float64)
    if time_array.ndim != 1:
        raise ValueError(f"times: expected shape (N,) (seconds), got shape {time_array.shape}")
    boxes = np.asarray(boxes_xyxy, dtype=np.float64)
    if boxes.shape != (len(time_array), 4):
        raise ValueError(f"boxes_xyxy: expected shape ({len(time_array)}, 4), got shape {boxes.shape}")
    index = _track_index(track_index, len(time_array), num_tracks)
    not_finite = np.flatnonzero(~(np.isfinite(time_array) & np.isfinite(boxes).all(axis=1)))
    if len(not_finite):
        k = int(not_finite[0])
        raise ValueError(
            "expected finite times and boxes, "
            f"got times[{k}] = {float(time_array[k])!r}, boxes_xyxy[{k}] = {boxes[k].tolist()}"
        )
    counts = np.bincount(index, minlength=num_tracks)
    if num_tracks and counts.min() == 0:
        raise ValueError(
            f"track_index: expected every track in [0, {num_tracks}) to have an observation, "
            f"got none for track {int(np.argmin(counts))}"
        )

    # The reference time of each track and the observations within the window of it.
    reference_times = np.full(num_tracks, -np.inf if at == "end" else np.inf)
    (np.maximum if at == "end" else np.minimum).at(reference_times, index, time_array)
    inside = _in_end_window(time_array - reference_times[index], window_seconds, at)
    index, t, x = index[inside], time_array[inside], xyxy_to_cxcywh(boxes[inside])

    # Centred grouped sums: stable even for large absolute times.
    n = np.bincount(index, minlength=num_tracks).astype(np.float64)
    n_safe = np.maximum(n, 1.0)  # only for num_tracks with an empty window, which cannot happen (t_ref is inside)
    mean_t = _grouped_sum(index, t, num_tracks) / n_safe
    mean_x = _grouped_sum(index, x, num_tracks) / n_safe[:, None]
    dt = t - mean_t[index]
    var_t = _grouped_sum(index, dt * dt, num_tracks)
    cov_tx = _grouped_sum(index, dt[:, None] * (x - mean_x[index]), num_tracks)
    moving = var_t > 0
    velocities = np.zeros((num_tracks, 4))
    velocities[moving] = cov_tx[moving] / var_t[moving, None]
    reference_params = mean_x + velocities * (reference_times - mean_t)[:, None]
    return velocities, reference_times, cxcywh_to_xyxy(reference_params)


#: Columns of :func:`end_window_moments`: sums over a window's observations, ``t`` relative to the reference time.
MOMENT_COLUMNS = ("n", "t", "tt", "cx", "cy", "t_cx", "t_cy", "cx_cx_plus_cy_cy")


def end_window_moments(
    track_index: NDArray[np.intp], times: FloatArray, boxes_xyxy: FloatArray, reference_times: FloatArray,
    window_seconds: float, at: Literal["end", "start"],
) -> FloatArray:  # fmt: skip
    """Sufficient statistics of each track's centre path near one end, for :func:`joint_line_residuals`.

    Sums (columns :data:`MOMENT_COLUMNS`) over the observations within ``window_seconds`` of ``reference_times``
    (the track's last time for ``at="end"``, its first for ``at="start"``), with times relative to it. Lines through
    the union of two windows follow from the summed statistics, so every candidate pair is scored without touching
    the observations again.

    Args:
        track_index: (N,) int track of each observation in ``[0, T)``.
        times: (N,) seconds. boxes_xyxy: (N, 4) xyxy pixels.
        reference_times: (T,) seconds: each track's last (``"end"``) or first (``"start"``) observation time.
        window_seconds: >= 0.
        at: which end.

    Returns:
        (T, 8) float64.
    """
    if at not in ("end", "start"):
        raise ValueError(f"at: expected 'end' or 'start', got {at!r}")
    count = len(reference_times)
    offset = times - reference_times[track_index]
    inside = _in_end_window(offset, window_seconds, at)
    index, dt = track_index[inside], offset[inside]
    cx = 0.5 * (boxes_xyxy[inside, 0] + boxes_xyxy[inside, 2])
    cy = 0.5 * (boxes_xyxy[inside, 1] + boxes_xyxy[inside, 3])
    columns = (np.ones(len(dt)), dt, dt * dt, cx, cy, dt * cx, dt * cy, cx * cx + cy * cy)
    return np.stack([np.bincount(index, weights=c, minlength=count) for c in columns], axis=1)


def _recentre(moments: FloatArray, shift: FloatArray) -> FloatArray:
    """Moments with times measured from ``reference + shift`` instead of ``reference`` (per row)."""
    out = moments.copy()
    n, st, sx, sy = moments[:, 0], moments[:, 1], moments[:, 3], moments[:, 4]
    out[:, 1] = st - shift * n
    out[:, 2] = moments[:, 2] - 2 * shift * st + shift * shift * n
    out[:, 5] = moments[:, 5] - shift * sx
    out[:, 6] = moments[:, 6] - shift * sy
    return out


def _line_residual(moments: FloatArray) -> FloatArray:
    """Sum of squared centre residuals about the least-squares line ``centre(t)`` of each row's points."""
    n = np.maximum(moments[:, 0], 1.0)
    var_t = moments[:, 2] - moments[:, 1] ** 2 / n
    cov = moments[:, 5:7] - moments[:, 1:2] * moments[:, 3:5] / n[:, None]
    spread = moments[:, 7] - (moments[:, 3] ** 2 + moments[:, 4] ** 2) / n
    sloped = var_t > 1e-12 * np.maximum(moments[:, 2], 1.0)
    explained = np.where(sloped, (cov**2).sum(axis=1) / np.where(sloped, var_t, 1.0), 0.0)
    return np.maximum(spread - explained, 0.0)


def joint_line_residuals(
    end_moments: FloatArray, end_times: FloatArray, start_moments: FloatArray, start_times: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """How well ONE constant-velocity path explains both an earlier track's tail and a later track's head.

    Row ``k`` joins the window summarised by ``end_moments[k]`` (times relative to ``end_times[k]``) with the one
    summarised by ``start_moments[k]`` (relative to ``start_times[k]``), both from :func:`end_window_moments`.

    Returns:
        ``(rms, excess)``, (E,) pixels: the root-mean-square centre residual about the joint line, and the part of
        it that two separate lines would not need, ``sqrt((SSR_joint - SSR_tail - SSR_head) / n)``. A true
        continuation lies on one smooth path: both stay near the detection noise.
    """
    centre = 0.5 * (end_times + start_times)
    tail = _recentre(end_moments, centre - end_times)
    head = _recentre(start_moments, centre - start_times)
    joint = _line_residual(tail + head)
    separate = _line_residual(tail) + _line_residual(head)
    n = np.maximum(tail[:, 0] + head[:, 0], 1.0)
    return np.sqrt(joint / n), np.sqrt(np.maximum(joint - separate, 0.0) / n)


def extrapolate_track_ends(
    end_times: ArrayLike, end_boxes: ArrayLike, velocities: ArrayLike, query_times: ArrayLike
) -> FloatArray:
    """Move each track's box at constant velocity to its own query time, vectorised over tracks.

    ``box_j = (cx, cy, w, h)(end_boxes[j]) + velocities[j] * (query_times[j] - end_times[j])``, converted back to
    xyxy; a width or height below :data:`motion.base.MIN_BOX_SIZE` is raised to it. Query times may lie before the
    reference time (e.g. with the ``at="start"`` fit of :func:`fit_end_velocities`).

    Args:
        end_times: (T,) reference seconds, e.g. ``reference_times`` of :func:`fit_end_velocities`.
        end_boxes: (T, 4) xyxy float64 pixels at ``end_times``.
        velocities: (T, 4) velocity of ``(cx, cy, w, h)`` in pixels per second.
        query_times: (T,) seconds, one per track.

    Returns:
        (T, 4) xyxy float64 boxes.

    Raises:
        ValueError: when the shapes do not agree; values are not checked (NaN in, NaN out) to keep the hot path lean.
    """
    t_end = np.asarray(end_times, dtype=np.float64)
    if t_end.ndim != 1:
        raise ValueError(f"end_times: expected shape (T,), got shape {t_end.shape}")
    count = len(t_end)
    arrays = {
        "end_boxes": (np.asarray(end_boxes, dtype=np.float64), (count, 4)),
        "velocities": (np.asarray(velocities, dtype=np.float64), (count, 4)),
        "query_times": (np.asarray(query_times, dtype=np.float64), (count,)),
    }
    for name, (array, shape) in arrays.items():
        if array.shape != shape:
            raise ValueError(f"{name}: expected shape {shape} (T = {count} tracks), got shape {array.shape}")
    boxes, speed, queries = (array for array, _ in arrays.values())
    params = xyxy_to_cxcywh(boxes) + speed * (queries - t_end)[:, None]
    return cxcywh_to_xyxy(params)


def interpolate_boxes(times: FloatArray, boxes_xyxy: FloatArray, query_times: FloatArray) -> FloatArray:
    """Piecewise-linear interpolation of a track's boxes at query times inside ``[times[0], times[-1]]``.

    Args:
        times: (n,) strictly increasing seconds.
        boxes_xyxy: (n, 4) xyxy pixels.
        query_times: (m,) seconds within the observed span (outside it, the end boxes are repeated).

    Returns:
        (m, 4) xyxy float64; linear in xyxy, which is linear in ``(cx, cy, w, h)``.
    """
    return np.stack([np.interp(query_times, times, boxes_xyxy[:, k]) for k in range(4)], axis=1)


@dataclass(frozen=True)
class ConstantVelocity:
    """Constant velocity fitted by least squares to the observations nearest the query (registry name ``"linear"``).

    * :meth:`extrapolate`: a query after the last observation moves the fitted box at the track's end along the
      least-squares velocity of the last ``window_seconds`` of observations (exactly :func:`fit_end_velocities`
      then :func:`extrapolate_track_ends`, the tracker's hot path); a query before the first observation does
      the same with the first ``window_seconds``; a query within the observed span is linearly interpolated
      between the observations on both sides (so at an observation time it returns that observation; just after
      the last one it returns the smoothed fit, which may differ from the raw last box by the fit's residual).
    * :meth:`fill_gap`: linear interpolation between the last box before the gap and the first box after it, what
      the MOT community calls "linear interpolation" of missed detections (e.g. the post-processing of ByteTrack
      and StrongSORT). The velocity over the gap is ``(first_after - last_before) / gap``, which uses both
      sides instead of extrapolating one.

    Attributes:
        window_seconds: length in seconds of the track-end (and track-start) window fitted by :meth:`extrapolate`;
            >= 0, ``inf`` fits the whole track, 0 (or a single observation in the window) gives velocity 0.

    >>> import numpy as np
    >>> model = ConstantVelocity(window_seconds=0.5)
    >>> model.fill_gap(np.array([0.0]), np.array([[0.0, 0, 10, 10]]), np.array([2.0]), np.array([[4.0, 0, 14, 10]]),
    ...                np.array([0.5, 1.0])).tolist()
    [[1.0, 0.0, 11.0, 10.0], [2.0, 0.0, 12.0, 10.0]]
    """

    window_seconds: float = 0.5
    name = "linear"

    def __post_init__(self) -> None:
        """Reject a negative or NaN window."""
        if not float(self.window_seconds) >= 0:
            raise ValueError(f"window_seconds: expected >= 0 seconds, got {self.window_seconds!r}")

    def extrapolate(
        self, times: NDArray[np.float64], boxes_xyxy: NDArray[np.float64], query_times: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Boxes (m, 4) xyxy at ``query_times`` (seconds, anywhere); see the class docstring and MotionModel."""
        time_array, boxes = check_track(times, boxes_xyxy)
        queries = check_query_times(query_times)
        result = np.empty((len(queries), 4))
        inside = (queries >= time_array[0]) & (queries <= time_array[-1])
        result[inside] = interpolate_boxes(time_array, boxes, queries[inside])
        sides: tuple[tuple[Literal["end", "start"], NDArray[np.bool_]], ...] = (
            ("end", queries > time_array[-1]),
            ("start", queries < time_array[0]),
        )
        for at, side in sides:
            if side.any():
                single_track = np.zeros(len(time_array), dtype=np.intp)
                velocity, reference_time, reference_box = fit_end_velocities(
                    single_track, time_array, boxes, 1, self.window_seconds, at
                )
                count = int(side.sum())
                result[side] = extrapolate_track_ends(
                    np.repeat(reference_time, count),
                    np.repeat(reference_box, count, axis=0),
                    np.repeat(velocity, count, axis=0),
                    queries[side],
                )
        return result

    def fill_gap(
        self,
        times_before: NDArray[np.float64],
        boxes_before: NDArray[np.float64],
        times_after: NDArray[np.float64],
        boxes_after: NDArray[np.float64],
        query_times: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """Linear interpolation (m, 4) xyxy between ``boxes_before[-1]`` and ``boxes_after[0]``; see MotionModel."""
        t_before, b_before, t_after, b_after, queries = check_gap(
            times_before, boxes_before, times_after, boxes_after, query_times
        )
        fraction = ((queries - t_before[-1]) / (t_after[0] - t_before[-1]))[:, None]
        return (1.0 - fraction) * b_before[-1] + fraction * b_after[0]
