"""The API and the map pages: ``create_app(settings, store)`` builds the FastAPI app."""

from sharpeyes.api.app import create_app

__all__ = ["create_app"]
