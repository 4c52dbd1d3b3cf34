from django.contrib import admin

from geo.models import (
    CatalogueJob,
    City,
    DataRelease,
    Neighbourhood,
    Offering,
    OfferingChange,
    Provider,
    ProviderMembership,
)


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "country", "metric_epsg"]


@admin.register(DataRelease)
class DataReleaseAdmin(admin.ModelAdmin):
    list_display = ["city", "created", "status", "input_hash"]
    list_filter = ["city", "status"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "release"]
    list_filter = ["level"]
    search_fields = ["name", "code"]


class ProviderMembershipInline(admin.TabularInline):
    model = ProviderMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "city"]
    list_filter = ["city"]
    search_fields = ["name", "slug"]
    inlines = [ProviderMembershipInline]


class OfferingChangeInline(admin.TabularInline):
    model = OfferingChange
    extra = 0
    can_delete = False
    readonly_fields = ["at", "username", "action", "changes", "reason"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # the history is written by the catalogue pages only


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "category", "status", "voucher", "updated"]
    list_filter = ["status", "category", "provider__city"]
    search_fields = ["name", "provider__name"]
    readonly_fields = ["status", "reason", "voucher", "approved_values"]
    inlines = [OfferingChangeInline]


@admin.register(CatalogueJob)
class CatalogueJobAdmin(admin.ModelAdmin):
    list_display = ["city", "created", "status", "step", "steps", "offerings", "release"]
    list_filter = ["city", "status"]
