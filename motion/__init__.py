"""Motion models: where a track's boxes are at other times, in seconds (see :mod:`motion.base`).

* :class:`~motion.base.MotionModel`: the protocol, ``extrapolate()`` and ``fill_gap()`` on one track;
  :func:`get_motion_model` / :func:`available_motion_models` build one by name.
* :class:`~motion.linear.ConstantVelocity` (``"linear"``): least squares near the track's ends, linear
  interpolation across gaps.
* :class:`~motion.kalman.KalmanConstantVelocity` (``"kalman"``): Kalman filter and RTS smoother.
* :func:`fit_end_velocities` and :func:`extrapolate_track_ends`: the same constant-velocity model vectorised over
  all tracks, for the tracker's hot path.
* :func:`~motion.camera.estimate_camera_path`: the camera's image shift read off tracklets (moving cameras).
"""

from motion.base import (
    MIN_BOX_SIZE,
    MotionModel,
    available_motion_models,
    cxcywh_to_xyxy,
    get_motion_model,
    xyxy_to_cxcywh,
)
from motion.camera import CameraPath, estimate_camera_path
from motion.kalman import KalmanConstantVelocity
from motion.linear import ConstantVelocity, extrapolate_track_ends, fit_end_velocities, interpolate_boxes

__all__ = [
    "MIN_BOX_SIZE",
    "CameraPath",
    "ConstantVelocity",
    "KalmanConstantVelocity",
    "MotionModel",
    "available_motion_models",
    "cxcywh_to_xyxy",
    "estimate_camera_path",
    "extrapolate_track_ends",
    "fit_end_velocities",
    "get_motion_model",
    "interpolate_boxes",
    "xyxy_to_cxcywh",
]
