"""HOG people detector (Dalal and Triggs, CVPR 2005): the fallback that needs no downloaded weights.

OpenCV 5 (our pinned ``opencv-python-headless``) no longer has ``cv2.HOGDescriptor`` nor
``cv2.HOGDescriptor_getDefaultPeopleDetector``. This module computes the same descriptor as OpenCV 4's
``HOGDescriptor()`` defaults in numpy and OpenCV 5 primitives, and scores it with OpenCV's default people detector
(the linear SVM shipped next to this file in ``hog_people_svm.json``, copied from OpenCV 4.14). Window scores agree
with OpenCV 4.14's ``HOGDescriptor.detect`` to about 1e-5.

Descriptor (OpenCV defaults): a 64x128 window; gamma correction (square root of intensities); centred [-1, 0, 1]
gradients of the colour channel with the largest gradient magnitude; 9 unsigned orientation bins (20 degrees each,
votes split linearly between the two nearest bins); 8x8 pixel cells; 16x16 pixel blocks every 8 pixels, each pixel
weighted by a Gaussian (sigma 4 pixels) around the block centre and split bilinearly between the block's cells;
L2-Hys block normalisation (clip at 0.2). A window holds 7 x 15 blocks: 3,780 numbers.

Detection: the image (optionally enlarged by ``upscale``) is scanned at scales 1, ``scale_step``,
``scale_step**2`` ... (at most ``max_levels``) with a stride of 8 pixels; every window scoring at least
``hit_threshold`` is a candidate. The score is the SVM margin ``w . x + b`` (about -3..5; 0 is the SVM's decision
boundary). Candidates are reduced by greedy NMS at ``nms_iou``; a kept box needs ``min_neighbors`` suppressed
candidates around it (isolated windows are usually false alarms; OpenCV's grouping asks for 2 and more).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from detectors.base import as_bgr_frame, greedy_nms
from mot.types import Detections

FloatArray = NDArray[np.float32]

WINDOW_WIDTH, WINDOW_HEIGHT = 64, 128
CELL = 8
BINS = 9
BLOCKS_X, BLOCKS_Y = 7, 15  # blocks per window (16x16 blocks every 8 pixels)
BLOCK_SIGMA = 4.0  # pixels; OpenCV's default winSigma = (block width + block height) / 8
L2HYS_CLIP = 0.2

#: The part of the 64x128 window that the person fills in the training data (INRIA Person: ~96 px tall people
#: with 16 px above and below, ~32 px wide): fractions of the window width/height cut from the left, top, right,
#: bottom when ``person_box`` is on.
PERSON_MARGINS = (0.25, 0.125, 0.25, 0.125)

SVM_FILE = Path(__file__).with_name("hog_people_svm.json")

_GAMMA = np.sqrt(np.arange(256, dtype=np.float32)).reshape(256, 1)  # gamma correction lookup (OpenCV: sqrt)


@lru_cache(maxsize=1)
def people_svm() -> tuple[FloatArray, float]:
    """``(weights, bias)`` of the default people detector; weights (105, 36) float32, row ``bx * 15 + by``."""
    data = json.loads(SVM_FILE.read_text(encoding="utf-8"))
    weights = np.asarray(data["weights"], dtype=np.float32)
    if weights.shape != (BLOCKS_X * BLOCKS_Y * 4 * BINS,):
        raise ValueError(f"{SVM_FILE}: expected 3780 weights, got {weights.shape}")
    return weights.reshape(BLOCKS_X * BLOCKS_Y, 4 * BINS), float(data["bias"])


@lru_cache(maxsize=1)
def _pixel_weights() -> tuple[FloatArray, FloatArray]:
    """Separable per-pixel block weights, split by cell half.

    The weight of a block pixel at offset ``(u, v)`` (0..15) for the block's cell ``(cx, cy)`` is
    ``k[cx](u) * k[cy](v)`` with ``k[c](u) = gauss(u - 8) * max(0, 1 - |(u + 0.5) / 8 - 0.5 - c|)`` (Gaussian times
    bilinear interpolation between cell centres, as OpenCV's ``HOGCache``). Rows ``2 * c + h`` of the returned
    (4, 8) array hold ``k[c]`` on the pixels of cell half ``h`` (offsets ``8h .. 8h + 7``).

    Returns:
        ``(kernels, x_matrix)``: kernels (4, 8); x_matrix (72, 36) applies the kernels along x to 8 pixels x 9 bins.
    """
    offsets = np.arange(2 * CELL, dtype=np.float64)
    gauss = np.exp(-((offsets - CELL) ** 2) / (2 * BLOCK_SIGMA**2))
    kernels = np.zeros((2, 2, CELL))
    for cell in range(2):
        bilinear = np.clip(1 - np.abs((offsets + 0.5) / CELL - 0.5 - cell), 0, None)
        kernels[cell] = (gauss * bilinear).reshape(2, CELL)
    kernels = kernels.reshape(4, CELL).astype(np.float32)
    return kernels, np.kron(kernels.T, np.eye(BINS, dtype=np.float32))


def _gradients(image: NDArray[np.uint8]) -> tuple[FloatArray, NDArray[np.int64], FloatArray]:
    """Per pixel: gradient magnitude, lower orientation bin, and the share of the vote going to the next bin."""
    import cv2

    gamma = cv2.LUT(image, _GAMMA)
    dx = cv2.Sobel(gamma, cv2.CV_32F, 1, 0, ksize=1, borderType=cv2.BORDER_REFLECT_101)  # [-1, 0, 1]
    dy = cv2.Sobel(gamma, cv2.CV_32F, 0, 1, ksize=1, borderType=cv2.BORDER_REFLECT_101)
    strongest = np.argmax(dx * dx + dy * dy, axis=2)[..., None]
    dx = np.take_along_axis(dx, strongest, 2)[..., 0]
    dy = np.take_along_axis(dy, strongest, 2)[..., 0]
    magnitude, angle = cv2.cartToPolar(dx, dy)  # angle in radians, [0, 2 pi)
    position = angle * np.float32(BINS / np.pi) - np.float32(0.5)  # unsigned: 180 degrees span the 9 bins
    lower = np.floor(position)
    share = position - lower
    return magnitude, lower.astype(np.int64) % BINS, share


def block_descriptors(image: NDArray[np.uint8]) -> FloatArray:
    """Normalised HOG block descriptors on the 8-pixel grid of an image.

    Args:
        image: (H, W, 3) uint8 BGR.

    Returns:
        (H // 8 - 1, W // 8 - 1, 36) float32: entry ``[i, j]`` describes the 16x16 block at pixel ``(8j, 8i)``
        (4 cells x-major, 9 bins each), as OpenCV's block histograms.
    """
    kernels, x_matrix = _pixel_weights()
    rows, cols = image.shape[0] // CELL, image.shape[1] // CELL
    magnitude, lower, share = (a[: rows * CELL, : cols * CELL] for a in _gradients(image))
    votes = np.zeros((rows * CELL, cols * CELL, BINS), dtype=np.float32)
    np.put_along_axis(votes, lower[..., None], (magnitude * (1 - share))[..., None], 2)
    np.put_along_axis(votes, ((lower + 1) % BINS)[..., None], (magnitude * share)[..., None], 2)
    # x then y weighting: per cell, 4 (cell, half) kernels along each axis
    along_x = (votes.reshape(rows * CELL * cols, CELL * BINS) @ x_matrix).reshape(rows, CELL, cols, 4, BINS)
    both = np.einsum("yaxsk,ta->yxkst", along_x, kernels, optimize=True)  # (rows, cols, bins, x kernel, y kernel)
    blocks_down, blocks_across = rows - 1, cols - 1
    histogram = np.zeros((blocks_down, blocks_across, 2, 2, BINS), dtype=np.float32)  # cx, cy, bins
    for cx in range(2):
        for cy in range(2):
            for hx in range(2):
                for hy in range(2):
                    histogram[:, :, cx, cy] += both[hy : hy + blocks_down, hx : hx + blocks_across, :,
                                                    2 * cx + hx, 2 * cy + hy]  # fmt: skip
    histogram = histogram.reshape(blocks_down, blocks_across, 4 * BINS)
    norm = np.sqrt(np.einsum("ijk,ijk->ij", histogram, histogram))[..., None]
    histogram = np.minimum(histogram / (norm + np.float32(0.1 * 4 * BINS)), np.float32(L2HYS_CLIP))
    norm = np.sqrt(np.einsum("ijk,ijk->ij", histogram, histogram))[..., None]
    return histogram / (norm + np.float32(1e-3))


def window_scores(image: NDArray[np.uint8]) -> FloatArray:
    """SVM score of every 64x128 window on the 8-pixel grid.

    Returns:
        (rows, cols) float32: ``[i, j]`` scores the window whose top-left corner is pixel ``(8j, 8i)``; empty
        when the image is smaller than a window.
    """
    weights, bias = people_svm()
    blocks = block_descriptors(image)
    rows, cols = blocks.shape[0] - BLOCKS_Y + 1, blocks.shape[1] - BLOCKS_X + 1
    if rows <= 0 or cols <= 0:
        return np.zeros((max(rows, 0), max(cols, 0)), dtype=np.float32)
    per_block = blocks @ weights.T  # (block rows, block cols, 105): every block against every window position
    scores = np.full((rows, cols), bias, dtype=np.float32)
    for bx in range(BLOCKS_X):
        for by in range(BLOCKS_Y):
            scores += per_block[by : by + rows, bx : bx + cols, bx * BLOCKS_Y + by]
    return scores


class HogDetector:
    """Multi-scale HOG + linear SVM people detector (see the module docstring).

    Args:
        upscale: enlarge the frame by this factor first. The detector finds people at least ~96 px tall (the
            person inside its 64x128 window); 1.5 finds people down to ~64 px, at 2.25 times the cost.
        hit_threshold: minimum SVM score of a candidate window (0: the SVM's decision boundary).
        scale_step: ratio between successive scan scales, > 1.
        nms_iou: greedy NMS IoU threshold between candidate boxes (after ``person_box`` shrinking), in (0, 1].
        min_neighbors: a kept box must have suppressed at least this many candidates.
        max_levels: at most this many scales.
        person_box: report the part of the window the person fills (``PERSON_MARGINS``) rather than the whole
            window, which has a margin around the person.

    Raises:
        ValueError: a parameter outside its range.
    """

    name: ClassVar[str] = "hog"

    def __init__(
        self,
        upscale: float = 1.0,
        hit_threshold: float = 0.0,
        scale_step: float = 1.05,
        nms_iou: float = 0.3,
        min_neighbors: int = 1,
        max_levels: int = 64,
        person_box: bool = True,
    ) -> None:
        if not upscale > 0:
            raise ValueError(f"upscale: expected a factor > 0, got {upscale!r}")
        if not scale_step > 1:
            raise ValueError(f"scale_step: expected a ratio > 1, got {scale_step!r}")
        if not 0 < nms_iou <= 1:
            raise ValueError(f"nms_iou: expected an IoU in (0, 1], got {nms_iou!r}")
        if int(min_neighbors) != min_neighbors or min_neighbors < 0:
            raise ValueError(f"min_neighbors: expected an integer >= 0, got {min_neighbors!r}")
        if int(max_levels) != max_levels or max_levels < 1:
            raise ValueError(f"max_levels: expected an integer >= 1, got {max_levels!r}")
        if not np.isfinite(hit_threshold):
            raise ValueError(f"hit_threshold: expected a finite score, got {hit_threshold!r}")
        self.upscale = float(upscale)
        self.hit_threshold = float(hit_threshold)
        self.scale_step = float(scale_step)
        self.nms_iou = float(nms_iou)
        self.min_neighbors = int(min_neighbors)
        self.max_levels = int(max_levels)
        self.person_box = bool(person_box)

    def __repr__(self) -> str:
        return f"HogDetector({', '.join(f'{k}={v!r}' for k, v in self.settings().items() if k != 'version')})"

    def settings(self) -> dict[str, Any]:
        """Every parameter (and an implementation version), JSON-able."""
        return {
            "upscale": self.upscale,
            "hit_threshold": self.hit_threshold,
            "scale_step": self.scale_step,
            "nms_iou": self.nms_iou,
            "min_neighbors": self.min_neighbors,
            "max_levels": self.max_levels,
            "person_box": self.person_box,
            "version": 1,
        }

    def candidates(self, frame_bgr: NDArray[np.uint8]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Every window scoring at least ``hit_threshold`` at every scale: (N, 4) xyxy frame pixels and (N,) scores."""
        import cv2

        image = as_bgr_frame(frame_bgr)
        if self.upscale != 1.0:
            image = cv2.resize(image, None, fx=self.upscale, fy=self.upscale, interpolation=cv2.INTER_LINEAR)
        height, width = image.shape[:2]
        boxes, scores = [np.zeros((0, 4))], [np.zeros(0)]
        scale = 1.0
        for _ in range(self.max_levels):
            size = (round(width / scale), round(height / scale))
            if size[0] < WINDOW_WIDTH or size[1] < WINDOW_HEIGHT:
                break
            level = image if scale == 1.0 else cv2.resize(image, size, interpolation=cv2.INTER_LINEAR_EXACT)
            level_scores = window_scores(level)
            rows, cols = np.nonzero(level_scores >= self.hit_threshold)
            x, y = cols * CELL * scale, rows * CELL * scale
            boxes.append(np.column_stack([x, y, x + WINDOW_WIDTH * scale, y + WINDOW_HEIGHT * scale]))
            scores.append(level_scores[rows, cols].astype(np.float64))
            scale *= self.scale_step
        all_boxes = np.concatenate(boxes) / self.upscale
        if self.person_box:
            left, top, right, bottom = PERSON_MARGINS
            size_w = all_boxes[:, 2:3] - all_boxes[:, 0:1]
            size_h = all_boxes[:, 3:4] - all_boxes[:, 1:2]
            all_boxes = all_boxes + np.hstack([left * size_w, top * size_h, -right * size_w, -bottom * size_h])
        return all_boxes, np.concatenate(scores)

    def detect(self, frame_bgr: NDArray[np.uint8]) -> Detections:
        """People in one frame: xyxy pixel boxes and SVM scores (>= ``hit_threshold``)."""
        boxes, scores = self.candidates(frame_bgr)
        keep = greedy_nms(boxes, scores, self.nms_iou, self.min_neighbors)
        return Detections(boxes[keep], scores[keep])

