"""schemathesis over the OpenAPI document the server publishes (/ogcapi/api), against the real
app on a real store: every operation, positive and negative examples, a bounded budget.

Checked: no server error (5xx), every status and content type documented, response headers and
bodies as documented. Not checked, on purpose: 'schema-valid request rejected' (a bbox must also
have an area and lie in its CRS's area of use, which JSON Schema cannot say; the 400 is
documented) and 'schema-invalid request accepted' (OGC API – Features requires a limit above
the maximum to be served at the maximum, not refused).

Driven through schemathesis's strategies rather than its pytest plugin, whose lazy loader does
not work under pytest 9; one test per generation mode, each operation in turn."""

from __future__ import annotations

import shutil
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from gis_service.settings import PROJECT_ROOT, Settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
#: examples per operation and mode (3 + 3 × 15 collections operations): a few hundred in all
EXAMPLES = 6
SECONDS = 120


@pytest.fixture(scope="module")
def api_schema(built_store_file, tmp_path_factory):
    from gis_service.web import create_app

    store = tmp_path_factory.mktemp("fuzz") / "store.gpkg"
    shutil.copy2(built_store_file, store)
    app = create_app(Settings(layers_dir=PROJECT_ROOT / "layers", store=store))
    return schemathesis.openapi.from_wsgi("/ogcapi/api?f=json", app)


@pytest.mark.parametrize("mode", ["examples", GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_operation_answers_as_documented(api_schema, mode):
    """The documented examples (a bbox over the commune, a datetime interval), then generated
    positive and negative requests."""
    started, statuses, operations = time.perf_counter(), Counter(), 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        strategies = api_schema.get_strategies_from_examples(operation) if mode == "examples" else \
            [operation.as_strategy(generation_mode=mode)]
        if not strategies:
            continue

        @given(case=st.one_of(strategies))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            response = case.call_and_validate(checks=CHECKS)
            statuses[response.status_code] += 1

        answers_as_documented()
    total = sum(statuses.values())
    print(f"schemathesis {mode}: {operations} operations, {total} examples, statuses {dict(statuses)}, "
          f"{time.perf_counter() - started:.1f} s")
    assert operations == len(api_schema.raw_schema["paths"]) >= 3 + 3 * 12
    assert total >= (12 if mode == "examples" else operations)  # the items paths have examples
    assert not [s for s in statuses if s >= 500]
    assert time.perf_counter() - started < SECONDS
