"""The motion-model protocol, the box parametrisation models work in, input checks and the name -> model registry.

A motion model answers two questions about ONE track, given its observations (times in seconds, boxes ``xyxy``
float64 pixels):

* :meth:`MotionModel.extrapolate`: where is the object at other times (after the last observation to continue a
  track, before the first one to extend it backwards, or in between)?
* :meth:`MotionModel.fill_gap`: where was it while it was not observed, between two observed pieces of the track?

Models are stateless: every call gets the whole evidence and returns boxes, so a least-squares model, a Kalman
filter and a learned model sit behind the same two calls, and the tracker keeps the state on its tracks.

Time is in SECONDS, never frames: frame rates of the sequences we track differ (7 to 30 fps), and a velocity in
pixels per second (and a noise level per second) means the same on all of them. Callers convert 0-based frames with
``frame / fps``.

Box parametrisation: ``(cx, cy, w, h)``, the centre, width and height in pixels (:func:`xyxy_to_cxcywh`). It is a
LINEAR, invertible map of ``xyxy``, so

* a box whose corners move at constant velocity moves at constant velocity in ``(cx, cy, w, h)`` too, and a
  constant-velocity model reproduces it exactly (with SORT's area/aspect or deep_sort's aspect/height it would
  not: the aspect ``w / h`` of a growing box is not linear in time);
* linear interpolation in ``(cx, cy, w, h)`` is linear interpolation of the corners, the MOT community's
  "linear interpolation";
* least-squares fits and Kalman means in ``(cx, cy, w, h)`` map to the same fits of ``xyxy``.

The one non-linearity is at the way back: an extrapolated width or height below :data:`MIN_BOX_SIZE` pixels (a
shrinking box extrapolated far) is raised to it, keeping the centre, so every returned box is valid.

Example:
    >>> import numpy as np
    >>> model = get_motion_model("linear")
    >>> times = np.array([0.0, 0.5, 1.0])  # seconds
    >>> boxes = np.array([[0, 0, 10, 20], [5, 0, 15, 20], [10, 0, 20, 20]], dtype=float)  # 10 px/s to the right
    >>> model.extrapolate(times, boxes, np.array([2.0, -1.0])).tolist()
    [[20.0, 0.0, 30.0, 20.0], [-10.0, 0.0, 0.0, 20.0]]
"""

from __future__ import annotations

import importlib
import inspect
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mot.types import first_invalid_box

__all__ = [
    "MIN_BOX_SIZE",
    "MotionModel",
    "available_motion_models",
    "check_gap",
    "check_query_times",
    "check_track",
    "cxcywh_to_xyxy",
    "get_motion_model",
    "xyxy_to_cxcywh",
]

FloatArray = NDArray[np.float64]

#: Smallest width and height (pixels) of a box a motion model returns; smaller extrapolated sizes are raised to it.
MIN_BOX_SIZE = 1.0


@runtime_checkable
class MotionModel(Protocol):
    """Predicts the boxes of one track at query times from its observed boxes.

    Attributes:
        name: the registry name (:func:`get_motion_model`).
    """

    name: str

    def extrapolate(
        self, times: NDArray[np.float64], boxes_xyxy: NDArray[np.float64], query_times: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Boxes of one track at ``query_times``.

        Args:
            times: (n,) observation times in seconds, n >= 1, finite and strictly increasing.
            boxes_xyxy: (n, 4) observed boxes, xyxy float64 pixels.
            query_times: (m,) seconds in any order: before the first observation, after the last, or anywhere.

        Returns:
            (m, 4) xyxy float64 boxes, a new array.

        Raises:
            ValueError: on a shape, ordering or non-finite value; the message names what was expected and got.
        """
        ...

    def fill_gap(
        self,
        times_before: NDArray[np.float64],
        boxes_before: NDArray[np.float64],
        times_after: NDArray[np.float64],
        boxes_after: NDArray[np.float64],
        query_times: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """Boxes at ``query_times`` strictly inside the gap between two observed pieces of one track.

        Args:
            times_before: (n,) seconds of the piece before the gap, n >= 1, strictly increasing.
            boxes_before: (n, 4) xyxy pixels.
            times_after: (k,) seconds of the piece after the gap, k >= 1, strictly increasing, all after
                ``times_before[-1]``.
            boxes_after: (k, 4) xyxy pixels.
            query_times: (m,) seconds with ``times_before[-1] < query_times < times_after[0]``.

        Returns:
            (m, 4) xyxy float64 boxes.

        Raises:
            ValueError: on bad shapes, order, non-finite values or query times outside the gap.
        """
        ...


# ---------------------------------------------------------------------------------------------------------------
# Box parametrisation
# ---------------------------------------------------------------------------------------------------------------


def xyxy_to_cxcywh(boxes_xyxy: ArrayLike) -> FloatArray:
    """``(x1, y1, x2, y2)`` rows -> ``(cx, cy, w, h)`` rows (centre, width, height in pixels), a new (N, 4) array.

    >>> xyxy_to_cxcywh([[10, 20, 30, 60]]).tolist()
    [[20.0, 40.0, 20.0, 40.0]]
    """
    boxes = np.asarray(boxes_xyxy, dtype=np.float64)
    params = np.empty_like(boxes)
    params[..., :2] = 0.5 * (boxes[..., :2] + boxes[..., 2:])
    params[..., 2:] = boxes[..., 2:] - boxes[..., :2]
    return params


def cxcywh_to_xyxy(params: ArrayLike, min_size: float = MIN_BOX_SIZE) -> FloatArray:
    """``(cx, cy, w, h)`` rows -> ``(x1, y1, x2, y2)`` rows; widths and heights below ``min_size`` pixels are raised.

    Args:
        params: (N, 4) centre/size boxes in pixels.
        min_size: smallest width and height in pixels of the result (the centre is kept).

    Returns:
        (N, 4) xyxy float64, a new array.

    >>> cxcywh_to_xyxy([[20, 40, 20, 40], [0, 0, -3, 4]]).tolist()
    [[10.0, 20.0, 30.0, 60.0], [-0.5, -2.0, 0.5, 2.0]]
    """
    array = np.asarray(params, dtype=np.float64)
    half = 0.5 * np.maximum(array[..., 2:], min_size)
    return np.concatenate([array[..., :2] - half, array[..., :2] + half], axis=-1)


# ---------------------------------------------------------------------------------------------------------------
# Input checks shared by every model
# ---------------------------------------------------------------------------------------------------------------


def _times(values: ArrayLike, name: str, min_length: int) -> FloatArray:
    array = np.array(values, dtype=np.float64)  # a copy: models never alias the caller's arrays
    if array.ndim != 1 or len(array) < min_length:
        expected = "(n,) with n >= 1" if min_length else "(m,)"
        raise ValueError(f"{name}: expected shape {expected} (seconds), got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array))
    if len(bad):
        raise ValueError(f"{name}: expected finite seconds, got {name}[{bad[0]}] = {float(array[bad[0]])!r}")
    return array


def check_track(
    times: ArrayLike, boxes_xyxy: ArrayLike, names: tuple[str, str] = ("times", "boxes_xyxy")
) -> tuple[FloatArray, FloatArray]:
    """Validate one track's observations and return float64 copies ``(times (n,), boxes_xyxy (n, 4))``.

    Raises:
        ValueError: unless ``times`` is (n,), n >= 1, finite and strictly increasing and ``boxes_xyxy`` is (n, 4),
            finite, with positive width and height; the message names the argument, what was expected and got.
    """
    time_name, box_name = names
    time_array = _times(times, time_name, 1)
    steps = np.flatnonzero(np.diff(time_array) <= 0)
    if len(steps):
        k = int(steps[0]) + 1
        raise ValueError(
            f"{time_name}: expected strictly increasing seconds, got {time_name}[{k}] = {float(time_array[k])!r} "
            f"after {time_name}[{k - 1}] = {float(time_array[k - 1])!r}"
        )
    boxes = np.array(boxes_xyxy, dtype=np.float64)
    if boxes.shape != (len(time_array), 4):
        raise ValueError(
            f"{box_name}: expected shape ({len(time_array)}, 4) (one xyxy row per time), got shape {boxes.shape}"
        )
    invalid = first_invalid_box(boxes)
    if invalid is not None:
        raise ValueError(f"{box_name}[{invalid[0]}]: {invalid[1]}")
    return time_array, boxes


def check_query_times(query_times: ArrayLike, name: str = "query_times") -> FloatArray:
    """Validate query times: (m,) finite seconds (m may be 0); returns a float64 copy."""
    return _times(query_times, name, 0)


def check_gap(
    times_before: ArrayLike,
    boxes_before: ArrayLike,
    times_after: ArrayLike,
    boxes_after: ArrayLike,
    query_times: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate :meth:`MotionModel.fill_gap` arguments; returns float64 copies in argument order.

    Raises:
        ValueError: on a bad piece (see :func:`check_track`), an after-piece that does not start after the
            before-piece ends, or a query time outside the open gap.
    """
    t_before, b_before = check_track(times_before, boxes_before, ("times_before", "boxes_before"))
    t_after, b_after = check_track(times_after, boxes_after, ("times_after", "boxes_after"))
    if t_after[0] <= t_before[-1]:
        raise ValueError(
            "times_after: expected the piece after the gap to start after "
            f"times_before[-1] = {float(t_before[-1])!r}, got times_after[0] = {float(t_after[0])!r}"
        )
    queries = check_query_times(query_times)
    outside = np.flatnonzero((queries <= t_before[-1]) | (queries >= t_after[0]))
    if len(outside):
        k = int(outside[0])
        raise ValueError(
            "query_times: expected seconds strictly inside the gap "
            f"({float(t_before[-1])!r}, {float(t_after[0])!r}), got query_times[{k}] = {float(queries[k])!r}"
        )
    return t_before, b_before, t_after, b_after, queries


# ---------------------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------------------

#: name -> (module, class). Imported on first use, so a model with a heavy optional dependency (torch) costs
#: nothing until it is asked for. A new model adds one line here.
_MODELS: dict[str, tuple[str, str]] = {
    "linear": ("motion.linear", "ConstantVelocity"),
    "kalman": ("motion.kalman", "KalmanConstantVelocity"),
}


def available_motion_models() -> list[str]:
    """Names accepted by :func:`get_motion_model`, sorted.

    >>> available_motion_models()
    ['kalman', 'linear']
    """
    return sorted(_MODELS)


def get_motion_model(name: str, **params: object) -> MotionModel:
    """Build the motion model registered as ``name`` with keyword ``params`` (see each model's docstring).

    Raises:
        ValueError: for an unknown name (the message lists the valid names) or a parameter the model does not
            take (the message lists the ones it takes).
    """
    if not isinstance(name, str) or name not in _MODELS:
        raise ValueError(f"unknown motion model {name!r}; expected one of {available_motion_models()}")
    module_name, class_name = _MODELS[name]
    factory = getattr(importlib.import_module(module_name), class_name)
    signature = inspect.signature(factory)
    try:
        signature.bind(**params)
    except TypeError as error:
        raise ValueError(
            f"motion model {name!r}: expected keyword parameters among {list(signature.parameters)}, "
            f"got {sorted(params)}"
        ) from error
    model: MotionModel = factory(**params)
    return model
