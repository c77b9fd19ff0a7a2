"""The portal in a real browser: Debian's chromium driven by Playwright, against `tiercredit up
--demo` (a real Anvil, the API, the indexer, the story played), over HTTP on free ports.

Each role does its main work by clicking, in English and in Simplified Chinese; the tests assert
what the pages show (amounts, statuses, the lineage tree's nodes), that every request the pages
make stays on 127.0.0.1, and save a screenshot of each role's main page and of the lineage
picture under reports/portal/. Ids are looked up through the API where a test needs one; every
action is taken in the page.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from backend.chain.node import free_port
from tests.e2e.test_cli import PROJECT_ROOT, Up

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = PROJECT_ROOT / "reports" / "portal"
UNIT = 10**6
WAIT_MS = 30_000

if not CHROMIUM.is_file() or shutil.which(str(CHROMIUM)) is None:
    pytest.skip(
        f"the portal's browser tests need Debian's chromium at {CHROMIUM}: "
        "`apt-get install -y chromium` (make test installs it when run as root)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (dev extra)")
sync_api.expect.set_options(timeout=WAIT_MS)


@dataclass
class Platform:
    url: str
    members: dict[str, dict[str, Any]]
    chain_id: int
    rpc_url: str

    def key(self, member: str) -> str:
        return str(self.members[member]["api_key"])

    def address(self, member: str) -> str:
        return str(self.members[member]["address"])

    def api(self, member: str, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(
            method,
            self.url + path,
            json=body,
            headers={
                "Authorization": f"Bearer {self.key(member)}",
                "Idempotency-Key": uuid.uuid4().hex,
            },
            timeout=120,
        )
        assert response.status_code < 300, response.text
        return response.json()


@dataclass
class Requests:
    """Every URL the browser asked for; anything not on 127.0.0.1 was refused."""

    seen: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """The demo on Anvil; a test parametrized with `platform` "ganache" (indirect) gets Ganache."""
    node = getattr(request, "param", "anvil")
    up = Up(
        tmp_path_factory.mktemp(f"portal-{node}"),
        *("--demo", "--node", node, "--node-port", str(free_port())),
    )
    try:
        up.wait_until_ready()
        assert "The story is complete" in up.text(), up.text()
        run = json.loads(up.members_file.read_text())
        assert f"Portal     {run['api_url']}/" in up.text()
        assert f"{node} on {run['rpc_url']}" in up.text(), up.text()
        yield Platform(
            url=run["api_url"],
            members=run["members"],
            chain_id=run["chain_id"],
            rpc_url=run["rpc_url"],
        )
    finally:
        up.ensure_stopped()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        # A fresh, temporary profile per launch; never Playwright's own browser download.
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, platform: Platform) -> Iterator[Any]:
    # UTC, so that the dates the pages show are the ones the tests work out.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="UTC")
    requests = Requests()

    def guard(route: Any) -> None:
        url = route.request.url
        requests.seen.append(url)
        host = urlsplit(url).hostname
        if url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            requests.outside.append(url)
            route.abort()

    context.route("**/*", guard)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.set_default_timeout(WAIT_MS)
    yield opened
    context.close()
    assert requests.seen, "the page made no request"
    assert requests.outside == [], f"requests left the machine: {requests.outside}"
    assert errors == [], errors


def sign_in(page: Any, platform: Platform, member: str, language: str = "en") -> None:
    """Signs in as a demo member from the sign-in page's list (development)."""
    page.goto(platform.url + "/#/signin")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    set_language(page, language)
    page.get_by_test_id(f"demo-{member}").click()
    name = platform.members[member]["name"]
    sync_api.expect(page.get_by_test_id("who")).to_contain_text(name)


def set_language(page: Any, language: str) -> None:
    page.get_by_test_id("lang").select_option(language)


def flash_ok(page: Any, *texts: str) -> str:
    message = page.get_by_test_id("flash-ok")
    for text in texts:
        sync_api.expect(message).to_contain_text(text)
    return str(message.inner_text())


def flash_error(page: Any, *texts: str) -> str:
    message = page.get_by_test_id("flash-error")
    for text in texts:
        sync_api.expect(message).to_contain_text(text)
    return str(message.inner_text())


def fill_form(page: Any, form: str, values: dict[str, str]) -> None:
    scope = page.get_by_test_id(form)
    for name, value in values.items():
        scope.get_by_test_id(f"input-{name}").fill(value)
    scope.get_by_role("button").click()


def number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return int(found.group(1))


def shot(page: Any, name: str) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def money(units: int) -> str:
    return f"{units / UNIT:,.2f}"


def day(seconds: int, language: str = "en") -> str:
    """A date as the pages show it (Intl's medium date style, UTC)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    if language == "zh":
        return f"{moment.year}年{moment.month}月{moment.day}日"
    return f"{moment:%b} {moment.day}, {moment.year}"


# --- the story's end, as the supplier and the auditor see it -------------------------------------


def test_supplier_page_after_the_story_in_both_languages(page: Any, platform: Platform) -> None:
    supplier_sees_the_story_end(page, platform)


def supplier_sees_the_story_end(page: Any, platform: Platform) -> None:
    sign_in(page, platform, "tier3")
    # Lotus Fasteners: 49,445.21 from Summit Bank for 50,000.00, then 30,000.00 redeemed.
    sync_api.expect(page.get_by_test_id("cash")).to_have_text("79,445.21")
    sync_api.expect(page.get_by_test_id("my-financing-requests")).to_contain_text(
        "Accepted: 49,445.21 paid to you today for 50,000.00."
    )
    sync_api.expect(page.get_by_role("heading", level=1)).to_have_text(
        "Supplier: cash and vouchers"
    )
    set_language(page, "zh")
    sync_api.expect(page.get_by_role("heading", level=1)).to_have_text("供应商：资金与凭证")
    sync_api.expect(page.get_by_test_id("cash")).to_have_text("79,445.21")
    sync_api.expect(page.get_by_test_id("my-invoices")).to_contain_text("已确认")
    sync_api.expect(page.get_by_test_id("my-financing-requests")).to_contain_text(
        "已接受：为 50,000.00 今日向您支付 49,445.21。"
    )


def test_lineage_of_the_story_drawn_as_a_tree(page: Any, platform: Platform) -> None:
    sign_in(page, platform, "auditor")
    page.get_by_test_id("open-lineage-1").click()
    svg = page.get_by_test_id("lineage-svg")
    sync_api.expect(svg).to_be_visible()
    expected = {
        1: ("Helix Drivetrain", "300,000.00", "tier 1"),
        2: ("Orion Castings", "120,000.00", "tier 2"),
        3: ("Lotus Fasteners", "30,000.00", "tier 3"),
        4: ("Summit Bank", "50,000.00", "bought for 49,445.21 at 4.50%"),
    }
    for token, texts in expected.items():
        node = page.get_by_test_id(f"lineage-node-{token}")
        for text in (*texts, "redeemed"):
            sync_api.expect(node).to_contain_text(text)
    sync_api.expect(page.get_by_test_id("lineage-node-4")).to_have_attribute(
        "data-states", "redeemed financed"
    )
    sync_api.expect(page.get_by_test_id("lineage-summary")).to_contain_text(
        "Apex Motors owes 500,000.00 · repaid 500,000.00 · 4 fragments"
    )
    set_language(page, "zh")
    sync_api.expect(page.get_by_test_id("lineage-node-1")).to_contain_text("已兑付")
    sync_api.expect(page.get_by_test_id("lineage-node-1")).to_contain_text("第 1 级")
    sync_api.expect(page.get_by_test_id("lineage-summary")).to_contain_text(
        "Apex Motors 应付 500,000.00 · 已还 500,000.00"
    )
    shot(page, "lineage-story-zh")


# --- a new trade, every step clicked by the member who takes it ----------------------------------


def with_wallet(page: Any, private_key: str, chain_id: int) -> list[str]:
    """An EIP-1193 wallet for a self-custody member: the browser asks, the key signs here.
    Answers the account in lower case, as browser wallets do; returns the messages it signed
    (typed data as `typed:<primaryType>`)."""
    account = Account.from_key(private_key)
    signed_messages: list[str] = []

    def sign(method: str, payload: str) -> str:
        if method == "personal_sign":
            message = encode_defunct(hexstr=payload)
            signed_messages.append(bytes.fromhex(payload.removeprefix("0x")).decode())
            signature = Account.sign_message(message, private_key).signature
        else:
            typed = json.loads(payload)
            signed_messages.append(f"typed:{typed['primaryType']}")
            signature = Account.sign_typed_data(private_key, full_message=typed).signature
        return "0x" + bytes(signature).hex()

    page.expose_function("tiercreditTestWalletSign", sign)
    page.add_init_script(
        "window.ethereum = { request: async ({ method, params }) => {"
        f" if (method === 'eth_requestAccounts') return ['{account.address.lower()}'];"
        f" if (method === 'eth_chainId') return '{hex(chain_id)}';"
        " if (method === 'personal_sign')"
        " return window.tiercreditTestWalletSign(method, params[0]);"
        " if (method === 'eth_signTypedData_v4')"
        " return window.tiercreditTestWalletSign(method, params[1]);"
        " throw new Error('unsupported ' + method); } };"
    )
    return signed_messages


def sign_in_with_wallet(page: Any, platform: Platform, who: str, language: str) -> None:
    """Sign-In with Ethereum from the sign-in page: the wallet signs, no API key is typed."""
    page.goto(platform.url + "/#/signin")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    set_language(page, language)
    page.get_by_test_id("signin-wallet").click()
    sync_api.expect(page.get_by_test_id("who")).to_contain_text(who)


def inspector_certifies(
    page: Any, platform: Platform, invoice: int, batch: str, screenshots: bool = False
) -> int:
    """QualiCert Labs holds its own key: it signs in with Ethereum (in Chinese), certifies the
    goods of `invoice`, signs the certificate's request in its wallet, and follows the
    certificate's QR link to the public verify page."""
    inspector = platform.members["inspector"]
    signed = with_wallet(page, inspector["private_key"], platform.chain_id)
    sign_in_with_wallet(page, platform, "QualiCert Labs · 检验机构", "zh")
    host = urlsplit(platform.url).netloc
    assert signed[0].startswith(
        f"{host} wants you to sign in with your Ethereum account:\n{inspector['address']}\n"
    ), signed
    assert f"\nChain ID: {platform.chain_id}\n" in signed[0], signed
    set_language(page, "en")
    fill_form(page, "issue-certificate", {"invoice_id": str(invoice), "batch_code": batch})
    certificate = number(r"Certificate #(\d+) issued", flash_ok(page, "issued"))
    # The certificate's forward request was signed in the wallet, not by the platform.
    assert signed[1:] == ["typed:ForwardRequest"], signed
    sync_api.expect(page.get_by_test_id(f"certificate-row-{certificate}")).to_contain_text("pass")
    if screenshots:
        shot(page, "inspector")
    page.get_by_test_id(f"certificate-row-{certificate}").get_by_role("link").click()
    sync_api.expect(page.get_by_test_id("certificate-qr")).to_be_visible()
    link = page.get_by_test_id("certificate-verify-link").inner_text()
    # The document's hash goes with its id: ids alone cannot be counted through.
    assert re.fullmatch(re.escape(platform.url) + r"/#/verify/doc/\d+/0x[0-9a-f]{64}", link), link
    if screenshots:
        shot(page, "certificate")
    page.get_by_test_id("certificate-verify-link").click()
    result = page.get_by_test_id("verify-result")
    sync_api.expect(result).to_contain_text("The document matches its on-chain anchor.")
    sync_api.expect(result).to_contain_text(f"Quality certificate #{certificate}")
    return certificate


def register_invoice(page: Any, buyer: str, amount: str, days: str = "120") -> int:
    number_text = f"INV-P-{uuid.uuid4().hex[:8]}"
    fill_form(
        page,
        "register-invoice",
        {"buyer": buyer, "invoice_number": number_text, "amount": amount, "days": days},
    )
    return number(r"#(\d+)", flash_ok(page))


def confirm_invoice(page: Any, invoice_id: int) -> None:
    page.get_by_test_id(f"confirm-{invoice_id}").click()


def test_a_trade_through_every_role(page: Any, platform: Platform) -> None:
    core, tier1, tier2 = (platform.address(k) for k in ("core", "tier1", "tier2"))

    # Helix invoices Apex 100,000.00; Apex confirms it (in Chinese).
    sign_in(page, platform, "tier1")
    invoice = register_invoice(page, core, "100,000.00")
    flash_ok(page, "registered (100,000.00)")
    sign_in(page, platform, "core", "zh")
    sync_api.expect(page.get_by_test_id(f"confirm-row-{invoice}")).to_contain_text("100,000.00")
    confirm_invoice(page, invoice)
    flash_ok(page, f"发票 #{invoice} 已确认")

    certificate = inspector_certifies(page, platform, invoice, "B-P-1", screenshots=True)

    # Apex issues a 100,000.00 voucher to Helix against the certified invoice.
    sign_in(page, platform, "core")
    fill_form(
        page,
        "issue-voucher",
        {"invoice_id": str(invoice), "face": "100000", "certificate_id": str(certificate)},
    )
    credit = number(r"Credit #(\d+) issued", flash_ok(page, "100,000.00 to Helix Drivetrain"))
    sync_api.expect(page.get_by_test_id(f"due-row-{credit}")).to_contain_text("100,000.00")
    # The issuance quota is Harbor's 1,000,000.00 line and Summit's 600,000.00 (the story's
    # credit is repaid in full): 100,000.00 used now.
    sync_api.expect(page.get_by_test_id("quota-used")).to_have_text("100,000.00")
    sync_api.expect(page.get_by_test_id("quota-total")).to_have_text("1,600,000.00")
    sync_api.expect(page.get_by_test_id("quota-free")).to_have_text("1,500,000.00")
    shot(page, "core-enterprise")

    # Orion invoices Helix 40,000.00; Helix confirms and pays Orion with part of the voucher.
    sign_in(page, platform, "tier2")
    tier2_invoice = register_invoice(page, tier1, "40000")
    sign_in(page, platform, "tier1")
    confirm_invoice(page, tier2_invoice)
    flash_ok(page, f"Invoice #{tier2_invoice} confirmed.")
    root = platform.api("auditor", "GET", f"/fragments?credit_id={credit}")["items"][0]["token_id"]
    sync_api.expect(page.get_by_test_id(f"fragment-row-{root}")).to_contain_text("100,000.00")
    pay = {"token_id": str(root), "to": tier2, "value": "40000", "invoice_id": str(tier2_invoice)}
    fill_form(page, "pay-supplier", pay)
    tier2_token = number(r"new fragment #(\d+)", flash_ok(page, "Paid 40,000.00 to Orion"))
    sync_api.expect(page.get_by_test_id(f"fragment-row-{root}")).to_contain_text("60,000.00")
    # Its vouchers by credit: obligor, what it holds of it, maturity, status.
    maturity = platform.api("auditor", "GET", f"/credits/{credit}")["maturity"]
    sync_api.expect(page.get_by_test_id(f"credit-row-{credit}")).to_have_text(
        re.compile(rf"#{credit}\s*Apex Motors\s*60,000.00\s*{re.escape(day(maturity))}\s*active")
    )
    # The invoice is drawn down: paying on it again is refused, in words, with its values.
    fill_form(page, "pay-supplier", pay)
    flash_error(
        page, f"Invoice #{tier2_invoice} has only 0.00 left to back vouchers; 40,000.00 was asked."
    )
    set_language(page, "zh")
    fill_form(page, "pay-supplier", pay)
    flash_error(page, f"发票 #{tier2_invoice} 仅剩 0.00 可用于开立凭证；本次申请 40,000.00。")
    shot(page, "supplier")

    # Orion asks for cash on 20,000.00; Harbor quotes 6.00 %, Summit 4.50 % (in Chinese).
    sign_in(page, platform, "tier2")
    fill_form(page, "request-financing", {"token_id": str(tier2_token), "value": "20000"})
    request = number(r"Request #(\d+) is open", flash_ok(page, "20,000.00 locked"))
    for bank, rate, language in (("bank_a", "6", "en"), ("bank_b", "4.5", "zh")):
        sign_in(page, platform, bank, language)
        page.get_by_test_id(f"quote-rate-{request}").fill(rate)
        page.get_by_test_id(f"quote-{request}").click()
        flash_ok(page, f"#{request}")
    # Summit withdraws its quote and quotes again.
    page.get_by_test_id(f"withdraw-{request}").click()
    flash_ok(page, f"申请 #{request} 的报价", "已撤回")
    sync_api.expect(page.get_by_test_id(f"open-row-{request}")).not_to_contain_text("Summit Bank")
    page.get_by_test_id(f"quote-rate-{request}").fill("4.5")
    page.get_by_test_id(f"quote-{request}").click()
    flash_ok(page, f"已对申请 #{request} 报价 4.50%")
    # A bank sees its own quote, not its competitor's: only the holder compares them.
    sync_api.expect(page.get_by_test_id(f"open-row-{request}")).to_contain_text("Summit Bank 4.50%")
    sync_api.expect(page.get_by_test_id(f"open-row-{request}")).not_to_contain_text("Harbor Bank")
    sync_api.expect(page.get_by_role("heading", level=1)).to_have_text("银行：报价、敞口与持仓")
    summit = platform.address("bank_b")
    summit_cash = platform.api("bank_b", "GET", f"/portfolios/{summit}")["cash_units"]
    bank_cash = page.get_by_test_id("bank-figures").get_by_test_id("cash")
    sync_api.expect(bank_cash).to_have_text(money(summit_cash))
    # Summit's line to Apex (600,000.00), nothing of it used while it holds none of Apex's.
    exposure = page.get_by_test_id(f"exposure-row-{core}")
    sync_api.expect(exposure).to_have_text(
        re.compile(r"Apex Motors\s*600,000.00\s*0.00\s*600,000.00")
    )
    shot(page, "bank")

    # Orion compares the quotes side by side and takes the better one.
    sign_in(page, platform, "tier2")
    listed = platform.api("tier2", "GET", f"/financing-requests/{request}/quotes")
    assert [q["withdrawn"] for q in listed].count(True) == 1, listed
    quotes = [q for q in listed if not q["withdrawn"]]
    days = quotes[0]["days_to_maturity"]
    prices = {
        q["financier"]: 20_000 * UNIT - 20_000 * UNIT * q["rate_bps"] * days // (365 * 10_000)
        for q in quotes
    }
    table = page.get_by_test_id(f"quotes-{request}")
    sync_api.expect(table.locator("tbody tr")).to_have_count(2)
    for quote in quotes:
        row = page.get_by_test_id(f"quote-{quote['quote_id']}")
        sync_api.expect(row).to_contain_text(money(prices[quote["financier"]]))
    best = next(q for q in quotes if q["financier"] == platform.address("bank_b"))
    sync_api.expect(page.get_by_test_id(f"quote-{best['quote_id']}")).to_contain_text("best")
    sync_api.expect(page.get_by_test_id(f"quote-{best['quote_id']}")).to_contain_text("4.50%")
    page.get_by_test_id(f"accept-{best['quote_id']}").click()
    best_cash = money(prices[best["financier"]])
    flash_ok(page, f"Accepted: {best_cash} paid to you today for 20,000.00.")
    # A request nobody took yet is cancelled by its holder, its value unlocked.
    fill_form(page, "request-financing", {"token_id": str(tier2_token), "value": "1000"})
    spare = number(r"Request #(\d+) is open", flash_ok(page, "1,000.00 locked"))
    # On the lineage, Orion's locked 1,000.00 is a node of its own, labelled as locked.
    page.goto(f"{platform.url}/#/lineage/{credit}")
    locked = page.locator("[data-states='locked']")
    sync_api.expect(locked).to_have_count(1)
    for text in ("Orion Castings", "1,000.00", "locked in financing"):
        sync_api.expect(locked).to_contain_text(text)
    page.goto(f"{platform.url}/#/home")
    page.get_by_test_id(f"cancel-request-{spare}").click()
    flash_ok(page, f"Request #{spare} cancelled: 1,000.00 unlocked.")
    sync_api.expect(page.get_by_test_id(f"request-{spare}")).to_contain_text("cancelled")

    # Summit paid the cash, holds the 20,000.00 it bought, and its line to Apex carries it.
    sign_in(page, platform, "bank_b")
    sync_api.expect(bank_cash).to_have_text(money(summit_cash - prices[summit]))
    fragments = platform.api("auditor", "GET", f"/fragments?credit_id={credit}")["items"]
    held = next(f["token_id"] for f in fragments if f["holder"] == summit)
    due = re.escape(day(maturity))
    holding = page.get_by_test_id("holdings").get_by_test_id(f"fragment-row-{held}")
    sync_api.expect(holding).to_have_text(
        re.compile(rf"#{held}\s*#{credit}\s*Apex Motors\s*tier \d+\s*20,000.00\s*{due}")
    )
    sync_api.expect(exposure).to_have_text(
        re.compile(r"Apex Motors\s*600,000.00\s*20,000.00\s*580,000.00")
    )

    # The auditor sees the new credit's tree, freezes Helix's fragment with a reason, lifts it.
    sign_in(page, platform, "auditor")
    page.goto(f"{platform.url}/#/lineage/{credit}")
    helix = page.get_by_test_id(f"lineage-node-{root}")
    sync_api.expect(helix).to_contain_text("Helix Drivetrain")
    sync_api.expect(helix).to_contain_text("60,000.00")
    sync_api.expect(helix).to_have_attribute("data-states", "live")
    sync_api.expect(page.get_by_test_id(f"lineage-node-{tier2_token}")).to_contain_text("Orion")
    bought = page.locator("[data-states='financed live']")
    sync_api.expect(bought).to_contain_text("Summit Bank")
    sync_api.expect(bought).to_contain_text(f"bought for {best_cash} at 4.50%")
    helix.click()
    page.get_by_test_id("freeze-reason").fill("inspection of the gearbox batch")
    page.get_by_test_id("freeze").click()
    flash_ok(page, f"Fragment #{root} frozen.")
    sync_api.expect(helix).to_have_attribute("data-states", "frozen")
    sync_api.expect(helix).to_contain_text("frozen")
    # The node itself says why (clipped to fit); the detail panel says who and when.
    line = page.get_by_test_id(f"lineage-node-line-{root}")
    sync_api.expect(line).to_have_text("Frozen: inspection of the gearb…")
    # Who froze it, when and why: on the picked node, and on its holder's fragment row.
    auditor = platform.members["auditor"]["name"]
    frozen = platform.api("auditor", "GET", f"/fragments?credit_id={credit}")["items"][0]["freeze"]
    assert (frozen["scope"], frozen["frozen_by"]) == ("fragment", platform.address("auditor"))
    reason = f"frozen by {auditor} on "
    why = ": inspection of the gearbox batch"
    for text in (f"Fragment #{root} {reason}", why):
        sync_api.expect(page.get_by_test_id("hop-freeze")).to_contain_text(text)
    shot(page, "auditor-lineage")
    set_language(page, "zh")
    helix = page.get_by_test_id(f"lineage-node-{root}")
    sync_api.expect(helix).to_contain_text("已冻结")
    sync_api.expect(line).to_have_text("冻结原因：inspection of the gearb…")
    helix.click()
    for text in (f"凭证 #{root} 由 {auditor} 于 ", "冻结，原因：inspection of the gearbox batch"):
        sync_api.expect(page.get_by_test_id("hop-freeze")).to_contain_text(text)
    sign_in(page, platform, "tier1")
    row_freeze = page.get_by_test_id(f"fragment-freeze-{root}")
    for text in (f"Fragment #{root} {reason}", why):
        sync_api.expect(row_freeze).to_contain_text(text)
    sign_in(page, platform, "auditor", "zh")
    page.goto(f"{platform.url}/#/lineage/{credit}")
    helix = page.get_by_test_id(f"lineage-node-{root}")
    helix.click()
    page.get_by_test_id("freeze-reason").fill("检验已完成")
    page.get_by_test_id("unfreeze").click()
    flash_ok(page, f"凭证 #{root} 已解冻。")
    sync_api.expect(helix).to_have_attribute("data-states", "live")
    sync_api.expect(page.get_by_test_id("hop-freeze")).to_have_text("")
    sync_api.expect(line).not_to_contain_text("冻结原因")
    # The invoice behind Orion's hop is a click away, and from it the invoice's audit trail.
    set_language(page, "en")
    page.get_by_test_id(f"lineage-node-{tier2_token}").click()
    sync_api.expect(page.get_by_test_id("hop-invoice-summary")).to_contain_text(
        "Orion Castings invoiced Helix Drivetrain 40,000.00"
    )
    sync_api.expect(page.get_by_test_id("hop-invoice")).to_contain_text(
        f"Invoice #{tier2_invoice}, behind fragment #{tier2_token}"
    )
    page.get_by_test_id("audit-link").click()
    invoices = platform.api("auditor", "GET", f"/invoices?seller={tier2}&buyer={tier1}")["items"]
    document_hash = next(i for i in invoices if i["invoice_id"] == tier2_invoice)["document_hash"]
    trail = platform.api("auditor", "GET", f"/audit-trail/{document_hash}")
    events = [f"{e['contract']}.{e['event']}" for e in trail["events"]]
    assert "InvoiceRegistered" in " ".join(events), events
    summary = page.get_by_test_id("audit-summary")
    sync_api.expect(summary).to_have_text(f"Invoice #{tier2_invoice}: {len(events)} events")
    rows = page.get_by_test_id("audit-table").locator("tbody tr")
    sync_api.expect(rows).to_have_count(len(events))
    for index, event in enumerate(events):
        sync_api.expect(rows.nth(index)).to_contain_text(event)
    # The registration's arguments in words: names for addresses, amounts and dates formatted.
    sync_api.expect(rows.nth(0)).to_contain_text(
        "seller: Orion Castings · buyer: Helix Drivetrain · amount: 40,000.00"
    )
    sync_api.expect(rows.nth(0)).not_to_contain_text("dueDate: 1")
    shot(page, "audit-trail")
    set_language(page, "zh")
    sync_api.expect(summary).to_have_text(f"发票 #{tier2_invoice}：共 {len(events)} 个事件")

    # Apex repays part of the new credit: refused while it holds no cash, then paid.
    sign_in(page, platform, "core")
    page.get_by_test_id(f"repay-amount-{credit}").fill("10000")
    page.get_by_test_id(f"repay-{credit}").click()
    flash_error(page, "Not enough cash: 0.00 available, 10,000.00 needed.")
    deposit = {"to": core, "amount_units": 10_000 * UNIT, "deposit_reference": "DEP-portal"}
    platform.api("bank_a", "POST", "/cash/mint", deposit)
    page.get_by_test_id(f"repay-{credit}").click()
    flash_ok(page, f"Repaid 10,000.00 on credit #{credit}")
    sync_api.expect(page.get_by_test_id(f"due-row-{credit}")).to_contain_text("90,000.00")
    # The repayment frees quota; Summit's line carries the 20,000.00 it bought of Orion's part.
    sync_api.expect(page.get_by_test_id("quota-used")).to_have_text("90,000.00")
    sync_api.expect(page.get_by_test_id("quota-free")).to_have_text("1,510,000.00")
    lines = platform.api("core", "GET", f"/obligors/{core}/credit-lines")["lines"]
    used = {line["financier"]: line["used_units"] for line in lines}
    assert used == {platform.address("bank_a"): 0, platform.address("bank_b"): 20_000 * UNIT}
    summit = page.get_by_test_id(f"credit-line-{platform.address('bank_b')}")
    harbor = page.get_by_test_id(f"credit-line-{platform.address('bank_a')}")
    sync_api.expect(summit).to_have_text(
        re.compile(r"Summit Bank\s*600,000.00\s*20,000.00\s*580,000.00")
    )
    sync_api.expect(harbor).to_have_text(
        re.compile(r"Harbor Bank\s*1,000,000.00\s*0.00\s*1,000,000.00")
    )
    set_language(page, "zh")
    sync_api.expect(page.get_by_test_id("credit-lines")).to_contain_text("已用（银行风险敞口）")
    sync_api.expect(summit).to_contain_text("580,000.00")


# --- four eyes, and the public verify page -------------------------------------------------------


def registered_invoice(platform: Platform, amount_units: int, due_date: int, tag: str) -> int:
    """Helix invoices Apex through the API (a step other tests click)."""
    body = {
        "buyer": platform.address("core"),
        "amount_units": amount_units,
        "due_date": due_date,
        "invoice_number": f"INV-{tag}-{uuid.uuid4().hex[:8]}",
        "document": {"number": uuid.uuid4().hex, "amount_units": amount_units},
    }
    return int(platform.api("tier1", "POST", "/invoices", body)["invoice"]["invoice_id"])


def test_an_inspector_revokes_a_certificate_and_the_verify_page_says_so(
    page: Any, platform: Platform
) -> None:
    invoice = registered_invoice(platform, 2_000 * UNIT, 4_000_000_000, "REV")
    inspector = platform.members["inspector"]
    signed = with_wallet(page, inspector["private_key"], platform.chain_id)
    sign_in_with_wallet(page, platform, "QualiCert Labs", "en")
    form = page.get_by_test_id("issue-certificate")
    form.get_by_test_id("input-result").select_option("fail")
    fill_form(page, "issue-certificate", {"invoice_id": str(invoice), "batch_code": "B-REV"})
    certificate = number(r"Certificate #(\d+) issued", flash_ok(page, "issued"))
    row = page.get_by_test_id(f"certificate-row-{certificate}")
    sync_api.expect(row).to_contain_text("fail")
    sync_api.expect(row).to_contain_text("valid")

    page.get_by_test_id(f"revoke-reason-{certificate}").fill("sample re-tested")
    page.get_by_test_id(f"revoke-{certificate}").click()

    flash_ok(page, f"Certificate #{certificate} revoked.")
    sync_api.expect(row).to_contain_text("revoked")
    sync_api.expect(page.get_by_test_id(f"revoke-{certificate}")).to_have_count(0)
    # Both the issue and the revocation were signed in the wallet.
    assert signed[1:] == ["typed:ForwardRequest", "typed:ForwardRequest"], signed
    listed = platform.api("auditor", "GET", f"/certificates/{certificate}")
    assert (listed["result"], listed["revoked"]) == ("fail", True), listed
    # Its QR code's page, the public verify page, tells whoever holds it that it is revoked.
    row.get_by_role("link").click()
    page.get_by_test_id("certificate-verify-link").click()
    result = page.get_by_test_id("verify-result")
    sync_api.expect(result).to_contain_text("The document matches its on-chain anchor.")
    sync_api.expect(result).to_contain_text(f"Quality certificate #{certificate}: revoked")
    set_language(page, "zh")
    sync_api.expect(result).to_contain_text(f"质量证书 #{certificate}：已撤销")


def paste_key(page: Any, platform: Platform, key: str, who: str) -> None:
    page.goto(platform.url + "/#/signin")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.get_by_test_id("input-api_key").fill(key)
    page.get_by_test_id("signin-form").get_by_role("button").click()
    sync_api.expect(page.get_by_test_id("who")).to_contain_text(who)


def test_maker_checker_inbox(page: Any, platform: Platform) -> None:
    maker = platform.api("core", "POST", "/members/me/users", {"name": "clerk", "role": "maker"})
    checker = platform.api("core", "POST", "/members/me/users", {"name": "lead", "role": "checker"})
    invoice = registered_invoice(platform, 5_000 * UNIT, 4_000_000_000, "4E")
    refused = registered_invoice(platform, 6_000 * UNIT, 4_000_000_000, "4E")
    platform.api("core", "PUT", "/members/me/approval-policy", {"mode": "all"})
    try:
        paste_key(page, platform, maker["api_key"], "Apex Motors")
        confirm_invoice(page, refused)
        to_reject = re.search(r"request (\w+) waits", flash_ok(page, "waits for a checker"))
        assert to_reject
        page.locator("#flash").evaluate("node => node.replaceChildren()")
        confirm_invoice(page, invoice)
        request_id = re.search(r"request (\w+) waits", flash_ok(page, "waits for a checker"))
        assert request_id and request_id.group(1) != to_reject.group(1)
        # A maker has no inbox: approving is a checker's.
        page.goto(platform.url + "/#/inbox")
        sync_api.expect(page.get_by_test_id("inbox")).to_contain_text(
            "Only a checker's key approves or rejects requests."
        )
        paste_key(page, platform, checker["api_key"], "Apex Motors")
        set_language(page, "zh")
        page.goto(platform.url + "/#/inbox")
        row = page.get_by_test_id(f"inbox-row-{request_id.group(1)}")
        sync_api.expect(row).to_contain_text("InvoiceRegistry.confirm")
        sync_api.expect(row).to_contain_text("待审批")
        shot(page, "checker-inbox")
        page.get_by_test_id(f"approve-{request_id.group(1)}").click()
        flash_ok(page, "已批准")
        page.get_by_test_id(f"inbox-reason-{to_reject.group(1)}").fill("金额与合同不符")
        page.get_by_test_id(f"reject-{to_reject.group(1)}").click()
        flash_ok(page, "已拒绝。")
        sync_api.expect(page.get_by_test_id("inbox")).to_contain_text("没有待审批的请求。")
    finally:
        platform.api(
            "core",
            "PUT",
            "/members/me/approval-policy",
            {"mode": "above", "threshold_units": 400_000 * UNIT},
        )
    confirmed = platform.api("auditor", "GET", "/invoices?status=confirmed")["items"]
    assert invoice in [i["invoice_id"] for i in confirmed]
    # The rejected request did nothing: its invoice still waits, and Apex rejects it itself.
    rejected = platform.api("core", "GET", f"/requests/{to_reject.group(1)}")
    assert rejected["status"] == "rejected", rejected
    assert platform.api("core", "GET", f"/invoices/{refused}")["status"] == "registered"
    sign_in(page, platform, "core")
    page.get_by_test_id(f"reject-reason-{refused}").fill("goods never delivered")
    page.get_by_test_id(f"reject-invoice-{refused}").click()
    flash_ok(page, f"Invoice #{refused} rejected.")
    sync_api.expect(page.get_by_test_id(f"confirm-row-{refused}")).to_have_count(0)
    shown = platform.api("core", "GET", f"/invoices/{refused}")
    assert (shown["status"], shown["reason"]) == ("rejected", "goods never delivered"), shown


def test_wallet_sign_in_of_an_unknown_account_is_refused_in_words(
    page: Any, platform: Platform
) -> None:
    stranger = Account.create()
    with_wallet(page, stranger.key.hex(), platform.chain_id)
    page.goto(platform.url + "/#/signin")
    page.get_by_test_id("signin-wallet").click()
    flash_error(page, f"No active member has the account {stranger.address}.")
    set_language(page, "zh")
    page.get_by_test_id("signin-wallet").click()
    flash_error(page, f"没有有效成员使用账户 {stranger.address}。")
    sync_api.expect(page.get_by_test_id("who")).to_have_text("")


def test_operator_pauses_sets_limits_and_suspends(page: Any, platform: Platform) -> None:
    # A credit frozen with a reason says on its row who froze it, when and why.
    auditor = platform.members["auditor"]["name"]
    platform.api("auditor", "POST", "/credits/1/freeze", {"reason": "sample audit of the story"})
    sign_in(page, platform, "operator")
    note = page.get_by_test_id("credit-freeze-1")
    sync_api.expect(note).to_contain_text(f"Credit #1 frozen by {auditor} on ")
    sync_api.expect(note).to_contain_text(": sample audit of the story")
    platform.api("auditor", "POST", "/credits/1/unfreeze", {"reason": "sample audit done"})
    sync_api.expect(note).to_have_count(0)

    # The form starts from the limits in force; the page says whether the platform is paused.
    in_force = platform.api("operator", "GET", "/platform/limits")
    form = page.get_by_test_id("platform-limits")
    for name in ("max_tenor_days", "grace_period_days", "max_tier_depth"):
        sync_api.expect(form.get_by_test_id(f"input-{name}")).to_have_value(str(in_force[name]))
    paused = page.get_by_test_id("platform-paused")
    sync_api.expect(paused).to_contain_text("Now: the platform is running")
    # Paused, the platform refuses even the operator's limits, in words; unpaused, it takes them.
    page.get_by_test_id("platform-pause").click()
    flash_ok(page, "The platform is paused.")
    sync_api.expect(paused).to_contain_text("Now: the platform is paused; member actions are")
    limits = {"max_tenor_days": "190", "grace_period_days": "30", "max_tier_depth": "8"}
    assert in_force["max_tenor_days"] != 190, in_force
    fill_form(page, "platform-limits", limits)
    flash_error(page, "The platform is paused: member actions are stopped.")
    set_language(page, "zh")
    sync_api.expect(paused).to_contain_text("当前：平台已暂停")
    page.get_by_test_id("platform-unpause").click()
    flash_ok(page, "平台已恢复运行。")
    sync_api.expect(paused).to_contain_text("当前：平台正常运行")
    fill_form(page, "platform-limits", limits)
    flash_ok(page, "限额已设置：期限最长 190 天，宽限期 30 天，最深至第 8 级。")
    sync_api.expect(page.get_by_test_id("limits-current")).to_have_text(
        "现行限额：期限最长 190 天，宽限期 30 天，最深至第 8 级。"
    )
    sync_api.expect(form.get_by_test_id("input-max_tenor_days")).to_have_value("190")

    # Harbor Bank suspended with a reason, then reinstated.
    harbor = platform.members["bank_a"]["member_id"]
    row = page.get_by_test_id(f"member-row-{harbor}")
    sync_api.expect(row).to_contain_text("Harbor Bank")
    sync_api.expect(row).to_contain_text("有效")
    page.get_by_test_id(f"member-reason-{harbor}").fill("KYC renewal overdue")
    page.get_by_test_id(f"suspend-{harbor}").click()
    flash_ok(page, "Harbor Bank 已被暂停资格。")
    sync_api.expect(row).to_contain_text("已暂停")
    shot(page, "operator")
    set_language(page, "en")
    page.get_by_test_id(f"member-reason-{harbor}").fill("KYC renewed")
    page.get_by_test_id(f"reinstate-{harbor}").click()
    flash_ok(page, "Harbor Bank reinstated.")
    sync_api.expect(row).to_contain_text("active")
    harbor_read = platform.api("operator", "GET", f"/members/{harbor}")
    assert harbor_read["status"] == "active", harbor_read

    # A document's audit trail, by its hash.
    story_invoice = platform.api("operator", "GET", "/invoices?limit=1")["items"][0]
    trail = platform.api("operator", "GET", f"/audit-trail/{story_invoice['document_hash']}")
    page.get_by_test_id("nav-audit").click()
    fill_form(page, "audit-pick", {"document_hash": story_invoice["document_hash"]})
    sync_api.expect(page.get_by_test_id("audit-summary")).to_have_text(
        f"Invoice #{story_invoice['invoice_id']}: {len(trail['events'])} events"
    )
    sync_api.expect(page.get_by_test_id("audit-table").locator("tbody tr")).to_have_count(
        len(trail["events"])
    )


def test_verify_page_checks_a_dropped_document(
    page: Any, platform: Platform, tmp_path: Path
) -> None:
    document = {"invoice_number": f"INV-V-{uuid.uuid4().hex[:8]}", "amount_units": 7 * UNIT}
    invoice = platform.api(
        "tier2",
        "POST",
        "/invoices",
        {
            "buyer": platform.address("tier1"),
            "amount_units": 7 * UNIT,
            "due_date": 4_000_000_000,
            "invoice_number": document["invoice_number"],
            "document": document,
        },
    )["invoice"]["invoice_id"]
    genuine, forged = tmp_path / "invoice.json", tmp_path / "forged.json"
    genuine.write_text(json.dumps(document))
    forged.write_text(json.dumps({**document, "amount_units": 70 * UNIT}))
    page.goto(platform.url + "/#/verify")
    page.get_by_test_id("verify-file").set_input_files(str(genuine))
    result = page.get_by_test_id("verify-result")
    sync_api.expect(result).to_have_attribute("data-anchored", "true")
    sync_api.expect(page.get_by_test_id(f"anchor-invoice-{invoice}")).to_have_text(
        f"Invoice #{invoice}: registered"
    )
    shot(page, "verify")
    set_language(page, "zh")
    page.get_by_test_id("verify-file").set_input_files(str(forged))
    sync_api.expect(result).to_have_attribute("data-anchored", "false")
    sync_api.expect(result).to_contain_text("该文件没有链上存证")


def test_redeem_claim_and_write_off_at_maturity(page: Any, platform: Platform) -> None:
    """A 10,000.00 credit, 4,000.00 of it sold to Summit Bank, 1,000.00 repaid when it matures
    (Anvil's clock moved past maturity): Helix redeems its 6,000.00 for its 10 % share, claims
    what a later repayment owes it; Summit redeems and writes the unpaid rest off its exposure.
    Runs last on its chain: the clock does not go back."""
    core = platform.address("core")
    now = httpx.get(platform.url + "/indexer/status").json()["block_timestamp"]
    invoice = platform.api(
        "tier1",
        "POST",
        "/invoices",
        {
            "buyer": core,
            "amount_units": 10_000 * UNIT,
            "due_date": now + 30 * 86_400,
            "invoice_number": f"INV-M-{uuid.uuid4().hex[:8]}",
            "document": {"number": uuid.uuid4().hex, "amount_units": 10_000 * UNIT},
        },
    )["invoice"]["invoice_id"]
    platform.api("core", "POST", f"/invoices/{invoice}/confirm", {})
    requirement = "/obligors/me/quality-requirement"
    platform.api("core", "POST", requirement, {"required": False})
    try:
        body = {
            "invoice_id": invoice,
            "face_value_units": 10_000 * UNIT,
            "maturity": now + 5 * 86_400,
        }
        credit = platform.api("core", "POST", "/credits", body)["credit"]["credit_id"]
        # A second credit nobody repays: overdue once its grace period has passed too.
        unpaid_invoice = registered_invoice(platform, 1_000 * UNIT, now + 30 * 86_400, "OD")
        platform.api("core", "POST", f"/invoices/{unpaid_invoice}/confirm", {})
        unpaid_body = {**body, "invoice_id": unpaid_invoice, "face_value_units": 1_000 * UNIT}
        unpaid = platform.api("core", "POST", "/credits", unpaid_body)["credit"]["credit_id"]
    finally:
        platform.api("core", "POST", requirement, {"required": True})
    root = platform.api("auditor", "GET", f"/fragments?credit_id={credit}")["items"][0]["token_id"]
    ask = {"token_id": root, "value_units": 4_000 * UNIT, "expires_at": now + 86_400}
    request = platform.api("tier1", "POST", "/financing/requests", ask)["request"]["request_id"]
    quoted = platform.api(
        "bank_b", "POST", f"/financing/requests/{request}/quotes", {"rate_bps": 500}
    )
    quote = {"quote_id": quoted["quote"]["quote_id"]}
    platform.api("tier1", "POST", f"/financing/requests/{request}/accept", quote)
    fragments = platform.api("auditor", "GET", f"/fragments?credit_id={credit}")["items"]
    bought = next(f for f in fragments if f["holder"] == platform.address("bank_b"))["token_id"]
    deposit = {"to": core, "amount_units": 5_000 * UNIT, "deposit_reference": "DEP-maturity"}
    platform.api("bank_a", "POST", "/cash/mint", deposit)
    platform.api("core", "POST", f"/credits/{credit}/repayments", {"amount_units": 1_000 * UNIT})
    for method, params in (("evm_increaseTime", [6 * 86_400]), ("evm_mine", [])):
        rpc = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        assert "error" not in httpx.post(platform.rpc_url, json=rpc).json()

    sign_in(page, platform, "tier1")
    page.get_by_test_id(f"redeem-{root}").click()
    flash_ok(page, f"Redeemed fragment #{root}: 600.00 paid now of 6,000.00")
    row = page.get_by_test_id(f"claim-row-{root}")
    sync_api.expect(row).to_contain_text("6,000.00")
    sync_api.expect(row).to_contain_text("1,000.00 / 10,000.00")
    page.get_by_test_id(f"claim-{root}").click()
    flash_error(page, f"Nothing is owed on fragment #{root}.")
    platform.api("core", "POST", f"/credits/{credit}/repayments", {"amount_units": 4_000 * UNIT})
    sync_api.expect(row).to_contain_text("5,000.00 / 10,000.00")
    page.get_by_test_id(f"claim-{root}").click()
    flash_ok(page, f"Claimed 2,400.00 on fragment #{root}: 3,000.00 of 6,000.00 paid so far")

    sign_in(page, platform, "bank_b", "zh")
    page.get_by_test_id(f"redeem-{bought}").click()
    flash_ok(page, f"凭证 #{bought} 已兑付：现付 2,000.00（共 4,000.00）")
    page.get_by_test_id(f"write-off-reason-{bought}").fill("Apex Motors default, 50 % recovered")
    page.get_by_test_id(f"write-off-{bought}").click()
    flash_ok(page, f"已从您对 Apex Motors 的风险敞口中核销凭证 #{bought} 的 2,000.00。")
    page.get_by_test_id(f"write-off-{bought}").click()
    flash_error(page, f"凭证 #{bought} 没有可核销的余额。")
    sync_api.expect(page.get_by_test_id(f"claim-row-{bought}")).to_contain_text("4,000.00")
    shot(page, "bank-claims")
    # Summit sees the root it bought from, but the invoice behind it is Helix's and Apex's.
    page.goto(f"{platform.url}/#/lineage/{credit}")
    page.get_by_test_id(f"lineage-node-{root}").click()
    hop = page.get_by_test_id("hop-invoice-summary")
    sync_api.expect(hop).to_have_text(
        f"凭证 #{root} 背后的发票 #{invoice} 您无权查看：仅其卖方、买方和监管方可以查看。"
    )
    set_language(page, "en")
    page.get_by_test_id(f"lineage-node-{root}").click()
    sync_api.expect(hop).to_have_text(
        f"Invoice #{invoice} behind fragment #{root} is not yours to read: only its seller, "
        "its buyer and supervisors may."
    )

    # Past the grace period the unpaid credit is marked overdue; its tree says so on the node
    # not yet redeemed.
    grace_days = platform.api("auditor", "GET", "/platform/limits")["grace_period_days"]
    for method, params in (("evm_increaseTime", [(grace_days + 1) * 86_400]), ("evm_mine", [])):
        rpc = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        assert "error" not in httpx.post(platform.rpc_url, json=rpc).json()
    platform.api("bank_a", "POST", f"/credits/{unpaid}/mark-overdue", {})
    unpaid_root = platform.api("auditor", "GET", f"/fragments?credit_id={unpaid}")["items"][0]
    sign_in(page, platform, "auditor")
    page.goto(f"{platform.url}/#/lineage/{unpaid}")
    node = page.get_by_test_id(f"lineage-node-{unpaid_root['token_id']}")
    sync_api.expect(node).to_have_attribute("data-states", "overdue live")
    sync_api.expect(node).to_contain_text("overdue")
    set_language(page, "zh")
    sync_api.expect(node).to_contain_text("逾期")


# --- on Ganache ----------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["ganache"], indirect=True)
def test_on_ganache_the_story_end_and_a_certificate_signed_in_the_wallet(
    page: Any, platform: Platform
) -> None:
    """The same portal against the demo on Ganache: the supplier sees the story's end, and the
    self-custody inspector signs in with Ethereum and signs its certificate in the wallet
    (EIP-712 on Ganache's chain id)."""
    supplier_sees_the_story_end(page, platform)
    invoice = platform.api(
        "tier1",
        "POST",
        "/invoices",
        {
            "buyer": platform.address("core"),
            "amount_units": 9_000 * UNIT,
            "due_date": 4_000_000_000,
            "invoice_number": f"INV-G-{uuid.uuid4().hex[:8]}",
            "document": {"number": uuid.uuid4().hex, "amount_units": 9_000 * UNIT},
        },
    )["invoice"]["invoice_id"]
    platform.api("core", "POST", f"/invoices/{invoice}/confirm", {})
    certificate = inspector_certifies(page, platform, invoice, "B-G-1")
    listed = platform.api("auditor", "GET", "/certificates")["items"]
    assert [c["invoice_id"] for c in listed if c["certificate_id"] == certificate] == [invoice]
