from .routes import AREA

__all__ = ["AREA"]
