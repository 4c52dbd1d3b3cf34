"""Walking profiles by age band: speed and the longest walk a child of that age makes alone.

Defaults (documented in README, "Walking profiles"): a pre-schooler walks with an adult at the adult's pace slowed
for the child, older children close to adult speed. The figures follow the pedestrian-speed literature for
children (e.g. 0.9–1.3 m/s in crossing studies); a city can override them.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_sources.errors import ConfigError


@dataclass(frozen=True)
class WalkProfile:
    """How a group walks: speed in m/s and, optionally, the longest unaccompanied walk in metres."""

    name: str
    age_min: int
    age_max: int
    speed_m_s: float
    max_walk_m: float | None = None

    def __post_init__(self) -> None:
        if not 0.1 <= self.speed_m_s <= 3.0:
            raise ConfigError(f"walking speed {self.speed_m_s} m/s for {self.name!r} is outside 0.1–3.0 m/s.")
        if self.max_walk_m is not None and self.max_walk_m <= 0:
            raise ConfigError(f"maximum walk for {self.name!r} must be positive, not {self.max_walk_m}.")

    def seconds_for(self, metres: float) -> float:
        """Walking time in seconds for a distance in metres."""
        return metres / self.speed_m_s

    def metres_in(self, seconds: float) -> float:
        """Distance walked in a time, capped by the maximum unaccompanied walk."""
        reach = seconds * self.speed_m_s
        return reach if self.max_walk_m is None else min(reach, self.max_walk_m)


DEFAULT_PROFILES: tuple[WalkProfile, ...] = (
    WalkProfile("age_0_5", 0, 5, 0.9),  # with an adult
    WalkProfile("age_6_10", 6, 10, 1.1, max_walk_m=1_000),
    WalkProfile("age_11_13", 11, 13, 1.2, max_walk_m=2_000),
    WalkProfile("age_14_17", 14, 17, 1.3),
    WalkProfile("adult", 18, 120, 1.3),
)

ADULT = DEFAULT_PROFILES[-1]


def profile_for_age(age: int, profiles: tuple[WalkProfile, ...] = DEFAULT_PROFILES) -> WalkProfile:
    """The profile whose age band contains ``age``."""
    for profile in profiles:
        if profile.age_min <= age <= profile.age_max:
            return profile
    raise ConfigError(f"no walking profile covers age {age}.")


def profile_by_name(name: str, profiles: tuple[WalkProfile, ...] = DEFAULT_PROFILES) -> WalkProfile:
    """The profile called ``name``."""
    for profile in profiles:
        if profile.name == name:
            return profile
    raise ConfigError(f"unknown walking profile {name!r}; known: {', '.join(p.name for p in profiles)}.")
