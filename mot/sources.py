"""Frame sources: MOT ``img1/`` folders, video files, camera indices or stream URLs, and iterables of frames.

Every source yields BGR ``uint8`` images (H, W, 3) in order and tells its frame rate when it knows it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mot.errors import MOTError

logger = logging.getLogger(__name__)

Image = NDArray[np.uint8]


@dataclass
class FrameSource:
    """An ordered stream of BGR frames with what is known about it.

    Attributes:
        name: a label (sequence name, file stem, ``camera0``).
        frame_rate: frames per second, or None when unknown (the caller must then give one).
        num_frames: number of frames, or None for live streams and plain iterables.
        frames: a factory returning a fresh iterator over the frames.
    """

    name: str
    frame_rate: float | None
    num_frames: int | None
    frames: Any

    def __iter__(self) -> Iterator[Image]:
        return iter(self.frames())


def open_source(source: str | Path | int | Iterable[Image], frame_rate: float | None = None) -> FrameSource:
    """A ``FrameSource`` for a MOT sequence folder, an image folder, a video file, a camera index, a stream URL
    (``rtsp://``, ``http://``...) or any iterable of frames.

    Raises:
        MOTError: the path does not exist or is not a readable source.
    """
    import cv2

    from mot.io import MOTSequence, VideoSequence, read_video_frames

    if isinstance(source, int):
        return FrameSource(f"camera{source}", frame_rate, None, lambda: read_video_frames(source))
    if isinstance(source, (str, Path)):
        text = str(source)
        if "://" in text:
            return FrameSource(text, frame_rate, None, lambda: read_video_frames(text))
        path = Path(source)
        if path.is_dir() and (path / "seqinfo.ini").is_file():
            sequence = MOTSequence(path)
            return FrameSource(sequence.name, frame_rate or sequence.info.frame_rate, sequence.info.num_frames,
                               sequence.frames)  # fmt: skip
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".bmp"})
            if not files:
                raise MOTError(f"{path}: expected a MOT sequence or a folder of images, found no images")

            def read_images() -> Iterator[Image]:
                for file in files:
                    image = cv2.imread(str(file), cv2.IMREAD_COLOR)
                    if image is None:
                        raise MOTError(f"{file}: expected a readable image")
                    yield image

            return FrameSource(path.name, frame_rate, len(files), read_images)
        if path.is_file():
            video = VideoSequence(path)
            return FrameSource(video.name, frame_rate or video.info.frame_rate, video.info.num_frames, video.frames)
        raise MOTError(f"{path}: expected a sequence folder, image folder, video file, camera index or URL; "
                       "found nothing there")  # fmt: skip
    if isinstance(source, Iterable):
        frames = source
        return FrameSource("frames", frame_rate, len(frames) if hasattr(frames, "__len__") else None,
                           lambda: iter(frames))  # fmt: skip
    raise MOTError(f"expected a path, camera index, URL or iterable of frames, got {type(source).__name__}")
