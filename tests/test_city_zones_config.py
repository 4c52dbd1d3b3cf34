"""A city's zone levels and vulnerability recipe come from its TOML (``[zones]``, ``[vulnerability]``), never code."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_sources.cities import city_config_from_file, city_config_from_slug
from data_sources.errors import ConfigError
from geo.models import City
from geo.zones import primary_zone_level, zone_level_order


def test_milan_toml_recipe_and_zones() -> None:
    milan = city_config_from_slug("milan")
    assert milan.vulnerability is not None
    assert milan.vulnerability.weights == {"foreign_share": 0.5, "density": 0.25, "turnover": 0.25}
    assert milan.vulnerability.level == milan.zones.primary == "nil"
    assert milan.zones.levels == ("nil", "municipio")
    assert milan.zones.label("nil", "it") and milan.zones.label("nil", "en") != milan.zones.label("nil", "it")
    # A level without a label falls back to its code; a city without [zones] has none.
    assert milan.zones.label("h3", "it") == "h3"
    porto_alegre = city_config_from_slug("porto_alegre")
    assert porto_alegre.zones.primary == "" and porto_alegre.vulnerability is None


def test_geo_reads_the_levels_from_the_toml() -> None:
    assert zone_level_order(City(slug="milan")) == ["nil", "municipio", "h3", "census_section"]
    assert primary_zone_level(City(slug="milan")) == "nil"
    assert zone_level_order(City(slug="porto_alegre")) == ["h3", "census_section"]
    assert primary_zone_level(City(slug="porto_alegre")) == ""
    # A city loaded without a shipped TOML has no levels of its own.
    assert zone_level_order(City(slug="atlantis")) == ["h3", "census_section"]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('[zones]\nlevels = ["nil"]\nprimary = "quartiere"\n', "primary 'quartiere' is not one of its levels"),
        ('[zones]\nlevels = "nil"\n', "levels must be a list"),
        ('[zones]\nlevels = ["nil"]\nlabels.zona = { it = "Zona" }\n', "labels name levels not in levels"),
        ('[vulnerability]\nreader = "x"\nlevel = "nil"\n', "lacks weights"),
        ('[vulnerability]\nreader = "x"\nlevel = "nil"\nweights = { a = -1 }\n', "numbers ≥ 0"),
        ('[vulnerability]\nreader = "x"\nlevel = "nil"\nweights = { a = true }\n', "numbers ≥ 0"),
        ('[vulnerability]\nreader = "x"\nlevel = "nil"\nweights = { a = 1 }\n', "not one of \\[zones\\] levels"),
    ],
)
def test_bad_zone_and_vulnerability_sections(tmp_path: Path, section: str, message: str) -> None:
    path = tmp_path / "city.toml"
    path.write_text('[city]\nslug = "x"\nname = "X"\ncountry = "IT"\nmetric_epsg = 32632\n\n' + section)
    with pytest.raises(ConfigError, match=message) as error:
        city_config_from_file(path)
    assert str(path) in str(error.value)
