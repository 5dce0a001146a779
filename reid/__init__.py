"""reid stage package."""
