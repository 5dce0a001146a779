"""association stage package."""
