"""The kfp.local internals the local runner replaces: one table, its source lines true for the
installed kfp, a kfp outside the supported range refused before anything is swapped."""

import io
from pathlib import Path

import kfp
import pytest
from kfp.local import logging_utils, subprocess_task_handler
from kfp.local.orchestrator import task_executor

from pipelines.local import local_compat
from pipelines.local.console import TaskConsole
from pipelines.local.supervisor import supervised

KFP_ROOT = Path(kfp.__file__).parent


def _kfp_line(cited: str) -> str:
    file, line = cited.split(":")
    return (KFP_ROOT / file).read_text().splitlines()[int(line.split("-")[0]) - 1]


@pytest.mark.parametrize("internal", local_compat.REPLACED.values(), ids=lambda i: i.name)
def test_each_replaced_internal_cites_its_kfp_definition_and_callers(internal):
    assert _kfp_line(internal.lines).startswith(f"def {internal.name}("), internal.lines
    end = int(internal.lines.rsplit("-", 1)[1])
    following = (KFP_ROOT / internal.file).read_text().splitlines()[end:end + 2]
    assert all(not line.startswith(" ") for line in following), "the cited range ends the def"
    for caller in internal.callers:
        assert f"{internal.name}(" in _kfp_line(caller), caller


@pytest.mark.parametrize("version", ["2.16.1", "2.18.0", "3.0.0", "dev"])
def test_an_unsupported_kfp_is_refused_naming_the_range(monkeypatch, tmp_path, version):
    monkeypatch.setattr(kfp, "__version__", version)
    before = (task_executor.execute_single_task, subprocess_task_handler.run_local_subprocess,
              logging_utils.indented_print)
    console = TaskConsole(io.StringIO(), tmp_path, total=1)
    with pytest.raises(RuntimeError, match=rf"kfp >=2\.17,<2\.18.*kfp {version} is installed"):
        with supervised(console, tmp_path):
            pass
    with pytest.raises(RuntimeError, match=r">=2\.17,<2\.18"):
        local_compat.install()
    assert (task_executor.execute_single_task, subprocess_task_handler.run_local_subprocess,
            logging_utils.indented_print) == before


@pytest.mark.parametrize("version", ["2.17.0", "2.17.3", "2.17.10"])
def test_a_supported_kfp_passes(version):
    local_compat.check_kfp_version(version)


def test_a_run_swaps_the_listed_internals_and_puts_them_back(tmp_path):
    before = {name: local_compat.current(name) for name in
              ("execute_single_task", "run_local_subprocess", "indented_print")}
    with supervised(TaskConsole(io.StringIO(), tmp_path, total=1), tmp_path) as sup:
        assert subprocess_task_handler.run_local_subprocess == sup.run_local_subprocess
        assert task_executor.execute_single_task is not before["execute_single_task"]
    assert {name: local_compat.current(name) for name in before} == before


def test_an_internal_missing_from_the_table_is_not_swapped():
    with pytest.raises(KeyError, match="not in .*REPLACED"):
        with local_compat.replaced({"run_local_subprocess": print, "run": print}):
            pass
    assert subprocess_task_handler.run_local_subprocess is not print
