"""Who is who in the catalogue (issue #18): the migration makes the moderators' group with its permission;
`catalogue_roles` makes providers with their people and moderators, and says clearly what it cannot do."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_the_migration_makes_the_moderators_group_with_its_permission() -> None:
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="catalogue moderators")
    assert list(group.permissions.values_list("content_type__app_label", "codename")) == [("geo", "moderate_offering")]


def test_providers_members_and_moderators(django_user_model: object) -> None:
    from geo.models import City, Provider
    from geo.offerings import is_moderator, providers_of

    city = City.objects.create(slug="milan", name="Milano", country="IT", metric_epsg=32632)
    anna = django_user_model.objects.create_user("anna")  # type: ignore[attr-defined]
    mario = django_user_model.objects.create_user("mario")  # type: ignore[attr-defined]
    call_command("catalogue_roles", "provider", "milan", "teatro-ragazzi", "Teatro Ragazzi", "--member", "anna")
    call_command("catalogue_roles", "provider", "milan", "teatro-ragazzi", "Teatro Ragazzi ETS")  # renamed
    provider = Provider.objects.get(city=city, slug="teatro-ragazzi")
    assert provider.name == "Teatro Ragazzi ETS" and providers_of(anna, city) == [provider]
    assert providers_of(mario, city) == [] and not is_moderator(mario)
    call_command("catalogue_roles", "moderator", "mario")
    mario = django_user_model.objects.get(username="mario")  # type: ignore[attr-defined]  # a fresh permission cache
    assert is_moderator(mario) and not is_moderator(anna)
    call_command("catalogue_roles", "moderator", "mario", "--remove")
    assert not is_moderator(django_user_model.objects.get(username="mario"))  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("catalogue_roles", "moderator", "nobody")
    with pytest.raises(CommandError, match="No city 'atlantis'"):
        call_command("catalogue_roles", "provider", "atlantis", "x", "X")
