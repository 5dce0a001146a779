"""Show that the tracker's memory is flat in stream length (issue: online mode, memory flat).

Tracks ETH-Bahnhof (1000 frames) once and as a 10x longer stream (the detections looped with frame offsets, never
materialised), consuming and discarding finished tracks, and reports the peak Python heap (tracemalloc) and the
largest number of open tracks, for online and offline mode.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

from association.costs import CostModel
from mot.io import MOTSequence
from mot.pipeline import TrackerConfig, track_stream

REPO = Path(__file__).resolve().parents[1]


def measure(sequence: MOTSequence, repeats: int, online: bool, model: CostModel) -> tuple[float, int, float, int]:
    """(peak MiB above baseline, boxes produced, seconds, frames) of one streamed run."""
    detections = sequence.detections()
    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    boxes = 0
    for rows in track_stream(detections, sequence.info, TrackerConfig(), online=online, cost_model=model,
                             repeats=repeats):  # fmt: skip
        boxes += len(rows.frames)  # consumed and dropped, as a writer streaming to disk would
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return peak / 2**20, boxes, seconds, detections.num_frames * repeats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequence", type=Path, default=REPO.parent / "shared/data/MOT15/train/ETH-Bahnhof")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    sequence = MOTSequence(args.sequence)
    model = CostModel.load()
    print(f"| mode | stream | frames | peak traced heap (MiB) | boxes out | seconds |")
    print("|---|---|---|---|---|---|")
    for online in (True, False):
        for repeats in (1, args.repeats):
            peak, boxes, seconds, frames = measure(sequence, repeats, online, model)
            mode = "online" if online else "offline"
            print(f"| {mode} | {sequence.name} x{repeats} | {frames} | {peak:.2f} | {boxes} | {seconds:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
