"""The OpenAPI schema and the docs page: complete, valid, and served from our own origin."""

import json
import re
from pathlib import Path

import pytest

OPERATIONS = {
    ("get", "/api/v1/me/assignments"),
    ("get", "/api/v1/me/assignments/{code}"),
    ("post", "/api/v1/me/assignments/{code}/entries"),
    ("get", "/api/v1/me/entries"),
    ("put", "/api/v1/me/entries/{code}"),
    ("get", "/api/v1/clients"),
    ("get", "/api/v1/clients/{code}/assignments"),
    ("get", "/api/v1/assignments/{code}/entries"),
    ("get", "/api/v1/entries/{code}/fhir"),
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def schema(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_the_schema_is_openapi_3_and_lists_every_operation(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Between API"
    assert schema["info"]["version"] == "1"
    listed = {(method, path) for path, ops in schema["paths"].items() for method in ops if method in HTTP_METHODS}
    assert listed == OPERATIONS


def test_every_operation_is_named_once_and_says_who_may_call_it(schema):
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    for op in operations:
        assert op["security"] in ([{"ClientSession": []}], [{"TherapistSession": []}]), op["operationId"]
        assert {"200", "201"} & set(op["responses"]), op["operationId"]
        assert {"401", "404"} <= set(op["responses"]), f"{op['operationId']} does not document 401 and 404"


def test_every_reference_in_the_schema_resolves(schema):
    defined = set(schema["components"]["schemas"])
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(schema)))
    assert refs and refs <= defined


def test_no_schema_hands_out_an_integer_key(schema):
    """Records travel by their public code; a database id never leaves the server."""
    fields = [
        (name, field)
        for name, component in schema["components"]["schemas"].items()
        for field in component.get("properties", {})
    ]
    assert any(field == "code" for _, field in fields), "no schema fields were checked"
    for name, field in fields:
        assert field != "id" and not field.endswith("_id"), f"{name}.{field}"


def test_the_schema_tells_a_client_the_shape_of_a_code(schema):
    parameter = schema["paths"]["/api/v1/me/assignments/{code}"]["get"]["parameters"][0]
    assert parameter["name"] == "code" and parameter["in"] == "path"
    assert re.fullmatch(parameter["schema"]["pattern"].strip("^$"), "abcdefABCD12")


def test_out_schemas_name_their_fields():
    """Never a model wholesale: every field named, no integer ids."""
    source = (Path(__file__).parent.parent / "schemas.py").read_text()
    assert "ModelSchema" not in source and "__all__" not in source


def test_the_docs_page_serves_our_own_swagger_files(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the docs page loads no Swagger files"
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), f"{url} is not on our origin"
    assert not re.search(r"https?://", html), "the docs page names another host"
    assert "cdn" not in html.lower()
    for url in assets:
        assert client.get(url).status_code == 200, f"{url} is not served"


def test_the_docs_page_points_at_our_schema(client, db):
    html = client.get("/api/v1/docs").content.decode()
    settings = json.loads(
        re.search(r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S)[1]
    )
    assert settings["url"] == "/api/v1/openapi.json"
