"""Running a detector over a sequence, and caching its detections on disk so that a re-run does not re-detect.

One ``.npz`` file per (sequence, detector, settings) in a cache folder, named
``<source name>.<detector name>.<key hash>.npz``. The key is the SHA-256 of a JSON document with:

- the detector's ``name`` and ``settings()``;
- its weights file identity when it has one (``weights_path``: resolved path, size in bytes, modification time in
  ns), so replacing the weights file invalidates the cache;
- the source identity: for a file, its resolved path, size and modification time; for a folder (a MOTChallenge
  sequence), its resolved path and the modification times of the folder and of its ``img1/`` (adding or removing
  frames changes them; rewriting a frame in place does not); for anything else (a camera index, a stream URL) its
  name only;
- the number of frames and the cache format version.

The full key is stored in the file and compared on load. A file that cannot be read or whose key differs is
recomputed (with a warning) and replaced. Files are written to a temporary file in the cache folder and renamed,
so a reader never sees a half-written cache and an interrupted run leaves no broken file behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detectors.base import Detector
from mot.errors import MOTFormatError
from mot.io import atomic_output
from mot.types import DetectionTable

logger = logging.getLogger(__name__)

#: Bumped when the file layout or the meaning of a key changes; old files are then recomputed.
CACHE_FORMAT = 1


def detect_sequence(
    detector: Detector,
    frames: Iterable[NDArray[np.uint8]],
    num_frames: int | None = None,
    *,
    progress: bool = True,
    description: str | None = None,
) -> DetectionTable:
    """Run ``detector.detect`` on every frame, in order (frame index = position in ``frames``).

    Args:
        detector: any ``Detector``.
        frames: BGR (H, W, 3) uint8 frames, e.g. ``MOTSequence.frames()``, ``VideoSequence.frames()``, a list.
        num_frames: the sequence length: at most this many frames are read, and it is the table's
            ``num_frames``; None reads every frame.
        progress: show a tqdm progress bar over frames (on stderr).
        description: the progress bar's label (default: the detector's name).

    Returns:
        The detections of all frames. When ``frames`` ends before ``num_frames`` (video headers can overstate the
        length) a warning is logged and the remaining frames have no detections.
    """
    from tqdm import tqdm

    per_frame = []
    with tqdm(total=num_frames, unit="frame", desc=description or detector.name, disable=not progress,
              leave=False) as bar:  # fmt: skip
        for frame in frames:
            if num_frames is not None and len(per_frame) >= num_frames:
                break
            per_frame.append(detector.detect(frame))
            bar.update()
    length = len(per_frame) if num_frames is None else int(num_frames)
    if len(per_frame) < length:
        logger.warning("expected %d frames, got %d; the remaining frames have no detections", length, len(per_frame))
    counts = [len(d) for d in per_frame]
    return DetectionTable(
        np.repeat(np.arange(len(per_frame), dtype=np.int64), counts),
        np.concatenate([d.boxes_xyxy for d in per_frame]) if per_frame else np.zeros((0, 4)),
        np.concatenate([d.scores for d in per_frame]) if per_frame else np.zeros(0),
        length,
    )


def _file_identity(path: Path) -> dict[str, Any]:
    try:
        stat = path.stat()
    except OSError:
        return {"path": str(path), "missing": True}
    return {"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def source_identity(source: str | Path) -> dict[str, Any]:
    """What identifies a frame source in the cache key (see the module docstring)."""
    path = Path(source)
    try:
        exists = path.exists()
    except (OSError, ValueError):  # e.g. a URL that is not a valid path
        exists = False
    if not exists:
        return {"name": str(source)}
    path = path.resolve()
    if path.is_file():
        return {"file": _file_identity(path)}
    identity: dict[str, Any] = {"folder": str(path), "mtime_ns": path.stat().st_mtime_ns}
    if (path / "img1").is_dir():
        identity["img1_mtime_ns"] = (path / "img1").stat().st_mtime_ns
    return identity


def cache_key(source: str | Path, detector: Detector, num_frames: int | None) -> dict[str, Any]:
    """The JSON-able key of a sequence's detections (see the module docstring)."""
    weights = getattr(detector, "weights_path", None)
    return {
        "format": CACHE_FORMAT,
        "detector": detector.name,
        "settings": detector.settings(),
        "weights": None if weights is None else _file_identity(Path(weights).resolve()),
        "source": source_identity(source),
        "num_frames": num_frames,
    }


def cache_path(source: str | Path, detector: Detector, num_frames: int | None, cache_dir: str | Path) -> Path:
    """The cache file of a sequence's detections."""
    text = json.dumps(cache_key(source, detector, num_frames), sort_keys=True)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    stem = Path(str(source).rstrip("/\\")).name or str(source)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)[:80] or "source"
    return Path(cache_dir) / f"{stem}.{detector.name}.{digest}.npz"


def cached_detections(
    source: str | Path,
    detector: Detector,
    frames: Callable[[], Iterable[NDArray[np.uint8]]],
    num_frames: int | None,
    cache_dir: str | Path,
    *,
    progress: bool = True,
) -> DetectionTable:
    """A sequence's detections from the cache, or detected now and cached.

    Args:
        source: the sequence's path (a MOTChallenge folder or a video file) or name; identifies it in the key.
        detector: the detector.
        frames: called (only on a cache miss) to get the frames in order.
        num_frames: the sequence length (see ``detect_sequence``).
        cache_dir: the cache folder (created when missing).
        progress: show a progress bar while detecting.

    Returns:
        The detections; equal to ``detect_sequence(detector, frames(), num_frames)``.
    """
    key = json.dumps(cache_key(source, detector, num_frames), sort_keys=True)
    path = cache_path(source, detector, num_frames, cache_dir)
    if path.exists():
        table = _load(path, key)
        if table is not None:
            logger.info("%s: detections loaded from the cache %s", source, path)
            return table
    label = f"{detector.name} {Path(str(source)).name}"
    table = detect_sequence(detector, frames(), num_frames, progress=progress, description=label)
    _save(path, table, key)
    return table


def _load(path: Path, key: str) -> DetectionTable | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            stored_key = str(data["key"])
            if stored_key != key:
                logger.warning("%s: the cache file belongs to another key; detecting again", path)
                return None
            return DetectionTable(data["frames"], data["boxes_xyxy"], data["scores"], int(data["num_frames"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, MOTFormatError) as error:
        logger.warning("%s: unreadable detection cache (%s); detecting again", path, error)
        return None


def _save(path: Path, table: DetectionTable, key: str) -> None:
    with atomic_output(path, binary=True) as stream:
        np.savez(
            stream, frames=table.frames, boxes_xyxy=table.boxes_xyxy, scores=table.scores,
            num_frames=np.int64(table.num_frames), key=np.str_(key),
        )  # fmt: skip
