"""End-to-end: replies, edits, deletions and reactions in the real app.

A new member signs up in the app; bob, at the CLI, makes two groups with
them and writes. The member replies, reacts through the emoji picker,
edits (without losing the draft being typed) and deletes, and jumps from a
quote to an original older than what the app loaded. Bob's CLI sees each
change; bob's changes reach the app live; a deleted message withdraws the
notification it raised on the recording notification server, and an edit
raises none. In a "mentions only" channel the tray counts only mentions,
and do-not-disturb silences even those.
"""
import time
import uuid

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import (
    TIMEOUT,
    Cli,
    Notifications,
    badge_text,
    log_texts,
    screenshot,
    tray,
    visible,
    wait_until,
)
from test_screens import (
    button,
    dialog,
    no_dialog,
    open_channel,
    save_settings,
    sign_out_if_signed_in,
    sign_up_in_app,
)

pytestmark = pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning")


def history(cli: Cli, channel: str) -> list[str]:
    """The channel's history lines as `suda history` prints them, oldest first."""
    return cli.run("history", channel, "--limit", "200").splitlines()


def message_id(cli: Cli, channel: str, text: str) -> str:
    """The id of the newest message in `channel` whose line ends with `text`."""
    for line in reversed(history(cli, channel)):
        if line.endswith(text):
            return line.split()[0]
    raise AssertionError(f"no message {text!r} in {history(cli, channel)}")


def article(driver, text: str):
    """The conversation's message whose text is `text`."""
    found = driver.find_elements(
        By.XPATH,
        f"//*[@role='log']//article[.//div[contains(@class,'text') and normalize-space()='{text}']]",
    )
    return found[-1] if found else None


def act_on(driver, text: str, action: str) -> None:
    """Hovers the message and clicks its toolbar's `action` button. The
    pointer goes to the heading first: a pointer already resting on the
    row sends no new move, and the toolbar shows on hover."""
    row = wait_until(lambda: article(driver, text), message=f"no message {text!r}")
    heading = driver.find_element(By.CSS_SELECTOR, "main h1")
    ActionChains(driver).move_to_element(heading).move_to_element(row).perform()
    found = row.find_element(By.CSS_SELECTOR, f".message-actions button[aria-label='{action}']")
    wait_until(found.is_displayed, message=f"the {action!r} button did not show on hover")
    found.click()


def notified(text: str, start: int):
    return lambda: next(
        (n for n in Notifications.since(start) if text in f"{n['summary']} {n['body']}"), None
    )


def test_replies_edits_deletions_and_reactions_in_the_app(server, bob, app):
    driver = app
    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.1)
    me = f"erin-{uuid.uuid4().hex[:6]}"
    talk, side = f"talk-{me[5:]}", f"side-{me[5:]}"

    # The member signs up in the app; bob makes two groups with them.
    sign_up_in_app(driver, server, me)
    bob.run("create", talk, "--member", me)
    bob.run("create", side, "--member", me)
    # Before the app opens #talk: an original, then more than a page (50)
    # of messages, then a reply to the original. The app loads only the
    # newest page, so the original is not loaded when the quote is clicked.
    bob.send(talk, "the plan, first draft")
    original = message_id(bob, talk, "bob: the plan, first draft")
    for i in range(55):
        bob.send(talk, f"filler {i + 1}")
    bob.run("reply", original, "about the plan above")
    bob.send(talk, "lunch at noon?")
    open_channel(driver, talk)
    # It opens at the "new messages" line (all 58 are new): scroll down
    # to the newest, as the member would.
    def at_bottom(d):
        d.execute_script(
            "const log = document.querySelector(\"[role='log']\");"
            "log.scrollTop = log.scrollHeight;"
        )
        return "lunch at noon?" in log_texts(d)

    wait.until(at_bottom, "bob's messages did not load")

    # A click on the quote loads older history and brings the original up.
    quote = wait_until(
        lambda: next(
            iter(driver.find_elements(By.CSS_SELECTOR, "[role='log'] button.quote")), None
        ),
        message="the reply shows no quote",
    )
    said = quote.get_attribute("textContent")
    assert "the plan, first draft" in said and "bob" in said, said
    quote.click()
    wait.until(lambda d: article(d, "the plan, first draft"), "the jump did not load the original")
    wait.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "article.message.highlighted"),
        "the original is not marked",
    )
    shown = article(driver, "the plan, first draft")
    assert shown.is_displayed() and driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "const log = document.querySelector(\"[role='log']\").getBoundingClientRect();"
        "return r.top >= log.top && r.bottom <= log.bottom;",
        shown,
    ), "the original is not in view"
    screenshot(driver, "40-jumped-to-the-original")
    # Shift+PageUp from the newest goes back to the first unread message
    # (the read marker as it was when the conversation opened).
    wait.until(at_bottom)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "article.message.highlighted"))
    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.PAGE_UP).key_up(Keys.SHIFT).perform()
    marked = wait.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "article.message.highlighted"),
        "Shift+PageUp marked nothing",
    )
    assert "the plan, first draft" in marked[0].get_attribute("textContent")

    # Reply to bob's question: the composer says what it replies to, and
    # the reply carries a quote, in the app and at bob's CLI.
    wait.until(at_bottom)
    act_on(driver, "lunch at noon?", "Reply")
    wait.until(visible(driver, By.CSS_SELECTOR, ".composer .replying"), "no reply banner")
    assert "Replying to bob" in driver.find_element(By.CSS_SELECTOR, ".composer .replying").text
    box = driver.find_element(By.CSS_SELECTOR, f"textarea[aria-label='Message {talk}']")
    box.send_keys("yes, see you there")
    screenshot(driver, "41-replying")
    box.send_keys(Keys.ENTER)
    wait.until(lambda d: article(d, "yes, see you there"), "the reply did not appear")
    reply = article(driver, "yes, see you there")
    wait.until(
        lambda d: "lunch at noon?"
        in reply.find_element(By.CSS_SELECTOR, ".quote").get_attribute("textContent")
    )
    assert not driver.find_elements(By.CSS_SELECTOR, ".composer .replying"), "still replying"
    wait_until(
        lambda: any(
            f'{me} (replying to bob: "lunch at noon?"): yes, see you there' in line
            for line in history(bob, talk)
        ),
        message="bob's CLI does not show the reply as one",
    )

    # Bob edits his question: the app shows the new text, "(edited)", and
    # the quote of the reply follows.
    question = message_id(bob, talk, "bob: lunch at noon?")
    bob.run("edit", question, "lunch at one?")
    wait.until(lambda d: article(d, "lunch at one?"), "bob's edit did not arrive")
    edited = article(driver, "lunch at one?")
    assert edited.find_element(By.CSS_SELECTOR, ".edited").text == "(edited)"
    wait.until(
        lambda d: "lunch at one?" in article(d, "yes, see you there").get_attribute("textContent")
    )

    # React through the picker: search, Enter; bob's CLI counts it.
    act_on(driver, "lunch at one?", "Add reaction")
    picker = wait.until(visible(driver, By.CSS_SELECTOR, ".emoji-picker"), "no emoji picker")
    search = picker.find_element(By.CSS_SELECTOR, "input")
    wait.until(lambda d: search == d.switch_to.active_element, "the picker's search has no focus")
    search.send_keys("thumbs up")
    screenshot(driver, "42-emoji-picker")
    search.send_keys(Keys.ENTER)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".emoji-picker"), "picker stayed")
    chip = wait_until(
        lambda: next(
            iter(article(driver, "lunch at one?").find_elements(By.CSS_SELECTOR, ".reaction.mine")),
            None,
        ),
        message="the reaction did not appear",
    )
    said = lambda: chip.get_attribute("aria-label")  # noqa: E731
    assert said() == "👍 1 reaction from " + me, said()
    assert chip.get_attribute("aria-pressed") == "true"
    wait_until(
        lambda: any("lunch at one? (edited)  [👍 1]" in line for line in history(bob, talk)),
        message="bob's CLI does not count the reaction",
    )
    # Bob reacts the same: the count goes to 2, live.
    bob.run("react", question, "👍")
    wait.until(lambda d: said().startswith("👍 2 reactions from"), "bob's reaction did not arrive")
    assert set(said().split("from ", 1)[1].split(", ")) == {me, "bob"}, said()
    assert bob.run("react", question, "🎉").strip() == "🎉 1"
    wait.until(lambda d: len(article(d, "lunch at one?").find_elements(By.CSS_SELECTOR, ".reaction:not(.add)")) == 2)
    screenshot(driver, "43-reactions-and-edit")
    # The picker offers the emoji just used first (the shell keeps them
    # with the settings, so a restart keeps them too); Esc closes it.
    act_on(driver, "yes, see you there", "Add reaction")
    picker = wait.until(visible(driver, By.CSS_SELECTOR, ".emoji-picker"), "no emoji picker")
    recent = picker.find_elements(By.CSS_SELECTOR, "button.emoji")
    assert recent and recent[0].text == "👍", [b.text for b in recent[:3]]
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".emoji-picker"), "Esc left it open")

    # Edit the member's own reply in place while a draft is half typed:
    # the draft is still there afterwards (Signal-Desktop #6659).
    box = driver.find_element(By.CSS_SELECTOR, f"textarea[aria-label='Message {talk}']")
    box.send_keys("half-written thought")
    act_on(driver, "yes, see you there", "Edit")
    editor = wait.until(visible(driver, By.CSS_SELECTOR, "textarea[aria-label='Edit message']"))
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("yes, see you at one")
    editor.send_keys(Keys.ENTER)
    wait.until(lambda d: article(d, "yes, see you at one"), "the edit did not show")
    assert box.get_attribute("value") == "half-written thought", "the edit lost the draft"
    wait_until(
        lambda: any("yes, see you at one (edited)" in line for line in history(bob, talk)),
        message="bob's CLI does not show the edit",
    )
    # Up in an empty box edits the member's last message; Esc gives the
    # edit up unchanged.
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    wait.until(lambda d: box.get_attribute("value") == "")
    box.send_keys(Keys.ARROW_UP)
    editor = wait.until(visible(driver, By.CSS_SELECTOR, "textarea[aria-label='Edit message']"))
    assert editor.get_attribute("value") == "yes, see you at one"
    editor.send_keys(Keys.ESCAPE)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "textarea[aria-label='Edit message']"))

    # Delete it: asked first, then "Message deleted" here and at bob's CLI.
    act_on(driver, "yes, see you at one", "Delete")
    box_ = dialog(driver, "Delete this message?")
    box_.find_element(By.XPATH, ".//button[normalize-space()='Delete message']").click()
    wait.until(no_dialog)
    wait.until(lambda d: not article(d, "yes, see you at one"), "the message is still shown")
    assert any(
        t == "Message deleted"
        for t in driver.execute_script(
            "return Array.from(document.querySelectorAll(\"[role='log'] .text.deleted\"), e => e.textContent)"
        )
    )
    wait_until(
        lambda: any(line.endswith(f"{me}: (message deleted)") for line in history(bob, talk)),
        message="bob's CLI does not show the deletion",
    )
    assert not any("see you at one" in line for line in history(bob, talk)), "its text is kept"
    screenshot(driver, "44-deleted")

    # Elsewhere: bob's message notifies; its deletion withdraws the
    # notification and takes it out of the unread count.
    start = len(Notifications.all())
    bob.send(side, "oops, wrong channel")
    note = wait_until(notified("oops, wrong channel", start), message="no notification")
    wait.until(lambda d: badge_text(d, side) == "1", "no unread badge")
    bob.run("delete", message_id(bob, side, "bob: oops, wrong channel"))
    wait_until(lambda: note["id"] in Notifications.closed(), message="the notification stayed")
    wait.until(lambda d: badge_text(d, side) is None, "the deleted message still counts as unread")

    # The withdrawn notification does not silence the channel: bob's next
    # message there notifies at once. An edit raises nothing; a message in
    # the same burst is held back behind the first notification, and is
    # raised when that one is withdrawn.
    start = len(Notifications.all())
    bob.send(side, "version one")
    first = wait_until(notified("version one", start), message="the channel stayed silent")
    version = message_id(bob, side, "bob: version one")
    bob.run("edit", version, "version two")
    bob.send(side, "a later message")
    bob.run("delete", version)
    wait_until(lambda: first["id"] in Notifications.closed(), message="not withdrawn")
    wait_until(notified("a later message", start), message="the held-back message was not raised")
    assert not notified("version two", start)(), "the edit notified"
    wait.until(lambda d: badge_text(d, side) == "1", "the later message is not counted")
    screenshot(driver, "45-after-withdrawal")

    # Mentions only, chosen in the app and kept by the server (the member's
    # own CLI sees it): a plain message in side is counted quietly, one
    # that mentions the member notifies and shows the @ badge.
    open_channel(driver, side)
    button(driver, "Channel settings").click()
    box_ = dialog(driver, "Channel settings")
    box_.find_element(By.XPATH, ".//label[contains(., 'Only mentions of me')]//input").click()
    wait_until(
        lambda: "[mentions only]" in Cli(server, me).run("channels"),
        message="the level did not reach the server",
    )
    screenshot(driver, "46-notify-levels")
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait.until(no_dialog)
    open_channel(driver, talk)
    start = len(Notifications.all())
    bob.send(side, "plain chatter")
    bob.send(side, f"@{me} your turn")
    wait_until(notified("your turn", start), message="the mention did not notify")
    assert not notified("plain chatter", start)(), "a plain message notified in mentions-only"
    wait.until(
        lambda d: d.find_elements(
            By.XPATH,
            f"//nav//button[.//span[@class='channel-name' and normalize-space()='{side}']]"
            "//span[@class='mention-badge']",
        ),
        "no mention badge",
    )
    # The tray counts the mention only: the plain message is quiet there
    # too (a chat counted against its level is what others get wrong).
    wait_until(
        lambda: (t := tray()) and f"#{side} (1)" in t["menu"],
        message="the tray does not count just the mention",
    )
    # Do-not-disturb wins over a mention: counted, not raised.
    save_settings(driver, **{"Do not disturb": True})
    start = len(Notifications.all())
    bob.send(side, f"@{me} are you there?")
    wait_until(
        lambda: (t := tray()) and f"#{side} (2)" in t["menu"],
        message="the mention during do-not-disturb is not counted",
    )
    assert not notified("are you there?", start)(), "a mention notified during do-not-disturb"
    save_settings(driver, **{"Do not disturb": False})

    # @ completion: typing @bo offers bob; Enter takes him; the message
    # mentions bob on the server (bob's channels count it).
    box = driver.find_element(By.CSS_SELECTOR, f"textarea[aria-label='Message {talk}']")
    box.send_keys("@bo")
    option = wait.until(
        visible(driver, By.CSS_SELECTOR, "#mention-list [role='option']"), "no suggestions"
    )
    assert option.text == "bob", option.text
    screenshot(driver, "47-mention-completion")
    box.send_keys(Keys.ENTER)
    wait.until(lambda d: box.get_attribute("value") == "@bob ")
    box.send_keys("please review")
    box.send_keys(Keys.ENTER)
    wait.until(lambda d: article(d, "@bob please review"), "the mention was not sent")
    wait_until(
        lambda: any(
            talk in line and "mention" in line for line in bob.run("channels").splitlines()
        ),
        message="bob's CLI does not count the mention",
    )

    # Drafts: kept per conversation while switching, and by the shell
    # across a reload of the page (the UI starts again from its snapshot).
    box = driver.find_element(By.CSS_SELECTOR, f"textarea[aria-label='Message {talk}']")
    box.send_keys("a draft to keep")
    open_channel(driver, side)
    side_box = driver.find_element(By.CSS_SELECTOR, f"textarea[aria-label='Message {side}']")
    assert side_box.get_attribute("value") == ""
    open_channel(driver, talk)
    box = driver.find_element(By.CSS_SELECTOR, f"textarea[aria-label='Message {talk}']")
    assert box.get_attribute("value") == "a draft to keep"
    time.sleep(1)  # past the moment the UI waits before saving a draft
    driver.refresh()
    wait.until(visible(driver, By.CSS_SELECTOR, "nav.sidebar"), "no main layout after a reload")
    open_channel(driver, talk)
    box = wait.until(
        visible(driver, By.CSS_SELECTOR, f"textarea[aria-label='Message {talk}']")
    )
    assert box.get_attribute("value") == "a draft to keep", "the draft was lost on reload"
    screenshot(driver, "48-draft-after-reload")

    # Leave the app signed out, as the next story expects to find it.
    sign_out_if_signed_in(driver)
