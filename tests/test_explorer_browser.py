"""The explorer in a real browser: ``thaw explore`` served on 127.0.0.1, driven by Playwright in
Debian's Chromium with every non-loopback request blocked and any console error failing the test.

Screenshots are kept as artefacts in ``$THAW_ARTIFACTS`` (default ``test-artifacts/browser``);
the README shows one of them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import experiments

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("THAW_ARTIFACTS", ROOT / "test-artifacts" / "browser"))
CHROMIUM = os.environ.get("THAW_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EXPERIMENT = """
name = "explorer_test"
description = "Two scenarios over two values of US commitment, outcomes and events kept"
scenarios = ["baseline", "china_coerces_japan"]
replications = 4
root_seed = 11
[design]
kind = "grid"
[design.parameters]
"states.USA.commitment" = [0.3, 0.7]
[outputs]
outcomes = true
events = true
"""

if os.environ.get("THAW_SKIP_BROWSER") == "1":
    pytest.skip("THAW_SKIP_BROWSER=1: browser test switched off by request", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is part of the dev extra: pip install -e '.[dev]'")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's `chromium` package (.ci/run does) or set THAW_CHROMIUM")
    tmp = tmp_path_factory.mktemp("explore")
    (tmp / "explorer_test.toml").write_text(EXPERIMENT)
    experiments.run_batch(tmp / "explorer_test.toml", out=tmp / "results", executor="serial", quiet=True)
    port = _free_port()
    thaw = Path(sys.executable).with_name("thaw")
    proc = subprocess.Popen([str(thaw), "explore", str(tmp / "results"), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(200):
            if proc.poll() is not None:
                pytest.fail(f"thaw explore exited with {proc.returncode}:\n{proc.stdout.read()}")
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("thaw explore did not answer within 40 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_explorer_in_chromium_offline(served, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    errors: list[str] = []
    t0 = time.perf_counter()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                       headless=True, args=FLAGS, viewport={"width": 1400, "height": 1000})
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()

            def route(r):
                url = r.request.url
                if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
                    r.continue_()
                else:
                    blocked.append(url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(served, wait_until="load", timeout=60_000)

            # results mode: the ensemble figures of the first scenario
            fan = page.locator(".thaw-fan img, img.thaw-fan").first
            fan.wait_for(state="visible", timeout=90_000)
            page.screenshot(path=ARTIFACTS / "results_mode.png", full_page=True)

            # drill into one run: its timeline appears
            page.locator(".thaw-run-pick select").select_option(index=1)
            page.locator("button.thaw-show-run").click()
            timeline = page.locator("img.thaw-timeline")
            page.wait_for_function("() => { const i = document.querySelector('img.thaw-timeline'); "
                                   "return i && i.naturalHeight > 100; }", timeout=30_000)
            timeline.screenshot(path=ARTIFACTS / "run_timeline.png")

            # what-if mode: change US commitment, Run, wait for the figure to change
            page.get_by_role("tab", name="What-if").click()
            overview = page.locator("img.thaw-whatif-overview")
            overview.wait_for(state="visible", timeout=30_000)
            before = overview.screenshot(path=ARTIFACTS / "whatif_before.png")
            shots, statuses = [], []
            for value in ("0.2", "0.9"):
                readout = page.locator(".thaw-knob-states-USA-commitment .widget-readout")
                readout.click()
                page.keyboard.press("Control+A")
                page.keyboard.type(value)
                page.keyboard.press("Enter")
                page.locator("button.thaw-run").click()
                page.locator(f".thaw-done-{len(shots) + 1}").wait_for(timeout=120_000)
                statuses.append(page.locator(".thaw-status").inner_text())
                shots.append(overview.screenshot(path=ARTIFACTS / f"whatif_after_{value}.png"))
            page.screenshot(path=ARTIFACTS / "whatif_mode.png", full_page=True)
        finally:
            browser.close()
    print(f"browser test: {time.perf_counter() - t0:.1f} s in Chromium; explorer said: {statuses}")
    assert before != shots[0], "the what-if figure did not change after Run"
    assert shots[0] != shots[1], "the what-if figure did not change with US commitment"
    assert all("50 replications × 60 months answered" in s for s in statuses)
    assert "cached" in statuses[1]  # the unchanged arm is reused: the second answer runs one arm
    assert blocked == [], f"the page asked for non-loopback addresses: {blocked}"
    assert errors == [], f"browser console errors: {errors}"
