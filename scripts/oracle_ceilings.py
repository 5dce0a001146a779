"""How far perfect long-range linking or perfect false-track removal would take our tracker (gt oracles).

Tracks each benchmark sequence with a leave-one-sequence-out cost model (as ``benchmark_trackers.py`` does), then
scores, side by side: the output as is; the output with the tracks of one person joined across gaps up to each of
``--gaps`` seconds (``mot.oracles.oracle_stitch``); with every track that is not mostly one person dropped
(``oracle_drop_false_tracks``); and both. A lever whose ceiling falls short of a target cannot reach it, whatever
evidence feeds it. Takes about a minute on 2 cores.

Example:
    .venv/bin/python scripts/oracle_ceilings.py --data ../shared/data --gaps 2,4,inf
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from tqdm import tqdm

from mot.io import find_sequences, write_results
from mot.metrics import evaluate
from mot.oracles import oracle_drop_false_tracks, oracle_stitch
from mot.pipeline import TrackerConfig, evaluated_ground_truth, fit_cost_model, track_sequence
from mot.types import GroundTruth, Tracks

REPO = Path(__file__).resolve().parents[1]
#: benchmark -> (gt root under the data folder, evaluation protocol)
BENCHMARKS = {"MOT15": ("MOT15/train", "MOT15"), "MOT16": ("MOT16/train", "MOT16")}
COLUMNS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW", "FP", "FN")

#: an oracle applied to one sequence's output: (tracks, evaluated gt, frame rate) -> tracks
Variant = Callable[[Tracks, GroundTruth, float], Tracks]


def variants(gaps: list[float]) -> dict[str, Variant]:
    """Row label -> oracle (``gaps`` sorted)."""

    def stitcher(gap: float) -> Variant:
        return lambda tracks, gt, frame_rate: oracle_stitch(tracks, gt, frame_rate, gap)

    rows: dict[str, Variant] = {"ours": lambda tracks, gt, frame_rate: tracks}
    for gap in gaps:
        rows[f"+ oracle stitching, {'any gap' if math.isinf(gap) else f'gaps <= {gap:g} s'}"] = stitcher(gap)
    rows["+ oracle false-track removal"] = lambda tracks, gt, frame_rate: oracle_drop_false_tracks(tracks, gt)
    if gaps:
        widest = stitcher(gaps[-1])
        rows["+ both (widest stitching)"] = lambda tracks, gt, frame_rate: oracle_drop_false_tracks(
            widest(tracks, gt, frame_rate), gt
        )
    return rows


def parse_gaps(text: str) -> list[float]:
    """``"2,4,inf"`` -> ``[2.0, 4.0, inf]`` (seconds, sorted)."""
    try:
        gaps = sorted(float(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"--gaps: expected comma-separated seconds such as 2,4,inf, got {text!r}") \
            from error  # fmt: skip
    if any(not gap >= 0 for gap in gaps):
        raise argparse.ArgumentTypeError(f"--gaps: expected seconds >= 0, got {text!r}")
    return gaps


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data",
                        help="data folder with MOT15/train and MOT16/train (default: ../shared/data)")  # fmt: skip
    parser.add_argument("--gaps", type=parse_gaps, default=[2.0, 4.0, math.inf],
                        help="stitching reaches in seconds, comma-separated, 'inf' for any gap (default: 2,4,inf)")
    parser.add_argument("--online", action="store_true", help="track in online mode (default: offline)")
    parser.add_argument("--benchmarks", default="MOT15,MOT16", help="which of MOT15, MOT16 (default: both)")
    parser.add_argument("--sequences", default=None,
                        help="only these sequences, comma-separated (default: every sequence with gt)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    benchmarks = [name.strip() for name in args.benchmarks.split(",") if name.strip()]
    unknown = sorted(set(benchmarks) - set(BENCHMARKS))
    if unknown:
        print(f"--benchmarks: unknown {unknown}; expected some of {sorted(BENCHMARKS)}", file=sys.stderr)
        return 2
    pool = [seq for root, _ in BENCHMARKS.values() for seq in find_sequences(args.data / root) if seq.has_ground_truth]
    wanted = None if args.sequences is None else {name.strip() for name in args.sequences.split(",") if name.strip()}
    missing = sorted((wanted or set()) - {seq.name for seq in pool})
    if missing:
        print(f"--sequences: no sequence with gt named {missing} under {args.data}; expected some of "
              f"{sorted(seq.name for seq in pool)}", file=sys.stderr)  # fmt: skip
        return 2
    rows = variants(args.gaps)
    mode = "online" if args.online else "offline"
    for benchmark in benchmarks:
        root, protocol = BENCHMARKS[benchmark]
        sequences = [seq for seq in pool if args.data / root in seq.path.parents]
        sequences = [seq for seq in sequences if wanted is None or seq.name in wanted]
        if not sequences:
            continue
        folders = {label: Path(tempfile.mkdtemp(prefix="oracle-")) for label in rows}
        for sequence in tqdm(sequences, desc=f"{benchmark} ({mode})", unit="seq"):
            model = fit_cost_model([seq for seq in pool if seq.name != sequence.name])  # leave-one-sequence-out
            tracks = track_sequence(sequence.detections(), sequence.info, TrackerConfig(), online=args.online,
                                    cost_model=model)  # fmt: skip
            ground_truth = evaluated_ground_truth(sequence)  # read once for every variant
            for label, variant in rows.items():
                output = variant(tracks, ground_truth, sequence.info.frame_rate)
                write_results(folders[label] / f"{sequence.name}.txt", output)
        names = [seq.name for seq in sequences]
        print(f"\n{benchmark}, {mode}, {len(names)} sequences, leave-one-sequence-out cost models\n")
        print("| variant | " + " | ".join(COLUMNS) + " |")
        print("|---|" + "---|" * len(COLUMNS))
        for label, folder in folders.items():
            scores = evaluate(args.data / root, folder, protocol, names).combined
            cells = [f"{scores[c]:.0f}" if c in ("IDSW", "FP", "FN") else f"{scores[c]:.1f}" for c in COLUMNS]
            print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
