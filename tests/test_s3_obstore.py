"""The obstore-backed S3 store against moto's server: listing, reading, writing, errors, and a whole
job read the same as from disk."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import obstore.exceptions
import polars as pl
import pytest
from conftest import PETS, make_client, upload_folder

from crowdaudit.errors import (
    AccessDeniedError,
    CredentialsError,
    OutputError,
    SourceError,
    SourceNotFoundError,
)
from crowdaudit.schema import COL
from crowdaudit.sources.aws import AwsConfig
from crowdaudit.sources.fetch import fetch_objects, list_tree
from crowdaudit.sources.groundtruth import read_job_folder
from crowdaudit.sources.s3 import S3Store
from crowdaudit.sources.s3_obstore import HybridS3Store, ObstoreS3Store, translate_obstore_error
from crowdaudit.sources.store import LocalStore, StoredObject

BUCKET = "obstore-bucket"
DEAD = "http://127.0.0.1:9"
"""An endpoint nothing listens on: reaching it would fail (and retry) loudly."""


@pytest.fixture
def endpoint(moto_reset: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """moto's endpoint, set through ``AWS_ENDPOINT_URL`` as a user of an S3-compatible store would."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_reset)
    return moto_reset


@pytest.fixture
def client(endpoint: str) -> Any:
    s3 = make_client("s3", endpoint)
    s3.create_bucket(Bucket=BUCKET)
    return s3


@pytest.fixture
def store(client: Any) -> ObstoreS3Store:
    return ObstoreS3Store(AwsConfig(), BUCKET)


def put(client: Any, objects: dict[str, bytes]) -> None:
    for key, data in objects.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=data)


def by_key(objects: Any) -> list[StoredObject]:
    return sorted(objects, key=lambda stored: stored.key)


def test_listing_matches_boto3(client: Any, store: ObstoreS3Store) -> None:
    objects = {f"job/it-{i % 3}/part-{i:03d}.json": b"x" * i for i in range(240)}
    objects["job/top.json"] = b"{}"
    objects["other/skip.json"] = b"no"
    put(client, objects)
    boto = S3Store(make_client("s3", client.meta.endpoint_url), BUCKET)

    listed = by_key(store.list_objects("job/"))

    assert len(listed) == 241
    assert listed == by_key(boto.list_objects("job/"))
    assert all(stored.etag and stored.etag.startswith('"') for stored in listed)
    assert {stored.key: stored.size for stored in listed} == {
        key: len(data) for key, data in objects.items() if key.startswith("job/")
    }
    assert len(list(store.list_objects(""))) == 242
    assert list(store.list_objects("nothing-here/")) == []


def test_listing_takes_any_prefix_not_only_folders(client: Any, store: ObstoreS3Store) -> None:
    put(
        client,
        {
            "job/manifests/output/output.manifest": b"{}\n",
            "job/manifests/output/output.manifest.bak": b"{}\n",
            "job/part-1.json": b"1",
            "job/part-10.json": b"10",
            "job/part-2.json": b"2",
            "job/partial/x.json": b"x",
            "job/zzz.json": b"z",
        },
    )
    boto = S3Store(make_client("s3", client.meta.endpoint_url), BUCKET)

    for prefix in ["job/manifests/output/output.manifest", "job/part-1", "job/part", "jo", "j"]:
        assert by_key(store.list_objects(prefix)) == by_key(boto.list_objects(prefix)), prefix
    assert [stored.key for stored in store.list_objects("job/part-1")] == [
        "job/part-1.json",
        "job/part-10.json",
    ]


def test_list_level_gives_folders_and_files(client: Any, store: ObstoreS3Store) -> None:
    put(
        client,
        {
            "job/annotations/worker-response/iteration-1/0/a.json": b"a",
            "job/annotations/worker-response/iteration-2/1/b.json": b"b",
            "job/annotations/worker-response/iteration-2/2/c.json": b"c",
            "job/annotations/worker-response/notes.txt": b"notes",
            "job/annotations/worker-response-old/x.json": b"x",
        },
    )
    boto = S3Store(make_client("s3", client.meta.endpoint_url), BUCKET)
    prefix = "job/annotations/worker-response/"

    folders, files = store.list_level(prefix)

    assert folders == [f"{prefix}iteration-1/", f"{prefix}iteration-2/"]
    assert [(f.key, f.size) for f in files] == [(f"{prefix}notes.txt", 5)]
    assert (folders, files) == boto.list_level(prefix)
    assert store.list_level("") == (["job/"], [])
    assert store.list_level("job/annotations/worker-resp") == boto.list_level(
        "job/annotations/worker-resp"
    )
    assert store.list_level("missing/") == ([], [])
    assert len(list_tree(store, prefix)) == 4


def test_folder_placeholder_of_the_prefix_is_not_listed(client: Any, store: ObstoreS3Store) -> None:
    put(client, {"job/": b"", "job/a.json": b"a"})

    assert [stored.key for stored in store.list_objects("job/")] == ["job/a.json"]
    folders, files = store.list_level("job/")
    assert (folders, [stored.key for stored in files]) == ([], ["job/a.json"])


def test_keys_with_colons_and_other_characters(client: Any, store: ObstoreS3Store) -> None:
    keys = [
        "job/2024-01-01T10:00:00/answer.json",
        "job/a:b:c.json",
        "job/with space+plus%25.json",
        "job/unicodé.json",
    ]
    put(client, {key: key.encode() for key in keys})

    assert sorted(stored.key for stored in store.list_objects("job/")) == sorted(keys)
    assert store.list_level("job/")[0] == ["job/2024-01-01T10:00:00/"]
    for key in keys:
        assert store.read_bytes(key) == key.encode()
    store.write_bytes("out/x:y.json", b"written")
    assert client.get_object(Bucket=BUCKET, Key="out/x:y.json")["Body"].read() == b"written"


def test_write_read_round_trip(client: Any, store: ObstoreS3Store) -> None:
    store.write_bytes("out/report.json", b'{"a": 1}')
    assert store.read_bytes("out/report.json") == b'{"a": 1}'
    store.write_bytes("out/report.json", b"")
    assert store.read_bytes("out/report.json") == b""
    big = bytes(range(256)) * 40_000  # above one 5 MB multipart chunk
    store.write_bytes("out/big.bin", big)
    assert store.read_bytes("out/big.bin") == big
    (listed,) = store.list_objects("out/big")
    assert listed.size == len(big)
    assert store.uri("out/report.json") == f"s3://{BUCKET}/out/report.json"


def test_reads_from_the_thread_pool(client: Any, store: ObstoreS3Store) -> None:
    objects = {f"job/{i:03d}.json": str(i).encode() for i in range(120)}
    put(client, objects)
    keys = [*sorted(objects), "job/missing.json"]

    fetched = dict(fetch_objects(store, keys, concurrency=32))

    assert {key: fetched[key] for key in objects} == objects
    assert isinstance(fetched["job/missing.json"], SourceNotFoundError)


def test_missing_key_is_not_found(store: ObstoreS3Store) -> None:
    with pytest.raises(SourceNotFoundError) as caught:
        store.read_bytes("job/missing.json")
    assert str(caught.value) == (
        f"cannot read S3 object: s3://{BUCKET}/job/missing.json "
        "(NoSuchKey: The specified key does not exist.)"
    )


def test_missing_bucket_is_not_found(endpoint: str) -> None:
    store = ObstoreS3Store(AwsConfig(), "no-such-bucket")

    with pytest.raises(SourceNotFoundError) as caught:
        list(store.list_objects("job/"))
    assert str(caught.value) == (
        "cannot list S3 objects: s3://no-such-bucket/job/ "
        "(NoSuchBucket: The specified bucket does not exist)"
    )
    with pytest.raises(SourceNotFoundError, match="cannot list S3 objects"):
        store.list_level("job/")
    with pytest.raises(SourceNotFoundError, match="cannot read S3 object"):
        store.read_bytes("job/a.json")
    with pytest.raises(OutputError, match=r"cannot write S3 object: s3://no-such-bucket/a\.json"):
        store.write_bytes("a.json", b"x")


def test_no_credentials(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    with pytest.raises(CredentialsError) as caught:
        ObstoreS3Store(AwsConfig(), BUCKET)
    assert str(caught.value) == (
        f"cannot use S3 bucket: s3://{BUCKET}/ "
        "(no AWS credentials found; set a profile or AWS_* variables)"
    )


def test_unknown_profile(endpoint: str) -> None:
    with pytest.raises(CredentialsError, match="AWS profile not found"):
        ObstoreS3Store(AwsConfig(profile="nobody"), BUCKET)


def test_credentials_never_appear_in_messages(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAOBSTORETESTKEY01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-obstore-value")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-obstore-value")
    store = ObstoreS3Store(AwsConfig(), BUCKET)
    store.write_bytes("a.json", b"1")  # credentials were used

    with pytest.raises(SourceNotFoundError) as caught:
        store.read_bytes("missing.json")
    error = translate_obstore_error(
        obstore.exceptions.GenericError(
            "Generic S3 error: AKIAOBSTORETESTKEY01 / very-secret-obstore-value"
        ),
        "cannot read S3 object",
        "s3://b/k",
        store._credentials.secrets,
    )
    for text in (str(caught.value), str(error)):
        for secret in ("AKIAOBSTORETESTKEY01", "very-secret-obstore-value", "session-token"):
            assert secret not in text


def test_a_key_obstore_cannot_parse_is_a_source_error() -> None:
    # obstore raises a plain ValueError for a path it refuses; no S3 code, no typed exception.
    error = translate_obstore_error(
        ValueError("Could not parse path: empty segment\n\nDebug source: …"),
        "cannot read S3 object",
        "s3://b/k",
    )
    assert type(error) is SourceError
    assert error.why == "Could not parse path: empty segment"


class _S3Errors(http.server.BaseHTTPRequestHandler):
    """Answers every request with the S3 error of the test: a status and an XML ``<Error>``."""

    answer: tuple[int, str] = (500, "InternalError")
    calls = 0

    def _reply(self) -> None:
        type(self).calls += 1
        status, code = self.answer
        body = (
            f"<Error><Code>{code}</Code><Message>told {code}</Message>"
            "<AWSAccessKeyId>AKIAXYZ</AWSAccessKeyId></Error>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_HEAD = _reply

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def s3_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_S3Errors]]:
    """A loopback server answering S3 errors, set as the S3 endpoint."""
    handler = type("Handler", (_S3Errors,), {"calls": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (403, "AccessDenied", AccessDeniedError),
        (403, "InvalidAccessKeyId", CredentialsError),
        (400, "ExpiredToken", CredentialsError),
        (401, "Unauthorized", CredentialsError),
        (404, "NoSuchKey", SourceNotFoundError),
        (404, "NoSuchBucket", SourceNotFoundError),
        (500, "InternalError", SourceError),
    ],
)
def test_real_obstore_errors_are_classified(
    s3_errors: type[_S3Errors], status: int, code: str, expected: type[SourceError]
) -> None:
    s3_errors.answer = (status, code)
    store = ObstoreS3Store(AwsConfig(max_attempts=1), BUCKET)

    with pytest.raises(SourceError) as read:
        store.read_bytes("job/a.json")
    with pytest.raises(SourceError) as listed:
        list(store.list_objects("job/"))

    for caught, what, where in (
        (read, "cannot read S3 object", f"s3://{BUCKET}/job/a.json"),
        (listed, "cannot list S3 objects", f"s3://{BUCKET}/job/"),
    ):
        assert type(caught.value) is expected
        assert (caught.value.what, caught.value.where) == (what, where)
        # Only S3's code and message are kept: no URL, timing or key id from obstore's text.
        assert caught.value.why == f"{code}: told {code}"


def test_a_write_refused_by_obstore_keeps_its_class(s3_errors: type[_S3Errors]) -> None:
    store = ObstoreS3Store(AwsConfig(max_attempts=1), BUCKET)
    s3_errors.answer = (403, "AccessDenied")
    with pytest.raises(AccessDeniedError, match=r"^cannot write S3 object: s3://"):
        store.write_bytes("out/workers.csv", b"x")
    s3_errors.answer = (500, "InternalError")
    with pytest.raises(OutputError, match=r"\(InternalError: told InternalError\)$"):
        store.write_bytes("out/workers.csv", b"x")


def test_endpoint_precedence(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    moto = client.meta.endpoint_url
    put(client, {"a.json": b"a"})
    # endpoint_url beats both variables.
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", DEAD)
    monkeypatch.setenv("AWS_ENDPOINT_URL", DEAD)
    assert ObstoreS3Store(AwsConfig(endpoint_url=moto), BUCKET).read_bytes("a.json") == b"a"
    # AWS_ENDPOINT_URL_S3 beats AWS_ENDPOINT_URL.
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto)
    assert ObstoreS3Store(AwsConfig(), BUCKET).read_bytes("a.json") == b"a"


def test_job_read_through_obstore_equals_disk(endpoint: str) -> None:
    s3 = make_client("s3", endpoint)
    upload_folder(s3, PETS, "audit-bucket", "output/pets-private")

    from_s3 = read_job_folder(ObstoreS3Store(AwsConfig(), "audit-bucket"), "output/pets-private/")
    from_disk = read_job_folder(LocalStore(PETS), "")

    def responses(job: Any) -> pl.DataFrame:
        return job.responses.drop(COL.SOURCE_KEY).sort(COL.TASK, COL.WORKER, COL.SUBMITTED_AT)

    assert from_s3.responses.height > 0
    assert responses(from_s3).equals(responses(from_disk))
    assert from_s3.consolidated.sort(COL.TASK).equals(from_disk.consolidated.sort(COL.TASK))
    assert from_s3.name == "pets-private"
    assert from_s3.uri == "s3://audit-bucket/output/pets-private/"
    assert from_s3.skipped == from_disk.skipped


def test_hybrid_store_falls_back_to_boto3_for_keys_obstore_refuses(client: Any) -> None:
    put(
        client,
        {
            "job/a/1.json": b"one",
            "job/a/../odd.json": b"two",
            "job/empty/": b"",
        },
    )
    hybrid = HybridS3Store(AwsConfig(), BUCKET)
    listed = [stored.key for stored in hybrid.list_objects("job/")]
    # obstore refuses the listing (a ".." segment): boto3 lists every key, placeholder included.
    assert sorted(listed) == ["job/a/../odd.json", "job/a/1.json", "job/empty/"]
    assert hybrid.read_bytes("job/a/../odd.json") == b"two"
    assert hybrid.read_bytes("job/a/1.json") == b"one"


def test_hybrid_store_drops_folder_placeholders_obstore_lists_as_files(client: Any) -> None:
    put(client, {"job/a/1.json": b"one", "job/a/": b"", "job/b/c/": b"", "job/b/c/2.json": b"2"})
    hybrid = HybridS3Store(AwsConfig(), BUCKET)
    assert sorted(stored.key for stored in hybrid.list_objects("job/")) == [
        "job/a/1.json",
        "job/b/c/2.json",
    ]


def test_obstore_retries_as_often_as_boto3(s3_errors: type[_S3Errors]) -> None:
    # A server error is retried: max_attempts=1 is one retry after the first try, for boto3 (see
    # tests/identity/test_cognito_directory.py) as for obstore.
    store = ObstoreS3Store(AwsConfig(max_attempts=1), BUCKET)
    with pytest.raises(SourceError):
        store.read_bytes("job/a.json")
    assert s3_errors.calls == 2


def test_hybrid_store_writes_and_deletes_every_key_s3_allows(client: Any) -> None:
    hybrid = HybridS3Store(AwsConfig(), BUCKET)
    hybrid.write_bytes("out/a.json", b"a")  # obstore
    hybrid.write_bytes("out/../odd.json", b"odd")  # boto3: obstore cannot address the key
    assert client.get_object(Bucket=BUCKET, Key="out/a.json")["Body"].read() == b"a"
    assert client.get_object(Bucket=BUCKET, Key="out/../odd.json")["Body"].read() == b"odd"
    folders, files = hybrid.list_level("out/")
    assert (folders, [stored.key for stored in files]) == (["out/../"], ["out/a.json"])

    hybrid.delete("out/a.json")
    hybrid.delete("out/a.json")  # absent already: no error, as in S3
    hybrid.delete("out/../odd.json")
    assert "Contents" not in client.list_objects_v2(Bucket=BUCKET)
    with pytest.raises(SourceNotFoundError):
        hybrid.read_bytes("out/a.json")


class _DeleteServer(http.server.BaseHTTPRequestHandler):
    """S3's two ways to delete: ``POST ?delete`` (DeleteObjects) answers as the test says, and a
    single ``DELETE`` answers ``delete_status``."""

    bulk: str = "key-refused"
    delete_status = 204
    seen: ClassVar[list[str]] = []

    def _send(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append("POST ?delete")
        if self.bulk == "key-refused":
            # S3 refuses one key of a DeleteObjects call inside a 200 answer.
            self._send(
                200,
                b"<DeleteResult><Error><Key>out/a.json</Key><Code>AccessDenied</Code>"
                b"<Message>Access Denied</Message></Error></DeleteResult>",
            )
        else:  # a store without DeleteObjects
            self._send(501, b"<Error><Code>NotImplemented</Code><Message>no</Message></Error>")

    def do_DELETE(self) -> None:
        self.seen.append("DELETE")
        if self.delete_status == 204:
            self._send(204)
        else:
            self._send(
                self.delete_status,
                b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
            )

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize(
    ("bulk", "delete_status", "raised"),
    [("key-refused", 403, AccessDeniedError), ("not-implemented", 204, None)],
    ids=["a-refused-key-keeps-its-class", "a-store-without-delete-objects"],
)
def test_hybrid_delete_when_delete_objects_says_no(
    monkeypatch: pytest.MonkeyPatch, bulk: str, delete_status: int, raised: type[Exception] | None
) -> None:
    handler = type("Handler", (_DeleteServer,), {"bulk": bulk, "delete_status": delete_status})
    handler.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        hybrid = HybridS3Store(AwsConfig(max_attempts=1), BUCKET)
        if raised is None:
            hybrid.delete("out/a.json")
        else:
            with pytest.raises(raised, match=r"^cannot delete S3 object: s3://obstore-bucket/out/"):
                hybrid.delete("out/a.json")
    finally:
        server.shutdown()
        server.server_close()
    # obstore first; boto3's single DeleteObject only once obstore could not say.
    assert handler.seen[0] == "POST ?delete"
    assert handler.seen[-1] == "DELETE"
