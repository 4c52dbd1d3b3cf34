"""URL routes of the Vicino web project."""

from django.contrib import admin
from django.urls import path

from web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cities/<slug:city>/", views.city_map, name="city-map"),
    path("api/v1/cities/", views.api_cities, name="api-cities"),
    path("api/v1/cities/<slug:city>/neighbourhoods", views.api_neighbourhoods, name="api-neighbourhoods"),
    path("admin/", admin.site.urls),
]
