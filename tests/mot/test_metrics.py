"""Parity of ``mot.metrics`` with the official MOTChallenge evaluation and py-motmetrics on real files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from mot.errors import MOTFormatError
from mot.io import read_ground_truth, read_results
from mot.metrics import EvaluationError, evaluate, import_motmetrics, motmetrics_accumulator

KEYS = "HOTA DetA AssA LocA MOTA MOTP IDF1 IDP IDR Recall Precision FP FN IDSW Frag MT PT ML".split()


def _rows(text: str) -> dict[str, dict[str, float]]:
    table = {}
    for line in text.strip().splitlines():
        name, *values = line.split()
        table[name] = dict(zip(KEYS, map(float, values), strict=True))
    return table


# ../shared/data/README.md, "Expected values" (TrackEval 1.3.0 MotChallenge2DBox, the official evaluation).
MOT16_EXPECTED = {
    "mot16-shenh10": _rows("""
MOT16-11 45.375 45.629 45.163 83.762 53.826 81.805 54.622 71.276 44.277 58.164 93.630 363 3838 35 38 15 25 29
MOT16-13 25.286 18.897 34.222 78.872 21.520 74.990 31.364 69.075 20.288 25.694 87.481 421 8508 57 91 9 41 57
COMBINED 35.705 30.822 41.483 82.049 35.890 79.383 43.017 70.459 30.959 40.138 91.348 784 12346 92 129 24 66 86
"""),
    "mot16-devkit-example": _rows("""
MOT16-11 35.239 32.446 38.456 80.945 36.407 78.406 43.755 65.921 32.745 43.187 86.943 595 5212 27 24 5 24 40
MOT16-13 20.619 15.159 28.474 76.228 14.891 72.415 25.356 60.554 16.035 20.891 78.892 640 9058 47 55 7 30 70
COMBINED 28.167 22.899 34.945 79.164 24.462 76.151 34.310 63.777 23.468 30.809 83.726 1235 14270 74 79 12 54 110
"""),
}
# Without distractor removal only these change (same README section).
MOT16_WITHOUT_REMOVAL = {
    "mot16-shenh10": {
        "MOT16-11": {"MOTA": 53.761, "IDF1": 54.600, "FP": 369, "HOTA": 45.361},
        "COMBINED": {"MOTA": 35.861, "IDF1": 43.008, "FP": 790, "HOTA": 35.700},
    },
    "mot16-devkit-example": {
        "MOT16-11": {"MOTA": 36.113, "FP": 622},
        "COMBINED": {"MOTA": 24.331, "IDF1": 34.278, "FP": 1262, "HOTA": 28.150},
    },
}
MOT15_CEM_EXPECTED = _rows("""
ADL-Rundle-6 28.340 27.995 29.659 75.949 26.233 72.477 36.292 49.982 28.489 42.144 73.940 744 2898 53 45 1 18 5
ETH-Bahnhof 39.912 37.381 43.091 75.627 35.716 71.822 54.224 60.230 49.307 58.947 72.005 1241 2223 17 104 40 56 75
ETH-Sunnyday 40.004 27.104 59.115 79.325 31.216 76.047 49.944 83.187 35.684 37.083 86.449 108 1169 1 4 5 6 19
KITTI-13 23.699 17.615 32.947 72.233 -5.906 68.157 29.569 38.806 23.885 28.084 45.629 255 548 4 5 0 17 25
KITTI-17 37.508 38.150 37.292 75.720 40.849 72.313 55.835 72.158 45.534 52.416 83.063 73 325 6 10 1 7 1
PETS09-S2L1 51.630 62.229 43.285 77.188 82.887 73.073 66.615 66.607 66.622 91.801 91.780 368 367 31 39 18 1 0
TUD-Campus 39.140 41.805 36.912 77.005 52.646 72.280 55.766 72.973 45.125 58.217 94.144 13 150 7 7 1 6 1
TUD-Stadtmitte 39.785 39.227 40.884 73.752 56.401 65.410 64.462 81.976 53.114 60.900 93.992 45 452 7 6 5 4 1
COMBINED 39.756 38.807 41.282 76.167 43.681 72.203 52.772 62.433 45.699 58.758 80.274 2847 8132 126 220 71 115 127
""")


def _assert_matches(got: dict, expected: dict, where: str) -> None:
    for key, value in expected.items():
        if key in {"FP", "FN", "IDSW", "Frag", "MT", "PT", "ML"}:
            assert got[key] == int(value), f"{where} {key}: expected {int(value)}, got {got[key]}"
        else:
            assert round(got[key], 3) == pytest.approx(value, abs=1e-9), f"{where} {key}: expected {value}, got {got[key]}"


def _report_rows(report) -> dict[str, dict]:
    return {**report.sequences, "COMBINED": report.combined}


@pytest.mark.parametrize("results", sorted(MOT16_EXPECTED))
def test_mot16_protocol_matches_official_numbers(shared_data: Path, results: str) -> None:
    report = evaluate(
        shared_data / "MOT16/train", shared_data / "reference" / results, "MOT16", ["MOT16-11", "MOT16-13"],
        cross_check=True,
    )  # fmt: skip
    rows = _report_rows(report)
    for name, expected in MOT16_EXPECTED[results].items():
        _assert_matches(rows[name], expected, f"{results}/{name}")
    assert report.cross_check_disagreements() == []
    for name, check in report.cross_check.items():  # same removal: FP, FN, IDF1 exactly equal
        assert (check.fp, check.fn) == (rows[name]["FP"], rows[name]["FN"])
        assert check.idf1 == pytest.approx(rows[name]["IDF1"], abs=1e-9)
        assert abs(check.mota - rows[name]["MOTA"]) <= 0.05


@pytest.mark.parametrize("results", sorted(MOT16_EXPECTED))
def test_mot16_without_distractor_removal(shared_data: Path, results: str) -> None:
    report = evaluate(
        shared_data / "MOT16/train", shared_data / "reference" / results, "MOT16", ["MOT16-11", "MOT16-13"],
        preprocess=False, cross_check=True,
    )  # fmt: skip
    rows = _report_rows(report)
    # The README lists the changed values it published; metrics that do not depend on false positives must be
    # exactly as with removal. (Other FP-dependent values, e.g. DetA, IDP, Prcn, also move; the README omits them.)
    fp_independent = ["AssA", "LocA", "MOTP", "IDR", "Recall", "FN", "IDSW", "Frag", "MT", "PT", "ML"]
    for name, expected in MOT16_EXPECTED[results].items():
        unchanged = {key: expected[key] for key in fp_independent}
        if name == "MOT16-13":  # no distractor matches there: every number is unchanged
            unchanged = expected
        _assert_matches(rows[name], {**unchanged, **MOT16_WITHOUT_REMOVAL[results].get(name, {})}, f"{results}/{name}")
    assert report.cross_check_disagreements() == []


def test_mot15_protocol_matches_official_numbers_for_every_sequence_with_gt(shared_data: Path) -> None:
    report = evaluate(shared_data / "MOT15/train", shared_data / "reference/mot15-devkit-CEM", "MOT15", cross_check=True)
    rows = _report_rows(report)
    assert set(rows) == set(MOT15_CEM_EXPECTED)  # the 8 sequences with gt + COMBINED; the 3 without are skipped
    for name, expected in MOT15_CEM_EXPECTED.items():
        _assert_matches(rows[name], expected, name)
    assert report.cross_check_disagreements() == []
    # The MOTChallenge devkit's own printout for CEM (one decimal).
    for name, (idf1, mota, motp) in {"TUD-Campus": (55.8, 52.6, 72.3), "TUD-Stadtmitte": (64.5, 56.4, 65.4)}.items():
        assert (round(rows[name]["IDF1"], 1), round(rows[name]["MOTA"], 1), round(rows[name]["MOTP"], 1)) == (
            idf1, mota, motp,
        )  # fmt: skip


MOTMETRICS_EXPECTED = {  # py-motmetrics' own test values (fractions; MOTP as IoU distance)
    "TUD-Campus": dict(idf1=0.557659, idp=0.729730, idr=0.451253, recall=0.582173, precision=0.941441,
                       num_unique_objects=8, mostly_tracked=1, partially_tracked=6, mostly_lost=1,
                       num_false_positives=13, num_misses=150, num_switches=7, num_fragmentations=7,
                       mota=0.526462, motp=0.277201),
    "TUD-Stadtmitte": dict(idf1=0.644619, idp=0.819760, idr=0.531142, recall=0.608997, precision=0.939920,
                           num_unique_objects=10, mostly_tracked=5, partially_tracked=4, mostly_lost=1,
                           num_false_positives=45, num_misses=452, num_switches=7, num_fragmentations=6,
                           mota=0.564014, motp=0.345904),
    "OVERALL": dict(idf1=0.624296, idp=0.799176, idr=0.512211, recall=0.602640, precision=0.940268,
                    num_unique_objects=18, mostly_tracked=6, partially_tracked=10, mostly_lost=2,
                    num_false_positives=58, num_misses=602, num_switches=14, num_fragmentations=13,
                    mota=0.555116, motp=0.330177),
}  # fmt: skip


def _tud_files(shared_data: Path, name: str):
    folder = shared_data / "reference/motmetrics" / name
    gt_frames = int(np.loadtxt(folder / "gt.txt", delimiter=",", usecols=0).max())
    test_frames = int(np.loadtxt(folder / "test.txt", delimiter=",", usecols=0).max())
    length = max(gt_frames, test_frames)
    return read_ground_truth(folder / "gt.txt", length), read_results(folder / "test.txt", length)


def test_our_io_reproduces_py_motmetrics_own_test_values(shared_data: Path) -> None:
    mm = import_motmetrics()
    names = ["TUD-Campus", "TUD-Stadtmitte"]
    accumulators = [motmetrics_accumulator(*_tud_files(shared_data, name)) for name in names]
    summary = mm.metrics.create().compute_many(
        accumulators, names=names, metrics=mm.metrics.motchallenge_metrics, generate_overall=True
    )
    for row, expected in MOTMETRICS_EXPECTED.items():
        for key, value in expected.items():
            assert summary.loc[row, key] == pytest.approx(value, abs=1e-4), f"{row} {key}"


def test_hota_of_py_motmetrics_tud_files(shared_data: Path, tmp_path: Path) -> None:
    gt_root, results = tmp_path / "gt", tmp_path / "results"
    results.mkdir()
    for name, length in {"TUD-Campus": 71, "TUD-Stadtmitte": 179}.items():
        (gt_root / name / "gt").mkdir(parents=True)
        (gt_root / name / "seqinfo.ini").write_text(
            f"[Sequence]\nname={name}\nimDir=img1\nframeRate=25\nseqLength={length}\nimWidth=640\nimHeight=480\n"
        )
        shutil.copy(shared_data / "reference/motmetrics" / name / "gt.txt", gt_root / name / "gt/gt.txt")
        shutil.copy(shared_data / "reference/motmetrics" / name / "test.txt", results / f"{name}.txt")
    report = evaluate(gt_root, results, "MOT15", workers=1)
    assert round(report.sequences["TUD-Campus"]["HOTA"], 3) == 39.140
    assert round(report.sequences["TUD-Campus"]["DetA"], 3) == 41.805
    assert round(report.sequences["TUD-Campus"]["AssA"], 3) == 36.912
    assert (round(report.combined["HOTA"], 3), round(report.combined["DetA"], 3), round(report.combined["AssA"], 3)) == (
        39.996, 39.768, 41.245,
    )  # fmt: skip


# --- behaviour on bad or partial input, on small hand-made sequences ---------------------------------------------


def _tiny_sequence(root: Path, name: str = "SEQ-1", length: int = 3) -> Path:
    (root / name / "gt").mkdir(parents=True)
    (root / name / "seqinfo.ini").write_text(
        f"[Sequence]\nname={name}\nframeRate=10\nseqLength={length}\nimWidth=100\nimHeight=100\n"
    )
    (root / name / "gt/gt.txt").write_text("1,1,10,10,20,40,1,1,1\n2,1,12,10,20,40,1,1,1\n3,1,14,10,20,40,1,1,1\n")
    return root


def test_perfect_results_score_100_and_shifted_ones_lose_detections(tmp_path: Path) -> None:
    gt_root = _tiny_sequence(tmp_path / "gt")
    perfect, shifted = tmp_path / "perfect", tmp_path / "shifted"
    perfect.mkdir(), shifted.mkdir()
    (perfect / "SEQ-1.txt").write_text("1,7,10,10,20,40,1,-1,-1,-1\n2,7,12,10,20,40,1,-1,-1,-1\n3,7,14,10,20,40,1,-1,-1,-1\n")
    (shifted / "SEQ-1.txt").write_text("1,7,10,10,20,40,1,-1,-1,-1\n2,7,40,10,20,40,1,-1,-1,-1\n3,8,14,10,20,40,1,-1,-1,-1\n")
    best = evaluate(gt_root, perfect, "MOT16", workers=1).combined
    assert (best["HOTA"], best["MOTA"], best["IDF1"], best["FP"], best["FN"], best["IDSW"]) == (100, 100, 100, 0, 0, 0)
    worse = evaluate(gt_root, shifted, "MOT16", workers=1).combined
    assert (worse["FP"], worse["FN"], worse["IDSW"]) == (1, 1, 1)  # frame 2 misplaced, frame 3 a new id
    assert worse["MOTA"] == pytest.approx(100 * (1 - (1 + 1 + 1) / 3))


def test_missing_results_are_listed_or_scored_empty(tmp_path: Path) -> None:
    gt_root = _tiny_sequence(_tiny_sequence(tmp_path / "gt", "A-1"), "B-2")
    results = tmp_path / "results"
    results.mkdir()
    with pytest.raises(EvaluationError, match=r"2 sequence\(s\): A-1, B-2"):
        evaluate(gt_root, results, "MOT16")
    report = evaluate(gt_root, results, "MOT16", allow_missing=True)
    assert report.combined["FN"] == 6 and report.combined["MOTA"] == 0 and report.combined["HOTA"] == 0


def test_malformed_results_name_file_and_line(tmp_path: Path) -> None:
    gt_root = _tiny_sequence(tmp_path / "gt")
    results = tmp_path / "results"
    results.mkdir()
    (results / "SEQ-1.txt").write_text("1,1,10,10,20,40,1,-1,-1,-1\n2,1,10,10,20,40,1,-1,-1,-1\n2,1,10,10,20,40,1,-1,-1,-1\n")
    with pytest.raises(MOTFormatError) as error:
        evaluate(gt_root, results, "MOT16", workers=1)
    assert error.value.line == 3 and error.value.path == (results / "SEQ-1.txt").resolve()
    (results / "SEQ-1.txt").write_text("1,1,10,10,20,40\n4,1,10,10,20,40\n")
    with pytest.raises(MOTFormatError, match=r"line 2: frame: expected a 1-based frame in 1\.\.3"):
        evaluate(gt_root, results, "MOT16", workers=1)


def test_unknown_benchmark_and_sequence_are_rejected(tmp_path: Path) -> None:
    gt_root = _tiny_sequence(tmp_path / "gt")
    with pytest.raises(EvaluationError, match="expected one of MOT16, MOT17, MOT15"):
        evaluate(gt_root, tmp_path, "MOT20")
    with pytest.raises(EvaluationError, match="unknown sequences"):
        evaluate(gt_root, tmp_path, "MOT16", ["NOPE"])
