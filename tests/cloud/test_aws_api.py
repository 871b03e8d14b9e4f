"""``catalog import aws --from-api``: the real boto3 against a fake EC2 Query API on loopback.

The fake answers DescribeInstanceTypes (two pages), DescribeInstanceTypeOfferings and
DescribeSpotPriceHistory with the recorded CLI JSON of tests/providers/fixtures/aws, turned
into EC2's XML by walking botocore's own service model (so member and list names are the
API's, not ours).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from kubectl_karp.cli.app import run

botocore_session = pytest.importorskip("botocore.session")
FIXTURES = Path(__file__).parent.parent / "providers" / "fixtures" / "aws"
MODEL = botocore_session.get_session().get_service_model("ec2")


def _xml(shape: Any, value: Any) -> str:
    if shape.type_name == "structure":
        out = []
        for name, member in shape.members.items():
            if name in value:
                tag = member.serialization.get("name") or name[0].lower() + name[1:]
                out.append(f"<{tag}>{_xml(member, value[name])}</{tag}>")
        return "".join(out)
    if shape.type_name == "list":
        item = shape.member.serialization.get("name", "item")
        return "".join(f"<{item}>{_xml(shape.member, v)}</{item}>" for v in value)
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return escape(str(value))


def _answer(operation: str, body: dict[str, Any]) -> str:
    shape = MODEL.operation_model(operation).output_shape
    return (f'<?xml version="1.0" encoding="UTF-8"?><{operation}Response '
            f'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>'
            f"{_xml(shape, body)}</{operation}Response>")


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


class FakeEC2:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.refuse = False


_AUTH_FAILURE = ('<?xml version="1.0"?><Response><Errors><Error><Code>AuthFailure</Code>'
                 '<Message>AWS was not able to validate the provided access credentials'
                 '</Message></Error></Errors><RequestID>r</RequestID></Response>')


@pytest.fixture
def ec2(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEC2]:
    fake = FakeEC2()
    types = _load("describe-instance-types.json")["InstanceTypes"]

    def handler(request: Request) -> Response:
        form = request.form
        action = form.get("Action", "")
        fake.calls.append(action)
        if fake.refuse:
            return Response(_AUTH_FAILURE, status=401, content_type="text/xml")
        if action == "DescribeInstanceTypes":  # two pages
            first = form.get("NextToken") is None
            page = {"InstanceTypes": types[:3] if first else types[3:]}
            if first:
                page["NextToken"] = "page-2"
            return Response(_answer(action, page), content_type="text/xml")
        if action == "DescribeInstanceTypeOfferings":
            assert form.get("LocationType") == "availability-zone"
            return Response(_answer(action, _load("describe-instance-type-offerings.json")),
                            content_type="text/xml")
        if action == "DescribeSpotPriceHistory":
            assert form.get("ProductDescription.1") == "Linux/UNIX"
            return Response(_answer(action, _load("describe-spot-price-history.json")),
                            content_type="text/xml")
        return Response('<?xml version="1.0"?><Response><Errors><Error><Code>'
                        'UnauthorizedOperation</Code><Message>not allowed</Message></Error>'
                        '</Errors><RequestID>r</RequestID></Response>', status=403,
                        content_type="text/xml")

    httpserver.expect_request("/", method="POST").respond_with_handler(handler)
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTEST0001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-do-not-print")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    yield fake


def test_from_api_builds_the_same_catalogue_as_the_cli_files(
        ec2: FakeEC2, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "import", "aws", "--from-api", "--region", "us-west-2"]) == 0
    live = yaml.safe_load(capsys.readouterr().out)
    assert ec2.calls.count("DescribeInstanceTypes") == 2  # both pages were read
    assert live["source"] == "EC2 API (us-west-2)" and live["region"] == "us-west-2"
    assert run(["catalog", "import", "aws", "--region", "us-west-2",
                "--instance-types", str(FIXTURES / "describe-instance-types.json"),
                "--offerings", str(FIXTURES / "describe-instance-type-offerings.json"),
                "--prices", str(FIXTURES / "describe-spot-price-history.json")]) == 0
    files = yaml.safe_load(capsys.readouterr().out)
    assert live["instanceTypes"] == files["instanceTypes"]
    m6g = next(t for t in live["instanceTypes"] if t["name"] == "m6g.large")
    assert m6g["allocatable"]["memory"] == "6844Mi"


def test_from_api_errors_are_one_line_without_the_secret(
        ec2: FakeEC2, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["catalog", "import", "aws", "--from-api", "--region", "us-west-2",
                "--instance-types", "x.json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "replaces --instance-types" in err
    ec2.refuse = True
    assert run(["catalog", "import", "aws", "--from-api", "--region", "us-west-2"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: EC2 describe_instance_types failed: AuthFailure")
    assert len(err.strip().splitlines()) == 1 and "test-secret" not in err
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert run(["catalog", "import", "aws", "--from-api", "--region", "us-west-2"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no AWS credentials") and len(err.strip().splitlines()) == 1
