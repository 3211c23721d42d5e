"""Schemathesis over ``/api/v1/_openapi``: a bounded number of generated requests per
operation; none may answer 500 or break the documented response schema."""
import pytest
import schemathesis
from schemathesis.checks import ignored_auth, not_a_server_error, response_schema_conformance
from hypothesis import HealthCheck, given, settings

from tests.conftest import api_token

MAX_EXAMPLES = 15
# No 500, responses as documented, bad credentials refused.  (A 400 for a schema-valid but
# meaningless filter is correct here, so "positive data acceptance" is not asserted.)
CHECKS = [not_a_server_error, response_schema_conformance, ignored_auth]


@pytest.fixture(scope="module")
def auth_headers(app):
    return {"Authorization": f"Bearer {api_token(app.test_client(), 'city_handler')}"}


@pytest.fixture(scope="module")
def openapi_schema(app, auth_headers):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=auth_headers)
    # FAB's own security/menu endpoints are not ours to change; every /api/v1 resource of the portal is fuzzed
    return loaded.include(path_regex=r"^/api/v1/(?!security|menu|_openapi)")


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


@pytest.mark.runs_last
def test_api_never_fails_on_generated_input(openapi_schema, auth_headers):
    failures = []
    operations = list(_operations(openapi_schema))
    assert operations, "no operation found in the OpenAPI document"
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=auth_headers, checks=CHECKS)
        try:
            run()
        except Exception as exc:        # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:800]}")
    assert not failures, "\n\n".join(failures)
