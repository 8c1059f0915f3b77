"""A stop kills the DockerRunner's running containers too (fake docker client)."""

import io
import threading
import time

import pytest

pytest.importorskip("docker")

from pipelines.local.console import TaskConsole  # noqa: E402
from pipelines.local.supervisor import RunStopped, Supervisor  # noqa: E402


class FakeContainer:
    def __init__(self):
        self.killed = threading.Event()

    def logs(self, stream):
        yield b"epoch 1/3\n"
        self.killed.wait(30)  # a long step, until killed

    def wait(self):
        return {"StatusCode": 137 if self.killed.is_set() else 0}

    def kill(self):
        self.killed.set()


class FakeClient:
    def __init__(self):
        self.container = FakeContainer()
        self.containers = self
        self.image = None

    def run(self, image, **kwargs):
        self.image = image
        return self.container


def test_an_interrupt_kills_the_running_container(tmp_path):
    sup = Supervisor(TaskConsole(io.StringIO(), tmp_path, total=1), tmp_path / "tmp")
    client, outcome = FakeClient(), {}

    def step():
        try:
            outcome["code"] = sup.run_docker_container(client, "img", ["python"], {})
        except RunStopped as err:
            outcome["stopped"] = str(err)

    thread = threading.Thread(target=step)
    thread.start()
    for _ in range(1000):
        if sup._containers:
            break
        time.sleep(0.01)
    sup.stop("interrupted")
    thread.join(10)
    assert client.container.killed.is_set()
    assert outcome == {"stopped": "interrupted"}
    assert client.image == "img:latest"
    with pytest.raises(RunStopped):  # nothing new starts once stopping
        sup.run_docker_container(client, "img", ["python"], {})
