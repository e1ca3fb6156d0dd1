import pytest

from tests.library.factories import PublishedModuleFactory


@pytest.fixture
def library(db):
    """A published library like the real one: eleven modules, 3 to 5 sections, 3 checks."""
    return [
        PublishedModuleFactory(version__sections=3 + number % 3, version__checks=3)
        for number in range(11)
    ]
