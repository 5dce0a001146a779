#!/usr/bin/env python
"""Benchmark our tracker against the peers (SORT, ByteTrack, OC-SORT, BoT-SORT, BoostTrack) on the same detections.

Benchmarks (data from ``../shared/data``, see its README):

- MOT15: the eight ``MOT15/train`` sequences with ground truth and their Faster R-CNN detections, scored with the
  MOT15 protocol (no class filtering).
- MOT16: MOT16-11 and MOT16-13 with their *simulated* detections, scored with the official MOT16 protocol
  (distractor removal, pedestrians only).

For each tracker every sequence is tracked, written as MOTChallenge results to ``OUT/<benchmark>/<tracker>/SEQ.txt``
and scored with ``mot.metrics.evaluate`` (TrackEval). One markdown table per benchmark gives the COMBINED metrics
and the tracking speed: FPS = frames / seconds spent inside the trackers' calls (peers: their ``update`` calls;
ours: the ``track_sequence`` call), excluding file reading, cost-model fitting, writing and evaluation.

Peers run with their libraries' default settings (``mot.peers``). Our tracker runs offline and online, each
sequence with a cost model fitted on every *other* sequence with ground truth in ``MOT15/train`` and
``MOT16/train`` (leave-one-sequence-out). When ``mot.pipeline`` cannot be imported, only the peers run.

The logic lives in the packages (``mot.peers``, ``mot.pipeline``, ``mot.metrics``); this
script only loops, writes, scores and prints.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mot.io import MOTSequence, find_sequences, write_results, write_text_atomically
from mot.metrics import evaluate
from mot.peers import PEERS, available_peers, run_peer
from mot.types import Tracks

logger = logging.getLogger("benchmark_trackers")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"

#: Our tracker's rows: key (CLI name and results folder) -> (table label, online).
OURS: dict[str, tuple[str, bool]] = {"ours-offline": ("ours (offline)", False), "ours-online": ("ours (online)", True)}

#: Sequences whose ground truth the leave-one-sequence-out cost models may be fitted on (minus the evaluated one).
COST_MODEL_ROOTS = ("MOT15/train", "MOT16/train")

TABLE_COLUMNS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW", "FP", "FN")


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: sequences under ``root`` (relative to the data folder) and the evaluation protocol."""

    name: str
    root: str
    protocol: str
    sequences: tuple[str, ...]
    note: str


BENCHMARKS: dict[str, Benchmark] = {
    "MOT15": Benchmark(
        "MOT15",
        "MOT15/train",
        "MOT15",
        ("ADL-Rundle-6", "ETH-Bahnhof", "ETH-Sunnyday", "KITTI-13", "KITTI-17", "PETS09-S2L1", "TUD-Campus",
         "TUD-Stadtmitte"),
        "the eight MOT15/train sequences with gt, Faster R-CNN detections, MOT15 protocol",
    ),  # fmt: skip
    "MOT16": Benchmark(
        "MOT16",
        "MOT16/train",
        "MOT16",
        ("MOT16-11", "MOT16-13"),
        "MOT16-11 and MOT16-13, simulated detections, official MOT16 protocol",
    ),
}

Runner = Callable[[MOTSequence], tuple[Tracks, float]]


class OursUnavailable(RuntimeError):
    """Our tracker (``mot.pipeline``) or its leave-one-out cost fitting cannot be imported."""


class OursRunner:
    """Our tracker with leave-one-sequence-out cost models, fitted once per evaluated sequence and cached."""

    def __init__(self, data_root: Path, nested_tuning: bool = False) -> None:
        self._nested_tuning = nested_tuning
        self.selections: dict[str, Any] = {}
        try:
            from mot.pipeline import TrackerConfig, fit_cost_model, track_sequence
        except ImportError as error:
            raise OursUnavailable(f"mot.pipeline cannot be imported ({error})") from error
        self._config = TrackerConfig()
        self._track_sequence = track_sequence
        self._fit_cost_model = fit_cost_model
        self._pool = [
            seq for root in COST_MODEL_ROOTS for seq in find_sequences(data_root / root) if seq.has_ground_truth
        ]
        self._models: dict[Path, Any] = {}

    def cost_model_for(self, sequence: MOTSequence) -> Any:
        """A cost model fitted on every pool sequence except ``sequence`` (cached)."""
        key = sequence.path.resolve()
        if key not in self._models:
            others = [seq for seq in self._pool if seq.path.resolve() != key and seq.name != sequence.name]
            logger.info("fitting the cost model for %s on %d other sequences", sequence.name, len(others))
            self._models[key] = self._fit_cost_model(others, self._config)
        return self._models[key]

    def config_for(self, sequence: MOTSequence, cost_model: Any, online: bool) -> Any:
        """The defaults, or with nested tuning the grid point that scores best on the other sequences."""
        if not self._nested_tuning:
            return self._config
        from mot.tuning import select_for_held_out

        key = f"{sequence.name} {'online' if online else 'offline'}"
        if key not in self.selections:
            self.selections[key] = select_for_held_out(sequence, self._pool, cost_model, online=online)
            logger.info("%s: settings %s", key, self.selections[key].overrides)
        return self._config.with_overrides(**self.selections[key].overrides)

    def runner(self, online: bool) -> Runner:
        """A function ``sequence -> (tracks, seconds inside track_sequence)``."""

        def run(sequence: MOTSequence) -> tuple[Tracks, float]:
            cost_model = self.cost_model_for(sequence)  # not timed
            config = self.config_for(sequence, cost_model, online)  # not timed
            detections = sequence.detections()  # read (and cached) before the clock starts
            start = time.perf_counter()
            tracks = self._track_sequence(detections, sequence.info, config, online=online, cost_model=cost_model)
            return tracks, time.perf_counter() - start

        return run


def peer_runner(name: str) -> Runner:
    """A function ``sequence -> (tracks, seconds inside the peer's update calls)``."""

    def run(sequence: MOTSequence) -> tuple[Tracks, float]:
        return run_peer(name, sequence.detections(), sequence.info)

    return run


@dataclass
class Row:
    """One tracker's results on one benchmark."""

    key: str
    label: str
    frames: int = 0
    seconds: float = 0.0
    combined: dict[str, Any] = field(default_factory=dict)
    sequences: dict[str, dict[str, Any]] = field(default_factory=dict)
    timing: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("inf")

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "frames": self.frames,
            "seconds": self.seconds,
            "fps": self.fps,
            "combined": self.combined,
            "sequences": self.sequences,
            "timing": self.timing,
        }


def markdown_table(rows: Sequence[Row]) -> str:
    """``tracker | HOTA | DetA | AssA | MOTA | IDF1 | IDSW | FP | FN | FPS`` with one line per tracker."""
    lines = ["| tracker | " + " | ".join(TABLE_COLUMNS) + " | FPS |", "|---" * (len(TABLE_COLUMNS) + 2) + "|"]
    for row in rows:
        cells = [
            str(int(row.combined[key])) if key in ("IDSW", "FP", "FN") else f"{row.combined[key]:.1f}"
            for key in TABLE_COLUMNS
        ]
        lines.append(f"| {row.label} | " + " | ".join(cells) + f" | {row.fps:.1f} |")
    return "\n".join(lines)


def _parse_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [item.strip() for item in text.split(",") if item.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="benchmark_trackers.py",
        description=__doc__,
        epilog=(
            "Tracker names: " + ", ".join(PEERS) + ", " + ", ".join(OURS) + " ('ours' = both of ours).\n\n"
            "Examples:\n"
            "  .venv/bin/python scripts/benchmark_trackers.py --peers-only --json /tmp/peers.json\n"
            "  .venv/bin/python scripts/benchmark_trackers.py --benchmarks MOT15 --trackers trackers.SORT,ours "
            "--out results/bench\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA,
        help=f"data folder with MOT15/train and MOT16/train (default: {DEFAULT_DATA})",
    )  # fmt: skip
    parser.add_argument(
        "--benchmarks", default="MOT15,MOT16",
        help="comma-separated benchmarks among " + ", ".join(BENCHMARKS) + " (default: MOT15,MOT16)",
    )  # fmt: skip
    parser.add_argument(
        "--trackers",
        help="comma-separated trackers (default: every available peer, plus ours offline and online unless "
        "--peers-only or mot.pipeline is missing)",
    )
    parser.add_argument("--peers-only", action="store_true", help="run the peers only, not our tracker")
    parser.add_argument(
        "--out", type=Path,
        help="folder for the results files OUT/<benchmark>/<tracker>/SEQ.txt (default: a temporary folder, "
        "removed at the end)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every number to this JSON file")
    parser.add_argument(
        "--nested-tuning", action="store_true",
        help="choose our settings per evaluated sequence from mot.tuning.DEFAULT_GRID using only the other "
        "sequences (nested leave-one-sequence-out; ~10 min) instead of the shipped defaults",
    )  # fmt: skip
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details (cost-model fitting)")
    return parser


def choose_trackers(requested: list[str] | None, peers_only: bool, ours_missing: str | None) -> list[str]:
    """Validate ``--trackers`` (or pick the default set); raises ``SystemExit`` with a message on a bad name.

    ``ours_missing`` says why our tracker cannot run (None when it can).
    """
    if requested is None:
        chosen = available_peers() + ([] if peers_only or ours_missing else list(OURS))
        if not chosen:
            raise SystemExit("no tracker to run: no peer package imports and our tracker is not selected")
        return chosen
    chosen = []
    for name in requested:
        names = list(OURS) if name == "ours" else [name]
        unknown = [n for n in names if n not in PEERS and n not in OURS]
        if unknown:
            raise SystemExit(f"unknown tracker {name!r}; expected some of: {', '.join((*PEERS, *OURS, 'ours'))}")
        chosen.extend(n for n in names if n not in chosen)
    missing = [name for name in chosen if name in PEERS and name not in available_peers()]
    if missing:
        raise SystemExit(f"peers not installed: {', '.join(missing)} (install the [peers] extra, see README)")
    ours = [name for name in chosen if name in OURS]
    if ours and (peers_only or ours_missing):
        why = "--peers-only was given" if peers_only else ours_missing
        raise SystemExit(f"cannot run {', '.join(ours)}: {why}")
    return chosen


def load_sequences(data_root: Path, benchmark: Benchmark) -> list[MOTSequence]:
    """The benchmark's sequences with their detections read (so reading is never timed)."""
    sequences = []
    for name in benchmark.sequences:
        sequence = MOTSequence(data_root / benchmark.root / name)
        sequence.detections()
        sequences.append(sequence)
    return sequences


def run_benchmark(
    benchmark: Benchmark,
    data_root: Path,
    out_root: Path,
    trackers: list[str],
    runners: dict[str, Runner],
    bar: tqdm,
    failures: list[str],
) -> list[Row]:
    """Track, write, score: one ``Row`` per tracker that ran on every sequence."""
    sequences = load_sequences(data_root, benchmark)
    rows = []
    for key in trackers:
        row = Row(key, OURS[key][0] if key in OURS else key)
        folder = out_root / benchmark.name / key
        try:
            for sequence in sequences:
                bar.set_postfix_str(f"{benchmark.name} {key} {sequence.name}")
                tracks, seconds = runners[key](sequence)
                write_results(folder / f"{sequence.name}.txt", tracks)
                row.frames += sequence.info.num_frames
                row.seconds += seconds
                row.timing[sequence.name] = {"frames": sequence.info.num_frames, "seconds": seconds}
                bar.update()
        except Exception:  # noqa: BLE001 - one tracker failing must not lose the other rows
            failures.append(f"{benchmark.name} {key}:\n{traceback.format_exc()}")
            tqdm.write(f"{benchmark.name}: {key} failed, row left out (traceback at the end)")
            bar.update(len(sequences) - len(row.timing))
            continue
        report = evaluate(data_root / benchmark.root, folder, benchmark.protocol, seqs=list(benchmark.sequences))
        row.combined, row.sequences = report.combined, report.sequences
        rows.append(row)
    return rows


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("numpy", "trackers", "supervision", "boxmot", "trackeval", "liftrack"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def _build_runners(trackers: list[str], ours: OursRunner | None) -> dict[str, Runner]:
    runners: dict[str, Runner] = {}
    for key in trackers:
        if key in OURS and ours is not None:  # choose_trackers selects ours only when it is available
            runners[key] = ours.runner(online=OURS[key][1])
        else:
            runners[key] = peer_runner(key)
    return runners


def _nested_settings(ours: OursRunner | None) -> dict[str, dict[str, Any]]:
    """Per held-out sequence and mode: the chosen overrides, their score on the other sequences and every score."""
    if ours is None:
        return {}
    settings = {}
    for key, selection in sorted(ours.selections.items()):
        scores = [{"overrides": combo, "mean_hota_others": score} for combo, score in selection.scores]
        settings[key] = {"overrides": selection.overrides, "score": selection.score, "grid": scores}
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status (1 when a tracker failed)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    names = _parse_list(args.benchmarks) or []
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown or not names:
        raise SystemExit(f"--benchmarks: expected some of {', '.join(BENCHMARKS)}, got {args.benchmarks!r}")
    data_root = args.data.resolve()
    if not data_root.is_dir():
        raise SystemExit(f"--data: no such folder {data_root}")

    ours: OursRunner | None = None
    ours_missing: str | None = None
    notes: list[str] = []
    if not args.peers_only:
        try:
            ours = OursRunner(data_root, nested_tuning=args.nested_tuning)
        except OursUnavailable as error:
            ours_missing = str(error)
            notes.append(f"note: our tracker is skipped, peers only: {error}")
            print(notes[-1], file=sys.stderr)
    trackers = choose_trackers(_parse_list(args.trackers), args.peers_only, ours_missing)
    runners = _build_runners(trackers, ours)
    benchmarks = [BENCHMARKS[name] for name in names]

    started = time.perf_counter()
    failures: list[str] = []
    results: dict[str, list[Row]] = {}
    with tempfile.TemporaryDirectory(prefix="benchmark-trackers-") as scratch:
        out_root = args.out.resolve() if args.out else Path(scratch)
        total = len(trackers) * sum(len(b.sequences) for b in benchmarks)
        with tqdm(total=total, desc="tracking", unit="seq", file=sys.stderr) as bar:
            for benchmark in benchmarks:
                results[benchmark.name] = run_benchmark(
                    benchmark, data_root, out_root, trackers, runners, bar, failures
                )
    elapsed = time.perf_counter() - started

    for benchmark in benchmarks:
        rows = results[benchmark.name]
        frames = sum(MOTSequence(data_root / benchmark.root / s).info.num_frames for s in benchmark.sequences)
        print(f"\n{benchmark.name}: {benchmark.note} ({len(benchmark.sequences)} sequences, {frames:,} frames)\n")
        print(markdown_table(rows) if rows else "(no tracker finished)")
    print(f"\nFPS: frames / seconds inside the tracker calls. Whole run: {elapsed:.1f} s.")
    nested_settings = _nested_settings(ours)
    if nested_settings:
        print("\nSettings chosen by nested leave-one-sequence-out tuning (mean HOTA on the other sequences):")
        for key, chosen in nested_settings.items():
            print(f"  {key}: {json.dumps(chosen['overrides'])} (HOTA {chosen['score']:.2f} on the others)")
    for note in notes:
        print(note)

    if args.json:
        payload = {
            "data_root": str(data_root),
            "results_folder": str(args.out.resolve()) if args.out else None,
            "elapsed_s": elapsed,
            "versions": _versions(),
            "notes": notes,
            "failures": failures,
            "nested_tuning": nested_settings,
            "benchmarks": {
                b.name: {
                    "protocol": b.protocol,
                    "description": b.note,
                    "sequences": list(b.sequences),
                    "trackers": {row.key: row.to_json() for row in results[b.name]},
                }
                for b in benchmarks
            },
        }
        write_text_atomically(args.json, json.dumps(payload, indent=2) + "\n")
        print(f"numbers written to {args.json}")
    for failure in failures:
        print(f"\nFAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
