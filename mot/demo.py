"""``mot demo``: the whole pipeline on a generated scene, with no download and no shared data.

``run_demo(out_dir)`` generates the deterministic synthetic scene of ``mot.synthetic`` (people entering, crossing,
occluding each other and hidden by static objects, with simulated detector misses, jitter and false positives),
writes it as a MOTChallenge sequence, tracks its detections with the shipped cost model, scores the tracks with the
official MOT16 protocol (TrackEval), and renders the tracks into a video:

    OUT_DIR/data/SYNTH-01/{seqinfo.ini, gt/gt.txt, det/det.txt}   the scene as a MOTChallenge sequence
    OUT_DIR/results/SYNTH-01.txt                                  the tracks (MOTChallenge results)
    OUT_DIR/demo.mp4                                              boxes, ids and trails drawn on the frames

The written files are ordinary MOTChallenge files, so ``mot eval OUT_DIR/data OUT_DIR/results`` scores them again.

Example:
    >>> result = run_demo("demo-out", render=False)  # doctest: +SKIP
    >>> print(result.summary())  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mot.io import write_results
from mot.metrics import EvaluationReport, evaluate
from mot.synthetic import SyntheticScene, make_scene, write_mot_sequence
from mot.types import Tracks

logger = logging.getLogger(__name__)

SEQUENCE_NAME = "SYNTH-01"
BENCHMARK = "MOT16"


@dataclass(frozen=True, eq=False)
class DemoResult:
    """What ``run_demo`` did and where it wrote it.

    Attributes:
        report: the MOT16 evaluation of the tracks against the scene's ground truth.
        scene: the generated scene.
        tracks: the tracker's output.
        sequence_dir: the MOTChallenge sequence folder written (``OUT_DIR/data/SYNTH-01``).
        results_path: the results file (``OUT_DIR/results/SYNTH-01.txt``).
        video_path: the rendered video, or None when rendering was off.
        seconds: wall-clock seconds per stage: ``generate``, ``track``, ``evaluate``, ``render`` (0 when off).
        online: whether the tracker ran in online mode.
    """

    report: EvaluationReport
    scene: SyntheticScene = field(repr=False)
    tracks: Tracks = field(repr=False)
    sequence_dir: Path
    results_path: Path
    video_path: Path | None
    seconds: dict[str, float]
    online: bool

    @property
    def metrics(self) -> dict[str, float | int]:
        """The sequence's metrics (``mot.metrics.METRIC_KEYS``; percentages 0-100)."""
        return self.report.sequences[SEQUENCE_NAME]

    @property
    def tracking_fps(self) -> float:
        """Frames tracked per second of tracking time (detections given; no detector in the loop)."""
        elapsed = self.seconds["track"]
        return self.scene.num_frames / elapsed if elapsed > 0 else float("inf")

    def summary(self) -> str:
        """The metrics table, the scene and tracker in one line each, where the files are, and the timing."""
        info, gt = self.scene.info, self.scene.ground_truth
        data_root = self.sequence_dir.parent
        lines = [
            f"Synthetic scene {SEQUENCE_NAME} (seed {self.scene.seed}): {info.num_frames} frames at "
            f"{info.frame_rate:g} fps, {info.width}x{info.height}, {len(np.unique(gt.track_ids))} people, "
            f"{len(gt)} ground-truth boxes, {len(self.scene.detections)} detections",
            f"Tracker: lifted multicut ({'online' if self.online else 'offline'}), "
            f"{len(self.tracks.unique_ids)} tracks, {self.seconds['track']:.2f} s ({self.tracking_fps:.0f} frames/s)",
            "",
            f"{BENCHMARK} evaluation (TrackEval):",
            self.report.table(),
            "",
            "Wrote:",
            f"  sequence  {self.sequence_dir}  (seqinfo.ini, gt/gt.txt, det/det.txt)",
            f"  results   {self.results_path}",
        ]
        if self.video_path is not None:
            lines.append(f"  video     {self.video_path}")
        stages = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.seconds.items())
        lines += [
            f"Time: {stages}; total {sum(self.seconds.values()):.2f} s",
            f"Score again with: mot eval {data_root} {self.results_path.parent} --benchmark {BENCHMARK}",
        ]
        return "\n".join(lines)


def run_demo(
    out_dir: str | Path,
    seed: int = 0,
    online: bool = False,
    render: bool = True,
    progress: bool = False,
    *,
    num_frames: int = 300,
) -> DemoResult:
    """Generate the synthetic scene, track it, score it and render the tracks.

    Args:
        out_dir: folder for everything written (created; files of a previous demo there are replaced).
        seed: scene seed; the same seed gives the same scene, tracks and metrics.
        online: run the tracker in online mode (short chunks, bounded identity latency).
        render: write ``OUT_DIR/demo.mp4``.
        progress: show a progress bar while rendering (tqdm, on stderr).
        num_frames: scene length (25 frames a second).

    Returns:
        ``DemoResult``; ``print(result.summary())`` shows the metrics table and the paths.
    """
    out_dir = Path(out_dir)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    scene = make_scene(seed=seed, num_frames=num_frames)
    sequence_dir = write_mot_sequence(scene, out_dir / "data" / SEQUENCE_NAME)
    seconds["generate"] = time.perf_counter() - started

    from mot.pipeline import track_sequence  # the tracker's stage packages load only when a demo runs

    started = time.perf_counter()
    tracks = track_sequence(scene.detections, scene.info, online=online)
    seconds["track"] = time.perf_counter() - started
    results_path = write_results(out_dir / "results" / f"{SEQUENCE_NAME}.txt", tracks)
    logger.info("tracked %d frames into %d tracks", scene.num_frames, len(tracks.unique_ids))

    started = time.perf_counter()
    report = evaluate(out_dir / "data", out_dir / "results", BENCHMARK, [SEQUENCE_NAME], workers=1)
    seconds["evaluate"] = time.perf_counter() - started

    video_path = None
    seconds["render"] = 0.0
    if render:
        from mot.render import render_tracks

        started = time.perf_counter()
        frames = scene.frames()
        if progress:
            from tqdm import tqdm

            frames = tqdm(frames, total=scene.num_frames, desc="rendering", unit="frame")
        video_path = render_tracks(frames, tracks, out_dir / "demo.mp4", scene.info.frame_rate)
        seconds["render"] = time.perf_counter() - started
    return DemoResult(report, scene, tracks, sequence_dir, results_path, video_path, seconds, online)
