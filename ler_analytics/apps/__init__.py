"""Dashboard applications (ipywidgets App classes shown by the thin Voila notebooks)."""
