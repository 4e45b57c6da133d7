"""A worker killed mid-task (kill -9) does not leave its task stuck: the reaper puts it back in the
queue, another worker finishes it, exactly once; a live worker's long task is left alone; e-mail
tasks run twice send once."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from intake.models import SentEmail
from intake.request.tasks import email_intake_inbox, email_patient_confirmation
from tests.blocking_tasks import wait_for_release
from tests.database_support import app_database_url
from tests.factories import ReviewRequestFactory
from tests.storage_support import stop


def worker_environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": app_database_url(),
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


WORKER = [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay"]


def start_worker(env: dict[str, str], *, reap_every: str = "3600") -> subprocess.Popen:
    return subprocess.Popen(
        [*WORKER, "--interval", "0.1", "--reap-every", reap_every],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def task_status(result) -> str:
    return DBTaskResult.objects.get(pk=result.id).status


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("other_worker", ["already running", "started afterwards"])
def test_a_task_of_a_killed_worker_is_requeued_and_finished_once_by_another(tmp_path, other_worker):
    folder = tmp_path / "task"
    folder.mkdir()
    result = wait_for_release.enqueue(str(folder))
    env = worker_environment(tmp_path)
    workers = []
    try:
        first = start_worker(env)
        workers.append(first)
        wait_until(lambda: any(folder.glob("started-*")), seconds=60, what="the first run")
        if other_worker == "already running":
            # Idle, reaping every 0.2 s: it notices the loss while it runs.
            workers.append(start_worker(env, reap_every="0.2"))
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        task = DBTaskResult.objects.get(pk=result.id)
        assert task.worker_ids[0].startswith("bc-")
        if other_worker == "started afterwards":
            # Stuck: nothing in django-tasks-db itself would ever run it again.
            assert task.status == "RUNNING"
            # It reaps before it starts. The lease is the default 30 minutes, but the first
            # worker's liveness lock went with its process, so the task is known lost at once.
            workers.append(start_worker(env))
        (folder / "release").touch()
        wait_until(lambda: task_status(result) == "SUCCESSFUL", seconds=60, what="the finish")
    finally:
        for worker in workers:
            stop(worker)

    task = DBTaskResult.objects.get(pk=result.id)
    assert task.return_value == "done"
    assert len(task.worker_ids) == 2
    assert len(list(folder.glob("started-*"))) == 2
    assert len((folder / "finished").read_text().splitlines()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_long_task_of_a_live_worker_is_never_taken_from_it(tmp_path, capsys):
    folder = tmp_path / "task"
    folder.mkdir()
    result = wait_for_release.enqueue(str(folder))
    worker = start_worker(worker_environment(tmp_path))
    try:
        wait_until(lambda: any(folder.glob("started-*")), seconds=60, what="the run")
        # It runs its tasks at a lower CPU priority than ours (the web's): --nice 10 by default.
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == min(ours + 10, 19)
        call_command("requeue_stale_tasks", "--older-than", "0s")  # far past any lease
        assert "Requeued 0 stale task(s)." in capsys.readouterr().out
        assert task_status(result) == "RUNNING"
        (folder / "release").touch()
        wait_until(lambda: task_status(result) == "SUCCESSFUL", seconds=60, what="the finish")
    finally:
        stop(worker)
    assert len(list(folder.glob("started-*"))) == 1


@pytest.mark.django_db
def test_tasks_of_plain_db_workers_are_requeued_once_past_their_lease(capsys):
    stuck = wait_for_release.enqueue("/nonexistent")
    fresh = wait_for_release.enqueue("/nonexistent")
    # Claimed by `db_worker`s (no liveness lock): an hour ago, and just now.
    DBTaskResult.objects.filter(pk=stuck.id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=1), worker_ids=["w1"]
    )
    DBTaskResult.objects.filter(pk=fresh.id).update(
        status="RUNNING", started_at=timezone.now(), worker_ids=["w2"]
    )
    call_command("requeue_stale_tasks", "--older-than", "15m")
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
