import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_explains_there_is_no_sign_up_and_links_to_password_reset(client):
    body = client.get(reverse("account_login")).content.decode()
    assert "There is no sign-up" in body
    assert "sign up" not in body.lower().replace("sign-up", "")
    assert body.count(reverse("account_reset_password")) == 1
