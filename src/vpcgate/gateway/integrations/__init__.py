"""Integrations behind one protocol (``base.Integration``), built by type (``registry``)."""
