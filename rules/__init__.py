"""Data only: this file lets the folder ship inside the advisor package (read with importlib.resources)."""
