"""Which task commands are forked from the warm interpreter (pipelines/local/warm_python.py)."""

from kfp import dsl

from pipelines.local.warm_python import lightweight_parts, preload_modules


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def plain(x: int) -> int:
    return x


@dsl.component(base_image="python:3.11", packages_to_install=["six"])
def installs(x: int) -> int:
    return x


def _command(component) -> list[str]:
    container = component.component_spec.implementation.container
    return [*container.command, *container.args]


def test_a_plain_lightweight_component_is_forked_with_its_source_and_arguments():
    source, args = lightweight_parts(_command(plain))
    assert "def plain(x: int) -> int:" in source
    assert args[args.index("--function_to_execute") + 1] == "plain"
    assert "--executor_input" in args


def test_commands_that_install_packages_or_are_not_python_start_cold():
    assert lightweight_parts(_command(installs)) is None
    assert lightweight_parts(["sh", "-c", "echo hi"]) is None
    assert lightweight_parts(["python3", "-m", "kfp.dsl.executor_main"]) is None


def test_the_preloads_load_every_step_target(monkeypatch):
    import importlib
    import sys

    from digitstudy.steps import STEPS, Step

    loaded = []
    monkeypatch.setattr(Step, "load", lambda self: loaded.append(self.name))
    assert "pipelines.local.step_targets" in preload_modules()
    monkeypatch.delitem(sys.modules, "pipelines.local.step_targets", raising=False)
    importlib.import_module("pipelines.local.step_targets")
    assert loaded == list(STEPS)
