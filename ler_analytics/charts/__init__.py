"""charts subpackage."""
