"""coursectl: course logistics and grading for TAs."""

__version__ = "0.1.0"
