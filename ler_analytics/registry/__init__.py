"""registry subpackage."""
