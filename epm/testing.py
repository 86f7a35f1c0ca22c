"""Helpers the API tests of every app share (not used by the product)."""

from __future__ import annotations

import json

from django.test import Client

from epm.core.services import api_token_create


def api_client(user, **kwargs) -> Client:
    """A client that authenticates with a fresh personal API token of `user`."""
    _token, secret = api_token_create(user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", **kwargs)


def send(client: Client, method: str, url: str, data=None):
    if method == "get":
        return client.get(url, data or {})
    body = data if isinstance(data, str) else json.dumps(data or {}, default=str)
    return getattr(client, method)(url, data=body, content_type="application/json")


def assert_error(response, status: int, code: str | None = None) -> dict:
    """A JSON error in the API's one shape, with the expected status (and code)."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "code", "detail"}
    assert body["message"] and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body
