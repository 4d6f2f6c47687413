import pytest

from tests.factories import ProjectFactory


@pytest.fixture
def project(db):
    return ProjectFactory(code="XT100", name="血透100", donation_presets="50,100,500")
