"""Tieling reference data (package data): see SOURCES.md."""
