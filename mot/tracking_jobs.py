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
    seconds: float  # inside the tracker (excluding file reading and writing)
    path: str


@dataclass(frozen=True)
class _Job:
    sequence: str
    out_dir: str
    config: dict
    cost_model_path: str | None
    online: bool


def _track_one(job: _Job) -> SequenceOutcome:
    from association.costs import CostModel
    from mot.io import MOTSequence
    from mot.pipeline import TrackerConfig, track_sequence

    sequence = MOTSequence(job.sequence)
    if not sequence.has_detections:
        raise MOTError(f"{sequence.path}: expected public detections in det/det.txt, found none")
    detections = sequence.detections()
    config = TrackerConfig.from_dict(job.config)
    model = CostModel.load(job.cost_model_path)
    started = time.perf_counter()
    tracks = track_sequence(detections, sequence.info, config, online=job.online, cost_model=model)
    seconds = time.perf_counter() - started
    path = write_results(Path(job.out_dir) / f"{sequence.name}.txt", tracks)
    return SequenceOutcome(sequence.name, sequence.info.num_frames, len(detections), len(tracks.unique_ids),
                           len(tracks), seconds, str(path))  # fmt: skip


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
        lines.append(
            f"{len(self.outcomes)} sequence(s), {frames} frames, {'online' if self.online else 'offline'} mode: "
            f"{frames / max(inside, 1e-9):.1f} frames/s inside the tracker, {self.wall_seconds:.1f} s wall time; "
            f"results in {Path(self.outcomes[0].path).parent if self.outcomes else '-'}"
        )
        return "\n".join(lines)


def run_tracking_jobs(
    source: str | Path, out_dir: str | Path, *, config_path: str | None = None, cost_model_path: str | None = None,
    online: bool = False, workers: int | None = None, progress: bool | None = None,
) -> TrackingSummary:  # fmt: skip
    """Track every sequence under ``source`` into ``out_dir``; a progress bar over sequences when ``progress``.

    Raises:
        MOTError: unreadable config, no sequences, missing detections.
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
    sequences = find_sequences(source)
    jobs = [_Job(str(s.path), str(out_dir), config, cost_model_path, online) for s in sequences]
    started = time.perf_counter()
    workers = min(len(jobs), os.cpu_count() or 1) if workers is None else max(1, workers)
    outcomes: list[SequenceOutcome] = []
    bar = tqdm(total=len(jobs), desc="tracking", unit="seq", disable=not progress)
    if workers == 1:
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
