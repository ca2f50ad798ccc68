"""Static files as production serves them: collected, hashed, served by WhiteNoise."""

import re

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture
def collected_static(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_whitenoise_serves_vendored_assets_with_hashed_names(collected_static):
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert any(re.search(r"bootstrap\.min\.[0-9a-f]{12}\.css$", url) for url in assets), assets
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "immutable" in response["Cache-Control"], url
    assert (collected_static / "annotator/vendor/bootstrap/LICENSE").exists()
