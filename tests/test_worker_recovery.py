"""A worker killed mid-task (kill -9) does not leave its task stuck: the reaper puts it back in the
queue once its lease has run out, another worker finishes it, and it finishes exactly once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from intake.models import SentEmail
from intake.tasks import email_intake_inbox, email_patient_confirmation
from tests.blocking_tasks import wait_for_release
from tests.factories import ReviewRequestFactory


def worker_environment(tmp_path: Path) -> dict[str, str]:
    database = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "PRIVATE_STORAGE_ROOT": str(tmp_path / "private"),
    }


def wait_until(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {seconds} s")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_task_of_a_killed_worker_is_requeued_and_finished_once_by_another(tmp_path, capsys):
    folder = tmp_path / "task"
    folder.mkdir()
    result = wait_for_release.enqueue(str(folder))
    env = worker_environment(tmp_path)
    command = [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay"]

    first = subprocess.Popen(
        [*command, "--interval", "0.1", "--reap-every", "3600"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: any(folder.glob("started-*")), seconds=60, what="the first run")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=30)

    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == "RUNNING"  # stuck: nobody will ever finish it on their own
    assert len(task.worker_ids) == 1

    # Within its lease the task is left alone: its worker might just be slow.
    call_command("requeue_stale_tasks", "--older-than", "15m")
    assert "Requeued 0 stale task(s)." in capsys.readouterr().out
    assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"

    (folder / "release").touch()
    # The next worker reaps before it starts (lease 0 s here, 30 min by default).
    second = subprocess.run(
        [*command, "--batch", "--lease", "0s"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 0, second.stderr

    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == "SUCCESSFUL"
    assert task.return_value == "done"
    assert len(task.worker_ids) == 2
    assert len(list(folder.glob("started-*"))) == 2
    assert len((folder / "finished").read_text().splitlines()) == 1


@pytest.mark.django_db
def test_the_reaper_requeues_only_tasks_past_their_lease(capsys):
    stuck = wait_for_release.enqueue("/nonexistent")
    fresh = wait_for_release.enqueue("/nonexistent")
    DBTaskResult.objects.filter(pk=stuck.id).update(
        status="RUNNING", started_at=DBTaskResult.objects.get(pk=stuck.id).enqueued_at
    )
    DBTaskResult.objects.filter(pk=fresh.id).update(
        status="RUNNING", started_at="2999-01-01T00:00Z"
    )
    call_command("requeue_stale_tasks", "--older-than", "0s")
    assert "Requeued 1 stale task(s)." in capsys.readouterr().out
    assert DBTaskResult.objects.get(pk=stuck.id).status == "READY"
    assert DBTaskResult.objects.get(pk=fresh.id).status == "RUNNING"


@pytest.mark.django_db
def test_a_bad_lease_is_refused():
    with pytest.raises(CommandError, match="Not a duration"):
        call_command("requeue_stale_tasks", "--older-than", "soon")


@pytest.mark.django_db
def test_e_mail_tasks_run_twice_send_once(mailoutbox):
    review_request = ReviewRequestFactory()
    for _ in range(2):
        email_patient_confirmation.call(review_request.pk)
        email_intake_inbox.call(review_request.pk)
    assert len(mailoutbox) == 2
    assert sorted(m.to[0] == review_request.email for m in mailoutbox) == [False, True]
    assert SentEmail.objects.filter(request=review_request).count() == 2


@pytest.mark.django_db
def test_a_failed_send_is_not_marked_sent(settings):
    review_request = ReviewRequestFactory()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    with pytest.raises(ConnectionRefusedError):
        email_patient_confirmation.call(review_request.pk)
    assert not SentEmail.objects.exists()
