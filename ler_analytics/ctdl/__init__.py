"""ctdl subpackage."""
