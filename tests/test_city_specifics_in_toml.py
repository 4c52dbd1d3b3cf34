"""A city's specifics live in its TOML, mapping tables and readers: the default city and the city's own reader
modules are TOML keys (``[city] default``, ``[city] reader_modules``), and generic code never names a city."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from data_sources.cities import city_config_from_file, city_config_from_slug, default_city_slug
from data_sources.errors import ConfigError
from data_sources.readers import GENERIC_READERS, reader_named, registered_readers
from data_sources.zone_indicators import zone_indicator_reader, zone_indicator_readers

ROOT = Path(__file__).resolve().parent.parent
HEADER = '[city]\nslug = "x"\nname = "X"\ncountry = "IT"\nmetric_epsg = 32632\n'

#: Where a city's name may stand outside tests and benchmarks: its TOML, mapping/weight/context tables, example
#: catalogue, its reader modules, the deployment files of the WISH-MI instance and the prose documentation.
ALLOWED = (
    "data_sources/cities/",
    "data_sources/mappings/",
    "data_sources/weights/",
    "data_sources/context/",
    "data_sources/examples/",
    "data_sources/milan_",
    "data_sources/atm_summary.py",  # ATM is Milan's operator: the reader of its service summaries
    "geo/migrations/",  # migrations are history: never edited
    "README.md",
    "docs/",
    "pyproject.toml",
    "docker-compose.yml",
)


def test_the_default_city_comes_from_its_toml() -> None:
    assert default_city_slug() == "milan"
    assert city_config_from_slug("milan").default
    assert not city_config_from_slug("porto_alegre").default


def test_city_readers_are_registered_by_the_modules_the_toml_names() -> None:
    assert city_config_from_slug("milan").reader_modules == ("milan_services", "milan_schools", "milan_indicators")
    readers = registered_readers()
    assert set(GENERIC_READERS) < set(readers)
    assert readers["opportunities_from_swimming_pools"].kind == "opportunities"
    assert reader_named("schools_from_services_file", "schools", where="x.toml").kind == "schools"
    assert "milan_vulnerability_components" in zone_indicator_readers()
    with pytest.raises(ConfigError, match="unknown zone indicator reader 'nope'; known: milan_vulnerability"):
        zone_indicator_reader("nope")


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ('default = "yes"\n', "default must be true or false"),
        ('reader_modules = "milan_services"\n', "reader_modules must be a list of module names"),
        ('reader_modules = ["../evil"]\n', "reader_modules must be a list of module names"),
    ],
)
def test_bad_city_keys(tmp_path: Path, keys: str, message: str) -> None:
    path = tmp_path / "city.toml"
    path.write_text(HEADER + keys)
    with pytest.raises(ConfigError, match=message) as error:
        city_config_from_file(path)
    assert str(path) in str(error.value)


def test_a_missing_reader_module_is_named() -> None:
    with pytest.raises(ConfigError, match="reader_modules: no module data_sources.atlantis_services"):
        reader_named("schools_from_file", "schools", where="x.toml", modules=("atlantis_services",))


def test_generic_code_names_no_city() -> None:
    found = subprocess.run(
        ["git", "grep", "-in", "-I", "milan", "--", "."], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    generic = [line for line in found if not line.startswith(("tests/", "benchmarks/", *ALLOWED))]
    assert generic == [], "Milan named in generic files:\n" + "\n".join(generic)


@pytest.mark.django_db
def test_the_empty_home_page_names_the_default_city(client) -> None:  # type: ignore[no-untyped-def]
    from django.conf import settings

    assert settings.VICINO_DEFAULT_CITY == "milan"  # no VICINO_DEFAULT_CITY in the tests' environment
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "<code>python manage.py load_city milan</code>" in response.content.decode()
