"""API tokens: how analysts' tools (QGIS, scripts, notebooks) reach the data that needs a login.

Only a SHA-256 digest of each token is stored; the token itself is shown once, when
``python manage.py create_api_token USER`` makes it. Tokens are listed and revoked in the admin.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "vicino_"


def token_digest(secret: str) -> str:
    """The stored form of a token (a token has 256 random bits, so a plain SHA-256 is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token of one user (``Authorization: Bearer vicino_…``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="What it is for, e.g. 'QGIS on Anna's laptop'")
    prefix = models.CharField(max_length=16, editable=False, help_text="The token's first characters, to recognise it")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(default=False, help_text="A revoked token is refused")

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user: models.Model, name: str = "") -> tuple[ApiToken, str]:
        """A new token of ``user``: the stored record and the secret (shown once, never stored)."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 4],
                                   digest=token_digest(secret))  # fmt: skip
        return token, secret

    @classmethod
    def authenticate(cls, secret: str) -> ApiToken | None:
        """The active token with this secret (its last use recorded), or None."""
        token = (
            cls.objects.select_related("user")
            .filter(digest=token_digest(secret), revoked=False, user__is_active=True)
            .first()
        )
        if token is not None:
            now = timezone.now()
            if token.last_used is None or (now - token.last_used).total_seconds() > 60:
                cls.objects.filter(pk=token.pk).update(last_used=now)
                token.last_used = now
        return token
