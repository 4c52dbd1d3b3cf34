"""Where to open new youth hubs: facility location on the travel-time table, scenarios, missions, vulnerability.

Every model reads the one travel-time contract — a long, sparse frame ``from_id, to_id, travel_time`` (seconds;
only pairs within reach) — with ``from_id`` a demand point (a census section, a grid cell) and ``to_id`` a
candidate site. Demand is a Series of weights (youth, optionally × vulnerability) indexed by demand id.
Candidates are ids; ``fixed`` ones (existing hubs) are always open and never moved; ``capacities`` (per candidate,
in demand units) turn a model into its capacitated variant.

Models (the mathematics is in each class docstring):

- :class:`MaximalCovering` (MCLP): open ``p`` new sites to maximise the demand within ``T`` minutes of an open site.
- :class:`PMedian`: open ``p`` new sites to minimise total demand-weighted travel time; demand with no open site
  within ``T`` counts at a penalty time (``T + 1`` minute unless told otherwise).
- :class:`SetCovering` (LSCP): the fewest new sites that put every coverable demand point within ``T``; demand no
  candidate can cover is reported in ``uncoverable`` rather than making the model infeasible.

Each is built with ``from_travel_times(...)`` and solved with ``.solve(method=...)``. ``"greedy"`` runs a greedy
construction followed by vertex substitution (Teitz & Bart 1968): fractions of a second on city-sized instances.
``"exact"`` proves optimality: a sparse mixed-integer programme (variables only for pairs within reach) solved
with HiGHS (``highspy``), after a Lagrangian relaxation has removed the candidates that provably cannot beat the
heuristic's solution (for the uncapacitated MCLP and p-median; see :func:`_exact_uncapacitated`). The one-call
functions :func:`maximal_covering`, :func:`p_median` and :func:`set_covering` build and solve in one step.

Around the models: :func:`scenario_summary` (coverage, nearest time and inequality before/after a set of sites,
overall, per zone and per age band), :func:`rank_missions` (neighbourhoods ranked by unmet need with reasons a
planner can read) and :func:`vulnerability_index` (a city's recipe names its components and weights in its TOML;
the readers of the components are in ``data_sources``, named by the city's TOML).

One module per concept: :mod:`~layers.siting.errors`, :mod:`~layers.siting.instance` (the arrays every model
reads), :mod:`~layers.siting.results`, :mod:`~layers.siting.heuristics` (greedy + swap),
:mod:`~layers.siting.lagrangian` (bounds), :mod:`~layers.siting.milp` (HiGHS and the formulations),
:mod:`~layers.siting.exact` (the reduction driver), :mod:`~layers.siting.models` (the three models, one solve
path), :mod:`~layers.siting.scenarios`, :mod:`~layers.siting.missions`, :mod:`~layers.siting.vulnerability`,
:mod:`~layers.siting.wish_demand` (demand weighted by approved wishes).

References: Church & ReVelle (1974) "The maximal covering location problem"; Toregas et al. (1971) "The location
of emergency service facilities" (LSCP); ReVelle & Swain (1970) and Hakimi (1964) for the p-median; Teitz & Bart
(1968) "Heuristic methods for estimating the generalized vertex median of a weighted graph".
"""

from layers.siting.errors import SitingInputError, SolverError
from layers.siting.instance import (
    DEFAULT_TIME_LIMIT_S,
    MAX_SWAPS,
    MAX_TIME_MIN,
    PENALTY_EXTRA_MIN,
    Method,
    SitingInstance,
    siting_instance,
)
from layers.siting.missions import rank_missions
from layers.siting.models import (
    MaximalCovering,
    PMedian,
    SetCovering,
    maximal_covering,
    p_median,
    set_covering,
    solve_objective,
)
from layers.siting.results import SitingResult
from layers.siting.scenarios import ScenarioSummary, scenario_summary
from layers.siting.vulnerability import vulnerability_by_zone, vulnerability_index
from layers.siting.wish_demand import WishDemand, wish_weighted_demand

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "MAX_SWAPS",
    "MAX_TIME_MIN",
    "PENALTY_EXTRA_MIN",
    "MaximalCovering",
    "Method",
    "PMedian",
    "ScenarioSummary",
    "SetCovering",
    "SitingInputError",
    "SitingInstance",
    "SitingResult",
    "SolverError",
    "WishDemand",
    "maximal_covering",
    "p_median",
    "rank_missions",
    "scenario_summary",
    "set_covering",
    "siting_instance",
    "solve_objective",
    "vulnerability_by_zone",
    "vulnerability_index",
    "wish_weighted_demand",
]
