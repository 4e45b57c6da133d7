"""A tus PATCH whose body trickles in holds no transaction and no row lock while it is read."""

import time
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connection

from intake.models import StagedUpload
from tests.factories import mr_small_bytes
from tests.intake_support import intake_settings  # noqa: F401
from tests.serving import database_url
from tests.slow_clients import Trickle, idle_in_transaction
from tests.tus_support import (
    TUS,
    cookie,
    new_session_key,
    staged_bytes,
    tus_client,
    uploader,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("intake_settings")]


def test_a_trickling_chunk_holds_no_transaction_and_blocks_nothing_on_its_upload(
    live_server, private_storage
):
    session_key = new_session_key()
    content = mr_small_bytes()
    up = uploader(tus_client(live_server, session_key), "MR_small.dcm", content)
    up.set_url(up.create_url())
    url = urlsplit(live_server.url)
    headers = {**TUS, **cookie(session_key)}

    trickle = Trickle(
        url.hostname,
        url.port,
        urlsplit(up.url).path,
        cookie(session_key)["Cookie"],
        offset=0,
        body=content[:4096],
        interval=0.5,
    )
    try:
        trickle.wait_until_sent(3)
        # Looked at several times while bytes keep arriving: never a transaction left open.
        for _ in range(4):
            assert idle_in_transaction(database_url(connection.settings_dict["NAME"])) == []
            time.sleep(0.3)

        # The upload's row is not locked: HEAD answers at once, and so does a PATCH that sends the
        # same chunk quickly (a second tab, or the client retrying): it is kept.
        started = time.monotonic()
        head = requests.head(up.url, headers=headers, timeout=10)
        assert time.monotonic() - started < 2
        assert (head.status_code, head.headers["Upload-Offset"]) == (HTTPStatus.OK, "0")
        quick = requests.patch(
            up.url,
            data=content[:4096],
            headers={
                **headers,
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": "0",
            },
            timeout=10,
        )
        assert (quick.status_code, quick.headers["Upload-Offset"]) == (
            HTTPStatus.NO_CONTENT,
            "4096",
        )

        # When the slow chunk finally arrives, its offset is no longer the upload's: 409, dropped.
        assert trickle.finish() == HTTPStatus.CONFLICT
    finally:
        trickle.close()

    staged = StagedUpload.objects.get()
    assert staged.offset == 4096
    assert staged_bytes(private_storage, staged) == content[:4096]
