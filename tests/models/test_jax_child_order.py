"""The JAX child pytest's order follows the parent's: its pytest-randomly seed, or none."""

from types import SimpleNamespace

from jax_backend import child_order


def _config(plugin: bool, **options):
    return SimpleNamespace(pluginmanager=SimpleNamespace(hasplugin=lambda name: plugin),
                           getoption=lambda name, default=None: options.get(name, default))


def test_a_shuffled_parent_gives_the_child_its_seed():
    config = _config(True, randomly_seed=4242, randomly_reorganize=True)
    assert child_order(config) == ["-p", "randomly", "--randomly-seed=4242"]


def test_a_parent_in_file_order_keeps_the_child_in_file_order():
    assert child_order(_config(False)) == ["-p", "no:randomly"]
    assert child_order(_config(True, randomly_seed=7, randomly_reorganize=False)) \
        == ["-p", "no:randomly"]


def test_this_run_passes_its_own_order(pytestconfig):
    order = child_order(pytestconfig)
    if pytestconfig.pluginmanager.hasplugin("randomly"):
        assert order[-1] == f"--randomly-seed={pytestconfig.getoption('randomly_seed')}"
    else:
        assert order == ["-p", "no:randomly"]
