"""reference subpackage."""
