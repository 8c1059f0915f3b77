"""Errors that are the user's to fix (a path, a profile key, a setting), not bugs.

Entry points (``make run``, ``python -m digitstudy``) print a ``UserError`` as one
paragraph without a traceback and exit 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(ValueError):
    """Bad input from the user; the message names the file, key or setting to change."""
