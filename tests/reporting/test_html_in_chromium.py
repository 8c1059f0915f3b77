"""The HTML report in a real browser (headless Chromium from Debian: apt-get install -y
chromium): every figure loads and the tables are there."""

import re
import shutil
import subprocess

import pytest
from report_records import p1_records
from tooling import missing_tool

from digitstudy.config import load_profile
from digitstudy.reporting.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
# once the page has loaded, the title reports images found and images decoded, the tables
# and the class of the first table (the claims table must come first)
PROBE = ("<script>window.addEventListener('load',()=>{const i=[...document.images];"
         "document.title='IMGS:'+i.length+':'+i.filter(x=>x.complete&&x.naturalWidth>0).length"
         "+':TABLES:'+document.querySelectorAll('table').length"
         "+':FIRST:'+document.querySelector('table').className;});</script></body>")



@pytest.fixture(autouse=True)
def _chromium_installed():
    if CHROMIUM is None:
        missing_tool("chromium", "no chromium or chromium-browser on PATH",
                     "apt-get install -y chromium")


def _chromium(tmp_path, *args) -> str:
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_every_figure_of_the_report_loads_in_chromium(tmp_path):
    profile = load_profile("tiny")
    out = tmp_path / "report"
    write_report(p1_records(), out, "tiny-x", "tiny", study_scale=profile.study_scale,
                 profile=profile)
    page = out / "probe.html"
    page.write_text((out / "index.html").read_text().replace("</body>", PROBE))
    dom = _chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", page.as_uri())
    m = re.search(r"<title>IMGS:(\d+):(\d+):TABLES:(\d+):FIRST:(\w*)</title>", dom)
    assert m, "the page never finished loading"
    found, loaded, tables = map(int, m.groups()[:3])
    assert m.group(4) == "claims"  # the study's findings with their verdicts come first
    # 3 x (curves, confusion matrix) folded + the bottleneck sweep + the forest plots of
    # Table 1 and its sweep
    assert found == 9
    assert loaded == found
    assert tables == 3  # the claims, Table 1, its bottleneck sweep (no autoencoder metrics)
    assert "external" not in dom and "http" not in (out / "index.html").read_text()
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, "--window-size=1200,2400", f"--screenshot={shot}",
              (out / "index.html").as_uri())
    assert shot.stat().st_size > 20_000
