"""Cities, their data releases and what each release holds.

A :class:`DataRelease` is one import of a city's inputs, identified by the content hash of those inputs (like
mapit's generations): a new import makes a new release and never overwrites the one users are looking at;
re-importing the same inputs finds the existing release.
"""

from __future__ import annotations

from django.contrib.gis.db import models


class City(models.Model):
    """A city Vicino serves."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code")
    metric_epsg = models.PositiveIntegerField(help_text="A metric CRS for distance work, e.g. 32632 (UTM 32N)")
    language = models.CharField(max_length=8, default="en")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "cities"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    def current_release(self) -> DataRelease | None:
        """The newest release that finished loading, or None."""
        return self.releases.filter(status=DataRelease.Status.READY).order_by("-created", "-id").first()


class DataRelease(models.Model):
    """One versioned import of a city's inputs."""

    class Status(models.TextChoices):
        LOADING = "loading"
        READY = "ready"
        FAILED = "failed"

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="releases")
    created = models.DateTimeField(auto_now_add=True)
    input_hash = models.CharField(max_length=64, help_text="SHA-256 over the inputs' content hashes")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LOADING)
    inputs = models.JSONField(default=dict, help_text="source name -> {file, sha256, ...}")
    counts = models.JSONField(default=dict, help_text="source name -> {read, loaded, rejected}")

    class Meta:
        ordering = ["city", "-created"]
        constraints = [models.UniqueConstraint(fields=["city", "input_hash"], name="unique_release_per_inputs")]

    def __str__(self) -> str:
        return f"{self.city.slug} {self.input_hash[:10]} ({self.status})"


class Neighbourhood(models.Model):
    """A neighbourhood or administrative zone (Milan: 88 NIL, 9 Municipi)."""

    release = models.ForeignKey(DataRelease, on_delete=models.CASCADE, related_name="neighbourhoods")
    level = models.CharField(max_length=32, help_text="e.g. nil, municipio")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    area_m2 = models.FloatField()
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["release", "level", "code"], name="unique_zone_per_release"),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.code} {self.name}"
