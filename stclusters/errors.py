"""The project's own error classes: problems of the user's input or config.

A :class:`UserError` says all there is to say in its one-line message (the file, row or
config key and the problem); :func:`stclusters.logs.logged_step` prints that line alone
on the console and keeps the traceback for the step's log file. Anything else that goes
wrong is a bug and keeps its traceback everywhere.
"""

from __future__ import annotations


class UserError(Exception):
    """An input or config the workflow cannot use; the message names what and why."""


class ConfigError(UserError, ValueError):
    """A config the workflow cannot run; the message names the key and the problem."""
