import pytest

from tests.library.factories import PublishedModuleFactory


@pytest.fixture(autouse=True)
def bench_installed(settings):
    """The benchmark's app and URLs, as portal.settings.bench installs them (the test settings,
    like the base and production ones, leave it out)."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "apps.bench"]
    settings.ROOT_URLCONF = "apps.bench.urls"


@pytest.fixture
def library(db):
    """A published library like the real one: eleven modules, 3 to 5 sections, 3 checks."""
    return [
        PublishedModuleFactory(version__sections=3 + number % 3, version__checks=3)
        for number in range(11)
    ]
