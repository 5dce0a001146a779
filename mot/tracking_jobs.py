"""Batch tracking of MOTChallenge sequences in worker processes (what ``mot track`` runs)."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from mot.errors import MOTError
from mot.io import find_sequences, write_results


@dataclass(frozen=True)
class SequenceOutcome:
    """What tracking one sequence produced."""

    name: str
    frames: int
    detections: int
    tracks: int
    boxes: int
    seconds: float  # inside the tracker (excluding file reading, detection and writing)
    path: str
    detect_seconds: float = 0.0  # running the detector (0 for public or cached detections)
    video: str | None = None


@dataclass(frozen=True)
class _Job:
    source: str
    out_dir: str
    config: dict
    cost_model_path: str | None
    online: bool
    detector: str = "public"
    cache_dir: str | None = None
    render: str | None = None
    progress: bool = False


def _sources(source: str | Path) -> list[Path]:
    """A video file, one sequence folder, or every sequence folder under a root."""
    path = Path(source)
    if path.is_file():
        return [path]
    return [s.path for s in find_sequences(path)]


def _detections(job: _Job, sequence):
    """The sequence's detections and the seconds spent detecting (public: read from det/det.txt)."""
    from mot.io import MOTSequence

    if job.detector == "public":
        if not isinstance(sequence, MOTSequence) or not sequence.has_detections:
            raise MOTError(f"{sequence.path}: public detections need a MOT sequence with det/det.txt; "
                           "use --detector yolo or hog for videos and image folders")  # fmt: skip
        return sequence.detections(), 0.0
    from detectors import cached_detections, get_detector

    detector = get_detector(job.detector)
    cache_dir = Path(job.cache_dir) if job.cache_dir else Path(job.out_dir) / ".detections"
    started = time.perf_counter()
    table = cached_detections(sequence.path, detector, sequence.frames, sequence.info.num_frames, cache_dir,
                              progress=job.progress)  # fmt: skip
    return table, time.perf_counter() - started


def _track_one(job: _Job) -> SequenceOutcome:
    from association.costs import CostModel
    from mot.io import open_sequence
    from mot.pipeline import TrackerConfig, track_sequence

    sequence = open_sequence(job.source)
    detections, detect_seconds = _detections(job, sequence)
    config = TrackerConfig.from_dict(job.config)
    model = CostModel.load(job.cost_model_path)
    started = time.perf_counter()
    tracks = track_sequence(detections, sequence.info, config, online=job.online, cost_model=model)
    seconds = time.perf_counter() - started
    path = write_results(Path(job.out_dir) / f"{sequence.name}.txt", tracks)
    video = None
    if job.render:
        from mot.render import render_tracks

        video = str(render_tracks(sequence.frames(), tracks, job.render, sequence.info.frame_rate))
    return SequenceOutcome(sequence.name, detections.num_frames, len(detections), len(tracks.unique_ids),
                           len(tracks), seconds, str(path), detect_seconds, video)  # fmt: skip


@dataclass
class TrackingSummary:
    """Outcomes of a batch run, printable as a table."""

    outcomes: list[SequenceOutcome]
    wall_seconds: float
    online: bool

    def __str__(self) -> str:
        lines = [f"{'Sequence':<16} {'frames':>7} {'dets':>7} {'tracks':>7} {'boxes':>7} {'FPS':>9}"]
        for o in self.outcomes:
            lines.append(f"{o.name:<16} {o.frames:>7} {o.detections:>7} {o.tracks:>7} {o.boxes:>7} "
                         f"{o.frames / max(o.seconds, 1e-9):>9.1f}")  # fmt: skip
        frames = sum(o.frames for o in self.outcomes)
        inside = sum(o.seconds for o in self.outcomes)
        detecting = sum(o.detect_seconds for o in self.outcomes)
        if detecting:
            lines.append(f"detection: {detecting:.1f} s ({detecting / max(frames, 1):.3f} s/frame, cached for re-runs)")
        lines.extend(f"video: {o.video}" for o in self.outcomes if o.video)
        lines.append(
            f"{len(self.outcomes)} sequence(s), {frames} frames, {'online' if self.online else 'offline'} mode: "
            f"{frames / max(inside, 1e-9):.1f} frames/s inside the tracker, {self.wall_seconds:.1f} s wall time; "
            f"results in {Path(self.outcomes[0].path).parent if self.outcomes else '-'}"
        )
        return "\n".join(lines)


def run_tracking_jobs(
    source: str | Path, out_dir: str | Path, *, config_path: str | None = None, cost_model_path: str | None = None,
    online: bool = False, workers: int | None = None, progress: bool | None = None, detector: str = "public",
    cache_dir: str | None = None, render: str | None = None,
) -> TrackingSummary:  # fmt: skip
    """Track a video file, a sequence, or every sequence under a root into ``out_dir``.

    Public detections run sequences in parallel worker processes; a frame detector (``yolo``, ``hog``) runs them
    one after another (it is the bottleneck and uses the cores itself). ``render`` writes a video of the tracks and
    needs a single source.

    Raises:
        MOTError: unreadable config, no sequences, missing detections, ``render`` with several sources.
    """
    from tqdm import tqdm

    from mot.pipeline import TrackerConfig

    config: dict = {}
    if config_path:
        try:
            config = json.loads(Path(config_path).read_text(encoding="utf-8"))
            TrackerConfig.from_dict(config)  # fail here, with the message, not in a worker
        except (OSError, ValueError) as error:
            raise MOTError(f"{config_path}: expected a JSON object of tracker settings: {error}") from error
    if detector != "public":
        from detectors import available_detectors

        if detector not in available_detectors():
            raise MOTError(f"unknown detector {detector!r}; expected public or one of {available_detectors()}")
    paths = _sources(source)
    if render and len(paths) > 1:
        raise MOTError(f"--render needs a single sequence or video, got {len(paths)} sequences under {source}")
    jobs = [_Job(str(p), str(out_dir), config, cost_model_path, online, detector, cache_dir, render, bool(progress))
            for p in paths]  # fmt: skip
    started = time.perf_counter()
    if workers is None:
        workers = min(len(jobs), os.cpu_count() or 1) if detector == "public" else 1
    outcomes: list[SequenceOutcome] = []
    bar = tqdm(total=len(jobs), desc="tracking", unit="seq", disable=not progress)
    if max(1, workers) == 1:
        for job in jobs:
            outcomes.append(_track_one(job))
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for future in as_completed([pool.submit(_track_one, job) for job in jobs]):
                outcomes.append(future.result())
                bar.update()
    bar.close()
    outcomes.sort(key=lambda o: o.name)
    return TrackingSummary(outcomes, time.perf_counter() - started, online)
