"""Core of the tracker: data types, MOTChallenge I/O, evaluation, pipeline, CLI.

``mot.types``, ``mot.io`` and ``mot.metrics`` import no stage package (detectors, association, motion, reid).
Importing ``mot`` is cheap: heavy modules load when used.
"""

from mot.errors import MissingDependencyError, MOTError, MOTFormatError
from mot.types import Detections, DetectionTable, GroundTruth, Tracks

__version__ = "0.1.0"
__all__ = ["Detections", "DetectionTable", "GroundTruth", "MOTError", "MOTFormatError", "MissingDependencyError", "Tracks"]
