"""Errors never leak internals; the API is documented."""

import pytest

from tests.crm_backend.factories import make_staff


def test_openapi_documents_the_api(ctx):
    spec = ctx.client.get(f"{ctx.base_url}/openapi.json").json()
    for path in ("/api/v1/verifications", "/api/v1/orders/{number}/cancel", "/api/v1/conversations/{session_id}/take",
                 "/api/v1/queue", "/api/v1/audit", "/api/v1/customers/{customer_id}/erase"):
        assert path in spec["paths"], path
    assert ctx.client.get(f"{ctx.base_url}/docs").status_code == 200
    schemas = str(spec["components"]["schemas"])
    assert "password_hash" not in schemas


def test_unknown_route_and_method_use_the_error_shape(ctx):
    response = ctx.client.get("/nothing-here", headers=ctx.gateway())
    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "not_found"
    wrong_method = ctx.client.delete("/queue", headers=ctx.gateway())
    assert wrong_method.status_code == 405 and wrong_method.json()["detail"]["code"] == "method_not_allowed"


def test_malformed_json_is_a_422_without_echo(ctx):
    response = ctx.client.post("/auth/login", content=b'{"email": "a@example.com", "password": "hunter2-secret"',
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "hunter2" not in response.text


def test_validation_errors_do_not_echo_input(ctx):
    response = ctx.client.post("/auth/login", json={"email": "not-an-email", "password": "hunter2-secret" * 20})
    assert response.status_code == 422
    assert "hunter2" not in response.text
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {("body", "email"), ("body", "password")}


def test_oversized_bodies_are_refused(ctx):
    response = ctx.client.post("/tickets", content=b"x" * (ctx.settings.max_request_bytes + 1),
                               headers={**ctx.gateway(), "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["detail"]["code"] == "payload_too_large"


@pytest.fixture
def broken_route(ctx):
    """A route that fails with an internal error mentioning SQL, mounted on a copy of the app."""
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from crm_backend.api.deps import SessionDep
    from crm_backend.main import create_app

    app = create_app(ctx.settings)

    @app.get("/boom")
    def boom(session: SessionDep):
        session.execute(text("SELECT * FROM table_that_does_not_exist_secret"))

    @app.get("/crash")
    def crash():
        raise RuntimeError("internal detail: password=hunter2")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_unexpected_errors_are_a_generic_500(broken_route):
    for path in ("/boom", "/crash"):
        response = broken_route.get(path)
        assert response.status_code in (500, 503)
        assert response.json()["detail"]["code"] in ("internal_error", "database_unavailable")
        for leak in ("SELECT", "table_that_does_not_exist", "hunter2", "Traceback", "sqlalchemy"):
            assert leak not in response.text


def test_health(ctx):
    assert ctx.client.get(f"{ctx.base_url}/health").json() == {"status": "ok"}


def test_staff_routes_reject_customer_tokens(ctx):
    with ctx.db() as s:
        agent = make_staff(s)
    headers = {**ctx.staff(agent), "X-Customer-Token": "whatever"}
    response = ctx.client.get("/orders/123456", headers=headers)
    assert response.status_code == 403
