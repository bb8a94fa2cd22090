"""Secrets never reach an error line, on the obstore path as on boto3's (kept for keys obstore
cannot address): tested against a loopback S3-compatible server whose error messages echo every
request header and the query."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from crowdaudit.cli import app
from crowdaudit.errors import CrowdAuditError, redact
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.s3_obstore import HybridS3Store

TOKEN = "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKENvalue0123456789abcdefSECRET"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEY_ID = "ASIAEXAMPLE123456789"


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with 403 and an S3 error whose message quotes the whole request."""

    seen: ClassVar[list[dict[str, str]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.seen.append(dict(self.headers.items()))
        echoed = f"{self.command} {self.path} " + " ".join(
            f"{name}: {value}" for name, value in self.headers.items()
        )
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
            f"<Message>denied; you sent {html.escape(echoed)}</Message></Error>"
        ).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def echo_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    _Echo.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def assert_no_secret(text: str) -> None:
    assert TOKEN not in text
    assert SECRET not in text
    assert KEY_ID not in text
    for headers in _Echo.seen:
        for name, value in headers.items():
            if name.lower() in {"authorization", "x-amz-security-token"}:
                assert value not in text, name


def store(endpoint: str) -> HybridS3Store:
    return HybridS3Store(AwsConfig(endpoint_url=endpoint, max_attempts=1), "bucket")


def user_agents() -> list[str]:
    return [
        next(value for name, value in headers.items() if name.lower() == "user-agent")
        for headers in _Echo.seen
    ]


@pytest.mark.parametrize(
    ("key", "client"),
    [("out/summary.json", "object_store/"), ("out//summary.json", "Boto3/")],
    ids=["obstore", "boto3-for-a-key-obstore-refuses"],
)
def test_the_write_path_masks_echoed_headers(echo_server: str, key: str, client: str) -> None:
    with pytest.raises(CrowdAuditError) as caught:
        store(echo_server).write_bytes(key, b"{}")
    assert _Echo.seen, "the request reached the server"
    assert "x-amz-security-token" in {name.lower() for name in _Echo.seen[0]}
    assert "denied; you sent PUT" in caught.value.message
    assert_no_secret(caught.value.message)
    assert [agent.startswith(client) for agent in user_agents()] == [True]


@pytest.mark.parametrize(
    ("prefix", "client"),
    [("job/", "object_store/"), ("job//", "Boto3/")],
    ids=["obstore", "boto3-for-a-prefix-obstore-refuses"],
)
def test_the_listing_path_masks_echoed_headers(echo_server: str, prefix: str, client: str) -> None:
    with pytest.raises(CrowdAuditError) as caught:
        list(store(echo_server).list_level(prefix))
    assert "denied; you sent GET" in caught.value.message
    assert_no_secret(caught.value.message)
    assert [agent.startswith(client) for agent in user_agents()] == [True]


def test_the_delete_path_masks_echoed_headers(echo_server: str) -> None:
    with pytest.raises(CrowdAuditError) as caught:
        store(echo_server).delete("out/.crowdaudit-0123/summary.json")
    # object_store deletes through S3's DeleteObjects: a POST to ?delete.
    assert "denied; you sent POST /bucket?delete" in caught.value.message
    assert_no_secret(caught.value.message)
    assert [agent.startswith("object_store/") for agent in user_agents()] == [True]


def test_one_s3_path_for_a_whole_audit_written_to_s3(echo_server: str) -> None:
    # Reading, listing, staging, committing and cleaning up: every request goes through obstore.
    store(echo_server).list_objects("job/")
    with pytest.raises(CrowdAuditError):
        store(echo_server).read_bytes("job/manifests/output/output.manifest")
    agents = set(user_agents())
    assert len(agents) == 1
    assert agents.pop().startswith("object_store/")


def test_the_obstore_read_path_masks_echoed_headers(echo_server: str) -> None:
    with pytest.raises(CrowdAuditError) as caught:
        store(echo_server).read_bytes("job/manifests/output/output.manifest")
    assert_no_secret(caught.value.message)


def test_the_command_prints_no_secret(echo_server: str, tmp_path: Any) -> None:
    result = CliRunner().invoke(
        app,
        ["audit", "s3://bucket/job/", "--endpoint-url", echo_server, "--no-cache", "-q"],
    )
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ")
    assert_no_secret(result.output)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("X-Amz-Security-Token=abc&X-Amz-Date=20260101", "X-Amz-Date=20260101"),
        ("Authorization: AWS4-HMAC-SHA256 Credential=ASIAXXXXXXXXXXXXXXXX/2026", "Authorization"),
        ("'x-amz-security-token': 'abc'", "x-amz-security-token"),
        ("NoSuchKey: The specified key does not exist.", "The specified key does not exist."),
    ],
)
def test_redact_masks_values_and_keeps_the_rest(text: str, kept: str) -> None:
    masked = redact(text)
    assert kept in masked
    assert "abc" not in masked.replace(kept, "")
    assert "ASIAXXXXXXXXXXXXXXXX" not in masked


def test_every_crowdaudit_error_is_redacted() -> None:
    error = CrowdAuditError(
        "cannot read", where="s3://b/k", why=f"echo X-Amz-Security-Token={TOKEN}"
    )
    assert TOKEN not in error.message
    assert TOKEN not in str(error)
