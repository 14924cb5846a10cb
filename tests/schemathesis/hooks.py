"""Schemathesis hooks for the Doorstep hub, loaded by scripts/ci/schemathesis.sh.

The script enrols a real device first and hands its tokens over in the environment.
Every request then carries that device's access token and the protocol header, and
request bodies that are JSON objects say `"protocol": 1` and, where they name a device,
this device's id. Without that, almost every generated push or pull would stop at the
envelope checks (`unauthorised`, `wrong_protocol`, a forged device id, a clock reading
from the future) and the hub's apply path would never be reached. Bodies that are not objects are left as generated,
so the envelope checks are still tried too.
"""

import os
import random
import time

import schemathesis
from hypothesis.internal import lambda_sources
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

ACCESS_TOKEN = os.environ["DOORSTEP_ST_ACCESS_TOKEN"]
DEVICE_ID = os.environ["DOORSTEP_ST_DEVICE_ID"]
USER_ID = os.environ["DOORSTEP_ST_USER_ID"]
# Routes whose bodies name the calling device (enrolment and refresh carry their own).
DEVICE_BODIES = ("/v1/push",)


_describe_lambda = lambda_sources.lambda_description


def _lambda_description(f):
    # CPython 3.11 can raise SystemError("AST constructor recursion depth mismatch")
    # while hypothesis parses a lambda's source only to name it in a repr; the name does
    # not matter to the run, so a placeholder stands in (seen with Python 3.11.7).
    try:
        return _describe_lambda(f)
    except SystemError:
        return "lambda: <source not parsed>"


lambda_sources.lambda_description = _lambda_description


def _left_out_on_purpose(case, header):
    """Whether this case tests what the hub does when `header` is missing."""
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    return (
        isinstance(data, CoveragePhaseData)
        and data.scenario == CoverageScenario.MISSING_PARAMETER
        and (data.parameter or "").lower() == header
    )


@schemathesis.hook
def before_call(ctx, case, kwargs):
    headers = dict(case.headers or {})
    if not _left_out_on_purpose(case, "authorization"):
        headers["Authorization"] = f"Bearer {ACCESS_TOKEN}"
    if not _left_out_on_purpose(case, "doorstep-protocol"):
        headers["doorstep-protocol"] = "1"
    case.headers = headers
    if isinstance(case.body, dict):
        body = dict(case.body)
        body["protocol"] = 1
        if case.operation.path in DEVICE_BODIES:
            body["device_id"] = DEVICE_ID
            if isinstance(body.get("changes"), list):
                body["changes"] = [_mend_change(c) for c in body["changes"]]
        case.body = body


def _mend_change(change):
    """A generated change made this device's own: its ids, a clock reading that is not
    ahead of the hub's, and no base versions for fields it does not change. Entity,
    record id, operation and fields stay as generated, for the rules and the merge."""
    if not isinstance(change, dict):
        return change
    change = dict(change)
    change["device_id"] = DEVICE_ID
    change["officer_id"] = USER_ID
    wall_ms = int(time.time() * 1000) - random.randrange(0, 86_400_000)
    change["hlc"] = f"{wall_ms:015d}-{random.randrange(1 << 32):08x}-{DEVICE_ID}"
    fields = change.get("fields")
    versions = change.get("base_versions")
    if isinstance(fields, dict) and isinstance(versions, dict):
        change["base_versions"] = {k: v for k, v in versions.items() if k in fields}
    return change
