"""`load_city milan` loads the 88 NIL and 9 Municipi into a release: counts, a known NIL, idempotence, atomicity."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from geo import importing
from geo.models import City, DataRelease, Neighbourhood

pytestmark = pytest.mark.django_db


def test_milan_loads_88_nil_and_9_municipi(milan_loaded: importing.ImportResult) -> None:
    release = milan_loaded.release
    assert release.status == DataRelease.Status.READY
    assert release.neighbourhoods.filter(level="nil").count() == 88
    assert release.neighbourhoods.filter(level="municipio").count() == 9
    assert milan_loaded.counts["nil"] == {"read": 88, "loaded": 88, "rejected": 0}


def test_a_known_nil_has_its_name_and_area(milan_loaded: importing.ImportResult) -> None:
    # NIL 48 in the source: Shape_Area 2,406,306 m² (the Comune's own figure, metric CRS).
    nil = Neighbourhood.objects.get(release=milan_loaded.release, level="nil", code="48")
    assert nil.name == "RONCHETTO SUL NAVIGLIO - Q.RE LODOVICO IL MORO"
    assert nil.area_m2 == pytest.approx(2_406_306, rel=1e-3)
    total_km2 = sum(z.area_m2 for z in milan_loaded.release.neighbourhoods.filter(level="nil")) / 1e6
    assert total_km2 == pytest.approx(181.8, abs=0.5)  # Comune di Milano: 181.67 km²


def test_reloading_the_same_inputs_reuses_the_release() -> None:
    out = StringIO()
    call_command("load_city", "milan", stdout=out)
    call_command("load_city", "milan", stdout=out)
    assert DataRelease.objects.count() == 1
    assert Neighbourhood.objects.count() == 97
    assert "unchanged" in out.getvalue()


def test_summary_adds_up(tmp_path) -> None:
    out = StringIO()
    call_command("load_city", "milan", "--rejects", str(tmp_path / "r.csv"), stdout=out)
    text = out.getvalue()
    total = next(line for line in text.splitlines() if line.startswith("total")).split()
    assert total[1:] == ["97", "97", "0"]
    assert (tmp_path / "r.csv").read_text().startswith("source,file,row,id,field,reason,value")


def test_a_failed_import_leaves_the_previous_release(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    call_command("load_city", "milan", stdout=StringIO())
    before = DataRelease.objects.get()
    bad = tmp_path / "nil.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(CommandError, match="nil.geojson"):
        call_command("load_city", "milan", "--source", f"nil={bad}", stdout=StringIO())
    assert list(DataRelease.objects.all()) == [before]
    assert City.objects.get(slug="milan").current_release() == before
    assert Neighbourhood.objects.count() == 97


def test_unknown_city_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="Unknown city 'atlantis'. Known cities: milan"):
        call_command("load_city", "atlantis")


def test_missing_override_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("load_city", "milan", "--source", f"nil={tmp_path / 'none.geojson'}")
