"""MOTChallenge evaluation: the official numbers (TrackEval) with an independent py-motmetrics cross-check.

The printed numbers come from TrackEval's ``MotChallenge2DBox`` dataset and its HOTA, CLEAR, Identity and Count
metrics, the official MOTChallenge evaluation since 2020. For each sequence we run TrackEval's own steps (raw
load, preprocessing, per-sequence metrics) in a worker process and combine sequences with TrackEval's
``combine_sequences``, so every number equals what TrackEval prints.

Protocols:

- ``MOT16``/``MOT17``: TrackEval's preprocessing: tracker boxes matched (IoU >= 0.5, Hungarian) to a ground-truth
  box of a distractor class (2 person on vehicle, 7 static person, 8 distractor, 12 reflection) are removed; then
  only pedestrians (class 1) with consider flag 1 are scored. ``preprocess=False`` skips the removal.
- ``MOT15``: no class filtering; ground-truth rows with consider flag 0 are ignored.

Before TrackEval reads them, ground truth and results are checked by ``mot.io``'s strict readers, so a malformed
file fails with file and line rather than deep inside TrackEval.

Cross-check: py-motmetrics computes CLEAR-MOT and identity metrics from the same preprocessed frames (same
removal, same IoU >= 0.5 gating). FP, FN and IDF1 must agree exactly; MOTA may differ by identity switches
counted differently (motmetrics also counts a switch when a track is re-assigned after a gap).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mot.errors import MissingDependencyError, MOTError
from mot.boxes import iou_matrix
from mot.io import find_sequences, read_ground_truth, read_results
from mot.types import GroundTruth, Tracks

logger = logging.getLogger(__name__)

BENCHMARKS = ("MOT16", "MOT17", "MOT15")
IOU_THRESHOLD = 0.5

#: Keys of every metrics dict, in MOTChallenge's column order. Percentages are 0-100 floats, counts ints.
METRIC_KEYS = (
    "HOTA", "DetA", "AssA", "LocA", "MOTA", "MOTP", "IDF1", "IDP", "IDR", "Recall", "Precision",
    "FP", "FN", "IDSW", "Frag", "MT", "PT", "ML", "GT",
)  # fmt: skip
COUNT_KEYS = frozenset({"FP", "FN", "IDSW", "Frag", "MT", "PT", "ML", "GT"})

#: MOTChallenge's printed column names for ``METRIC_KEYS``.
COLUMN_NAMES = {"Recall": "Rcll", "Precision": "Prcn", "GT": "GT"}


class EvaluationError(MOTError):
    """The evaluation cannot run: missing results, unknown sequences, or a TrackEval failure."""


@dataclass(frozen=True)
class CrossCheck:
    """py-motmetrics' CLEAR and identity counts for one sequence (or combined), beside TrackEval's."""

    gt_boxes: int
    fp: int
    fn: int
    idsw: int
    idtp: int
    idfp: int
    idfn: int

    @property
    def mota(self) -> float:
        """MOTA in percent."""
        return 100.0 * (1.0 - (self.fn + self.fp + self.idsw) / self.gt_boxes) if self.gt_boxes else float("nan")

    @property
    def idf1(self) -> float:
        """IDF1 in percent."""
        denominator = 2 * self.idtp + self.idfp + self.idfn
        return 100.0 * 2 * self.idtp / denominator if denominator else float("nan")

    def __add__(self, other: CrossCheck) -> CrossCheck:
        return CrossCheck(*(a + b for a, b in zip(self._counts(), other._counts(), strict=True)))

    def _counts(self) -> tuple[int, ...]:
        return (self.gt_boxes, self.fp, self.fn, self.idsw, self.idtp, self.idfp, self.idfn)


@dataclass
class EvaluationReport:
    """Metrics of each sequence and of all together.

    Attributes:
        benchmark: ``MOT16``, ``MOT17`` or ``MOT15``.
        sequences: ``{name: {key: value}}`` with ``METRIC_KEYS``.
        combined: the same keys over all sequences (TrackEval's COMBINED).
        cross_check: ``{name: CrossCheck}`` incl. ``"COMBINED"`` when the cross-check ran, else empty.
    """

    benchmark: str
    sequences: dict[str, dict[str, float | int]]
    combined: dict[str, float | int]
    cross_check: dict[str, CrossCheck] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``--json`` layout: ``{"benchmark", "sequences": {SEQ: {...}}, "combined": {...}}``."""
        return {"benchmark": self.benchmark, "sequences": self.sequences, "combined": self.combined}

    def table(self) -> str:
        """A plain-text table with MOTChallenge column names, one row per sequence and COMBINED."""
        rows = [*self.sequences.items(), ("COMBINED", self.combined)]
        headers = ["Sequence", *(COLUMN_NAMES.get(k, k) for k in METRIC_KEYS)]
        cells = [[name, *(_format_value(k, metrics[k]) for k in METRIC_KEYS)] for name, metrics in rows]
        return _aligned(headers, cells)

    def cross_check_table(self) -> str:
        """TrackEval vs py-motmetrics for FP, FN, IDSW, MOTA and IDF1, with the differences."""
        headers = ["Sequence", "FP", "FP(mm)", "FN", "FN(mm)", "IDSW", "IDSW(mm)", "MOTA", "MOTA(mm)", "dMOTA",
                   "IDF1", "IDF1(mm)", "dIDF1"]  # fmt: skip
        cells = []
        for name, check in self.cross_check.items():
            ours = self.combined if name == "COMBINED" else self.sequences[name]
            cells.append([
                name, ours["FP"], check.fp, ours["FN"], check.fn, ours["IDSW"], check.idsw,
                f"{ours['MOTA']:.3f}", f"{check.mota:.3f}", f"{check.mota - ours['MOTA']:+.3f}",
                f"{ours['IDF1']:.3f}", f"{check.idf1:.3f}", f"{check.idf1 - ours['IDF1']:+.3f}",
            ])  # fmt: skip
        return _aligned(headers, [[str(c) for c in row] for row in cells])

    def cross_check_disagreements(self, mota_tolerance: float = 0.05) -> list[str]:
        """Human-readable disagreements beyond the contract (exact FP, FN, IDF1 to 1e-9; MOTA within tolerance)."""
        problems = []
        for name, check in self.cross_check.items():
            ours = self.combined if name == "COMBINED" else self.sequences[name]
            if (check.fp, check.fn) != (ours["FP"], ours["FN"]):
                problems.append(f"{name}: FP/FN {ours['FP']}/{ours['FN']} vs motmetrics {check.fp}/{check.fn}")
            if not np.isclose(check.idf1, ours["IDF1"], rtol=0, atol=1e-9, equal_nan=True):
                problems.append(f"{name}: IDF1 {ours['IDF1']} vs motmetrics {check.idf1}")
            if abs(check.mota - ours["MOTA"]) > mota_tolerance:
                problems.append(f"{name}: MOTA {ours['MOTA']:.3f} vs motmetrics {check.mota:.3f}")
        return problems


def _format_value(key: str, value: float | int) -> str:
    return str(int(value)) if key in COUNT_KEYS else f"{value:.3f}"


def _aligned(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(headers, widths)))]
    for row in rows:
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


def _import_trackeval():
    try:
        import trackeval
    except ImportError as error:
        raise MissingDependencyError(
            "trackeval", "eval", "MOTChallenge evaluation", "pip install --no-deps trackeval==1.3.0"
        ) from error
    return trackeval


def import_motmetrics():
    """Import py-motmetrics 1.4, restoring ``np.asfarray`` (removed in numpy 2) that it still calls."""
    if not hasattr(np, "asfarray"):
        np.asfarray = lambda a, dtype=np.float64: np.asarray(a, dtype=dtype)  # type: ignore[attr-defined]
    import motmetrics

    return motmetrics


def _trackeval_metrics(trackeval) -> dict[str, Any]:
    quiet = {"PRINT_CONFIG": False, "THRESHOLD": IOU_THRESHOLD}
    return {
        "HOTA": trackeval.metrics.HOTA(),
        "CLEAR": trackeval.metrics.CLEAR(quiet),
        "Identity": trackeval.metrics.Identity(quiet),
        "Count": trackeval.metrics.Count(),
    }


def _summarise(results: dict[str, dict[str, Any]]) -> dict[str, float | int]:
    """TrackEval's per-metric result dicts to our flat ``METRIC_KEYS`` dict (percentages 0-100)."""
    hota, clear, identity = results["HOTA"], results["CLEAR"], results["Identity"]
    percent = lambda value: float(100.0 * np.mean(value))  # noqa: E731 - HOTA fields are arrays over alphas
    return {
        "HOTA": percent(hota["HOTA"]),
        "DetA": percent(hota["DetA"]),
        "AssA": percent(hota["AssA"]),
        "LocA": percent(hota["LocA"]),
        "MOTA": percent(clear["MOTA"]),
        "MOTP": percent(clear["MOTP"]),
        "IDF1": percent(identity["IDF1"]),
        "IDP": percent(identity["IDP"]),
        "IDR": percent(identity["IDR"]),
        "Recall": percent(clear["CLR_Re"]),
        "Precision": percent(clear["CLR_Pr"]),
        "FP": int(clear["CLR_FP"]),
        "FN": int(clear["CLR_FN"]),
        "IDSW": int(clear["IDSW"]),
        "Frag": int(clear["Frag"]),
        "MT": int(clear["MT"]),
        "PT": int(clear["PT"]),
        "ML": int(clear["ML"]),
        "GT": int(results["Count"]["GT_IDs"]),
    }


def _cross_check_frames(data: dict[str, Any]) -> CrossCheck:
    """Run py-motmetrics over TrackEval's preprocessed frames (ids and IoU already filtered)."""
    mm = import_motmetrics()
    accumulator = mm.MOTAccumulator(auto_id=True)
    for gt_ids, tracker_ids, similarity in zip(data["gt_ids"], data["tracker_ids"], data["similarity_scores"]):
        distance = 1.0 - np.asarray(similarity, dtype=np.float64).reshape(len(gt_ids), len(tracker_ids))
        distance[similarity < IOU_THRESHOLD - np.finfo(float).eps] = np.nan
        accumulator.update(gt_ids, tracker_ids, distance)
    summary = mm.metrics.create().compute(
        accumulator,
        metrics=["num_objects", "num_false_positives", "num_misses", "num_switches", "idtp", "idfp", "idfn"],
        return_dataframe=False,
    )
    return CrossCheck(
        gt_boxes=int(summary["num_objects"]),
        fp=int(summary["num_false_positives"]),
        fn=int(summary["num_misses"]),
        idsw=int(summary["num_switches"]),
        idtp=int(summary["idtp"]),
        idfp=int(summary["idfp"]),
        idfn=int(summary["idfn"]),
    )


@dataclass(frozen=True)
class _SequenceJob:
    name: str
    gt_root: str
    results_file: str | None  # None: score as an empty results file
    num_frames: int
    benchmark: str
    preprocess: bool
    cross_check: bool


def _evaluate_sequence(job: _SequenceJob) -> tuple[str, dict[str, Any], CrossCheck | None]:
    """Worker: validate the files, then TrackEval's load -> preprocess -> metrics for one sequence."""
    read_ground_truth(Path(job.gt_root) / job.name / "gt" / "gt.txt", job.num_frames)
    trackeval = _import_trackeval()
    with tempfile.TemporaryDirectory(prefix="mot-eval-") as scratch:
        results_file = job.results_file
        if results_file is None:
            results_file = os.path.join(scratch, f"{job.name}.txt")
            Path(results_file).touch()
        else:
            read_results(results_file, job.num_frames)
        config = {
            "GT_FOLDER": job.gt_root,
            "TRACKERS_FOLDER": os.path.dirname(os.path.dirname(os.path.abspath(results_file))),
            "TRACKERS_TO_EVAL": [os.path.basename(os.path.dirname(os.path.abspath(results_file)))],
            "TRACKER_SUB_FOLDER": "",
            "BENCHMARK": job.benchmark,
            "SPLIT_TO_EVAL": "train",
            "SKIP_SPLIT_FOL": True,
            "SEQ_INFO": {job.name: job.num_frames},
            "DO_PREPROC": job.preprocess,
            "PRINT_CONFIG": False,
        }
        try:
            dataset = trackeval.datasets.MotChallenge2DBox(config)
            tracker = dataset.tracker_list[0]
            raw = dataset.get_raw_seq_data(tracker, job.name)
            data = dataset.get_preprocessed_seq_data(raw, "pedestrian")
            results = {name: metric.eval_sequence(data) for name, metric in _trackeval_metrics(trackeval).items()}
        except trackeval.utils.TrackEvalException as error:
            raise EvaluationError(f"{job.name}: TrackEval failed: {error}") from error
    check = _cross_check_frames(data) if job.cross_check else None
    return job.name, results, check


def _select_sequences(gt_root: Path, seqs: Sequence[str] | None) -> dict[str, int]:
    """``{name: num_frames}`` of the sequences to score: all with ``gt/gt.txt``, or exactly ``seqs``."""
    available = {s.name: s for s in find_sequences(gt_root)}
    if seqs:
        unknown = [name for name in seqs if name not in available]
        if unknown:
            raise EvaluationError(
                f"unknown sequences {unknown} in {gt_root}; expected some of {sorted(available)}"
            )
        chosen = [available[name] for name in seqs]
        without_gt = [s.name for s in chosen if not s.has_ground_truth]
        if without_gt:
            raise EvaluationError(f"sequences without gt/gt.txt cannot be scored: {without_gt}")
    else:
        chosen = [s for s in available.values() if s.has_ground_truth]
        skipped = sorted(set(available) - {s.name for s in chosen})
        if skipped:
            logger.info("skipping %d sequences without gt/gt.txt: %s", len(skipped), ", ".join(skipped))
        if not chosen:
            raise EvaluationError(f"no sequence under {gt_root} has gt/gt.txt")
    return {s.name: s.info.num_frames for s in chosen}


def evaluate(
    gt_root: str | Path,
    results_dir: str | Path,
    benchmark: str = "MOT16",
    seqs: Iterable[str] | None = None,
    *,
    allow_missing: bool = False,
    preprocess: bool = True,
    cross_check: bool = False,
    workers: int | None = None,
) -> EvaluationReport:
    """Score a folder of MOTChallenge results against ground truth with the official protocol.

    Args:
        gt_root: folder of sequences ``SEQ/seqinfo.ini`` + ``SEQ/gt/gt.txt`` (or one sequence folder).
        results_dir: folder with one ``SEQ.txt`` per sequence.
        benchmark: ``MOT16``, ``MOT17`` (distractor removal, pedestrians only) or ``MOT15`` (no class filter).
        seqs: sequence names to score; default every sequence of ``gt_root`` that has ``gt/gt.txt``.
        allow_missing: score a missing results file as empty instead of raising.
        preprocess: MOT16/17 distractor removal (TrackEval's ``DO_PREPROC``); ignored for MOT15.
        cross_check: also compute CLEAR/identity counts with py-motmetrics (``EvaluationReport.cross_check``).
        workers: worker processes; default ``min(#sequences, #CPUs)``; 1 evaluates in this process.

    Raises:
        EvaluationError: unknown benchmark or sequence, missing results (listing all of them), TrackEval failure.
        MOTFormatError: a malformed ground-truth or results file (with file and line).
    """
    if benchmark not in BENCHMARKS:
        raise EvaluationError(f"benchmark: expected one of {', '.join(BENCHMARKS)}, got {benchmark!r}")
    gt_root, results_dir = Path(gt_root), Path(results_dir)
    if not results_dir.is_dir():
        raise EvaluationError(f"results folder {results_dir} does not exist")
    lengths = _select_sequences(gt_root, list(seqs) if seqs is not None else None)
    missing = [name for name in lengths if not (results_dir / f"{name}.txt").is_file()]
    if missing and not allow_missing:
        raise EvaluationError(
            f"results missing in {results_dir} for {len(missing)} sequence(s): {', '.join(missing)} "
            "(expected SEQ.txt per sequence; --allow-missing scores them as empty)"
        )
    jobs = [
        _SequenceJob(
            name, str(gt_root.resolve()), None if name in missing else str((results_dir / f"{name}.txt").resolve()),
            length, benchmark, preprocess, cross_check,
        )
        for name, length in lengths.items()
    ]  # fmt: skip
    workers = min(len(jobs), os.cpu_count() or 1) if workers is None else max(1, workers)
    if workers == 1:
        outputs = [_evaluate_sequence(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outputs = list(pool.map(_evaluate_sequence, jobs))
    return _combine(benchmark, outputs)


def _combine(benchmark: str, outputs: list[tuple[str, dict[str, Any], CrossCheck | None]]) -> EvaluationReport:
    trackeval = _import_trackeval()
    per_metric = {name: {seq: res[name] for seq, res, _ in outputs} for name in _trackeval_metrics(trackeval)}
    combined = {name: metric.combine_sequences(per_metric[name]) for name, metric in _trackeval_metrics(trackeval).items()}
    report = EvaluationReport(
        benchmark=benchmark,
        sequences={seq: _summarise(res) for seq, res, _ in outputs},
        combined=_summarise(combined),
    )
    checks = {seq: check for seq, _, check in outputs if check is not None}
    if checks:
        total = checks[next(iter(checks))]
        for check in list(checks.values())[1:]:
            total = total + check
        report.cross_check = {**checks, "COMBINED": total}
    return report


def motmetrics_accumulator(ground_truth: GroundTruth, tracks: Tracks, iou_threshold: float = IOU_THRESHOLD):
    """A py-motmetrics accumulator over one sequence (no class filtering; gt rows with consider flag 0 dropped).

    Pairs with IoU below ``iou_threshold`` may not match, as in ``motmetrics.utils.compare_to_groundtruth``. Used to
    check our I/O against py-motmetrics' published test values (its MOTP is a mean IoU *distance*).
    """
    mm = import_motmetrics()
    accumulator = mm.MOTAccumulator(auto_id=True)
    gt = ground_truth.evaluated(pedestrians_only=False)
    for frame in range(max(ground_truth.num_frames, tracks.num_frames)):
        gt_rows = gt._frame_slice(frame)
        track_ids, track_boxes = tracks.at(frame)
        similarity = iou_matrix(gt.boxes_xyxy[gt_rows], track_boxes)
        distances = np.where(similarity >= iou_threshold, 1.0 - similarity, np.nan)
        accumulator.update(gt.track_ids[gt_rows], track_ids, distances)
    return accumulator
