from django.contrib import admin

from geo.models import City, DataRelease, Neighbourhood


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
