"""motion stage package."""
