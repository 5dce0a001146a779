"""A deterministic synthetic pedestrian scene: trajectories, ground truth, simulated detections and rendered frames.

``make_scene(seed)`` builds, with numpy only and from ``seed`` alone, a street seen by a static camera:

- People enter at the left or right image border, walk across with smooth, slowly varying velocities (walking
  speed 1.0-1.6 m/s, converted to pixels with the person's height, so near people move faster), drift in depth, and
  leave at the opposite border. Consecutive people walk in opposite directions, so they meet and cross.
- A simple ground-plane perspective: a person whose feet are lower in the image is nearer, taller, and drawn in
  front of people farther away. Two static occluders (an advertising column and a low wall) stand on the ground
  and hide the people behind them.
- Every person has a distinct appearance (shirt colour and pattern, trousers, skin, hair) used by the renderer.

Ground truth (``GroundTruth``): one row per person and frame while at least ``MIN_IN_IMAGE`` of the person's box is
inside the image; boxes are the full-body box clipped to the image (the simulated detector cannot see past the
border either); class 1 (pedestrian), consider flag 1; ``visibility`` is the fraction of the full (unclipped) body
box that is inside the image and not covered by an occluder or by a nearer person's box, measured on a
``VISIBILITY_GRID`` grid of points (box-level occlusion, the MOTChallenge convention).

Detections (``DetectionTable``) simulate a detector:

- misses: a person is missed with probability ``miss_probability(visibility)`` (about 2% when fully visible, 50% at
  35% visible, almost always when hidden); misses are correlated in time through a latent AR(1) Gaussian per
  person (correlation ``MISS_CORRELATION`` from one frame to the next), so they come in runs as with real detectors;
- box jitter: centre and log-size noise proportional to the box height;
- scores rising with visibility (about 0.3 + 0.65 * visibility, with noise);
- false positives: clutter boxes of plausible pedestrian size that persist a few frames, about
  ``CLUTTER_PER_FRAME`` per frame, with lower scores.

Frames are rendered lazily with OpenCV by ``SyntheticScene.frame(index)``: a textured background, people as coloured
figures with swinging arms and legs, and the occluders, painted far to near.

Example:
    >>> scene = make_scene(seed=0, num_frames=50)
    >>> scene.info.num_frames, scene.info.width, scene.info.height
    (50, 960, 540)
    >>> bool((scene.ground_truth.visibility >= 0).all() and (scene.ground_truth.visibility <= 1).all())
    True
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mot.boxes import xyxy_to_ltwh
from mot.io import SequenceInfo, write_text_atomically
from mot.types import DetectionTable, GroundTruth

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Image = NDArray[np.uint8]

#: Feet of the farthest and nearest walkers, as fractions of the image height.
FAR_FOOT, NEAR_FOOT = 0.52, 0.97
#: Person height (pixels) as a fraction of the image height at the far and near foot line.
FAR_HEIGHT, NEAR_HEIGHT = 0.20, 0.48
#: Box width over box height (MOTChallenge pedestrians are about 0.41).
ASPECT = 0.41
#: Body height in metres, to convert walking speeds (m/s) into pixels per second.
BODY_METRES = 1.75
#: Ground-truth rows exist while at least this fraction of the body box is inside the image.
MIN_IN_IMAGE = 0.2
#: Points per box (rows, columns) on which visibility is measured.
VISIBILITY_GRID = (24, 12)
#: Frame-to-frame correlation of the latent variable that decides misses.
MISS_CORRELATION = 0.85
#: Mean number of false-positive boxes per frame.
CLUTTER_PER_FRAME = 2.5
#: Mean number of frames a false positive persists.
CLUTTER_FRAMES = 3.0


@dataclass(frozen=True)
class Occluder:
    """A static object standing on the ground.

    Attributes:
        box_xyxy: (x1, y1, x2, y2) pixels of the object in the image.
        kind: ``"column"`` (an advertising column) or ``"wall"`` (a low brick wall); only the renderer reads it.

    People whose feet are above the object's base (``box_xyxy[3]``, farther from the camera) are behind it.
    """

    box_xyxy: tuple[float, float, float, float]
    kind: str

    @property
    def base_y(self) -> float:
        """Image row where the object touches the ground (its depth)."""
        return self.box_xyxy[3]


@dataclass(frozen=True)
class Appearance:
    """How the renderer draws one person. Colours are (b, g, r) in 0..255.

    Attributes:
        shirt, trousers, skin, hair: colours.
        pattern: shirt texture: ``plain``, ``hstripes``, ``vstripes``, ``split`` or ``checks``.
        accent: second colour of the shirt texture.
    """

    shirt: tuple[int, int, int]
    trousers: tuple[int, int, int]
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    pattern: str
    accent: tuple[int, int, int]


@dataclass(frozen=True, eq=False)
class SyntheticScene:
    """A generated scene: sequence facts, ground truth, simulated detections, and lazily rendered frames.

    Attributes:
        info: ``SequenceInfo`` (name ``SYNTH-01``, ``image_dir`` ``img1``, ``.jpg``).
        ground_truth: the people (ids 1..P), 0-based frames, xyxy boxes clipped to the image.
        detections: simulated detector output (0-based frames, xyxy).
        occluders: the static occluders.
        appearances: one per person (index = id - 1).
        seed: the seed it was made from.
        people_boxes_xyxy: (P, F, 4) float64 full (unclipped) body boxes, NaN where a person is off screen.
    """

    info: SequenceInfo
    ground_truth: GroundTruth
    detections: DetectionTable
    occluders: tuple[Occluder, ...]
    appearances: tuple[Appearance, ...]
    seed: int
    people_boxes_xyxy: FloatArray = field(repr=False)
    _walk_phase: FloatArray = field(repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.people_boxes_xyxy.flags.writeable = False
        self._walk_phase.flags.writeable = False

    @property
    def num_frames(self) -> int:
        """Number of frames."""
        return self.info.num_frames

    def frame(self, index: int) -> Image:
        """Render a 0-based frame: (H, W, 3) uint8 BGR.

        Raises:
            IndexError: ``index`` outside ``0..num_frames-1``.
        """
        if not 0 <= index < self.info.num_frames:
            raise IndexError(f"frame: expected 0..{self.info.num_frames - 1}, got {index}")
        if "background" not in self._cache:
            self._cache["background"] = _render_background(self.info.width, self.info.height, self.seed)
        image = self._cache["background"].copy()
        boxes = self.people_boxes_xyxy[:, index]
        present = np.flatnonzero(np.isfinite(boxes[:, 0]))
        layers = [(float(boxes[p, 3]), 0, int(p)) for p in present]
        layers += [(o.base_y, 1, i) for i, o in enumerate(self.occluders)]
        for _, kind, item in sorted(layers):  # far to near (painter's algorithm)
            if kind == 0:
                _draw_person(image, boxes[item], float(self._walk_phase[item, index]), self.appearances[item])
            else:
                _draw_occluder(image, self.occluders[item])
        return image

    def frames(self) -> Iterator[Image]:
        """Every frame in order, rendered one at a time."""
        for index in range(self.info.num_frames):
            yield self.frame(index)


def make_scene(
    seed: int = 0,
    num_frames: int = 300,
    frame_rate: float = 25.0,
    width: int = 960,
    height: int = 540,
    num_people: int = 8,
) -> SyntheticScene:
    """Generate a deterministic synthetic scene (the same arguments always give identical arrays).

    Args:
        seed: random seed; every random choice derives from it.
        num_frames: sequence length in frames.
        frame_rate: frames per second (velocities are in metres per second, so it changes pixels per frame).
        width: image width in pixels (at least 160).
        height: image height in pixels (at least 120).
        num_people: number of people; each is on screen around a different part of the sequence.

    Returns:
        The scene; frames are rendered when asked for.

    Raises:
        ValueError: a non-positive length or frame rate, a negative number of people, or a too small image.
    """
    if isinstance(num_frames, bool) or int(num_frames) != num_frames or num_frames < 1:
        raise ValueError(f"num_frames: expected an integer >= 1, got {num_frames!r}")
    if not (math.isfinite(frame_rate) and frame_rate > 0):
        raise ValueError(f"frame_rate: expected a positive number of frames per second, got {frame_rate!r}")
    if width < 160 or height < 120:
        raise ValueError(f"image size: expected at least 160 x 120 pixels, got {width} x {height}")
    if int(num_people) != num_people or num_people < 0:
        raise ValueError(f"num_people: expected an integer >= 0, got {num_people!r}")
    num_frames, num_people, width, height = int(num_frames), int(num_people), int(width), int(height)
    walk_rng, look_rng, detect_rng, clutter_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    occluders = _occluders(width, height)
    boxes, phase = _walk(walk_rng, num_people, num_frames, frame_rate, width, height)
    ground_truth = _ground_truth(boxes, occluders, width, height)
    detections = _simulate_detections(ground_truth, detect_rng, clutter_rng, num_frames, width, height)
    info = SequenceInfo("SYNTH-01", float(frame_rate), num_frames, width, height, "img1", ".jpg")
    return SyntheticScene(
        info, ground_truth, detections, occluders, _appearances(look_rng, num_people), int(seed), boxes, phase
    )


# --- geometry and motion ----------------------------------------------------------------------------------------


def _foot_y(depth: FloatArray, height: int) -> FloatArray:
    """Image row of the feet for depth 0 (far) .. 1 (near)."""
    return height * (FAR_FOOT + (NEAR_FOOT - FAR_FOOT) * depth)


def _body_height(depth: FloatArray, height: int) -> FloatArray:
    """Person height in pixels for depth 0 (far) .. 1 (near)."""
    return height * (FAR_HEIGHT + (NEAR_HEIGHT - FAR_HEIGHT) * depth)


def _occluders(width: int, height: int) -> tuple[Occluder, ...]:
    """An advertising column in the right half and a low wall in the left half, both in the walking area."""
    column_base = height * 0.90
    column = Occluder((width * 0.60, height * 0.22, width * 0.60 + width * 0.055, column_base), "column")
    wall_base = height * 0.745
    wall = Occluder((width * 0.10, wall_base - height * 0.15, width * 0.36, wall_base), "wall")
    return column, wall


def _walk(
    rng: np.random.Generator, people: int, num_frames: int, frame_rate: float, width: int, height: int
) -> tuple[FloatArray, FloatArray]:
    """Trajectories of people crossing the image; returns (P, F, 4) full boxes (NaN off screen) and walk phases."""
    boxes = np.full((people, num_frames, 4), np.nan)
    phase = np.zeros((people, num_frames))
    if people == 0:
        return boxes, phase
    # depths stratified so that people spread over the walking area; a drift of up to a quarter of it
    start_depth = rng.permutation((np.arange(people) + rng.uniform(0.15, 0.85, people)) / people)
    end_depth = np.clip(start_depth + rng.uniform(-0.25, 0.25, people), 0.0, 1.0)
    direction = np.where(np.arange(people) % 2 == 0, 1.0, -1.0)  # neighbours in time walk towards each other
    speed = rng.uniform(1.0, 1.6, people)  # metres per second
    wobble = rng.uniform(0.08, 0.18, people), rng.uniform(2.0, 5.0, people), rng.uniform(0, 2 * np.pi, people)
    sway = rng.uniform(0.01, 0.03, people), rng.uniform(3.0, 7.0, people), rng.uniform(0, 2 * np.pi, people)
    half_width = 0.5 * ASPECT * _body_height(start_depth, height)
    start_x = np.where(direction > 0, -half_width, width + half_width)
    end_x = np.where(direction > 0, width + width * 0.1, -width * 0.1)
    x, walked = start_x.copy(), np.zeros(people)
    centres, depths, phases = [], [], []
    gone = np.zeros(people, dtype=bool)
    step = 0
    while not gone.all() and step < int(120 * frame_rate):
        t = step / frame_rate
        progress = np.clip((x - start_x) / (end_x - start_x), 0.0, 1.0)
        depth = start_depth + (end_depth - start_depth) * progress + sway[0] * np.sin(2 * np.pi * t / sway[1] + sway[2])
        body = _body_height(depth, height)
        centres.append(x.copy())
        depths.append(depth)
        phases.append(walked / (0.45 * body) * np.pi)
        metres_per_second = speed * (1.0 + wobble[0] * np.sin(2 * np.pi * t / wobble[1] + wobble[2]))
        dx = direction * metres_per_second * body / BODY_METRES / frame_rate
        x += dx
        walked += np.abs(dx)
        gone |= np.where(direction > 0, x - 0.5 * ASPECT * body > width, x + 0.5 * ASPECT * body < 0)
        step += 1
    centre_x, depth, walk_phase = np.array(centres).T, np.array(depths).T, np.array(phases).T  # (P, steps)
    body = _body_height(depth, height)
    foot = _foot_y(depth, height)
    track = np.stack([centre_x - 0.5 * ASPECT * body, foot - body, centre_x + 0.5 * ASPECT * body, foot], axis=-1)
    on_screen = (track[..., 2] > 0) & (track[..., 0] < width)
    duration = on_screen.sum(axis=1)
    first = on_screen.argmax(axis=1)
    # each person is on screen around a different part of the sequence (stratified middle times)
    middle = (np.arange(people) + rng.uniform(0.25, 0.75, people)) / people * num_frames
    enter = np.round(middle - duration / 2).astype(np.int64) - first
    for p in range(people):
        steps = np.arange(centre_x.shape[1])
        frames = enter[p] + steps
        keep = on_screen[p] & (frames >= 0) & (frames < num_frames)
        boxes[p, frames[keep]] = track[p, steps[keep]]
        phase[p, frames[keep]] = walk_phase[p, steps[keep]]
    return boxes, phase


def _covered(points: FloatArray, rects: FloatArray) -> NDArray[np.bool_]:
    """(N, G) mask of points (N, G, 2) inside any of the rectangles (N, R, 4) of the same row."""
    if rects.shape[1] == 0:
        return np.zeros(points.shape[:2], dtype=bool)
    x, y = points[..., 0][:, :, None], points[..., 1][:, :, None]
    r = rects[:, None, :, :]
    return np.asarray(((x >= r[..., 0]) & (x < r[..., 2]) & (y >= r[..., 1]) & (y < r[..., 3])).any(axis=2))


def _visibility(boxes: FloatArray, occluders: tuple[Occluder, ...], width: int, height: int) -> FloatArray:
    """Visible fraction of each of the (N, 4) boxes of one frame (feet lower = nearer = in front)."""
    rows, cols = VISIBILITY_GRID
    u = (np.arange(cols) + 0.5) / cols
    v = (np.arange(rows) + 0.5) / rows
    grid_u, grid_v = np.meshgrid(u, v)
    span = boxes[:, 2:] - boxes[:, :2]
    points = boxes[:, None, :2] + np.stack([grid_u.ravel(), grid_v.ravel()], axis=-1)[None] * span[:, None]
    inside = (points[..., 0] >= 0) & (points[..., 0] < width) & (points[..., 1] >= 0) & (points[..., 1] < height)
    count = len(boxes)
    order = np.lexsort((np.arange(count), boxes[:, 3]))  # rank by depth, ties by index
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count)
    in_front = rank[None, :] > rank[:, None]  # (N, N): column person is in front of row person
    people = np.where(in_front[..., None], boxes[None, :, :], np.nan)
    static = np.array([o.box_xyxy for o in occluders]).reshape(-1, 4)
    base = np.array([o.base_y for o in occluders])
    static_front = np.where((base[None, :] > boxes[:, 3:4])[..., None], static[None], np.nan)
    hidden = _covered(points, np.concatenate([people, static_front], axis=1))
    return (inside & ~hidden).mean(axis=1)


def _ground_truth(boxes: FloatArray, occluders: tuple[Occluder, ...], width: int, height: int) -> GroundTruth:
    """GroundTruth rows (clipped boxes, class 1, consider 1, visibility) from the (P, F, 4) trajectories."""
    people, num_frames = boxes.shape[:2]
    frames, ids, rows, visibility = [], [], [], []
    upper = np.array([width, height, width, height], dtype=np.float64)
    for frame in range(num_frames):
        present = np.flatnonzero(np.isfinite(boxes[:, frame, 0]))
        if len(present) == 0:
            continue
        full = boxes[present, frame]
        clipped = np.clip(full, 0, upper)
        area = lambda b: (b[:, 2] - b[:, 0]).clip(0) * (b[:, 3] - b[:, 1]).clip(0)  # noqa: E731
        keep = area(clipped) >= MIN_IN_IMAGE * area(full)
        frames.append(np.full(int(keep.sum()), frame))
        ids.append(present[keep] + 1)
        rows.append(clipped[keep])
        visibility.append(_visibility(full, occluders, width, height)[keep])
    if not frames:
        empty = np.zeros(0, dtype=np.int64)
        return GroundTruth(empty, empty, np.zeros((0, 4)), np.zeros(0, bool), empty, np.zeros(0), num_frames)
    count = sum(len(f) for f in frames)
    return GroundTruth(
        np.concatenate(frames), np.concatenate(ids), np.concatenate(rows), np.ones(count, dtype=bool),
        np.ones(count, dtype=np.int64), np.round(np.concatenate(visibility), 6), num_frames,
    )  # fmt: skip


# --- the simulated detector -----------------------------------------------------------------------------------


def miss_probability(visibility: FloatArray) -> FloatArray:
    """Probability that the simulated detector misses a person of the given visible fraction (0..1).

    >>> miss_probability(np.array([1.0, 0.35, 0.0])).round(2).tolist()
    [0.02, 0.5, 0.98]
    """
    visibility = np.asarray(visibility, dtype=np.float64)
    return 0.02 + 0.97 / (1.0 + np.exp((visibility - 0.35) / 0.07))


def _normal_cdf(z: FloatArray) -> FloatArray:
    erf = np.frompyfunc(math.erf, 1, 1)
    return 0.5 * (1.0 + np.asarray(erf(z / math.sqrt(2.0)), dtype=np.float64))


def _latent_runs(rng: np.random.Generator, people: int, num_frames: int) -> FloatArray:
    """(P, F) stationary AR(1) standard normal series, correlation ``MISS_CORRELATION`` between frames."""
    z = np.zeros((people, num_frames))
    noise = rng.standard_normal((people, num_frames))
    z[:, 0] = noise[:, 0]
    keep = math.sqrt(1.0 - MISS_CORRELATION**2)
    for frame in range(1, num_frames):
        z[:, frame] = MISS_CORRELATION * z[:, frame - 1] + keep * noise[:, frame]
    return z


def _clip_boxes(boxes: FloatArray, width: int, height: int, min_size: float = 2.0) -> FloatArray:
    """Clip xyxy boxes to the image keeping at least ``min_size`` pixels of width and height."""
    x1 = np.clip(boxes[:, 0], 0, width - min_size)
    y1 = np.clip(boxes[:, 1], 0, height - min_size)
    x2 = np.clip(boxes[:, 2], x1 + min_size, width)
    y2 = np.clip(boxes[:, 3], y1 + min_size, height)
    return np.column_stack([x1, y1, x2, y2])


def _simulate_detections(
    truth: GroundTruth, rng: np.random.Generator, clutter_rng: np.random.Generator, num_frames: int,
    width: int, height: int,
) -> DetectionTable:  # fmt: skip
    """Misses (by visibility, in runs), jittered boxes, visibility-driven scores, and persistent clutter."""
    people = int(truth.track_ids.max()) if len(truth) else 0
    latent = _latent_runs(rng, max(people, 1), num_frames)
    uniform = _normal_cdf(latent[truth.track_ids - 1, truth.frames]) if len(truth) else np.zeros(0)
    seen = uniform >= miss_probability(truth.visibility)
    boxes = truth.boxes_xyxy[seen]
    box_height = boxes[:, 3] - boxes[:, 1]
    jitter = rng.normal(0, 1, (len(boxes), 2)) * box_height[:, None] * [0.02, 0.015]
    centre = 0.5 * (boxes[:, :2] + boxes[:, 2:]) + jitter
    size = (boxes[:, 2:] - boxes[:, :2]) * np.exp(rng.normal(0, 0.04, (len(boxes), 2)))
    people_boxes = _clip_boxes(np.hstack([centre - size / 2, centre + size / 2]), width, height)
    people_scores = np.clip(0.3 + 0.65 * truth.visibility[seen] + rng.normal(0, 0.06, len(boxes)), 0.05, 0.99)
    clutter_frames, clutter_boxes, clutter_scores = _clutter(clutter_rng, num_frames, width, height)
    return DetectionTable(
        np.concatenate([truth.frames[seen], clutter_frames]),
        np.concatenate([people_boxes, clutter_boxes]),
        np.round(np.concatenate([people_scores, clutter_scores]), 4),
        num_frames,
    )


def _clutter(
    rng: np.random.Generator, num_frames: int, width: int, height: int
) -> tuple[IntArray, FloatArray, FloatArray]:
    """False positives: pedestrian-sized boxes that appear at random and persist a few frames with small jitter."""
    starts = rng.poisson(CLUTTER_PER_FRAME / CLUTTER_FRAMES, num_frames)
    count = int(starts.sum())
    first = np.repeat(np.arange(num_frames), starts)
    duration = rng.geometric(1.0 / CLUTTER_FRAMES, count)
    depth = rng.uniform(0, 1, count)
    box_height = _body_height(depth, height) * rng.uniform(0.5, 1.1, count)
    box_width = box_height * rng.uniform(0.3, 0.55, count)
    centre_x = rng.uniform(0, width, count)
    foot = _foot_y(depth, height) + rng.uniform(-0.1, 0.1, count) * height
    score = rng.uniform(0.05, 0.55, count)
    source = np.repeat(np.arange(count), duration)
    frames = first[source] + (np.arange(len(source)) - np.repeat(np.cumsum(duration) - duration, duration))
    keep = frames < num_frames
    source, frames = source[keep], frames[keep]
    jitter = rng.normal(0, 1, (len(source), 2)) * box_height[source, None] * 0.02
    cx, bottom = centre_x[source] + jitter[:, 0], foot[source] + jitter[:, 1]
    h, w = box_height[source], box_width[source]
    boxes = _clip_boxes(np.column_stack([cx - w / 2, bottom - h, cx + w / 2, bottom]), width, height)
    scores = np.clip(score[source] + rng.normal(0, 0.04, len(source)), 0.01, 0.99)
    return frames.astype(np.int64), boxes, scores


# --- appearance and rendering ---------------------------------------------------------------------------------

_TROUSERS = ((70, 45, 30), (40, 40, 40), (120, 120, 120), (90, 140, 170), (35, 60, 95), (140, 90, 60), (60, 60, 110))
_SKIN = ((180, 200, 235), (140, 170, 215), (95, 130, 180), (60, 90, 140), (160, 190, 225))
_HAIR = ((30, 30, 30), (40, 70, 110), (60, 120, 190), (200, 200, 200), (20, 40, 70))
_PATTERNS = ("plain", "hstripes", "vstripes", "split", "checks")


def _bgr(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return int(round(b * 255)), int(round(g * 255)), int(round(r * 255))


def _appearances(rng: np.random.Generator, people: int) -> tuple[Appearance, ...]:
    """Distinct looks: shirt hues spread by the golden ratio, cycling patterns and trousers."""
    offset = rng.uniform(0, 1)
    looks = []
    for p in range(people):
        hue = offset + p * 0.618034
        looks.append(
            Appearance(
                shirt=_bgr(hue, rng.uniform(0.6, 0.9), rng.uniform(0.75, 0.95)),
                trousers=_TROUSERS[int(rng.integers(len(_TROUSERS)))],
                skin=_SKIN[int(rng.integers(len(_SKIN)))],
                hair=_HAIR[int(rng.integers(len(_HAIR)))],
                pattern=_PATTERNS[p % len(_PATTERNS)],
                accent=_bgr(hue + 0.5, 0.3, rng.uniform(0.85, 1.0)),
            )
        )
    return tuple(looks)


def _render_background(width: int, height: int, seed: int) -> Image:
    """A building facade with windows above a paved ground with perspective joints and a little noise."""
    import cv2

    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(5)[4])
    horizon = int(height * 0.40)
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:horizon] = (150, 170, 190)  # facade
    window_w, window_h = max(width // 16, 8), max(horizon // 4, 6)
    for row in range(3):
        for col in range(0, width, int(window_w * 1.8)):
            top = int(horizon * 0.1) + row * int(window_h * 1.25)
            shade = int(rng.integers(70, 110))
            corners = (col + 10, top), (col + 10 + window_w, top + window_h)
            cv2.rectangle(image, *corners, (shade + 30, shade + 10, shade), -1)
            cv2.rectangle(image, *corners, (90, 100, 110), 2)
    cv2.rectangle(image, (0, horizon - 12), (width, horizon), (120, 130, 140), -1)  # kerb of the facade
    ground = np.linspace(120, 175, height - horizon)[:, None, None] * np.array([1.0, 1.0, 0.97])[None, None, :]
    image[horizon:] = ground.astype(np.uint8)
    vanishing_x, vanishing_y = width * 0.5, horizon - height * 0.6
    for x in np.linspace(-width, 2 * width, 25):  # joints converging to a vanishing point
        t = (horizon - vanishing_y) / (height - vanishing_y)
        top_x = vanishing_x + (x - vanishing_x) * t
        cv2.line(image, (int(top_x), horizon), (int(x), height), (105, 108, 110), 1, cv2.LINE_AA)
    y, gap = float(horizon), 6.0
    while y < height:
        cv2.line(image, (0, int(y)), (width, int(y)), (108, 110, 112), 1, cv2.LINE_AA)
        gap *= 1.25
        y += gap
    noise = rng.normal(0, 1, (height // 4 + 1, width // 4 + 1)).astype(np.float32)
    texture = cv2.resize(noise, (width, height), interpolation=cv2.INTER_LINEAR) * 5.0
    fine = rng.normal(0, 3.0, (height, width)).astype(np.float32)
    return np.clip(image.astype(np.float32) + (texture + fine)[..., None], 0, 255).astype(np.uint8)


_SHIFT = 4  # OpenCV fixed-point bits: sub-pixel drawing keeps slow motion smooth
_ONE = 1 << _SHIFT


def _pt(x: float, y: float) -> tuple[int, int]:
    return int(round(x * _ONE)), int(round(y * _ONE))


def _darker(colour: tuple[int, int, int], factor: float = 0.7) -> tuple[int, int, int]:
    return tuple(int(c * factor) for c in colour)  # type: ignore[return-value]


def _draw_person(image: Image, box: FloatArray, phase: float, look: Appearance) -> None:
    """A stick-and-shape figure that fills its xyxy box: head, torso with a pattern, swinging arms and legs."""
    import cv2

    x1, y1, x2, y2 = (float(v) for v in box)
    h, w = y2 - y1, x2 - x1
    cx = 0.5 * (x1 + x2)
    aa = cv2.LINE_AA
    swing = math.sin(phase)
    cv2.ellipse(image, _pt(cx, y2), _pt(0.5 * w, 0.035 * h), 0, 0, 360, (85, 88, 90), -1, aa, _SHIFT)  # shadow
    leg = max(2, int(0.17 * w))
    hip_y = y1 + 0.53 * h
    for side, sign in ((-1, swing), (1, -swing)):
        hip = _pt(cx + side * 0.12 * w, hip_y)
        foot = (cx + side * 0.08 * w + sign * 0.28 * w, y2 - 0.03 * h)
        colour = look.trousers if sign >= 0 else _darker(look.trousers, 0.8)
        cv2.line(image, hip, _pt(*foot), colour, leg, aa, _SHIFT)
        shoe = _pt(foot[0] + 0.05 * w, foot[1])
        cv2.ellipse(image, shoe, _pt(0.1 * w, 0.025 * h), 0, 0, 360, (30, 30, 35), -1, aa, _SHIFT)
    arm = max(2, int(0.12 * w))
    shoulder_y = y1 + 0.2 * h
    _draw_arm(image, cx, -1, -swing, shoulder_y, w, h, look, arm)  # the far arm, behind the torso
    torso = np.array([
        _pt(cx - 0.42 * w, shoulder_y), _pt(cx + 0.42 * w, shoulder_y),
        _pt(cx + 0.32 * w, y1 + 0.56 * h), _pt(cx - 0.32 * w, y1 + 0.56 * h),
    ], dtype=np.int32)  # fmt: skip
    cv2.fillPoly(image, [torso], look.shirt, aa, _SHIFT)
    _draw_pattern(image, cx, shoulder_y, y1 + 0.56 * h, w, look)
    _draw_arm(image, cx, 1, swing, shoulder_y, w, h, look, arm)
    neck_y = y1 + 0.17 * h
    cv2.line(image, _pt(cx, neck_y), _pt(cx, shoulder_y + 0.01 * h), look.skin, max(2, int(0.12 * w)), aa, _SHIFT)
    head = _pt(cx, y1 + 0.095 * h)
    radius = _pt(0.085 * h, 0.09 * h)
    cv2.ellipse(image, head, radius, 0, 0, 360, look.skin, -1, aa, _SHIFT)
    cv2.ellipse(image, head, radius, 0, 180, 360, look.hair, -1, aa, _SHIFT)


def _draw_arm(image: Image, cx: float, side: int, sign: float, shoulder_y: float, w: float, h: float,
              look: Appearance, thickness: int) -> None:  # fmt: skip
    import cv2

    shoulder = (cx + side * 0.36 * w, shoulder_y + 0.02 * h)
    hand = (cx + side * 0.4 * w + sign * 0.12 * w, shoulder_y + 0.3 * h)
    cv2.line(image, _pt(*shoulder), _pt(*hand), _darker(look.shirt, 0.85), thickness, cv2.LINE_AA, _SHIFT)
    cv2.circle(image, _pt(*hand), int(0.05 * h * _ONE), look.skin, -1, cv2.LINE_AA, _SHIFT)


def _draw_pattern(image: Image, cx: float, top: float, bottom: float, w: float, look: Appearance) -> None:
    """Shirt texture inside the torso trapezoid (half widths 0.42 w at the shoulders, 0.32 w at the waist)."""
    import cv2

    def half_width(y: float) -> float:
        return 0.42 * w + (0.32 * w - 0.42 * w) * (y - top) / (bottom - top)

    thickness = max(1, int(round(0.018 * (bottom - top) / 0.36)))  # the torso is 0.36 of the body height
    if look.pattern in ("hstripes", "checks"):
        for y in np.linspace(top, bottom, 7)[1:-1]:
            cv2.line(image, _pt(cx - half_width(y), y), _pt(cx + half_width(y), y), look.accent, thickness,
                     cv2.LINE_AA, _SHIFT)  # fmt: skip
    if look.pattern in ("vstripes", "checks"):
        for f in np.linspace(-0.7, 0.7, 4):
            cv2.line(image, _pt(cx + f * half_width(top), top), _pt(cx + f * half_width(bottom), bottom), look.accent,
                     thickness, cv2.LINE_AA, _SHIFT)  # fmt: skip
    if look.pattern == "split":
        half = np.array([_pt(cx, top), _pt(cx + half_width(top), top), _pt(cx + half_width(bottom), bottom),
                         _pt(cx, bottom)], dtype=np.int32)  # fmt: skip
        cv2.fillPoly(image, [half], look.accent, cv2.LINE_AA, _SHIFT)


def _draw_occluder(image: Image, occluder: Occluder) -> None:
    import cv2

    x1, y1, x2, y2 = (int(round(v)) for v in occluder.box_xyxy)
    if occluder.kind == "column":
        shade = np.cos(np.linspace(-1.2, 1.2, max(x2 - x1, 1)))[None, :, None]
        colour = np.array([60, 110, 70], dtype=np.float64)[None, None, :]  # dark green column, lit from the front
        image[y1:y2, x1:x2] = np.clip(colour * (0.5 + 0.6 * shade), 0, 255).astype(np.uint8)
        poster_top, poster_bottom = y1 + (y2 - y1) // 6, y1 + (y2 - y1) // 2
        cv2.rectangle(image, (x1 + 4, poster_top), (x2 - 4, poster_bottom), (40, 170, 230), -1)
        cv2.rectangle(image, (x1 + 4, poster_top), (x2 - 4, poster_bottom), (20, 60, 90), 2)
        cv2.rectangle(image, (x1 - 3, y1 - 8), (x2 + 3, y1), (40, 70, 45), -1)
    else:
        image[y1:y2, x1:x2] = (70, 90, 150)  # brick red
        rows = max((y2 - y1) // 12, 1)
        for r in range(rows + 1):
            y = y1 + r * (y2 - y1) // rows
            cv2.line(image, (x1, y), (x2, y), (150, 160, 170), 1)
            offset = 0 if r % 2 == 0 else 14
            if r < rows:
                next_y = y1 + (r + 1) * (y2 - y1) // rows
                for x in range(x1 + offset, x2, 28):
                    cv2.line(image, (x, y), (x, next_y), (150, 160, 170), 1)
        cv2.rectangle(image, (x1, y1 - 5), (x2, y1), (120, 125, 130), -1)


# --- MOTChallenge sequence folder -----------------------------------------------------------------------------


def format_ground_truth(ground_truth: GroundTruth) -> str:
    """MOT16-style 9-column ``gt.txt`` text (1-based frames).

    Columns: ``frame, id, left, top, width, height, consider, class, visibility``.
    """
    ltwh = xyxy_to_ltwh(ground_truth.boxes_xyxy)
    return "".join(
        f"{frame},{track_id},{b[0]:.3f},{b[1]:.3f},{b[2]:.3f},{b[3]:.3f},{int(consider)},{cls},{vis:.6g}\n"
        for frame, track_id, b, consider, cls, vis in zip(
            (ground_truth.frames + 1).tolist(),
            ground_truth.track_ids.tolist(),
            ltwh.tolist(),
            ground_truth.consider.tolist(),
            ground_truth.class_ids.tolist(),
            ground_truth.visibility.tolist(),
            strict=True,
        )
    )


def format_detections(detections: DetectionTable) -> str:
    """MOTChallenge ``det.txt`` text: ``frame, -1, left, top, width, height, score, -1, -1, -1`` (1-based)."""
    ltwh = xyxy_to_ltwh(detections.boxes_xyxy)
    return "".join(
        f"{frame},-1,{b[0]:.3f},{b[1]:.3f},{b[2]:.3f},{b[3]:.3f},{score:.4f},-1,-1,-1\n"
        for frame, b, score in zip(
            (detections.frames + 1).tolist(), ltwh.tolist(), detections.scores.tolist(), strict=True
        )
    )


def format_seqinfo(info: SequenceInfo, name: str | None = None) -> str:
    """``seqinfo.ini`` text for a sequence."""
    return (
        "[Sequence]\n"
        f"name={name or info.name}\n"
        f"imDir={info.image_dir or 'img1'}\n"
        f"frameRate={info.frame_rate:g}\n"
        f"seqLength={info.num_frames}\n"
        f"imWidth={info.width}\n"
        f"imHeight={info.height}\n"
        f"imExt={info.image_ext}\n"
    )


def write_mot_sequence(scene: SyntheticScene, folder: str | Path, *, images: bool = False) -> Path:
    """Write the scene as a MOTChallenge sequence folder that ``MOTSequence`` and ``mot eval`` read.

    Writes ``seqinfo.ini`` (named after the folder), ``gt/gt.txt`` (9-column MOT16 style) and ``det/det.txt``, each
    atomically; with ``images`` also renders every frame to ``img1/000001.jpg ...`` (slow: about 5 ms a frame).

    Returns:
        The folder.
    """
    folder = Path(folder)
    write_text_atomically(folder / "seqinfo.ini", format_seqinfo(scene.info, folder.name))
    write_text_atomically(folder / "gt" / "gt.txt", format_ground_truth(scene.ground_truth))
    write_text_atomically(folder / "det" / "det.txt", format_detections(scene.detections))
    if images:
        import cv2

        image_dir = folder / (scene.info.image_dir or "img1")
        image_dir.mkdir(parents=True, exist_ok=True)
        for index, image in enumerate(scene.frames()):
            path = image_dir / f"{index + 1:06d}{scene.info.image_ext}"
            if not cv2.imwrite(str(path), image):
                raise OSError(f"cannot write frame image {path}")
    return folder
