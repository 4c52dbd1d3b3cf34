"""Cities, their data releases and what each release holds.

A :class:`DataRelease` is one import of a city's inputs, identified by the content hash of those inputs (like
mapit's generations): a new import makes a new release and never overwrites the one users are looking at;
re-importing the same inputs finds the existing release.
"""

from __future__ import annotations

from django.conf import settings
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
        """The release the city serves: the newest published one, or None (see :mod:`geo.releases`)."""
        return self.releases.filter(status=DataRelease.Status.READY).order_by("-created", "-id").first()

    def latest_release(self) -> DataRelease | None:
        """The newest release that finished loading, published or not: what compute_access works on."""
        statuses = [DataRelease.Status.LOADED, DataRelease.Status.READY]
        return self.releases.filter(status__in=statuses).order_by("-created", "-id").first()


class DataRelease(models.Model):
    """One versioned import of a city's inputs.

    ``loading`` while the import runs; ``loaded`` when it finished but is not yet served (it lacks layers the
    served release has); ``ready`` once published: the city serves its newest ``ready`` release.
    """

    class Status(models.TextChoices):
        LOADING = "loading"
        LOADED = "loaded", "loaded, not yet published"
        READY = "ready", "published"
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
    """A neighbourhood or administrative zone of one of the city's ``[zones] levels``."""

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


class YouthCounts(models.Model):
    """Residents and youth by age band (15–17 estimated from the census 15–19 band; see data_sources.population)."""

    population = models.FloatField(null=True, blank=True)
    age_0_4 = models.FloatField(null=True, blank=True)
    age_5_9 = models.FloatField(null=True, blank=True)
    age_10_14 = models.FloatField(null=True, blank=True)
    age_15_17 = models.FloatField(null=True, blank=True)
    youth_0_17 = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True


class NeighbourhoodPopulation(YouthCounts):
    """A neighbourhood's residents, aggregated from population units, and its youth-weighted origin point."""

    neighbourhood = models.OneToOneField(Neighbourhood, on_delete=models.CASCADE, related_name="population")
    units = models.PositiveIntegerField(help_text="census sections or cells counted in this zone")
    origin = models.PointField(srid=4326, help_text="youth-weighted mean of the units' points")


class PopulationZone(YouthCounts):
    """A small population unit: an ISTAT census section or an H3 cell."""

    release = models.ForeignKey(DataRelease, on_delete=models.CASCADE, related_name="population_zones")
    kind = models.CharField(max_length=32, help_text="census_section or h3")
    code = models.CharField(max_length=64)
    geom = models.MultiPolygonField(srid=4326)
    point = models.PointField(srid=4326, help_text="representative point inside the unit")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["release", "kind", "code"], name="unique_unit_per_release")]


class Opportunity(models.Model):
    """Something a child can go to: an activity, facility or service, in one of the five WISH-MI categories."""

    class Category(models.TextChoices):
        ARTS = "arts"
        HEALTH = "health"
        EDUCATION = "education"
        SPORT = "sport"
        STEM = "stem"

    release = models.ForeignKey(DataRelease, on_delete=models.CASCADE, related_name="opportunities")
    source = models.CharField(max_length=64)
    source_id = models.CharField(max_length=128)
    name = models.CharField(max_length=300)
    provider = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    pillars = models.CharField(max_length=200, blank=True, help_text="';'-separated wellbeing pillars")
    kind = models.CharField(max_length=120, blank=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True, help_text="EUR, 0 = free")
    voucher = models.BooleanField(null=True, blank=True)
    opening_hours = models.CharField(max_length=500, blank=True, help_text="OSM opening_hours syntax")
    capacity = models.PositiveIntegerField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    website = models.URLField(max_length=500, blank=True)
    geom = models.PointField(srid=4326)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "source", "source_id"], name="unique_opportunity_per_source")
        ]
        indexes = [models.Index(fields=["release", "category"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.category})"


class School(models.Model):
    """A school or kindergarten, an origin for the school accessibility views."""

    release = models.ForeignKey(DataRelease, on_delete=models.CASCADE, related_name="schools")
    source = models.CharField(max_length=64)
    source_id = models.CharField(max_length=128)
    name = models.CharField(max_length=300)
    level = models.CharField(max_length=64, blank=True)
    address = models.CharField(max_length=300, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    management = models.CharField(
        max_length=16, blank=True, help_text="state, paritaria (recognised non-state) or private; blank if unknown"
    )
    operator = models.CharField(max_length=120, blank=True, help_text="who runs it, as the source says")
    nil = models.CharField(max_length=200, blank=True, help_text="the neighbourhood the source gives (e.g. a NIL)")
    geom = models.PointField(srid=4326)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["release", "source", "source_id"], name="unique_school")]

    def __str__(self) -> str:
        return self.name


class TransitFeed(models.Model):
    """A GTFS feed of a release; ``has_timetables`` is False for stops-only feeds (stops and routes only)."""

    release = models.ForeignKey(DataRelease, on_delete=models.CASCADE, related_name="transit_feeds")
    name = models.CharField(max_length=64)
    path = models.CharField(max_length=500, help_text="the feed file read (zip or folder)")
    sha256 = models.CharField(max_length=64)
    has_timetables = models.BooleanField()
    first_service_date = models.DateField(null=True, blank=True)
    last_service_date = models.DateField(null=True, blank=True)
    counts = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["release", "name"], name="unique_feed_per_release")]


class TransitStop(models.Model):
    """A transit stop or station."""

    feed = models.ForeignKey(TransitFeed, on_delete=models.CASCADE, related_name="stops")
    stop_id = models.CharField(max_length=128)
    name = models.CharField(max_length=300, blank=True)
    geom = models.PointField(srid=4326)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feed", "stop_id"], name="unique_stop_per_feed")]


class StreetNetwork(models.Model):
    """The walk graph of a release: its essentials here, the graph itself in a cache file keyed by input hash."""

    release = models.OneToOneField(DataRelease, on_delete=models.CASCADE, related_name="street_network")
    source_file = models.CharField(max_length=500)
    graph_path = models.CharField(max_length=500, help_text="cached graph (pickle) under VICINO_CACHE_DIR")
    sha256 = models.CharField(max_length=64, help_text="content hash of the OSM file")
    nodes = models.PositiveIntegerField()
    edges = models.PositiveIntegerField()
    length_km = models.FloatField()
    bbox = models.PolygonField(srid=4326)


class AccessLayer(models.Model):
    """Accessibility indicators for one set of origins, one mode and one walking profile, in one release.

    ``method`` says how travel times were made: on the street network, or as straight-line estimates (distance ×
    detour factor) where the city has no network; maps and exports say "straight-line estimate" for the latter.
    """

    class Method(models.TextChoices):
        NETWORK = "network"
        STRAIGHT_LINE = "straight_line"

    release = models.ForeignKey(DataRelease, on_delete=models.CASCADE, related_name="access_layers")
    mode = models.CharField(max_length=16, help_text="walk or transit")
    profile = models.CharField(max_length=32, help_text="walking profile, e.g. age_11_13")
    origin_kind = models.CharField(max_length=32, help_text="node, nil, municipio, school, census_section, h3")
    method = models.CharField(max_length=16, choices=Method.choices)
    parameters = models.JSONField(default=dict)
    summary = models.JSONField(default=dict, help_text="city-wide coverage and inequality (Gini, Palma)")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "mode", "profile", "origin_kind"], name="unique_access_layer_per_release"
            )
        ]

    def __str__(self) -> str:
        return f"{self.release.city.slug} {self.mode} {self.profile} {self.origin_kind}"

    @property
    def name(self) -> str:
        """The layer's name in exports and the API, e.g. ``walk_age_11_13_nil``."""
        return f"{self.mode}_{self.profile}_{self.origin_kind}"


class AccessValue(models.Model):
    """The indicators of one origin in a layer (``values``: column name → number or null)."""

    layer = models.ForeignKey(AccessLayer, on_delete=models.CASCADE, related_name="values")
    origin_id = models.CharField(max_length=64)
    geom = models.PointField(srid=4326)
    values = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["layer", "origin_id"], name="unique_origin_per_layer")]


class SitingScenario(models.Model):
    """A hub-siting scenario: its settings, the sites chosen and the before/after summary."""

    release = models.ForeignKey(DataRelease, on_delete=models.CASCADE, related_name="siting_scenarios")
    name = models.CharField(max_length=200)
    parameters = models.JSONField(default=dict)
    sites = models.JSONField(default=list, help_text="[{id, name, lon, lat, fixed}]")
    result = models.JSONField(default=dict, help_text="objective, solver, coverage before/after, by zone, inequality")
    created_by = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.name


class PillarIndexLayer(models.Model):
    """The pillar index of one origin set, mode and walking profile in one release (``layers.pillar_index``).

    ``rows`` holds one record per origin: composite score and rank (1 = worst served), the rank interval of the
    uncertainty analysis, and per pillar its access, score and rank; context indicators side by side.
    """

    release = models.ForeignKey(DataRelease, on_delete=models.CASCADE, related_name="pillar_indexes")
    mode = models.CharField(max_length=16, help_text="walk or transit")
    profile = models.CharField(max_length=32, help_text="walking profile, e.g. age_11_13")
    origin_kind = models.CharField(max_length=32, help_text="nil, municipio, school, census_section, h3")
    method = models.CharField(max_length=16, help_text="network or straight_line travel times")
    normalisation = models.CharField(max_length=16)
    parameters = models.JSONField(default=dict, help_text="weights, measures, excluded pillars, context, draws, seed")
    rows = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "mode", "profile", "origin_kind"], name="unique_pillar_index_per_release"
            )
        ]

    def __str__(self) -> str:
        return f"{self.release.city.slug} pillars {self.mode} {self.profile} {self.origin_kind}"


class Wish(models.Model):
    """What a child, a teenager, a family or a school class wishes were nearer (README, "Wishes").

    Anonymous by design: no account, name, exact location or address is stored. *Where* is an H3 resolution-8
    cell (about 0.7 km², chosen in the browser from the tapped point) and/or a zone of the city's primary level
    (e.g. a neighbourhood); *when* is the day. The subject is one pillar or one category; the text (≤ 280
    characters) has its contact details replaced before it is stored. Shown to the public only in counts of at least
    ``VICINO_WISH_THRESHOLD`` approved wishes that agree on area and subject.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    class Who(models.TextChoices):
        CHILD_WITH_PARENT = "child_with_parent"
        TEENAGER = "teenager"
        FAMILY = "family"
        SCHOOL_CLASS = "school_class"

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="wishes")
    cell = models.CharField(max_length=16, blank=True, help_text="H3 resolution-8 cell id, or blank")
    zone = models.CharField(max_length=64, blank=True, help_text="zone code at the city's primary level, or blank")
    pillar = models.CharField(max_length=32, blank=True, help_text="a wellbeing pillar, or blank")
    category = models.CharField(max_length=16, blank=True, help_text="an opportunity category, or blank")
    text = models.CharField(max_length=280, blank=True)
    age_band = models.CharField(max_length=8, help_text="one of the city's age bands, e.g. 6-10")
    who = models.CharField(max_length=24, choices=Who.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=300, blank=True, help_text="why it was rejected")
    automatic = models.BooleanField(default=False, help_text="rejected by the automatic text checks")
    created = models.DateField(help_text="the day it was made (no time)")
    moderated = models.DateField(null=True, blank=True)
    moderated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        permissions = [("moderate_wish", "Can approve or reject wishes")]
        indexes = [models.Index(fields=["city", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(pillar="") & ~models.Q(category=""))
                | (~models.Q(pillar="") & models.Q(category="")),
                name="wish_one_subject",
            ),
            models.CheckConstraint(condition=~models.Q(cell="") | ~models.Q(zone=""), name="wish_has_an_area"),
        ]

    def __str__(self) -> str:
        return f"wish {self.pk} ({self.status})"

    @property
    def subject(self) -> str:
        """``pillar:<key>`` or ``category:<key>``."""
        return f"pillar:{self.pillar}" if self.pillar else f"category:{self.category}"


# --------------------------------------------------------------------------------------------------------------
# Catalogue management (issue #18): providers' offerings, their review, their history, their publication
# --------------------------------------------------------------------------------------------------------------


class Provider(models.Model):
    """An organisation that offers activities to children in a city (an association, a school, a club).

    Its people are Django users (:class:`ProviderMembership`); a user may belong to several providers.
    """

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="providers")
    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=80)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProviderMembership", related_name="providers", blank=True
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "name"]
        constraints = [models.UniqueConstraint(fields=["city", "slug"], name="unique_provider_slug_per_city")]

    def __str__(self) -> str:
        return f"{self.name} ({self.city.slug})"


class ProviderMembership(models.Model):
    """A user who may create and edit a provider's offerings."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "user"], name="unique_provider_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.provider}"


class Offering(models.Model):
    """One activity of a provider, in the catalogue schema (README, "Opportunity catalogue schema").

    ``draft`` → ``submitted`` → ``approved`` / ``rejected`` / ``changes_requested`` (with a reason). On approval the
    checked values are copied to ``approved_values``: that copy is what the city publishes, so a provider editing an
    approved offering never changes what families see until a moderator approves the new version.
    """

    class Status(models.TextChoices):
        DRAFT = "draft"
        SUBMITTED = "submitted"
        APPROVED = "approved"
        REJECTED = "rejected"
        CHANGES_REQUESTED = "changes_requested"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="offerings")
    name = models.CharField(max_length=300)
    category = models.CharField(max_length=16, choices=Opportunity.Category.choices)
    pillars = models.CharField(max_length=200, help_text="';'-separated wellbeing pillars")
    kind = models.CharField(max_length=120, blank=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True, help_text="EUR, 0 = free")
    voucher = models.BooleanField(null=True, blank=True, help_text="voucher eligibility: set by moderators only")
    opening_hours = models.CharField(max_length=500, blank=True, help_text="OSM opening_hours syntax")
    capacity = models.PositiveIntegerField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    website = models.CharField(max_length=500, blank=True)
    longitude = models.FloatField()
    latitude = models.FloatField()
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    reason = models.TextField(blank=True, help_text="the moderator's reason for a rejection or a request for changes")
    approved_values = models.JSONField(null=True, blank=True, help_text="the approved version, as published")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated", "-id"]
        permissions = [("moderate_offering", "Can review offerings and set voucher eligibility")]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider.name}, {self.status})"

    @property
    def catalogue_id(self) -> str:
        """The offering's ``id`` in the city's catalogue file: stable, unique across providers."""
        return f"{self.provider.slug}-{self.pk}"


class OfferingChange(models.Model):
    """One recorded change of an offering: who, when, what (``changes``: ``[[field, old, new], ...]``)."""

    class Action(models.TextChoices):
        CREATED = "created"
        EDITED = "edited"
        SUBMITTED = "submitted"
        APPROVED = "approved"
        REJECTED = "rejected"
        CHANGES_REQUESTED = "changes_requested"
        VOUCHER = "voucher"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="offering_changes"
    )
    username = models.CharField(max_length=150, help_text="kept when the user is deleted")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=24, choices=Action.choices)
    changes = models.JSONField(default=list)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.offering_id} {self.action} by {self.username} at {self.at:%Y-%m-%d %H:%M}"


class CatalogueJob(models.Model):
    """Publishing a city's approved offerings: a new release with its layers, made in the background.

    The moderator page shows ``status`` and ``step``/``steps``; a failed job leaves the served release as it was.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="catalogue_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    step = models.PositiveSmallIntegerField(default=0)
    steps = models.PositiveSmallIntegerField(default=0)
    step_label = models.CharField(max_length=300, blank=True)
    message = models.TextField(blank=True)
    offerings = models.PositiveIntegerField(default=0, help_text="approved offerings written")
    release = models.ForeignKey(DataRelease, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the process running it")

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.city.slug} catalogue job {self.pk} ({self.status})"
