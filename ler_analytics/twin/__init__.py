"""twin subpackage."""
