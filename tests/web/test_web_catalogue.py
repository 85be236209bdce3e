"""POST /api/v1/catalogue: the company and its products in, `catalogue --format json` out, bounded like a batch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("starlette", reason="the web extra is not installed")

from starlette.testclient import TestClient  # noqa: E402

from sellerexpert import Advisor, SellerProfile, cli  # noqa: E402
from sellerexpert.web import WebSettings, create_app  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
COMPANY = EXAMPLES / "catalogue-ningbo-home.yaml"
LOCAL = "http://127.0.0.1:8000"
CSV = "sku,unit_cost,full_price,semi_price,weight_kg\nA-1,1.20,3.60,8.99,0.3\nA-2,38,62,149.99,24\n"


@pytest.fixture(scope="module")
def app_advisor() -> Advisor:
    return Advisor()


@pytest.fixture
def client(app_advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("SELLEREXPERT_TRACE_KEY", raising=False)
    with TestClient(create_app(WebSettings(max_batch_rows=3), advisor=app_advisor), base_url=LOCAL) as test_client:
        yield test_client


def _company() -> dict[str, object]:
    return SellerProfile.from_file(COMPANY).with_changes(platforms=("temu",)).to_dict()


def test_csv_products_answer_what_the_cli_prints(client: TestClient, runner: CliRunner, tmp_path: Path) -> None:
    products = tmp_path / "products.csv"
    products.write_text(CSV, encoding="utf-8")
    printed = runner.invoke(
        cli, ["catalogue", str(products), "-p", str(COMPANY), "--platform", "temu", "-f", "json"], catch_exceptions=False
    )
    response = client.post("/api/v1/catalogue", json={"profile": _company(), "products": CSV})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    served, expected = response.json(), json.loads(printed.stdout)
    assert served["split"] == expected["split"]
    assert [p["platforms"] for p in served["products"]] == [p["platforms"] for p in expected["products"]]


def test_product_objects_and_a_bad_row(client: TestClient) -> None:
    products = [{"sku": "A-1", "unit_cost": 1.2, "full_price": 3.6, "semi_price": 8.99}, {"sku": "B", "unit_cost": "x"}]
    response = client.post("/api/v1/catalogue", json={"profile": _company(), "products": products})
    assert response.status_code == 200
    data = response.json()
    assert [p["sku"] for p in data["products"]] == ["A-1"]
    assert data["errors"][0]["sku"] == "B" and data["errors"][0]["field"] == "economics.unit_cost"


def test_too_many_products_is_413_before_any_work(client: TestClient) -> None:
    listed = client.post("/api/v1/catalogue", json={"profile": _company(), "products": [{"sku": str(n)} for n in range(4)]})
    text = client.post("/api/v1/catalogue", json={"profile": _company(), "products": CSV + "A-3,1,2,3,1\nA-4,1,2,3,1\n"})
    for response in (listed, text):
        assert response.status_code == 413
        assert "more than 3 products" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [b"[]", b'{"profile": {}}', b'{"products": 3}', b'{"products": "name\\nx\\n"}', b"not json"],
    ids=["a list", "no products", "products a number", "no sku column", "not json"],
)
def test_a_bad_body_is_422(client: TestClient, body: bytes) -> None:
    response = client.post("/api/v1/catalogue", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
