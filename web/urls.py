"""URL routes of the Vicino web project."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from web import catalogue, views, wishes
from web.api import api

handler500 = "web.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("cities/<slug:city>/", views.family, name="family"),
    path("cities/<slug:city>/schools/", views.schools, name="schools"),
    path("cities/<slug:city>/planner/", views.planner, name="planner"),
    path("cities/<slug:city>/planner/scenarios/", views.create_scenario, name="create-scenario"),
    path("cities/<slug:city>/planner/scenarios/<int:pk>.<str:fmt>", views.export_scenario, name="export-scenario"),
    path("cities/<slug:city>/planner/scenarios/<int:pk>/map.html", views.scenario_map_download, name="scenario-map"),
    path("cities/<slug:city>/maps/layer.html", views.layer_map_download, name="layer-map"),
    path("cities/<slug:city>/maps/profile.html", views.profile_map_download, name="profile-map"),
    path("cities/<slug:city>/wishes/", wishes.wish_map, name="wishes"),
    path("cities/<slug:city>/wishes/new/", wishes.wish_form, name="wish-form"),
    path("cities/<slug:city>/wishes/send/", wishes.wish_submit, name="wish-submit"),
    path("cities/<slug:city>/wishes/moderate/", wishes.moderation_queue, name="wish-moderation"),
    path("cities/<slug:city>/wishes/moderate/<int:pk>/", wishes.moderate_wish, name="wish-moderate"),
    path("cities/<slug:city>/data/", views.analysts, name="analysts"),
    path("cities/<slug:city>/basemap.geojson", views.basemap, name="basemap"),
    path("cities/<slug:city>/catalogue/", catalogue.offerings, name="catalogue-offerings"),
    path("cities/<slug:city>/catalogue/new/", catalogue.offering_form, name="catalogue-new"),
    path("cities/<slug:city>/catalogue/<int:pk>/", catalogue.offering_form, name="catalogue-edit"),
    path("cities/<slug:city>/catalogue/<int:pk>/submit/", catalogue.submit, name="catalogue-submit"),
    path("cities/<slug:city>/catalogue/<int:pk>/history/", catalogue.history, name="catalogue-history"),
    path("cities/<slug:city>/catalogue/review/", catalogue.review, name="catalogue-review"),
    path("cities/<slug:city>/catalogue/review/<int:pk>/", catalogue.decide, name="catalogue-decide"),
    path("cities/<slug:city>/catalogue/review/<int:pk>/voucher/", catalogue.voucher, name="catalogue-voucher"),
    path("cities/<slug:city>/catalogue/publish/", catalogue.publish, name="catalogue-publish"),
    path("cities/<slug:city>/catalogue/open.<str:fmt>", catalogue.open_catalogue, name="catalogue-open"),
    path("api/v1/", api.urls),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/<str:language>/", views.javascript_catalog, name="javascript-catalog"),
    path("admin/", admin.site.urls),
]
