"""MOTChallenge files in and out: the one conversion layer between MOT rows and internal arrays.

MOT files use 1-based frames and ``left, top, width, height`` boxes; inside the library frames are 0-based and boxes
``xyxy`` (``mot.types``). Readers are strict: a malformed row, a NaN/inf value, a non-positive width or height, a
frame outside ``1..seqLength`` or an id used twice in one frame of a results file raises ``MOTFormatError`` naming
the file and line. Nothing is dropped or clipped silently; boxes may extend beyond the image (real annotations do).

Column layouts (comma-separated):

- ``det/det.txt``: ``frame, -1, left, top, width, height, score[, x, y, z]`` (7-10 columns).
- ``gt/gt.txt`` (MOT16/17, 9 columns): ``frame, id, left, top, width, height, consider, class, visibility``;
  2DMOT2015 (10 columns): ``frame, id, left, top, width, height, consider, x, y, z`` (no class, world coords -1).
- results: ``frame, id, left, top, width, height[, score, x, y, z]`` (6-10 columns); written with 10.
"""

from __future__ import annotations

import configparser
import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from mot.boxes import ltwh_to_xyxy, xyxy_to_ltwh
from mot.errors import MOTFormatError
from mot.types import DetectionTable, GroundTruth, Tracks

logger = logging.getLogger(__name__)

#: Largest frame number and track id accepted from files (int64-safe, and exact in float64).
MAX_FRAME = 2**31 - 1
MAX_ID = 2**53

_FRAME, _ID, _LEFT, _TOP, _WIDTH, _HEIGHT, _SEVENTH, _EIGHTH, _NINTH = range(9)


@dataclass(frozen=True)
class SequenceInfo:
    """What ``seqinfo.ini`` says about a sequence (or what a video file's header says).

    Attributes:
        name: sequence name, e.g. ``MOT16-11``.
        frame_rate: frames per second; gaps between frames are converted to seconds with it.
        num_frames: number of frames (``seqLength``).
        width, height: image size in pixels.
        image_dir: folder of the frames relative to the sequence folder (``imDir``), or None for a video.
        image_ext: frame file extension such as ``.jpg``.
    """

    name: str
    frame_rate: float
    num_frames: int
    width: int
    height: int
    image_dir: str | None = "img1"
    image_ext: str = ".jpg"


def read_seqinfo(path: str | Path) -> SequenceInfo:
    """Read a MOTChallenge ``seqinfo.ini``.

    Raises:
        MOTFormatError: the file is missing, has no ``[Sequence]`` section, or a key is absent or not a number.
    """
    path = Path(path)
    parser = configparser.ConfigParser()
    try:
        with path.open(encoding="utf-8-sig") as handle:
            parser.read_file(handle)
    except OSError as error:
        raise MOTFormatError(f"cannot read sequence info: {error.strerror}", path) from error
    except UnicodeDecodeError as error:
        raise MOTFormatError("expected a UTF-8 text file, got undecodable bytes", path) from error
    except configparser.Error as error:
        raise MOTFormatError(f"expected an ini file with a [Sequence] section, got: {error}", path) from error
    if "Sequence" not in parser:
        raise MOTFormatError(f"expected a [Sequence] section, got sections {parser.sections()}", path)
    section = parser["Sequence"]

    def number(key: str, kind: type) -> float | int:
        if key not in section:
            raise MOTFormatError(f"expected key '{key}' in [Sequence], got keys {sorted(section)}", path)
        try:
            value = kind(section[key])
        except ValueError as error:
            raise MOTFormatError(f"'{key}': expected {kind.__name__}, got {section[key]!r}", path) from error
        if not (np.isfinite(value) and value > 0):
            raise MOTFormatError(f"'{key}': expected a positive finite number, got {section[key]!r}", path)
        return value

    return SequenceInfo(
        name=section.get("name", path.parent.name),
        frame_rate=float(number("frameRate", float)),
        num_frames=int(number("seqLength", int)),
        width=int(number("imWidth", int)),
        height=int(number("imHeight", int)),
        image_dir=section.get("imDir", "img1"),
        image_ext=section.get("imExt", ".jpg"),
    )


def _read_rows(path: Path, min_columns: int, max_columns: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Parse a comma-separated numeric file into an (N, C) float array and the 1-based line number of each row."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a leading byte-order mark is not data
    except OSError as error:
        raise MOTFormatError(f"cannot read file: {error.strerror}", path) from error
    except UnicodeDecodeError as error:
        raise MOTFormatError("expected a UTF-8/ASCII text file, got undecodable bytes", path) from error
    lines = text.splitlines()
    line_numbers = np.array([i + 1 for i, line in enumerate(lines) if line.strip()], dtype=np.int64)
    fields = [lines[i - 1].split(",") for i in line_numbers]
    if not fields:
        return np.zeros((0, min_columns)), line_numbers
    widths = np.fromiter((len(f) for f in fields), dtype=np.int64, count=len(fields))
    columns = int(widths[0])
    if not min_columns <= columns <= max_columns:
        raise MOTFormatError(
            f"expected {min_columns} to {max_columns} comma-separated columns, got {columns}: {lines[line_numbers[0] - 1]!r}",
            path,
            int(line_numbers[0]),
        )
    ragged = np.flatnonzero(widths != columns)
    if len(ragged):
        row = int(ragged[0])
        raise MOTFormatError(
            f"expected {columns} columns like the first row, got {widths[row]}: {lines[line_numbers[row] - 1]!r}",
            path,
            int(line_numbers[row]),
        )
    try:
        values = np.array(fields, dtype=np.float64)
    except ValueError:
        for row, parts in enumerate(fields):
            for column, part in enumerate(parts):
                try:
                    float(part)
                except ValueError:
                    raise MOTFormatError(
                        f"column {column + 1}: expected a number, got {part.strip()!r}", path, int(line_numbers[row])
                    ) from None
        raise  # pragma: no cover - numpy and float() disagree
    return values, line_numbers


def _fail_first(mask: NDArray[np.bool_], message, path: Path, lines: NDArray[np.int64]) -> None:
    """Raise for the first row where ``mask`` is True; ``message(row)`` builds the text."""
    bad = np.flatnonzero(mask)
    if len(bad):
        row = int(bad[0])
        raise MOTFormatError(message(row), path, int(lines[row]))


def _validate_common(values, lines, path: Path, num_frames: int | None, what: str) -> None:
    """Checks every MOT table shares: finite numbers, integral frames in range, positive box size."""

    def describe(column: int):
        return lambda row: f"column {column + 1}: expected a finite number, got {float(values[row, column])}"

    for column in range(values.shape[1]):
        _fail_first(~np.isfinite(values[:, column]), describe(column), path, lines)
    frames = values[:, _FRAME]
    _fail_first(
        frames != np.round(frames), lambda r: f"frame: expected an integer, got {float(frames[r])}", path, lines
    )
    upper = f"..{MAX_FRAME}" if num_frames is None else f"..{num_frames}"
    out_of_range = (frames < 1) | (frames > (MAX_FRAME if num_frames is None else num_frames))
    _fail_first(
        out_of_range,
        lambda r: f"frame: expected a 1-based frame in 1{upper} ({what}), got {int(frames[r])}",
        path,
        lines,
    )
    for column, name in ((_WIDTH, "width"), (_HEIGHT, "height")):
        _fail_first(
            values[:, column] <= 0,
            lambda r, c=column, n=name: f"{n}: expected a positive box {n}, got {float(values[r, c])}",
            path,
            lines,
        )


def _validate_ids(values, lines, path: Path) -> None:
    ids = values[:, _ID]
    _fail_first(ids != np.round(ids), lambda r: f"id: expected an integer, got {float(ids[r])}", path, lines)
    _fail_first(
        (ids < 0) | (ids > MAX_ID), lambda r: f"id: expected a track id in 0..{MAX_ID}, got {ids[r]:g}", path, lines
    )


def _check_duplicate_ids(values, lines, path: Path) -> None:
    if len(values) < 2:
        return
    order = np.lexsort((values[:, _ID], values[:, _FRAME]))
    frames, ids = values[order, _FRAME], values[order, _ID]
    duplicate = np.flatnonzero((frames[1:] == frames[:-1]) & (ids[1:] == ids[:-1]))
    if len(duplicate):
        first, second = order[duplicate[0]], order[duplicate[0] + 1]
        raise MOTFormatError(
            f"expected each id at most once per frame, got id {int(ids[duplicate[0]])} in frame "
            f"{int(frames[duplicate[0]])} again (first at line {int(lines[first])})",
            path,
            int(lines[second]),
        )


def _boxes(values) -> NDArray[np.float64]:
    return ltwh_to_xyxy(values[:, _LEFT : _HEIGHT + 1])


def read_detections(path: str | Path, num_frames: int | None = None) -> DetectionTable:
    """Read a MOTChallenge detection file (``det/det.txt``).

    Args:
        path: the file.
        num_frames: the sequence length; frames must lie in ``1..num_frames``. When None the table's length is
            the last frame that has a detection.

    Returns:
        A ``DetectionTable`` with 0-based frames and xyxy boxes; scores as given (may be negative).
    """
    path = Path(path)
    values, lines = _read_rows(path, 7, 10)
    _validate_common(values, lines, path, num_frames, "detections")
    length = num_frames if num_frames is not None else int(values[:, _FRAME].max(initial=0))
    return DetectionTable(values[:, _FRAME].astype(np.int64) - 1, _boxes(values), values[:, _SEVENTH], length)


def read_ground_truth(path: str | Path, num_frames: int) -> GroundTruth:
    """Read a MOTChallenge ground-truth file (``gt/gt.txt``, 9-column MOT16/17 or 10-column 2DMOT2015).

    Raises:
        MOTFormatError: malformed rows, out-of-range frames, or an id twice in one frame.
    """
    path = Path(path)
    values, lines = _read_rows(path, 7, 10)
    _validate_common(values, lines, path, num_frames, "ground truth")
    _validate_ids(values, lines, path)
    _check_duplicate_ids(values, lines, path)
    count, columns = values.shape
    consider = values[:, _SEVENTH] != 0
    if columns in (8, 9):  # MOT16/17: class and visibility
        class_ids = values[:, _EIGHTH]
        _fail_first(
            class_ids != np.round(class_ids),
            lambda r: f"class: expected an integer, got {float(class_ids[r])}",
            path,
            lines,
        )
        visibility = values[:, _NINTH] if columns == 9 else np.full(count, np.nan)
    else:  # 2DMOT2015 (10 columns: world coordinates) or the 7-column minimum: no class column
        class_ids = np.full(count, -1)
        visibility = np.full(count, np.nan)
    return GroundTruth(
        values[:, _FRAME].astype(np.int64) - 1,
        values[:, _ID].astype(np.int64),
        _boxes(values),
        consider,
        class_ids.astype(np.int64),
        visibility,
        num_frames,
    )


def read_results(path: str | Path, num_frames: int | None = None) -> Tracks:
    """Read a tracker's MOTChallenge results file.

    Args:
        path: the file (``SEQ.txt``).
        num_frames: the sequence length; frames must lie in ``1..num_frames`` (None: not checked above).

    Raises:
        MOTFormatError: malformed rows, NaN/inf, non-positive sizes, frames out of range, negative ids, or a
            track id used twice in one frame.
    """
    path = Path(path)
    values, lines = _read_rows(path, 6, 10)
    _validate_common(values, lines, path, num_frames, "results")
    _validate_ids(values, lines, path)
    _check_duplicate_ids(values, lines, path)
    length = num_frames if num_frames is not None else int(values[:, _FRAME].max(initial=0))
    scores = values[:, _SEVENTH] if values.shape[1] > 6 else np.ones(len(values))
    return Tracks(
        values[:, _FRAME].astype(np.int64) - 1, values[:, _ID].astype(np.int64), _boxes(values), scores, length
    )


def format_results(tracks: Tracks) -> str:
    """The MOTChallenge 10-column text of a track table (1-based frames, ltwh, world coordinates -1)."""
    ltwh = xyxy_to_ltwh(tracks.boxes_xyxy)
    return "".join(
        f"{frame},{track_id},{b[0]:.3f},{b[1]:.3f},{b[2]:.3f},{b[3]:.3f},{score:.4f},-1,-1,-1\n"
        for frame, track_id, b, score in zip(
            (tracks.frames + 1).tolist(), tracks.track_ids.tolist(), ltwh.tolist(), tracks.scores.tolist()
        )
    )


@contextlib.contextmanager
def atomic_output(path: str | Path, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; on success it is flushed, synced and renamed to ``path``.

    A reader never sees a half-written file, and an interrupted write leaves the previous file intact. The file
    gets the usual permissions (0666 less the umask), not ``mkstemp``'s 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(handle, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomically(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see ``atomic_output``); returns the path."""
    with atomic_output(path) as stream:
        stream.write(text)
    return Path(path)


def write_results(path: str | Path, tracks: Tracks) -> Path:
    """Write a track table as a MOTChallenge results file, atomically; returns the path."""
    return write_text_atomically(path, format_results(tracks))


class MOTSequence:
    """A MOTChallenge sequence folder: ``seqinfo.ini``, ``det/det.txt``, ``gt/gt.txt`` and ``img1/``.

    Files are read when first asked for and cached; frames are read one at a time.

    Example:
        >>> seq = MOTSequence("../shared/data/MOT15/train/TUD-Campus")  # doctest: +SKIP
        >>> seq.info.frame_rate, len(seq.detections())  # doctest: +SKIP
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise MOTFormatError("expected a MOTChallenge sequence folder, got no such folder", self.path)
        self.info = read_seqinfo(self.path / "seqinfo.ini")
        self._detections: DetectionTable | None = None
        self._ground_truth: GroundTruth | None = None

    @property
    def name(self) -> str:
        """The folder name (MOTChallenge names results files after it)."""
        return self.path.name

    def __repr__(self) -> str:
        return f"MOTSequence({str(self.path)!r}, frames={self.info.num_frames}, fps={self.info.frame_rate:g})"

    @property
    def has_detections(self) -> bool:
        """Whether ``det/det.txt`` exists."""
        return (self.path / "det" / "det.txt").is_file()

    @property
    def has_ground_truth(self) -> bool:
        """Whether ``gt/gt.txt`` exists."""
        return (self.path / "gt" / "gt.txt").is_file()

    def detections(self) -> DetectionTable:
        """The public detections (``det/det.txt``)."""
        if self._detections is None:
            self._detections = read_detections(self.path / "det" / "det.txt", self.info.num_frames)
        return self._detections

    def ground_truth(self) -> GroundTruth:
        """The annotations (``gt/gt.txt``); raises ``MOTFormatError`` when the sequence has none."""
        if self._ground_truth is None:
            self._ground_truth = read_ground_truth(self.path / "gt" / "gt.txt", self.info.num_frames)
        return self._ground_truth

    def frame_path(self, frame: int) -> Path:
        """The image file of a 0-based frame."""
        if not 0 <= frame < self.info.num_frames:
            raise IndexError(f"frame: expected 0..{self.info.num_frames - 1}, got {frame}")
        return self.path / (self.info.image_dir or "img1") / f"{frame + 1:06d}{self.info.image_ext}"

    def frame(self, frame: int) -> NDArray[np.uint8]:
        """The BGR image (H, W, 3) uint8 of a 0-based frame."""
        import cv2

        file = self.frame_path(frame)
        image = cv2.imread(str(file), cv2.IMREAD_COLOR)
        if image is None:
            raise MOTFormatError("expected a readable image file, got a missing or undecodable file", file)
        return image

    def frames(self) -> Iterator[NDArray[np.uint8]]:
        """Every frame in order, read lazily."""
        for index in range(self.info.num_frames):
            yield self.frame(index)


class VideoSequence:
    """A video file read through OpenCV, with the same ``info``/``frames()`` surface as ``MOTSequence``."""

    def __init__(self, path: str | Path) -> None:
        import cv2

        self.path = Path(path)
        if not self.path.is_file():
            raise MOTFormatError("expected a video file, got no such file", self.path)
        capture = cv2.VideoCapture(str(self.path))
        try:
            if not capture.isOpened():
                raise MOTFormatError("expected a video OpenCV can decode, got one it cannot open", self.path)
            frame_rate = capture.get(cv2.CAP_PROP_FPS) or 0.0
            self.info = SequenceInfo(
                name=self.path.stem,
                frame_rate=frame_rate if frame_rate > 0 else 30.0,
                num_frames=int(capture.get(cv2.CAP_PROP_FRAME_COUNT)),
                width=int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                height=int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                image_dir=None,
                image_ext=self.path.suffix,
            )
        finally:
            capture.release()
        if frame_rate <= 0:
            logger.warning("%s: the video header has no frame rate; assuming 30 fps", self.path)

    @property
    def name(self) -> str:
        """The file name without extension."""
        return self.path.stem

    def __repr__(self) -> str:
        return f"VideoSequence({str(self.path)!r}, frames={self.info.num_frames}, fps={self.info.frame_rate:g})"

    def frames(self) -> Iterator[NDArray[np.uint8]]:
        """Decode the frames in order (BGR uint8)."""
        return read_video_frames(str(self.path))


def read_video_frames(target: str | int) -> Iterator[NDArray[np.uint8]]:
    """Decode a video file, camera index or stream URL with OpenCV, frame by frame (BGR uint8).

    Raises:
        MOTFormatError: OpenCV cannot open the source.
    """
    import cv2

    capture = cv2.VideoCapture(target)
    if not capture.isOpened():
        raise MOTFormatError(f"expected a video file, camera index or URL that OpenCV can open, got {target!r}")
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                return
            yield image
    finally:
        capture.release()


def open_sequence(path: str | Path) -> MOTSequence | VideoSequence:
    """A ``MOTSequence`` for a folder with ``seqinfo.ini``, a ``VideoSequence`` for a file."""
    path = Path(path)
    return VideoSequence(path) if path.is_file() else MOTSequence(path)


def find_sequences(root: str | Path) -> list[MOTSequence]:
    """The sequence folder ``root`` itself, or every sub-folder of ``root`` with a ``seqinfo.ini``, by name.

    Raises:
        MOTFormatError: ``root`` is neither a sequence nor a folder containing sequences.
    """
    root = Path(root)
    if (root / "seqinfo.ini").is_file():
        return [MOTSequence(root)]
    if not root.is_dir():
        raise MOTFormatError("expected a sequence folder or a folder of sequences, got no such folder", root)
    sequences = [MOTSequence(p) for p in sorted(root.iterdir()) if (p / "seqinfo.ini").is_file()]
    if not sequences:
        raise MOTFormatError(
            "expected a sequence folder (with seqinfo.ini) or a folder of such sequences, got neither", root
        )
    return sequences
