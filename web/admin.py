"""Admin: API tokens are listed and revoked here (they are created by ``manage.py create_api_token``)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from web.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created", "last_used", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = ["user", "prefix", "created", "last_used"]
    fields = ["user", "name", "prefix", "created", "last_used", "revoked"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        queryset.update(revoked=True)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token's secret is shown once, by the management command
