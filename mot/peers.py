"""Benchmark peers: other trackers run on our ``DetectionTable`` with their default settings.

The peers are never runtime dependencies of this library; they are the ``[peers]`` extra (see the README) and
are imported only inside the functions that run them. Each peer gets, frame after frame, every box of that frame
with its score as given (frames without detections are passed as empty arrays, so the peers age their tracks),
and we keep every box the peer reports with a track id. Only the time spent inside the peer's own ``update``
call is measured: building its input and converting its output are not counted.

Settings are each library's defaults, untouched:

- ``trackers`` (Roboflow, 2.6.1): ``SORTTracker()``, ``ByteTrackTracker()``, ``OCSORTTracker()``,
  ``BoTSORTTracker()``; ``frame_rate`` stays at the constructor default (30), as the peer tables of the tracker
  issue say. BoTSORT's camera-motion compensation is on by default but needs the frame image; we pass boxes only
  (``update(detections)`` without ``frame``), so the library skips it, and BoTSORT has no appearance model.
- ``boxmot`` (25.0.0): built by ``boxmot``'s own factory from its default YAML config
  (``boxmot/configs/trackers/<name>.yaml``), Python backend. BoostTrack's YAML turns on appearance embeddings and
  camera-motion compensation (ECC), which need images and a ReID model (a weights download); we run it on boxes
  only, so both are switched off (``use_embeddings=False``, ``use_cmc=False``) and every other setting stays.

Peers that output 0-based track ids are shifted to ids >= 1 (MOTChallenge ids are positive). A peer that gives
no per-box confidence gets score 1.0.

Example:
    >>> from mot.io import MOTSequence
    >>> from mot.peers import run_peer
    >>> seq = MOTSequence("../shared/data/MOT15/train/TUD-Campus")  # doctest: +SKIP
    >>> tracks, seconds = run_peer("trackers.SORT", seq.detections(), seq.info)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mot.errors import MissingDependencyError
from mot.io import SequenceInfo
from mot.types import DetectionTable, Tracks

logger = logging.getLogger(__name__)

#: Every peer this module can run, as ``<package>.<tracker>``.
PEERS: tuple[str, ...] = (
    "trackers.SORT",
    "trackers.ByteTrack",
    "trackers.OCSORT",
    "trackers.BoTSORT",
    "boxmot.ByteTrack",
    "boxmot.OcSort",
    "boxmot.BoostTrack",
)

#: ``trackers`` class of each ``trackers.*`` peer.
_TRACKERS_CLASSES = {
    "SORT": "SORTTracker",
    "ByteTrack": "ByteTrackTracker",
    "OCSORT": "OCSORTTracker",
    "BoTSORT": "BoTSORTTracker",
}

#: boxmot registry name of each ``boxmot.*`` peer, and the options changed from its YAML defaults.
_BOXMOT_TRACKERS: dict[str, tuple[str, tuple[tuple[str, bool], ...]]] = {
    "ByteTrack": ("bytetrack", ()),
    "OcSort": ("ocsort", ()),
    # boxes only: no ReID embeddings (would download weights) and no camera-motion compensation (needs images)
    "BoostTrack": ("boosttrack", (("use_cmc", False), ("use_embeddings", False))),
}


@dataclass
class _Output:
    """What a peer reported, frame after frame (lists of per-frame arrays)."""

    frames: list[NDArray[np.int64]]
    ids: list[NDArray[np.int64]]
    boxes: list[NDArray[np.float64]]
    scores: list[NDArray[np.float64]]

    @classmethod
    def new(cls) -> _Output:
        return cls([], [], [], [])

    def add(self, frame: int, ids: NDArray[Any], boxes: NDArray[Any], scores: NDArray[Any] | None) -> None:
        count = len(ids)
        if count == 0:
            return
        self.frames.append(np.full(count, frame, dtype=np.int64))
        self.ids.append(np.asarray(ids).astype(np.int64))
        self.boxes.append(np.asarray(boxes, dtype=np.float64).reshape(count, 4))
        self.scores.append(np.ones(count) if scores is None else np.asarray(scores, dtype=np.float64))


def _split_package(name: str) -> tuple[str, str]:
    if name not in PEERS:
        raise ValueError(f"unknown peer {name!r}; expected one of: {', '.join(PEERS)}")
    package, tracker = name.split(".", 1)
    return package, tracker


def _import_peer_package(package: str) -> Any:
    """Import ``trackers`` (with supervision) or boxmot's tracker factory; MissingDependencyError when absent."""
    try:
        if package == "trackers":
            importlib.import_module("supervision")
            return importlib.import_module("trackers")
        return importlib.import_module("boxmot.trackers.factory")
    except ImportError as error:
        raise MissingDependencyError(package, "peers", "benchmark peers", "see README: peers extra") from error


@functools.cache
def _package_imports(package: str) -> bool:
    try:
        _import_peer_package(package)
    except Exception:  # noqa: BLE001 - a broken install (e.g. torch failing to load) counts as unavailable
        logger.debug("peer package %s does not import", package, exc_info=True)
        return False
    return True


def available_peers() -> list[str]:
    """The names in ``PEERS`` whose package imports here, in ``PEERS`` order."""
    return [name for name in PEERS if _package_imports(_split_package(name)[0])]


def _frame_bounds(detections: DetectionTable, num_frames: int) -> NDArray[np.int64]:
    """Row offsets: the rows of 0-based frame ``f`` are ``bounds[f]:bounds[f + 1]`` (the table is frame-sorted)."""
    return np.searchsorted(detections.frames, np.arange(num_frames + 1)).astype(np.int64)


def _run_trackers(tracker: str, detections: DetectionTable, num_frames: int) -> tuple[_Output, float]:
    """Roboflow ``trackers``: ``update(sv.Detections) -> sv.Detections`` with ``tracker_id`` (-1: not tracked)."""
    package = _import_peer_package("trackers")
    import supervision as sv

    peer = getattr(package, _TRACKERS_CLASSES[tracker])()
    bounds = _frame_bounds(detections, num_frames)
    boxes = detections.boxes_xyxy
    scores = detections.scores.astype(np.float32)
    classes = np.zeros(len(detections), dtype=int)
    output, seconds = _Output.new(), 0.0
    for frame in range(num_frames):
        rows = slice(bounds[frame], bounds[frame + 1])
        frame_detections = sv.Detections(xyxy=boxes[rows].copy(), confidence=scores[rows], class_id=classes[rows])
        start = time.perf_counter()
        result = peer.update(frame_detections)
        seconds += time.perf_counter() - start
        if len(result) == 0 or result.tracker_id is None:
            continue
        tracked = np.asarray(result.tracker_id) >= 0
        confidence = None if result.confidence is None else np.asarray(result.confidence)[tracked]
        output.add(frame, np.asarray(result.tracker_id)[tracked], np.asarray(result.xyxy)[tracked], confidence)
    return output, seconds


class _BelowLevel(logging.Filter):
    """Drops records below a level (a logger filter survives a library re-configuring its handlers and level)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level


@contextlib.contextmanager
def _quiet_logger(name: str, level: int = logging.WARNING) -> Iterator[None]:
    """Silence a library logger below ``level`` for a moment (boxmot logs every tracker's settings at INFO)."""
    library_logger = logging.getLogger(name)
    quiet = _BelowLevel(level)
    library_logger.addFilter(quiet)
    try:
        yield
    finally:
        library_logger.removeFilter(quiet)


def _run_boxmot(tracker: str, detections: DetectionTable, num_frames: int) -> tuple[_Output, float]:
    """boxmot: ``update(rows (N, 6) [x1,y1,x2,y2,conf,cls]) -> (M, 8) [x1,y1,x2,y2,id,conf,cls,det_ind]``."""
    factory = _import_peer_package("boxmot")
    from boxmot.trackers.specs import TrackerSpec

    registry_name, options = _BOXMOT_TRACKERS[tracker]
    with _quiet_logger("boxmot"):
        peer = factory.create_tracker(TrackerSpec(registry_name, options=tuple(sorted(options))))
    bounds = _frame_bounds(detections, num_frames)
    rows_all = np.column_stack([detections.boxes_xyxy, detections.scores, np.zeros(len(detections))])
    rows_all = rows_all.astype(np.float32)
    output, seconds = _Output.new(), 0.0
    for frame in range(num_frames):
        rows = rows_all[bounds[frame] : bounds[frame + 1]]
        start = time.perf_counter()
        result = peer.update(rows)
        seconds += time.perf_counter() - start
        result = np.asarray(result)
        if result.size == 0:
            continue
        output.add(frame, np.rint(result[:, 4]), result[:, :4], result[:, 5])
    return output, seconds


_RUNNERS: dict[str, Callable[[str, DetectionTable, int], tuple[_Output, float]]] = {
    "trackers": _run_trackers,
    "boxmot": _run_boxmot,
}


def _to_tracks(name: str, output: _Output, num_frames: int) -> Tracks:
    """Concatenate a peer's per-frame output into a ``Tracks`` table with ids >= 1."""
    if not output.frames:
        return Tracks.empty(num_frames)
    frames = np.concatenate(output.frames)
    ids = np.concatenate(output.ids)
    boxes = np.concatenate(output.boxes)
    scores = np.concatenate(output.scores)
    scores = np.where(np.isfinite(scores), scores, 1.0)
    if ids.min() < 1:  # both libraries count from 0; MOTChallenge ids are positive
        ids = ids - ids.min() + 1
    valid = np.isfinite(boxes).all(axis=1) & (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    _, first = np.unique(np.column_stack([frames, ids]), axis=0, return_index=True)
    unique = np.zeros(len(frames), dtype=bool)
    unique[first] = True
    keep = valid & unique
    if not keep.all():
        logger.warning(
            "%s: dropped %d invalid boxes and %d repeated (frame, id) rows from the peer's output",
            name, int((~valid).sum()), int((valid & ~unique).sum()),
        )  # fmt: skip
    return Tracks(frames[keep], ids[keep], boxes[keep], scores[keep], num_frames)


def run_peer(name: str, detections: DetectionTable, info: SequenceInfo) -> tuple[Tracks, float]:
    """Run one peer over a whole sequence with its default settings.

    Args:
        name: one of ``PEERS``, e.g. ``"trackers.SORT"`` or ``"boxmot.BoostTrack"``.
        detections: the sequence's detections (0-based frames, xyxy boxes, scores); every box goes in.
        info: the sequence; its length sets how many frames are passed (frames without boxes included). Frame
            rate and image size are not passed: each peer keeps its own default (see the module docstring).

    Returns:
        ``(tracks, seconds)``: every box the peer reported with its track id (ids >= 1, 0-based frames, xyxy,
        the peer's score or 1.0), and the wall-clock seconds spent inside the peer's ``update`` calls.

    Raises:
        ValueError: ``name`` is not in ``PEERS`` (the message lists them).
        MissingDependencyError: the peer's package is not installed (the ``[peers]`` extra).
    """
    package, tracker = _split_package(name)
    num_frames = max(int(info.num_frames), int(detections.num_frames))
    output, seconds = _RUNNERS[package](tracker, detections, num_frames)
    return _to_tracks(name, output, num_frames), seconds
