"""A GTFS feed with trips but no active service day: a warning at load, a clear error at compute and query.

The feed is São Paulo's real SPTrans feed with its calendar.txt rewritten so that no weekday flag is set (a feed
exported with its services switched off); everything else is the shared file.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import DATA_DIR

SPO_GTFS = DATA_DIR / "sao_paulo" / "spo_gtfs.zip"


def feed_without_service(target: Path) -> Path:
    """A copy of SPO's feed whose calendar lists its 6 services with every weekday flag 0."""
    assert SPO_GTFS.exists(), f"shared data not found: {SPO_GTFS}"
    with zipfile.ZipFile(SPO_GTFS) as source, zipfile.ZipFile(target, "w") as out:
        for member in source.namelist():
            data = source.read(member)
            if member == "calendar.txt":
                lines = data.decode().splitlines()
                rows = [line.split(",") for line in lines[1:] if line]
                data = "\n".join([lines[0], *(",".join([r[0], *["0"] * 7, r[8], r[9]]) for r in rows)]).encode()
            out.writestr(member, data)
    return target


@pytest.mark.django_db(transaction=True)
def test_no_service_day_warns_at_load_and_errors_at_compute(tmp_path: Path) -> None:
    feed = feed_without_service(tmp_path / "spo_no_service.zip")
    out = io.StringIO()
    call_command("load_city", "sao_paulo", "--gtfs", str(feed), "--rejects", str(tmp_path / "r.csv"), stdout=out)
    text = out.getvalue()
    assert "Warning: GTFS feed 'gtfs' (spo_no_service.zip) has trips but no day on which any service runs" in text
    # The calendar's own range, as the file gives it (20080101..20200501), and why it yields no day.
    assert "calendar.txt 2008-01-01 to 2020-05-01 (6 services, no weekday flag set)" in text

    with pytest.raises(CommandError) as error:
        call_command("compute_access", "sao_paulo", "--mode", "transit", "--origins", "h3", stdout=io.StringIO())
    message = str(error.value)
    assert "GTFS feed 'gtfs' (spo_no_service.zip)" in message
    assert "no day on which any service runs" in message
    assert "2008-01-01 to 2020-05-01" in message

    # --mode all computes walking and says why transit is left out, without a traceback.
    out = io.StringIO()
    call_command("compute_access", "sao_paulo", "--mode", "all", "--origins", "h3", "--profile", "adult", stdout=out)
    assert "no day on which any service runs" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_transit_point_query_says_why(tmp_path: Path, client: object) -> None:
    feed = feed_without_service(tmp_path / "spo_no_service.zip")
    call_command("load_city", "sao_paulo", "--gtfs", str(feed), "--rejects", str(tmp_path / "r.csv"),
                 stdout=io.StringIO())  # fmt: skip
    response = client.get(  # type: ignore[attr-defined]
        "/api/v1/cities/sao_paulo/opportunities", {"near": "-46.6333,-23.5505", "mode": "transit", "minutes": "20"}
    )
    assert 400 <= response.status_code < 500, response.content[:300]
    assert "no day on which any service runs" in response.json()["error"]


@pytest.mark.django_db(transaction=True)
def test_a_date_without_service_is_refused(tmp_path: Path) -> None:
    """--date on a day the real feed does not run (it ends 2020-05-01): a clear error, not an empty timetable."""
    call_command("load_city", "sao_paulo", "--rejects", str(tmp_path / "r.csv"), stdout=io.StringIO())
    with pytest.raises(CommandError) as error:
        call_command(
            "compute_access", "sao_paulo", "--mode", "transit", "--date", "2030-01-02", "--origins", "h3",
            stdout=io.StringIO(),
        )  # fmt: skip
    assert "no transit service of São Paulo runs on 2030-01-02 (feeds: gtfs 2008-01-01 to 2020-05-01)" in str(
        error.value
    )
