"""Drawing tracks on frames: boxes, ids and short trails in stable colours per id, written as an mp4 video.

``render_tracks`` streams frames from any iterable (a ``MOTSequence``/``VideoSequence``'s ``frames()``, a
``SyntheticScene``'s ``frames()``, a list of arrays), draws the track table's rows of each frame with
``render_frame`` and writes an mp4 (OpenCV's ``mp4v`` codec) through a temporary file and a rename, so a reader
never sees a half-written video. Each id keeps one colour for the whole video (``id_color``); its trail joins the
bottom-centres of its boxes over the last ``trail_seconds``.

Example:
    >>> import numpy as np
    >>> from mot.types import Tracks
    >>> image = np.zeros((120, 160, 3), np.uint8)
    >>> drawn = render_frame(image, [7], [[20, 20, 60, 100]], [np.array([[30.0, 100.0], [40.0, 100.0]])])
    >>> drawn.shape, bool(drawn.any()), bool(image.any())  # a new image; the input is left as it was
    ((120, 160, 3), True, False)
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mot.errors import MOTError
from mot.types import GroundTruth, Tracks

logger = logging.getLogger(__name__)

Image = NDArray[np.uint8]
FloatArray = NDArray[np.float64]

#: Fixed palette (b, g, r) of 18 well-separated, saturated colours (Sasha Trubetskoy's list without greys).
PALETTE: tuple[tuple[int, int, int], ...] = (
    (75, 25, 230), (75, 180, 60), (25, 225, 255), (216, 99, 67), (49, 130, 245), (180, 30, 145),
    (244, 212, 66), (230, 50, 240), (69, 239, 191), (212, 190, 250), (144, 153, 70), (255, 190, 220),
    (36, 99, 154), (200, 250, 255), (0, 0, 128), (195, 255, 170), (0, 128, 128), (177, 216, 255),
)  # fmt: skip
#: Multiplier of the id hash; coprime to the palette size, so any ``len(PALETTE)`` consecutive ids differ.
_HASH_STRIDE = 7
#: Colour of ground-truth boxes (when drawn) and of the frame-number overlay text.
GT_COLOR = (255, 255, 255)
#: The codec OpenCV writes (MPEG-4 part 2 in an mp4 container; every OpenCV wheel ships it).
FOURCC = "mp4v"


class RenderError(MOTError):
    """A video cannot be written: OpenCV cannot open a writer, no frames, or frames of different sizes."""


def id_color(track_id: int) -> tuple[int, int, int]:
    """The (b, g, r) colour of a track id: a multiplicative hash of the id into ``PALETTE``.

    The same id always gets the same colour (in every run and process), and consecutive ids get different colours.

    >>> id_color(3) == id_color(3), id_color(3) != id_color(4)
    (True, True)
    """
    return PALETTE[(int(track_id) * _HASH_STRIDE) % len(PALETTE)]


def _text_color(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``background`` (b, g, r)."""
    b, g, r = background
    return (0, 0, 0) if 0.114 * b + 0.587 * g + 0.299 * r > 140 else (255, 255, 255)


def _as_bgr(image: ArrayLike) -> Image:
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise ValueError(f"image: expected dtype uint8, got {array.dtype}")
    if array.ndim == 2:
        return np.repeat(array[..., None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"image: expected shape (H, W, 3) BGR or (H, W) grey, got {array.shape}")
    return np.ascontiguousarray(array[..., :3])


def render_frame(
    image: ArrayLike,
    ids: ArrayLike,
    boxes: ArrayLike,
    trails: Sequence[ArrayLike] | None = None,
    *,
    frame_index: int | None = None,
    gt_boxes: ArrayLike | None = None,
) -> Image:
    """Draw tracks on one frame; returns a new BGR image (the input is not modified).

    Args:
        image: (H, W, 3) uint8 BGR (or (H, W) grey) frame.
        ids: (N,) track ids.
        boxes: (N, 4) xyxy pixels, aligned with ``ids``.
        trails: N arrays of shape (K, 2), oldest first, of (x, y) points to join (e.g. box bottom-centres); None
            for no trails.
        frame_index: 0-based frame number to print in the top-left corner (printed 1-based as in MOT files), or
            None for no overlay.
        gt_boxes: (M, 4) xyxy ground-truth boxes drawn thin in white, or None.

    Returns:
        (H, W, 3) uint8 BGR image.
    """
    import cv2

    canvas = _as_bgr(image).copy()
    ids_array = np.asarray(ids, dtype=np.int64).reshape(-1)
    box_array = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(ids_array) != len(box_array):
        raise ValueError(f"ids and boxes: expected the same length, got {len(ids_array)} and {len(box_array)}")
    if trails is not None and len(trails) != len(ids_array):
        raise ValueError(f"trails: expected one per id ({len(ids_array)}), got {len(trails)}")
    height = canvas.shape[0]
    thickness = max(1, int(round(height / 360)))
    font_scale = max(0.35, height / 1080)
    if gt_boxes is not None:
        for x1, y1, x2, y2 in np.round(np.asarray(gt_boxes, dtype=np.float64).reshape(-1, 4)).astype(int).tolist():
            cv2.rectangle(canvas, (x1, y1), (x2, y2), GT_COLOR, 1, cv2.LINE_AA)
    if trails is not None:
        for track_id, trail in zip(ids_array.tolist(), trails, strict=True):
            _draw_trail(canvas, np.asarray(trail, dtype=np.float64).reshape(-1, 2), id_color(track_id), thickness)
    for track_id, box in zip(ids_array.tolist(), np.round(box_array).astype(int).tolist(), strict=True):
        colour = id_color(track_id)
        x1, y1, x2, y2 = box
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, thickness + 1, cv2.LINE_AA)
        _label(canvas, str(track_id), (x1, y1), colour, font_scale, thickness)
    if frame_index is not None:
        _label(canvas, f"frame {frame_index + 1}", (4, 4), (32, 32, 32), font_scale * 1.2, thickness, below=True)
    return canvas


def _draw_trail(canvas: Image, points: FloatArray, colour: tuple[int, int, int], thickness: int) -> None:
    """A polyline that thickens towards its newest point, ending in a dot."""
    import cv2

    if len(points) == 0:
        return
    pixels = np.round(points).astype(np.int32)
    count = len(pixels) - 1
    for index in range(count):  # a trail has at most trail_seconds * frame_rate points
        width = 1 + int(round(thickness * 2 * (index + 1) / count))
        start, end = pixels[index].tolist(), pixels[index + 1].tolist()
        cv2.line(canvas, start, end, colour, width, cv2.LINE_AA)
    cv2.circle(canvas, pixels[-1].tolist(), thickness + 2, colour, -1, cv2.LINE_AA)


def _label(
    canvas: Image, text: str, corner: tuple[int, int], colour: tuple[int, int, int], scale: float, thickness: int,
    below: bool = False,
) -> None:  # fmt: skip
    """Text on a filled box in ``colour``; above the corner (a box's top-left) unless ``below``."""
    import cv2

    font = cv2.FONT_HERSHEY_SIMPLEX
    (width, height), baseline = cv2.getTextSize(text, font, scale, thickness)
    x, y = corner
    pad = max(2, thickness + 1)
    top = y if below else y - height - baseline - 2 * pad
    top = min(max(top, 0), canvas.shape[0] - height - baseline - 2 * pad)
    x = min(max(x, 0), max(canvas.shape[1] - width - 2 * pad, 0))
    cv2.rectangle(canvas, (x, top), (x + width + 2 * pad, top + height + baseline + 2 * pad), colour, -1)
    cv2.putText(canvas, text, (x + pad, top + pad + height), font, scale, _text_color(colour), thickness, cv2.LINE_AA)


class _TrailIndex:
    """Per frame: the rows of a track table and, for each, its id's bottom-centres over the last ``trail_frames``."""

    def __init__(self, tracks: Tracks, trail_frames: int) -> None:
        self.tracks = tracks
        self.trail_frames = max(0, int(trail_frames))
        by_id = np.lexsort((tracks.frames, tracks.track_ids))  # rows grouped by id, each group sorted by frame
        _, id_rank = np.unique(tracks.track_ids[by_id], return_inverse=True)
        self.stride = int(tracks.num_frames) + self.trail_frames + 2
        self.keys = id_rank.astype(np.int64) * self.stride + tracks.frames[by_id]  # sorted
        boxes = tracks.boxes_xyxy[by_id]
        self.points = np.column_stack([0.5 * (boxes[:, 0] + boxes[:, 2]), boxes[:, 3]])
        self.position = np.empty(len(tracks), dtype=np.int64)  # row of the table -> index in the grouped order
        self.position[by_id] = np.arange(len(tracks))

    def at(self, frame: int) -> tuple[NDArray[np.int64], FloatArray, list[FloatArray]]:
        start, stop = np.searchsorted(self.tracks.frames, [frame, frame + 1])
        rows = np.arange(start, stop)
        ends = self.position[rows]
        starts = np.searchsorted(self.keys, self.keys[ends] - self.trail_frames)
        trails = [self.points[a : b + 1] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
        return self.tracks.track_ids[rows], self.tracks.boxes_xyxy[rows], trails


def render_tracks(
    frames: Iterable[ArrayLike],
    tracks: Tracks,
    out_path: str | Path,
    frame_rate: float,
    trail_seconds: float = 1.0,
    ground_truth: GroundTruth | None = None,
) -> Path:
    """Draw a track table on a stream of frames and write an mp4 video, atomically.

    Args:
        frames: BGR uint8 images in order; frame ``i`` of the stream shows the rows of 0-based frame ``i``. All must
            have the size of the first.
        tracks: the track table (xyxy pixels of these frames).
        out_path: the video file to write (``.mp4``); its folder is created.
        frame_rate: frames per second of the video.
        trail_seconds: length of the trails in seconds (0 for none).
        ground_truth: when given, its boxes are drawn thin in white under the tracks.

    Returns:
        ``out_path``.

    Raises:
        RenderError: OpenCV cannot open a video writer for the file (codec ``mp4v``), no frames were given, or a
            frame's size differs from the first.
        ValueError: a non-positive frame rate, a negative trail length, or a frame that is not uint8 BGR/grey.
    """
    if not (np.isfinite(frame_rate) and frame_rate > 0):
        raise ValueError(f"frame_rate: expected a positive number of frames per second, got {frame_rate!r}")
    if not (np.isfinite(trail_seconds) and trail_seconds >= 0):
        raise ValueError(f"trail_seconds: expected a number of seconds >= 0, got {trail_seconds!r}")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    index = _TrailIndex(tracks, int(round(trail_seconds * frame_rate)))

    def draw(frame: int, image: Image) -> Image:
        ids, boxes, trails = index.at(frame)
        gt_boxes = None
        if ground_truth is not None:
            start, stop = np.searchsorted(ground_truth.frames, [frame, frame + 1])
            gt_boxes = ground_truth.boxes_xyxy[start:stop]
        return render_frame(image, ids, boxes, trails, frame_index=frame, gt_boxes=gt_boxes)

    temporary = _temporary_file(out_path)
    try:
        count = _write_video(temporary, out_path, frames, float(frame_rate), draw)
        os.replace(temporary, out_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if count != tracks.num_frames:
        logger.warning("rendered %d frames for a track table of %d frames", count, tracks.num_frames)
    return out_path


def _temporary_file(out_path: Path) -> str:
    """An empty file beside ``out_path`` with its suffix (OpenCV picks the container from it), mode 0666 - umask."""
    handle, temporary = tempfile.mkstemp(prefix=f".{out_path.stem}.", suffix=out_path.suffix or ".mp4",
                                         dir=out_path.parent)  # fmt: skip
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp creates 0600; the video is an ordinary file
    return temporary


def _write_video(
    path: str, out_path: Path, frames: Iterable[ArrayLike], frame_rate: float, draw: Callable[[int, Image], Image]
) -> int:
    """Write ``draw(i, frame)`` for every frame to ``path``; returns the number of frames."""
    import cv2

    writer = None
    count = 0
    try:
        for count, frame in enumerate(frames, start=1):
            image = _as_bgr(frame)
            size = (image.shape[1], image.shape[0])
            if writer is None:
                first_size = size
                writer = cv2.VideoWriter(path, cv2.VideoWriter.fourcc(*FOURCC), frame_rate, size)
                if not writer.isOpened():
                    raise RenderError(
                        f"OpenCV cannot open a video writer for {out_path} (codec {FOURCC}, {size[0]}x{size[1]} at "
                        f"{frame_rate:g} fps); check that the folder is writable and that this OpenCV build has "
                        "FFmpeg video I/O (opencv-python-headless wheels do)"
                    )
            elif size != first_size:
                raise RenderError(
                    f"frame {count}: expected the size of the first frame {first_size[0]}x{first_size[1]}, "
                    f"got {size[0]}x{size[1]}"
                )
            writer.write(draw(count - 1, image))
    finally:
        if writer is not None:
            writer.release()
    if count == 0:
        raise RenderError(f"no frames to render into {out_path}")
    return count
