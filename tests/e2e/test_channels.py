"""End-to-end: groups in the real app against the real server. Bob (the
CLI) makes a public group with a topic and a private one; the member finds
the public one in the directory by its topic, not the private one, and
joins. The member makes a private group with a topic, renames it and
changes its topic in its settings (bob's CLI sees the new name), removes
bob from it (the timeline says so, bob's list loses it) and archives it
(the composer gives way to a note). Bob renames his group and sets its
topic: the open conversation's header follows live; he removes the member,
and the group leaves the sidebar.
"""
import json
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import TIMEOUT, channel_button, current_channel, log_texts, screenshot, visible
from test_screens import button, dialog, dialog_field, no_dialog, open_channel, sign_up_in_app, text_of

pytestmark = pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")


def header(driver) -> str:
    return driver.execute_script(
        "return document.querySelector('.conversation-head')?.textContent ?? ''"
    )


def click(driver, element) -> None:
    """Clicks an element after scrolling it into view (a tall dialog scrolls)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def system_lines(driver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll(\"[role='log'] .system-line\")].map(e => e.textContent)"
    )


def sidebar_names(driver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('nav [data-channel-id]')].map(b => b.textContent)"
    )


def test_directory_private_groups_settings_removal_and_archive(server, bob, app):
    driver = app
    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.2)
    tag = uuid.uuid4().hex[:6]
    me = f"pia-{tag}"
    guild, vault, plans = f"guild-{tag}", f"vault-{tag}", f"plans-{tag}"
    sign_up_in_app(driver, server, me)
    bob.run("create", guild, "--topic", f"Knitting circle {tag}")
    bob.run("create", vault, "--private", "--topic", f"Knitting secrets {tag}")
    bob.send(guild, "welcome, knitters")

    # The directory finds the public group by its topic; never the private one.
    button(driver, "Browse channels").click()
    box = dialog(driver, "Browse channels")
    search = box.find_element(By.CSS_SELECTOR, "input[type='search']")
    search.send_keys(f"knitting circle {tag}")
    wait.until(lambda d: f"Knitting circle {tag}" in text_of(box), "the group is not found by its topic")
    assert "1 member" in text_of(box), text_of(box)
    screenshot(driver, "71-directory")
    search.clear()
    search.send_keys(vault)
    wait.until(lambda d: "No channel matches" in text_of(box), "the private group was listed")
    search.clear()
    search.send_keys(guild)
    wait.until(visible(driver, By.XPATH, f"//button[@aria-label='Join {guild}']"), "no Join button")
    button(driver, f"Join {guild}").click()
    wait.until(no_dialog, "the directory did not close")
    wait.until(lambda d: current_channel(d) == guild, "the joined group did not open")
    wait.until(lambda d: "welcome, knitters" in log_texts(d), "its history is missing")
    assert f"Knitting circle {tag}" in header(driver), header(driver)

    # A private group with a topic, made in the app.
    button(driver, "New group").click()
    box = dialog(driver, "New group")
    dialog_field(box, "Group name").send_keys(plans)
    dialog_field(box, "Topic").send_keys("Q1 roadmap")
    dialog_field(box, "Members (names, separated by commas)").send_keys("bob")
    box.find_element(By.XPATH, ".//label[contains(., 'Private')]//input[@type='checkbox']").click()
    button(driver, "Create").click()
    wait.until(no_dialog, "New group did not close")
    wait.until(lambda d: current_channel(d) == plans, "the new group did not open")
    wait.until(lambda d: "private" in header(d) and "Q1 roadmap" in header(d), header(driver))

    # Renamed and its topic changed in its settings; bob's CLI sees it.
    renamed = f"roadmap-{tag}"
    button(driver, "Channel settings").click()
    box = dialog(driver, "Channel settings")
    name = dialog_field(box, "Group name")
    name.clear()
    name.send_keys(renamed)
    topic = dialog_field(box, "Topic")
    topic.clear()
    topic.send_keys("Q1 roadmap, due Friday")
    box.find_element(By.XPATH, ".//button[normalize-space()='Save']").click()
    wait.until(lambda d: renamed in header(d) and "due Friday" in header(d), header(driver))
    screenshot(driver, "72-group-settings")
    box.find_element(By.XPATH, ".//button[@aria-label='Close' or normalize-space()='×']").click()
    wait.until(no_dialog, "the settings did not close")
    assert any(c["name"] == renamed for c in json.loads(bob.run("--json", "channels")))

    # Bob removed: the timeline says who did it; his list loses it.
    button(driver, "Members").click()
    wait.until(visible(driver, By.XPATH, "//button[@aria-label='Remove bob from the channel']"))
    button(driver, "Remove bob from the channel").click()
    wait.until(
        lambda d: any(f"{me} removed bob" in line for line in system_lines(d)),
        f"no removal line: {system_lines(driver)}",
    )
    assert not any(c["name"] == renamed for c in json.loads(bob.run("--json", "channels")))
    screenshot(driver, "73-member-removed")
    button(driver, "Members").click()

    # Archived: read, not written.
    button(driver, "Channel settings").click()
    box = dialog(driver, "Channel settings")
    click(driver, box.find_element(By.XPATH, ".//button[normalize-space()='Archive channel']"))
    click(driver, box.find_element(By.XPATH, ".//button[normalize-space()='Archive for real']"))
    wait.until(no_dialog, "the settings did not close after archiving")
    wait.until(
        visible(driver, By.CSS_SELECTOR, ".archived-note"), "the composer did not give way to a note"
    )
    assert not driver.find_elements(By.CSS_SELECTOR, ".composer textarea")
    assert "archived" in header(driver), header(driver)
    screenshot(driver, "74-archived")

    # Bob changes his group: the open header follows live.
    open_channel(driver, guild)
    bob.run("rename", guild, f"yarn-{tag}")
    bob.run("topic", f"yarn-{tag}", "Yarn swap on Saturday")
    wait.until(
        lambda d: f"yarn-{tag}" in header(d) and "Yarn swap on Saturday" in header(d),
        f"the header did not follow: {header(driver)}",
    )
    # He removes the member: the group leaves the sidebar.
    bob.run("remove", f"yarn-{tag}", me)
    wait.until(
        lambda d: not any(f"yarn-{tag}" in n for n in sidebar_names(d)),
        f"the group stayed: {sidebar_names(driver)}",
    )
    wait.until(
        lambda d: f"bob removed you from #yarn-{tag}." in d.find_element(By.TAG_NAME, "body").text,
        "the member is not told who removed them",
    )
    channel_button(driver, renamed)
    screenshot(driver, "75-removed-from-group")
