"""Property-based run of the API against its own OpenAPI document (schemathesis).

Every generated request, valid or not, must get an answer that is declared
in the document and matches its schema, and never a 5xx; requests that
break the document must be refused (4xx), valid ones accepted.
"""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode

from web import create_app

# Smaller limits keep generated bodies (and the run) short; the rate limit is
# off so that generated traffic is not answered with 429.
app = create_app({"TESTING": True, "GUARD_RATELIMIT": "off",
                  "GUARD_MAX_MESSAGE_CHARS": 2000, "GUARD_MAX_REQUEST_BYTES": 16384})

# A message over the length limit is answered 413 (too large), which is a
# refusal too: count it among the statuses that refuse invalid data.
config = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {
    "expected-statuses": [400, 404, 405, 413, 415, 422, 429]}}})
# a raw message body is sent as bytes, like application/octet-stream
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


@schema.parametrize()
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case):
    excluded = []
    if case.media_type == "message/rfc822" and case.meta \
            and case.meta.generation.mode == GenerationMode.NEGATIVE:
        # Any bytes are a raw message: a "wrongly typed" raw body (say, the
        # bytes of "{}") is still a message to check, so it is accepted.
        excluded.append(negative_data_rejection)
    case.call_and_validate(excluded_checks=excluded)
