"""detectors stage package."""
