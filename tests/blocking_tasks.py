"""A task for the worker-recovery test only: it waits until the test lets it finish.

Each run leaves a "started-<pid>" file; the run that finishes appends its pid to "finished".
"""

import os
import time
from pathlib import Path

from django.tasks import task


@task
def wait_for_release(folder: str) -> str:
    here = Path(folder)
    (here / f"started-{os.getpid()}").touch()
    deadline = time.monotonic() + 120
    while not (here / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never released the task")
        time.sleep(0.05)
    with (here / "finished").open("a") as finished:
        finished.write(f"{os.getpid()}\n")
    return "done"
