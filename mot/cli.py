"""The ``mot`` command line: ``mot eval`` (and later stages' commands). Only the CLI configures logging."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence

from mot.errors import MOTError

logger = logging.getLogger("mot")

LAYOUT_HELP = """\
Folder layouts (MOTChallenge):
  GT_ROOT/                      e.g. MOT16/train or 2DMOT2015/train
    SEQ/seqinfo.ini             [Sequence] name, frameRate, seqLength, imWidth, imHeight, imDir, imExt
    SEQ/gt/gt.txt               ground truth: frame,id,left,top,width,height,consider,class,visibility (MOT16/17)
                                or frame,id,left,top,width,height,consider,-1,-1,-1 (2DMOT2015)
    SEQ/det/det.txt             public detections: frame,-1,left,top,width,height,score[,-1,-1,-1]
    SEQ/img1/000001.jpg ...     frames (only needed by detectors and rendering)
  RESULTS_DIR/SEQ.txt           tracker output, one file per sequence:
                                frame,id,left,top,width,height,score,-1,-1,-1
Frames are 1-based in files, boxes are left,top,width,height in pixels.
"""


def _add_eval(subparsers) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score MOTChallenge results with the official protocol (TrackEval)",
        description=(
            "Score a folder of MOTChallenge results against ground truth and print HOTA, CLEAR-MOT and identity "
            "metrics per sequence and COMBINED, exactly as the official MOTChallenge evaluation (TrackEval's "
            "MotChallenge2DBox) computes them.\n\n"
            "MOT16/MOT17: tracker boxes matching distractor classes (person on vehicle, static person, "
            "distractor, reflection) are removed first, then pedestrians with consider flag 1 are scored at "
            "IoU 0.5. MOT15 (2DMOT2015): no class filtering. MOTP is the mean IoU of matches in percent."
        ),
        epilog=LAYOUT_HELP
        + "\nExamples:\n"
        "  mot eval ../shared/data/MOT16/train results/ --benchmark MOT16\n"
        "  mot eval data/2DMOT2015/train results/ --benchmark MOT15 --seqs TUD-Campus,PETS09-S2L1 --json m.json\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("gt_root", metavar="GT_ROOT", help="folder of sequences with seqinfo.ini and gt/gt.txt")
    parser.add_argument("results_dir", metavar="RESULTS_DIR", help="folder with one SEQ.txt per sequence")
    parser.add_argument(
        "--benchmark", choices=["MOT16", "MOT17", "MOT15"], default="MOT16",
        help="evaluation protocol (default: MOT16)",
    )  # fmt: skip
    parser.add_argument("--seqs", help="comma-separated sequence names (default: every sequence with gt)")
    parser.add_argument("--json", metavar="FILE", help="also write the metrics as JSON (written atomically)")
    parser.add_argument(
        "--allow-missing", action="store_true", help="score a missing results file as empty instead of failing"
    )
    parser.add_argument(
        "--no-preproc", action="store_true", help="MOT16/17: keep tracker boxes on distractors (not official)"
    )
    parser.add_argument(
        "--cross-check", action="store_true",
        help="recompute CLEAR/identity with py-motmetrics and print both side by side",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, help="worker processes (default: one per sequence, up to #CPUs)")
    parser.set_defaults(handler=_run_eval)


def _run_eval(args: argparse.Namespace) -> int:
    from mot.io import write_text_atomically
    from mot.metrics import evaluate

    started = time.perf_counter()
    seqs = [s.strip() for s in args.seqs.split(",") if s.strip()] if args.seqs else None
    report = evaluate(
        args.gt_root,
        args.results_dir,
        args.benchmark,
        seqs,
        allow_missing=args.allow_missing,
        preprocess=not args.no_preproc,
        cross_check=args.cross_check,
        workers=args.workers,
    )
    protocol = args.benchmark + ("" if args.no_preproc or args.benchmark == "MOT15" else " (distractors removed)")
    print(f"{protocol}: {len(report.sequences)} sequence(s), IoU threshold 0.5\n")
    print(report.table())
    if args.cross_check:
        print("\nCross-check with py-motmetrics (same preprocessing):")
        print(report.cross_check_table())
        problems = report.cross_check_disagreements()
        print("Cross-check: " + ("agreement within the contract" if not problems else "; ".join(problems)))
    if args.json:
        write_text_atomically(args.json, json.dumps(report.to_json_dict(), indent=2) + "\n")
        print(f"\nwrote {args.json}")
    logger.info("evaluated in %.2f s", time.perf_counter() - started)
    return 0


def _add_track(subparsers) -> None:
    parser = subparsers.add_parser(
        "track",
        help="track sequences on their public detections, writing MOTChallenge results",
        description=(
            "Track one MOTChallenge sequence, or every sequence of a folder (in parallel worker processes), on its "
            "public detections (SEQ/det/det.txt), and write RESULTS_DIR/SEQ.txt for each. Score them with "
            "'mot eval'.\n\n"
            "The tracker builds short tracklets with a multicut over detections a few frames apart (twice: the "
            "second pass takes out the camera motion that the first pass's tracklets show), then links tracklets "
            "with a lifted multicut whose costs are calibrated log-odds from motion, geometry and occlusion. "
            "--online decides the stream 1 s at a time, each decision also seeing the next 1 s (identities "
            "final within 2 s); the default offline mode uses 30 s chunks."
        ),
        epilog=LAYOUT_HELP
        + "\nExamples:\n"
        "  mot track ../shared/data/MOT15/train --out results/mot15\n"
        "  mot track ../shared/data/MOT16/train/MOT16-11 --out results/ --online\n"
        "  mot track data/MOT17/train --out res/ --config tuned.json    (JSON like {\"min_score\": 0.3})\n"
        "  mot track cam1/ --out res/ --config still.json    (no camera pass: {\"detection\": "
        "{\"camera_window_seconds\": 0}})\n"
        "  mot track ETH/ --out res/ --config visible.json    (gt of visible people only: no filling behind others,\n"
        "                                                     {\"occluded_fill_seconds\": 0})\n"
        "  mot track street.mp4 --detector yolo --out res/ --render tracked.mp4\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source", metavar="SOURCE",
        help="a sequence folder, a folder of sequence folders, or (with --detector yolo/hog) a video file",
    )  # fmt: skip
    parser.add_argument("--out", required=True, metavar="DIR", help="results folder (SEQ.txt per sequence)")
    parser.add_argument("--config", metavar="FILE", help="JSON file overriding tracker settings")
    parser.add_argument("--cost-model", metavar="FILE", help="edge cost model JSON (default: the shipped one)")
    parser.add_argument("--online", action="store_true", help="online mode: identities final within 2 s (1 s chunks, each decided with 1 s of look-ahead)")
    parser.add_argument(
        "--detector", choices=["public", "yolo", "hog"], default="public",
        help="public: SEQ/det/det.txt (default); yolo: the shipped YOLOv8 person detector (the [yolo] extra); "
        "hog: OpenCV's HOG people detector (no weights). Detections are cached per sequence and settings.",
    )  # fmt: skip
    parser.add_argument("--cache-dir", metavar="DIR", help="detection cache (default: OUT/.detections)")
    parser.add_argument("--render", metavar="FILE.mp4", help="also render boxes, ids and trails to this video")
    parser.add_argument("--workers", type=int, help="worker processes (default: up to #CPUs for public detections)")
    parser.set_defaults(handler=_run_track)


def _run_track(args: argparse.Namespace) -> int:
    from mot.tracking_jobs import run_tracking_jobs

    summary = run_tracking_jobs(
        args.source, args.out, config_path=args.config, cost_model_path=args.cost_model, online=args.online,
        workers=args.workers, progress=sys.stderr.isatty(), detector=args.detector, cache_dir=args.cache_dir,
        render=args.render,
    )  # fmt: skip
    print(summary)
    return 0


def _add_demo(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole pipeline on a generated scene (no download, no data needed) and render a video",
        description=(
            "Generate a deterministic synthetic street scene (people entering, crossing, occluding each other and "
            "being occluded, with simulated detector noise, misses and false positives) with ground truth, track "
            "it, print the official MOT16 metrics and write a rendered video.\n\n"
            "With --video FILE, run the YOLO detector on your own video instead (the [yolo] extra), track and "
            "render it (no metrics: there is no ground truth)."
        ),
        epilog="Examples:\n  mot demo\n  mot demo --out demo_out --seed 3 --online\n  mot demo --video street.mp4\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", default="demo_out", metavar="DIR", help="output folder (default: demo_out)")
    parser.add_argument("--seed", type=int, default=0, help="scene seed (default: 0)")
    parser.add_argument("--frames", type=int, default=300, help="scene length in frames (default: 300)")
    parser.add_argument("--online", action="store_true", help="online mode (2 s latency) instead of offline")
    parser.add_argument("--no-render", action="store_true", help="skip writing the video")
    parser.add_argument("--video", metavar="FILE", help="track your own video with YOLO instead of the scene")
    parser.set_defaults(handler=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    if args.video:
        from pathlib import Path

        from mot.tracking_jobs import run_tracking_jobs

        rendered = None if args.no_render else str(Path(args.out) / f"{Path(args.video).stem}_tracked.mp4")
        print(run_tracking_jobs(args.video, args.out, online=args.online, progress=sys.stderr.isatty(),
                                detector="yolo", render=rendered))  # fmt: skip
        return 0
    from mot.demo import run_demo

    result = run_demo(args.out, seed=args.seed, online=args.online, render=not args.no_render,
                      progress=sys.stderr.isatty(), num_frames=args.frames)  # fmt: skip
    print(result.summary())
    return 0


COMMANDS: list[Callable] = [_add_demo, _add_track, _add_eval]


def build_parser() -> argparse.ArgumentParser:
    """The ``mot`` argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="mot",
        description=(
            "Multi-object tracking by lifted multicut over detection graphs, with MOTChallenge I/O and the official "
            "evaluation. Run 'mot COMMAND --help' for the details of a command."
        ),
        epilog=LAYOUT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mot`` console script; returns the exit status (2 for user errors)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except MOTError as error:
        print(f"mot {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mot {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
