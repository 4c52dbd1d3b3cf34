"""Errors of the siting models."""

from __future__ import annotations

from data_sources.errors import VicinoError


class SitingInputError(VicinoError, ValueError):
    """A siting model was given inputs it cannot solve: no demand, no candidates, a bad ``p`` or ``T``..."""


class SolverError(VicinoError, RuntimeError):
    """The MILP solver is missing, failed, or stopped without any feasible solution."""
