"""Constant-velocity Kalman filter and Rauch-Tung-Striebel smoother on ``(cx, cy, w, h)``, with time in seconds.

State ``x = (cx, cy, w, h, vcx, vcy, vw, vh)``: box centre, width and height in pixels (see :mod:`motion.base`) and
their velocities in pixels per second. Measurement ``z = (cx, cy, w, h)`` of an observed box. Between two steps
``dt`` seconds apart (any ``dt``: observations need not be evenly spaced, and frame rates differ)::

    x' = F(dt) x                 F(dt) = [[I, dt I], [0, I]]                    (constant velocity)
    P' = F P F^T + Q(dt)         Q(dt) = q * [[dt^3/3, dt^2/2], [dt^2/2, dt]]    per coordinate

``Q`` is the exact discretisation of continuous white-noise acceleration with spectral density ``q`` (Bar-Shalom,
Li and Kirubarajan, "Estimation with Applications to Tracking and Navigation", 2001, chapter 6): one step of
``2 dt`` equals two steps of ``dt``, so the filter means the same at 7 and at 30 fps. As in SORT and deep_sort the
noise scales with the box height ``h`` (a near, large person moves more pixels than a far, small one):
``q = (acceleration_std * h)^2`` for ``cx, cy`` and ``(size_acceleration_std * h)^2`` for ``w, h``, with ``h``
the height of the current estimate; each measured coordinate has standard deviation ``measurement_std * h`` with
``h`` the measured height.

Initialisation: the state at the first observation is that box, with the velocity of two-point differencing
``(z_1 - z_0) / (t_1 - t_0)`` of the first two observations (ibid., chapter 5; 0 for a single observation) and a
velocity standard deviation of ``initial_velocity_std * h``. The default, 100 box heights per second, makes the prior
practically diffuse: its information on the velocity, ``1 / (100 h)^2``, is ``2 (measurement_std / (100 dt))^2``
(below 1e-3 at 30 fps) of what the first two observations bring, and shrinks as observations accumulate, so the
velocity comes from the data and reusing ``z_1`` for the prior mean is immaterial. Centring the prior on the data
rather than on 0 makes a box at constant velocity reproduce exactly (every innovation is zero) where a zero-mean
prior would bias the velocity towards 0 by about that fraction; keeping it finite keeps the covariances well
conditioned for the smoother's inverses.

Uses: :meth:`KalmanConstantVelocity.extrapolate` filters forward over the observations and predicts to query times
after the last one; for query times before the first observation it filters the time-reversed track (the model is
symmetric in time); query times within the observed span get smoothed states. :meth:`KalmanConstantVelocity.
fill_gap` filters forward over the piece before the gap, predicts through the gap (a prediction-only step at each
query time), updates with the piece after it, and runs the RTS smoother (filterpy's ``rts_smoother``) backwards, so
the state at a query time uses both pieces; it returns the smoothed boxes at the query times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from filterpy.kalman import KalmanFilter
from numpy.typing import ArrayLike, NDArray

from motion.base import MIN_BOX_SIZE, check_gap, check_query_times, check_track, cxcywh_to_xyxy, xyxy_to_cxcywh

__all__ = ["KalmanConstantVelocity", "constant_velocity_noise", "constant_velocity_transition"]

FloatArray = NDArray[np.float64]

_MEASUREMENT_MATRIX = np.hstack([np.eye(4), np.zeros((4, 4))])


def constant_velocity_transition(dt: float) -> FloatArray:
    """(8, 8) transition ``F(dt)`` of ``(cx, cy, w, h, vcx, vcy, vw, vh)`` over ``dt`` seconds (any sign)."""
    transition = np.eye(8)
    transition[:4, 4:] = dt * np.eye(4)
    return transition


def constant_velocity_noise(dt: float, spectral_density: ArrayLike) -> FloatArray:
    """(8, 8) process noise ``Q(dt)`` of continuous white-noise acceleration over ``dt >= 0`` seconds.

    Args:
        dt: step in seconds.
        spectral_density: (4,) ``q`` of ``(cx, cy, w, h)`` in pixels^2 / s^3 (a velocity variance, pixels^2/s^2,
            gained per second).

    Returns:
        Per coordinate ``q * [[dt^3/3, dt^2/2], [dt^2/2, dt]]`` in the (position, velocity) block.

    >>> q = np.array([1.0, 2.0, 3.0, 4.0])
    >>> F, Q = constant_velocity_transition(0.5), constant_velocity_noise(0.5, q)
    >>> bool(np.allclose(F @ Q @ F.T + Q, constant_velocity_noise(1.0, q)))  # two half steps = one step
    True
    """
    q = np.diag(np.asarray(spectral_density, dtype=np.float64))
    noise = np.empty((8, 8))
    noise[:4, :4] = q * dt**3 / 3.0
    noise[:4, 4:] = noise[4:, :4] = q * dt**2 / 2.0
    noise[4:, 4:] = q * dt
    return noise


@dataclass(frozen=True)
class KalmanConstantVelocity:
    """Constant-velocity Kalman filter / RTS smoother with filterpy (registry name ``"kalman"``); see the module doc.

    Attributes:
        measurement_std: standard deviation of each measured coordinate ``(cx, cy, w, h)`` as a fraction of the
            box height (unitless; deep_sort's 1/20): ``measurement_std * h`` pixels.
        acceleration_std: white-noise acceleration of the centre, in box heights per second^1.5: over ``dt``
            seconds the velocity's standard deviation grows by ``acceleration_std * h * sqrt(dt)`` pixels per
            second (so about ``acceleration_std`` box heights per second over one second).
        size_acceleration_std: the same for the width and height (box heights per second^1.5).
        initial_velocity_std: prior standard deviation of the velocity at the first observation, in box heights per
            second, around the two-point velocity; the large default makes the prior practically diffuse.

    >>> import numpy as np
    >>> model = KalmanConstantVelocity()
    >>> times = np.array([0.0, 0.1, 0.2])  # seconds
    >>> boxes = np.array([[0, 0, 10, 20], [1, 0, 11, 20], [2, 0, 12, 20.0]])  # 10 pixels per second to the right
    >>> model.extrapolate(times, boxes, np.array([1.2])).round(6).tolist()
    [[12.0, 0.0, 22.0, 20.0]]
    """

    measurement_std: float = 0.05
    acceleration_std: float = 0.5
    size_acceleration_std: float = 0.1
    initial_velocity_std: float = 100.0
    name = "kalman"

    def __post_init__(self) -> None:
        """Reject non-positive or non-finite noise levels."""
        for label in ("measurement_std", "acceleration_std", "size_acceleration_std", "initial_velocity_std"):
            value = getattr(self, label)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{label}: expected a finite value > 0 (box heights), got {value!r}")

    # -- model matrices --------------------------------------------------------------------------------------------

    def _measurement_noise(self, height: float) -> FloatArray:
        """(4, 4) ``R`` in pixels^2 for a box of ``height`` pixels."""
        return np.eye(4) * (self.measurement_std * max(height, MIN_BOX_SIZE)) ** 2

    def _process_noise(self, dt: float, height: float) -> FloatArray:
        """(8, 8) ``Q`` over ``dt`` seconds for a box of ``height`` pixels."""
        h = max(height, MIN_BOX_SIZE)
        centre, size = (self.acceleration_std * h) ** 2, (self.size_acceleration_std * h) ** 2
        return constant_velocity_noise(dt, [centre, centre, size, size])

    def _new_filter(self, step_times: FloatArray, measurements: FloatArray) -> KalmanFilter:
        """A filterpy filter at the first measurement, with the two-point velocity and a diffuse velocity prior."""
        measured = np.flatnonzero(np.isfinite(measurements).all(axis=1))
        first = measurements[measured[0]]
        velocity = np.zeros(4)
        if len(measured) > 1:
            second = measured[1]
            velocity = (measurements[second] - first) / (step_times[second] - step_times[measured[0]])
        kf = KalmanFilter(dim_x=8, dim_z=4)
        kf.H = _MEASUREMENT_MATRIX.copy()
        kf.x = np.concatenate([first, velocity])[:, None]
        velocity_variance = (self.initial_velocity_std * max(first[3], MIN_BOX_SIZE)) ** 2
        kf.P = np.diag(np.concatenate([np.diag(self._measurement_noise(first[3])), np.full(4, velocity_variance)]))
        return kf

    # -- filtering and smoothing -----------------------------------------------------------------------------------

    def _filter(
        self, step_times: FloatArray, measurements: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Forward Kalman filter over steps; a NaN row of ``measurements`` is a prediction-only step.

        Args:
            step_times: (S,) strictly increasing seconds.
            measurements: (S, 4) ``(cx, cy, w, h)``; row 0 must be a measurement.

        Returns:
            ``(Xs (S, 8), Ps (S, 8, 8), Fs (S, 8, 8), Qs (S, 8, 8))``: filtered means and covariances, and the
            transition and noise used to reach each step (identity and zero for step 0), as filterpy's
            ``rts_smoother`` expects them.
        """
        steps = len(step_times)
        means, covariances = np.empty((steps, 8)), np.empty((steps, 8, 8))
        transitions, noises = np.empty((steps, 8, 8)), np.empty((steps, 8, 8))
        kf = self._new_filter(step_times, measurements)
        transitions[0], noises[0] = np.eye(8), np.zeros((8, 8))
        means[0], covariances[0] = kf.x[:, 0], kf.P
        for k in range(1, steps):
            dt = float(step_times[k] - step_times[k - 1])
            transitions[k] = constant_velocity_transition(dt)
            noises[k] = self._process_noise(dt, float(kf.x[3, 0]))
            kf.predict(F=transitions[k], Q=noises[k])  # x = F x;  P = F P F^T + Q
            z = measurements[k]
            if np.isfinite(z).all():
                kf.update(z, R=self._measurement_noise(float(z[3])))  # x += K (z - H x);  Joseph-form P
            means[k], covariances[k] = kf.x[:, 0], kf.P
        return means, covariances, transitions, noises

    def _last_state(self, times: FloatArray, params: FloatArray) -> FloatArray:
        """(8,) filtered state at ``times[-1]`` from all observations ``params`` ((n, 4) cx, cy, w, h)."""
        means, _, _, _ = self._filter(times, params)
        return means[-1]

    def _smooth(self, times: FloatArray, params: FloatArray, query_times: FloatArray) -> FloatArray:
        """(m, 4) RTS-smoothed ``(cx, cy, w, h)`` at ``query_times`` within ``[times[0], times[-1]]``."""
        step_times = np.union1d(times, query_times)
        measurements = np.full((len(step_times), 4), np.nan)
        measurements[np.searchsorted(step_times, times)] = params
        means, covariances, transitions, noises = self._filter(step_times, measurements)
        smoother = KalmanFilter(dim_x=8, dim_z=4)
        smoothed, _, _, _ = smoother.rts_smoother(means, covariances, transitions, noises)
        return np.asarray(smoothed)[np.searchsorted(step_times, query_times), :4]

    # -- MotionModel -----------------------------------------------------------------------------------------------

    def extrapolate(
        self, times: NDArray[np.float64], boxes_xyxy: NDArray[np.float64], query_times: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Boxes (m, 4) xyxy at ``query_times`` (seconds, anywhere); see the module docstring and MotionModel."""
        time_array, boxes = check_track(times, boxes_xyxy)
        queries = check_query_times(query_times)
        params = xyxy_to_cxcywh(boxes)
        result = np.empty((len(queries), 4))
        after, before = queries > time_array[-1], queries < time_array[0]
        inside = ~(after | before)
        if inside.any():
            result[inside] = self._smooth(time_array, params, queries[inside])
        if after.any():
            state = self._last_state(time_array, params)
            result[after] = state[:4] + state[4:] * (queries[after] - time_array[-1])[:, None]
        if before.any():  # the reversed track: time -t, so its velocity is minus ours
            state = self._last_state(-time_array[::-1], params[::-1])
            result[before] = state[:4] + state[4:] * (time_array[0] - queries[before])[:, None]
        return cxcywh_to_xyxy(result)

    def fill_gap(
        self,
        times_before: NDArray[np.float64],
        boxes_before: NDArray[np.float64],
        times_after: NDArray[np.float64],
        boxes_after: NDArray[np.float64],
        query_times: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """RTS-smoothed boxes (m, 4) xyxy inside the gap, from both pieces; see the module docstring."""
        t_before, b_before, t_after, b_after, queries = check_gap(
            times_before, boxes_before, times_after, boxes_after, query_times
        )
        times = np.concatenate([t_before, t_after])
        params = xyxy_to_cxcywh(np.concatenate([b_before, b_after]))
        return cxcywh_to_xyxy(self._smooth(times, params, queries))
