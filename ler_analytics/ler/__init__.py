"""ler subpackage."""
