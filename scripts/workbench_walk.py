#!/usr/bin/env python3
"""The staff path through the workbench in a real browser (the live leaderboard included) (Debian's chromium, driven over
WebDriver by chromedriver), with a screenshot of every page under target/workbench-walk/.

Run by scripts/workbench-walk.sh, which installs the browser, builds liangxin, makes a new
library with an editor and a viewer account and starts the server. Only the Python standard
library is used: WebDriver is JSON over HTTP.

    python3 scripts/workbench_walk.py BIN SERVER_URL DRIVER_URL LIBRARY OUT_DIR
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN, SERVER, DRIVER, LIBRARY, OUT = sys.argv[1:6]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
LEDGER = os.path.abspath("fixtures/longwen/members-from-template.xlsx")
FIELD = "params.recommend_at.value"
failures = []


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(DRIVER + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"{}").get("value")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"webdriver {method} {path}: {e.read().decode()[:500]}") from None


class Browser:
    def __init__(self):
        profile = tempfile.mkdtemp(prefix="walk-profile-")
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1366,900"]
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": shutil.which("chromium") or "/usr/bin/chromium", "args": args}}}}
        self.id = call("POST", "/session", caps)["sessionId"]
        self.s = f"/session/{self.id}"

    def go(self, path):
        call("POST", self.s + "/url", {"url": SERVER + path})

    def find(self, css, wait=5.0):
        end = time.time() + wait
        while True:
            try:
                return call("POST", self.s + "/element", {"using": "css selector", "value": css})[ELEMENT]
            except RuntimeError:
                if time.time() > end:
                    raise RuntimeError(f"no element {css} on {self.url()}") from None
                time.sleep(0.1)

    def type(self, css, text, clear=True):
        e = self.find(css)
        if clear:
            call("POST", f"{self.s}/element/{e}/clear", {})
        call("POST", f"{self.s}/element/{e}/value", {"text": text})

    def click(self, css):
        call("POST", f"{self.s}/element/{self.find(css)}/click", {})

    def run(self, script, *args):
        return call("POST", self.s + "/execute/sync", {"script": script, "args": list(args)})

    def text(self):
        return self.run("return document.body.innerText;")

    def url(self):
        return call("GET", self.s + "/url")

    def shot(self, name):
        png = base64.b64decode(call("GET", self.s + "/screenshot"))
        with open(os.path.join(OUT, f"{name}.png"), "wb") as f:
            f.write(png)

    def frame(self, css):
        call("POST", self.s + "/frame", {"id": {ELEMENT: self.find(css)}})

    def parent(self):
        call("POST", self.s + "/frame/parent", {})

    def quit(self):
        call("DELETE", self.s)


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(what)


def wait_for(browser, predicate, seconds=10.0):
    end = time.time() + seconds
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def sign_in(browser, name):
    browser.go("/sign-in")
    browser.type("input[name=name]", name)
    browser.type("input[name=password]", "password-123")
    browser.click("form[action='/sign-in'] button")
    wait_for(browser, lambda: "/sign-in" not in browser.url())


def expected_moves():
    """The records the CLI's `diff` says move when 900 becomes 880, from a copy of the pack."""
    with tempfile.TemporaryDirectory() as d:
        pack = os.path.join(d, "longwen-points")
        shutil.copytree(os.path.join(LIBRARY, "longwen-points"), pack)
        path = os.path.join(pack, "policy.yaml")
        text = open(path, encoding="utf-8").read().replace("    value: 900\n", "    value: 880\n", 1)
        open(path, "w", encoding="utf-8").write(text)
        out = subprocess.run([BIN, "diff", os.path.join(LIBRARY, "longwen-points"), pack, "-r", LEDGER,
                              "--as-of", "2024-06-30", "--format", "json"],
                             capture_output=True, text=True)
        return sorted(c["record"] for c in json.loads(out.stdout)["changes"])


ROSTER = os.path.abspath("fixtures/longwen/roster-2022.csv")
ENTRIES = os.path.abspath("fixtures/longwen/entries-2022.csv")
BOARD = "/packs/longwen-points/board?period=2022"


def api(method, path, body=None, cookie=None, csrf=None):
    """A program's request to the workbench (not the browser's): JSON, its own session."""
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    if csrf:
        headers["x-csrf-token"] = csrf
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(SERVER + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get("Set-Cookie"), json.loads(response.read())


def board(b):
    """积分排行榜: the roster and the year's entries uploaded on the page, then an entry added
    by a program through the API moves the first-ranked member down on the open page, which
    is never reloaded."""
    call("POST", b.s + "/window/rect", {"width": 1920, "height": 1080})
    b.go(BOARD)
    b.type("form[action*='/board/roster'] input[type=file]", ROSTER, clear=False)
    b.click("form[action*='/board/roster'] button")
    wait_for(b, lambda: "上传积分记录" in b.text())
    b.type("form[action*='/board/entries'] input[type=file]", ENTRIES, clear=False)
    b.click("form[action*='/board/entries'] button")
    wait_for(b, lambda: "积分记录 1287 条" in b.text())
    check("the board shows the roster and the year's entries", "积分记录 1287 条" in b.text(), b.text()[:300])
    check("the page follows the board's events", wait_for(b, lambda: "实时更新中" in b.text()), b.text()[:200])
    b.run("window.notReloaded = true;")
    first = b.run("var r = document.querySelector('#rows tr'); return [r.dataset.id, r.querySelector('.rank').textContent, r.querySelector('.name').textContent];")
    check("the first row is rank 1", first[1] == "1", str(first))
    b.shot("13-board-before")

    cookie, signed = api("POST", "/api/session", {"name": "王科长", "password": "password-123"})
    entry = {"党员编号": first[0], "姓名": first[2], "日期": "2022-12-30", "积分项目": "较大工作失误",
             "分值": 100, "说明": "浏览器测试：较大工作失误"}
    _, added = api("POST", "/api/packs/longwen-points/entries?period=2022", entry,
                   cookie.split(";")[0], signed["csrf"])
    rank = next(r["rank"] for r in added["board"]["rows"] if r["id"] == first[0])
    shown = lambda: b.run("var r = document.querySelector(\"#rows tr[data-id='" + first[0] + "']\");"
                          " return r && r.querySelector('.rank').textContent;")
    moved = wait_for(b, lambda: shown() == str(rank))
    b.shot("14-board-after")
    check("the member's new rank shows on the open page", moved, f"shown {shown()}, the API says {rank}")
    check("the page was not reloaded", b.run("return window.notReloaded === true;"))
    check("the latest entries list the new entry first",
          "较大工作失误" in b.run("return document.querySelector('#latest li').textContent;"))
    check("another member is first now",
          b.run("return document.querySelector('#rows tr').dataset.id;") != first[0])
    call("POST", b.s + "/window/rect", {"width": 1366, "height": 900})


def main():
    os.makedirs(OUT, exist_ok=True)
    b = Browser()
    try:
        sign_in(b, "王科长")
        b.shot("01-library")
        check("the library lists the packs after sign-in", "龙文区党员积分定等" in b.text() and "王科长" in b.text())

        b.go("/packs/longwen-points")
        b.shot("02-pack")
        check("a pack reads as a document", "优先推荐" in b.text())

        b.go("/compare")
        b.shot("02b-compare")
        check("the compare page offers the packs", "对比" in b.text() and "龙文区" in b.text())

        b.go("/evaluate")
        b.click("select[name=pack] option[value='longwen-points']")
        b.run("document.querySelector('input[name=as_of]').value = '2024-06-30';")
        b.type("input[name=ledger]", LEDGER, clear=False)
        b.shot("03-evaluate-form")
        b.click("form[action='/evaluate'] button[type=submit]")
        wait_for(b, lambda: "records 记录" in (b.text() or ""))
        text = b.text()
        b.shot("04-report")
        check("the workbook's 60 members are shown", "60" in text.split("records 记录", 1)[-1][:40], text[:300])
        check("the pass rate 95.0% is shown", "95.0%" in text)

        b.click("a.record-link[href='/explain?record=LW2022002']")
        wait_for(b, lambda: "测评说明" in b.text())
        b.shot("05-explain")
        check("LW2022002's explanation opens", "LW2022002" in b.text() and "1000" in b.text(), b.text()[:300])

        # 发布 → 档案 → 公示: the same ledger evaluated again and published from its page.
        b.go("/evaluate")
        b.click("select[name=pack] option[value='longwen-points']")
        b.run("document.querySelector('input[name=as_of]').value = '2024-06-30';")
        b.type("input[name=ledger]", LEDGER, clear=False)
        b.click("form[action='/evaluate'] button[type=submit]")
        wait_for(b, lambda: b.run("return !!document.getElementById('publish');"), 30)
        b.run("document.querySelector('#publish input[name=notice_from]').value = '2024-07-01';"
              "document.querySelector('#publish input[name=notice_to]').value = '2024-07-07';")
        b.shot("05b-publish-form")
        b.click("#publish button[type=submit]")
        wait_for(b, lambda: "/archive/" in b.url())
        text = b.text()
        b.shot("05c-published")
        check("publishing shows the publication, who and the period",
              "第 1 号发布" in text and "王科长" in text and "2024" in text, text[:300])
        b.go("/archive")
        b.shot("05d-archive")
        check("档案 lists the publication as current", "现行" in b.text() and "公示" in b.text(), b.text()[:300])
        b.go("/archive/notice?pack=longwen-points&period=2024")
        text = b.text()
        b.shot("05e-notice")
        check("the 公示 page has the notice period and names, no scores",
              "测评结果公示" in text and "2024年7月1日至2024年7月7日" in text and "LW2022002" not in text,
              text[:300])

        b.go("/packs/longwen-points/edit")
        b.shot("06-edit")
        b.type(f"input[name='{FIELD}']", "九百")
        check("a value that is not a number is flagged at its field as typed",
              wait_for(b, lambda: "不是数字" in b.run(
                  f"return document.querySelector(\".field[data-field='{FIELD}'] .problem\").textContent;")))
        b.shot("07-edit-problem")
        b.type(f"input[name='{FIELD}']", "880")
        b.click("#preview-button")
        time.sleep(0.5)
        b.frame("iframe#preview")
        wait_for(b, lambda: b.run("return !!document.getElementById('moved');"), 30)
        moved = b.run("var m = document.getElementById('moved'); return m && m.dataset.moved;")
        preview_text = b.text() or ""
        b.parent()
        b.run("document.getElementById('preview').scrollIntoView();")
        b.shot("08-preview")
        expected = expected_moves()
        check("the preview lists exactly the records that move",
              moved == str(len(expected)) and all(r in preview_text for r in expected),
              f"moved {moved}, expected {expected}; the preview says: {preview_text[:500]}")

        b.type("#message", "优先推荐线调整为880分")
        b.click("#save-button")
        wait_for(b, lambda: "/history" in b.url())
        b.shot("09-history")
        text = b.text()
        check("History shows the commit and its author", "优先推荐线调整为880分" in text and "王科长" in text, text[:400])
        policy = os.path.join(LIBRARY, "longwen-points", "policy.yaml")
        check("the saved file has 880", "    value: 880\n" in open(policy, encoding="utf-8").read())

        b.click("button[form='restore-1']")
        wait_for(b, lambda: "恢复到版本" in b.text())
        b.shot("10-restored")
        check("revert is a new commit and brings 900 back",
              "恢复到版本" in b.text() and "    value: 900\n" in open(policy, encoding="utf-8").read())

        board(b)

        b.click("#user form button")
        wait_for(b, lambda: "/sign-in" in b.url())
        sign_in(b, "小李")
        b.go("/packs/longwen-points/edit")
        b.shot("11-viewer-refused")
        text = b.text()
        check("a viewer finds editing refused", "权限" in text and "修订" in text, text[:300])
        b.go("/sign-in")
        b.shot("12-sign-in")
    finally:
        b.quit()
    print(f"screenshots in {OUT}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


main()
