"""Package; see the module docstrings inside."""
