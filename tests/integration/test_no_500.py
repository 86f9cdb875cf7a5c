"""Whatever JSON arrives at a writing endpoint, the answer is a 2xx or a 4xx problem — never a 500.

Random documents (seeded, so a failure replays) are sent to every endpoint that takes a body,
together with near-misses of valid bodies: right shape, wrong values.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration import steps
from tests.integration.conftest import Api
from tests.plans import plan, product

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
    st.sampled_from(["", "agri_uav", "submit", "approve", "2026-13-45", "1800222229", "Polygon", "-1", "NaN"]),
)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)


def mutations(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid body with one field replaced by anything, or one field dropped."""
    keys = st.sampled_from(sorted(valid))
    replaced = st.tuples(keys, documents).map(lambda kv: {**valid, kv[0]: kv[1]})
    dropped = keys.map(lambda k: {key: value for key, value in valid.items() if key != k})
    return replaced | dropped


def check(api: Api, method: str, path: str, body: Any) -> None:
    response = api.client.request(method, "/api/v1" + path, json=body, headers=api.headers("alpha"))
    assert response.status_code < 500, (method, path, body, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


FUZZ = settings(max_examples=40, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def test_random_documents_everywhere(api: Api) -> None:
    trial = steps.open_trial(api)
    paths = [("POST", "/products"), ("POST", "/trials"), ("POST", f"/trials/{trial['id']}/transitions"),
             ("PUT", f"/trials/{trial['id']}/plans/1"), ("POST", f"/trials/{trial['id']}/devices"),
             ("POST", "/registrations"), ("POST", "/auth/token"), ("PATCH", f"/organisations/{api.orgs['alpha']}")]  # type: ignore[attr-defined]

    @FUZZ
    @given(body=documents, target=st.sampled_from(paths))
    def fuzz(body: Any, target: tuple[str, str]) -> None:
        check(api, *target, body)

    fuzz()


def test_near_misses_of_a_plan(api: Api) -> None:
    trial = steps.open_trial(api)

    @FUZZ
    @given(body=mutations(plan()))
    def fuzz(body: dict[str, Any]) -> None:
        check(api, "PUT", f"/trials/{trial['id']}/plans/1", body)

    fuzz()


def test_near_misses_of_a_product_and_a_transition(api: Api) -> None:
    trial = steps.submitted(api)

    @FUZZ
    @given(body=mutations(product()), transition=mutations({"name": "extend", "new_end_date": "2027-01-01",
                                                             "reason": "x"}))
    def fuzz(body: dict[str, Any], transition: dict[str, Any]) -> None:
        check(api, "POST", "/products", body)
        check(api, "POST", f"/trials/{trial['id']}/transitions", transition)

    fuzz()


def test_random_query_parameters_on_every_list(api: Api) -> None:
    trial = steps.submitted(api)
    lists = ["/trials", "/products", "/organisations", "/users", "/register", "/audit", f"/trials/{trial['id']}/devices"]
    values = st.one_of(st.integers(-(2**70), 2**70).map(str), st.text(max_size=30), st.sampled_from(["", "active", "en"]))

    @FUZZ
    @given(path=st.sampled_from(lists), params=st.dictionaries(
        st.sampled_from(["limit", "offset", "state", "kind", "entity_type", "entity_id", "lang"]), values, max_size=3))
    def fuzz(path: str, params: dict[str, str]) -> None:
        response = api.client.get("/api/v1" + path, params=params, headers=api.headers("admin"))
        assert response.status_code < 500, (path, params, response.text)

    fuzz()
