// The TierCredit portal: one page per role over the public API, English and Simplified Chinese.
// Plain ES modules, no build step; panels re-render when the indexer projects a new block.

import { ApiError, NetworkError, apiKey, get, post, setApiKey } from "./api.js";
import { date, dateTime, errorText, language, money, rate, setLanguage, statusLabel, t } from "./i18n.js";
import { lineageSvg, nodeStates } from "./lineage.js";
import qrcode from "../vendor/qrcode-generator/qrcode.mjs";
// js-sha3's browser build puts its functions on window (keccak-256: EIP-55 addresses for SIWE).
import "../vendor/js-sha3/sha3.js";

const DAY = 86_400;
const UNIT = 1_000_000;
const POLL_MS = 2000;
const SUPERVISORS = ["AUDITOR", "OPERATOR"];

const state = { me: null, names: {}, demo: null, block: null, now: null, panels: [] };

// --- DOM helpers ------------------------------------------------------------------------------

function h(tag, attrs = {}, ...kids) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    node.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return node;
}

function badge(status, label = statusLabel(status)) {
  return h("span", { class: `badge ${status}`, "data-status": status }, label);
}

function table(columns, rows, testid) {
  return h("table", { "data-testid": testid },
    h("thead", {}, h("tr", {}, columns.map(([key, cls]) => h("th", { class: cls }, key ? t(key) : "")))),
    h("tbody", {}, rows));
}

function field(labelKey, input) { return h("label", {}, t(labelKey), input); }

function input(name, attrs = {}) { return h("input", { name, "data-testid": `input-${name}`, ...attrs }); }

function card(titleKey, vars, ...kids) {
  return h("section", { class: "card" }, h("h2", {}, t(titleKey, vars)), ...kids);
}

// A card whose body is (re)loaded by `load` now and at every new indexed block.
function panel(titleKey, testid, load) {
  const body = h("div", { "data-testid": testid });
  const section = h("section", { class: "card" }, h("h2", {}, t(titleKey)), body);
  const refresh = async () => {
    try {
      const content = await load();
      body.replaceChildren(...[content].flat().filter(Boolean));
    } catch (exc) {
      body.replaceChildren(h("p", { class: "message error" }, describe(exc)));
    }
  };
  state.panels.push(refresh);
  refresh();
  return section;
}

function refreshPanels() { for (const refresh of state.panels) refresh(); }

function flash(kind, text) {
  const box = document.getElementById("flash");
  box.replaceChildren(h("div", { class: `message ${kind}`, "data-testid": `flash-${kind}` }, text));
}

function describe(exc) {
  if (exc instanceof ApiError) return errorText(exc.code, exc.args);
  if (exc instanceof NetworkError) return t("error.network");
  return exc?.message || String(exc);
}

function units(value) {
  // A decimal amount typed by the user, exactly, as integer micro-units.
  const [whole, fraction = ""] = String(value).trim().replace(/[, ]/g, "").split(".");
  return Number(whole || "0") * UNIT + Number((fraction + "000000").slice(0, 6));
}

function short(address) { return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "–"; }
export function nameOf(address) { return (address && state.names[address.toLowerCase()]) || short(address); }
function isMe(address) { return address && state.me && address.toLowerCase() === state.me.address.toLowerCase(); }
function hasRole(...roles) { return roles.some((role) => state.me?.roles.includes(role)); }

// --- writes -----------------------------------------------------------------------------------

// An EIP-1193 browser wallet's request; a refusal in the wallet (4001) is said in words.
async function wallet(method, params) {
  if (!window.ethereum) throw new Error(t("wallet.none"));
  try {
    return await window.ethereum.request(params === undefined ? { method } : { method, params });
  } catch (exc) {
    throw new Error(exc?.code === 4001 ? t("wallet.rejected") : t("wallet.failed", { detail: exc?.message || String(exc) }));
  }
}

// EIP-55: the mixed-case checksum form of an address, as an EIP-4361 message must carry it.
function checksumAddress(address) {
  const hex = address.toLowerCase().replace(/^0x/, "");
  const hash = window.keccak_256(hex);
  return "0x" + [...hex].map((c, i) => (parseInt(hash[i], 16) >= 8 ? c.toUpperCase() : c)).join("");
}

function utf8Hex(text) {
  return "0x" + [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Sign-In with Ethereum (EIP-4361): a nonce from the platform, the message signed in the wallet
// (personal_sign), a session API key back.
async function signInWithWallet() {
  flash("info", t("working"));
  try {
    const [account] = await wallet("eth_requestAccounts");
    const address = checksumAddress(account);
    const chainId = parseInt(await wallet("eth_chainId"), 16);
    const { body: nonce } = await post("/auth/siwe/nonce", { address });
    const issued = new Date();
    const message = [
      `${location.host} wants you to sign in with your Ethereum account:`, address, "",
      "Sign in to TierCredit.", "",
      `URI: ${location.origin}`, "Version: 1", `Chain ID: ${chainId}`, `Nonce: ${nonce.nonce}`,
      `Issued At: ${issued.toISOString()}`,
      `Expiration Time: ${new Date(issued.getTime() + 10 * 60_000).toISOString()}`,
    ].join("\n");
    const signature = await wallet("personal_sign", [utf8Hex(message), account]);
    const { body: session } = await post("/auth/siwe", { message, signature });
    await signIn(session.api_key);
  } catch (exc) {
    flash("error", describe(exc));
  }
}

async function walletSign(handed) {
  const [account] = await wallet("eth_requestAccounts");
  const signature = await wallet("eth_signTypedData_v4", [account, JSON.stringify(handed.typed_data)]);
  const { body } = await post(`/requests/${handed.request_id}/signature`, { signature });
  return body;
}

// An argument of an event a relayed request emitted (a signed request answers its events).
function eventArg(answer, event, name) {
  const events = answer?.outcome?.events ?? answer?.events ?? [];
  return events.find((e) => e.name === event)?.args?.[name];
}

// Sends one write; says what happened in words (a checker's wait, a wallet signature, an error).
async function submit(path, body, done) {
  flash("info", t("working"));
  try {
    const reply = await post(path, body);
    let answer = reply.body;
    if (reply.status === 202 && answer.status === "pending_approval") {
      flash("ok", t("pending", { id: answer.request_id }));
      refreshPanels();
      return;
    }
    if (reply.status === 202 && answer.status === "awaiting_signature") answer = await walletSign(answer);
    flash("ok", done(answer));
    refreshPanels();
  } catch (exc) {
    flash("error", describe(exc));
  }
}

function form(testid, fields, submitKey, onSubmit) {
  const node = h("form", { "data-testid": testid }, fields, h("button", { type: "submit" }, t(submitKey)));
  node.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(node).entries());
    onSubmit(values, node);
  });
  return node;
}

// --- sign-in ----------------------------------------------------------------------------------

async function signIn(key) {
  try {
    const me = await get("/members/me", key);
    setApiKey(key);
    state.me = me;
    await loadNames();
    if (location.hash === "#/home") render();
    else location.hash = "#/home";
  } catch (exc) {
    flash("error", exc instanceof ApiError && exc.status === 401 ? t("signin.failed") : describe(exc));
  }
}

async function loadDemo() {
  if (state.demo !== null) return state.demo;
  try { state.demo = (await get("/dev/demo-members", null)).members; } catch { state.demo = []; }
  return state.demo;
}

// Counterparties by name, from the member directory every member may read.
async function loadNames() {
  if (state.me) state.names[state.me.address.toLowerCase()] = state.me.name;
  try {
    for (const member of await get("/members/directory")) state.names[member.address.toLowerCase()] = member.name;
  } catch { /* names stay short addresses */ }
}

function signInView() {
  const keyInput = input("api_key", { type: "password", autocomplete: "off", required: true });
  const view = h("div", {},
    h("h1", {}, t("signin.title")),
    card("signin.title", {},
      h("p", { class: "muted" }, t("signin.hint")),
      form("signin-form", [field("signin.key", keyInput)], "signin.submit", (v) => signIn(v.api_key.trim()))),
    card("signin.wallet", {},
      h("p", { class: "muted" }, t("signin.wallet.hint")),
      h("button", { type: "button", "data-testid": "signin-wallet", onclick: signInWithWallet }, t("signin.wallet.submit"))));
  loadDemo().then((members) => {
    if (!members.length) return;
    view.append(card("signin.demo", {}, h("div", { class: "members", "data-testid": "demo-members" },
      members.map((m) => h("button", { type: "button", "data-testid": `demo-${m.key}`, onclick: () => signIn(m.api_key) },
        m.name, h("small", {}, `${m.part} · ${m.roles.map((r) => t(`role.${r}`)).join(", ")}`))))));
  });
  return view;
}

// --- shared panels ----------------------------------------------------------------------------

function fragmentStates(fragment, credit) {
  return nodeStates({ ...fragment, discount: null }, credit || {});
}

// Who froze it, when and why (a freeze in force on a fragment or its credit), in words.
function freezeText(freeze) {
  if (!freeze) return null;
  return t("freeze.by", {
    scope: t(`freeze.scope.${freeze.scope}`), id: freeze.target_id,
    who: freeze.frozen_by ? nameOf(freeze.frozen_by) : t("freeze.nobody"),
    when: freeze.frozen_at ? dateTime(freeze.frozen_at) : "–",
    reason: freeze.reason ?? t("freeze.noreason", { hash: `${freeze.reason_hash.slice(0, 10)}…` }),
  });
}

function freezeNote(freeze, testid) {
  return freeze ? h("div", { class: "muted", "data-testid": testid }, freezeText(freeze)) : null;
}

function invoicesToConfirm() {
  return panel("invoices.owed", "invoices-to-confirm", async () => {
    const page = await get(`/invoices?buyer=${state.me.address}&status=registered`);
    if (!page.items.length) return h("p", { class: "muted" }, "–");
    return table([["col.invoice"], ["col.seller"], ["col.amount", "num"], ["col.due"], ["col.actions"]],
      page.items.map((inv) => {
        const reason = h("input", { size: 14, placeholder: t("reason"), "data-testid": `reject-reason-${inv.invoice_id}` });
        return h("tr", { "data-testid": `confirm-row-${inv.invoice_id}` },
          h("td", {}, `#${inv.invoice_id}`), h("td", {}, nameOf(inv.seller)),
          h("td", { class: "num" }, money(inv.amount_units)), h("td", {}, date(inv.due_date)),
          h("td", {},
            h("button", { class: "small", "data-testid": `confirm-${inv.invoice_id}`, onclick: () => submit(`/invoices/${inv.invoice_id}/confirm`, {}, () => t("confirm.done", { id: inv.invoice_id })) }, t("confirm")), " ",
            reason, " ",
            h("button", { class: "small secondary", "data-testid": `reject-invoice-${inv.invoice_id}`, onclick: () => submit(`/invoices/${inv.invoice_id}/reject`, { reason: reason.value || "rejected" }, () => t("reject.done", { id: inv.invoice_id })) }, t("reject"))));
      }));
  });
}

function myInvoices() {
  return panel("invoices.mine", "my-invoices", async () => {
    const page = await get(`/invoices?seller=${state.me.address}`);
    return table([["col.invoice"], ["col.buyer"], ["col.amount", "num"], ["col.remaining", "num"], ["col.due"], ["col.status"]],
      page.items.map((inv) => h("tr", { "data-testid": `invoice-row-${inv.invoice_id}` },
        h("td", {}, `#${inv.invoice_id}`), h("td", {}, nameOf(inv.buyer)),
        h("td", { class: "num" }, money(inv.amount_units)), h("td", { class: "num" }, money(inv.remaining_units)),
        h("td", {}, date(inv.due_date)), h("td", {}, badge(inv.status)))));
  });
}

function registerInvoiceForm() {
  return card("invoice.title", {}, form("register-invoice", [
    field("invoice.buyer", input("buyer", { required: true, placeholder: "0x…" })),
    field("invoice.number", input("invoice_number", { required: true })),
    field("invoice.amount", input("amount", { required: true, inputmode: "decimal" })),
    field("invoice.due", input("days", { type: "number", min: 1, value: 120 })),
    field("invoice.goods", input("goods", {})),
  ], "invoice.submit", (v) => {
    const amount = units(v.amount);
    const document = { invoice_number: v.invoice_number, seller: state.me.address, buyer: v.buyer.trim(), amount_units: amount, goods: v.goods || "" };
    submit("/invoices", {
      buyer: v.buyer.trim(), amount_units: amount, due_date: state.now + Number(v.days) * DAY,
      invoice_number: v.invoice_number, document,
    }, (r) => t("invoice.done", { id: r.invoice.invoice_id, amount: money(r.invoice.amount_units) }));
  }));
}

async function creditsById(ids) {
  const credits = {};
  await Promise.all([...new Set(ids)].map(async (id) => { credits[id] = await get(`/credits/${id}`); }));
  return credits;
}

function fragmentsPanel(titleKey, testid, withActions) {
  return panel(titleKey, testid, async () => {
    const portfolio = await get(`/portfolios/${state.me.address}`);
    const credits = await creditsById(portfolio.fragments.items.map((f) => f.credit_id));
    return table([["col.fragment"], ["col.credit"], ["col.obligor"], ["col.tier"], ["col.value", "num"], ["col.maturity"], ["col.status"], ["col.actions"]],
      portfolio.fragments.items.map((f) => {
        const credit = credits[f.credit_id];
        const states = fragmentStates(f, credit);
        const matured = credit && state.now >= credit.maturity;
        return h("tr", { "data-testid": `fragment-row-${f.token_id}` },
          h("td", {}, `#${f.token_id}`), h("td", {}, h("a", { href: `#/lineage/${f.credit_id}` }, `#${f.credit_id}`)),
          h("td", {}, nameOf(credit?.obligor)), h("td", {}, t("tier", { n: f.depth + 1 })),
          h("td", { class: "num" }, money(f.value_units)), h("td", {}, date(credit?.maturity)),
          h("td", {}, states.map((s) => badge(s, t(`state.${s}`))), freezeNote(f.freeze, `fragment-freeze-${f.token_id}`)),
          h("td", {}, withActions && matured && !f.redeemed && !f.locked && !f.frozen
            ? h("button", { class: "small", "data-testid": `redeem-${f.token_id}`, onclick: () => submit(`/fragments/${f.token_id}/redeem`, {},
              (r) => t(r.claim.paid_units < r.claim.value_units ? "redeem.part" : "redeem.done", { token: f.token_id, paid: money(r.paid_units), value: money(r.claim.value_units) })) }, t("redeem"))
            : ""));
      }));
  });
}

// Redeemed fragments: what later repayments of their credit owe is claimed; a bank writes the
// unpaid rest of its claim off its exposure. (No read serves a claim's paid and owed amounts;
// each write answers them.)
function claimsPanel() {
  return panel("claims.title", "claims", async () => {
    const page = await get(`/fragments?owner=${state.me.address}&live=false`);
    if (!page.items.length) return h("p", { class: "muted" }, t("claims.none"));
    const credits = await creditsById(page.items.map((f) => f.credit_id));
    // What each fragment was worth when redeemed, as its credit's lineage records it.
    const worth = {};
    await Promise.all(Object.keys(credits).map(async (id) => {
      const walk = (node) => { worth[node.token_id] = node.redeemed_value_units; (node.children || []).forEach(walk); };
      walk((await get(`/credits/${id}/lineage`)).root);
    }));
    const said = (c) => t("claim.state", { paid: money(c.paid_units), value: money(c.value_units), owed: money(c.owed_units) });
    return table([["col.fragment"], ["col.credit"], ["col.obligor"], ["col.value", "num"], ["col.repaid", "num"], ["col.actions"]],
      page.items.map((f) => {
        const credit = credits[f.credit_id];
        const reason = h("input", { size: 14, placeholder: t("reason"), "data-testid": `write-off-reason-${f.token_id}` });
        return h("tr", { "data-testid": `claim-row-${f.token_id}` },
          h("td", {}, `#${f.token_id}`), h("td", {}, h("a", { href: `#/lineage/${f.credit_id}` }, `#${f.credit_id}`)),
          h("td", {}, nameOf(credit.obligor)), h("td", { class: "num" }, money(worth[f.token_id] ?? f.redeemed_value_units)),
          h("td", { class: "num" }, `${money(credit.repaid_units)} / ${money(credit.face_value_units)}`),
          h("td", {},
            h("button", { class: "small", "data-testid": `claim-${f.token_id}`, onclick: () => submit(`/fragments/${f.token_id}/claim`, {},
              (r) => t("claim.done", { token: f.token_id, amount: money(r.paid_units), state: said(r.claim) })) }, t("claim")),
            hasRole("FINANCIER") ? [" ", reason, " ", h("button", { class: "small secondary", "data-testid": `write-off-${f.token_id}`,
              onclick: () => submit(`/fragments/${f.token_id}/write-off`, { reason: reason.value || t("writeoff.default") },
                (r) => t("writeoff.done", { token: f.token_id, amount: money(r.written_off_units), obligor: nameOf(credit.obligor) })) }, t("writeoff"))] : null));
      }), "claims-table");
  });
}

function figures(testid, load) {
  return panel("cash", testid, async () => {
    const portfolio = await get(`/portfolios/${state.me.address}`);
    return h("div", { class: "figures" },
      h("div", { class: "figure" }, h("div", { class: "label" }, t("cash")), h("div", { class: "value", "data-testid": "cash" }, money(portfolio.cash_units))),
      h("div", { class: "figure" }, h("div", { class: "label" }, t("vouchers.value")), h("div", { class: "value", "data-testid": "voucher-value" }, money(portfolio.total_value_units))),
      load ? load(portfolio) : null);
  });
}

// --- supplier ---------------------------------------------------------------------------------

function supplierView() {
  return [
    h("h1", {}, t("supplier.title")),
    figures("supplier-figures"),
    panel("vouchers.title", "vouchers-by-credit", async () => {
      const portfolio = await get(`/portfolios/${state.me.address}`);
      const credits = await creditsById(portfolio.credits.map((c) => c.credit_id));
      return table([["col.credit"], ["col.obligor"], ["col.value", "num"], ["col.maturity"], ["col.status"]],
        portfolio.credits.map((c) => h("tr", { "data-testid": `credit-row-${c.credit_id}` },
          h("td", {}, h("a", { href: `#/lineage/${c.credit_id}` }, `#${c.credit_id}`)), h("td", {}, nameOf(c.obligor)),
          h("td", { class: "num" }, money(c.value_units)), h("td", {}, date(c.maturity)),
          h("td", {}, badge(credits[c.credit_id].status)))));
    }),
    fragmentsPanel("fragments.title", "my-fragments", true),
    claimsPanel(),
    h("div", { class: "grid" },
      card("pay.title", {}, form("pay-supplier", [
        field("pay.fragment", input("token_id", { type: "number", min: 1, required: true })),
        field("pay.to", input("to", { required: true, placeholder: "0x…" })),
        field("pay.value", input("value", { required: true, inputmode: "decimal" })),
        field("pay.invoice", input("invoice_id", { type: "number", min: 1, required: true })),
      ], "pay.submit", (v) => submit(`/fragments/${v.token_id}/split-transfer`,
        { to: v.to.trim(), value_units: units(v.value), invoice_id: Number(v.invoice_id) },
        (r) => t("pay.done", { value: money(r.fragment.value_units), to: nameOf(r.fragment.holder), token: r.fragment.token_id })))),
      card("finance.title", {}, form("request-financing", [
        field("pay.fragment", input("token_id", { type: "number", min: 1, required: true })),
        field("finance.value", input("value", { required: true, inputmode: "decimal" })),
        field("finance.expires", input("days", { type: "number", min: 1, value: 5 })),
      ], "finance.submit", (v) => submit("/financing/requests",
        { token_id: Number(v.token_id), value_units: units(v.value), expires_at: state.now + Number(v.days) * DAY },
        (r) => t("finance.done", { id: r.request.request_id, value: money(r.request.value_units) })))),
      registerInvoiceForm()),
    financingRequestsPanel(),
    invoicesToConfirm(),
    myInvoices(),
  ];
}

function financingRequestsPanel() {
  return panel("requests.mine", "my-financing-requests", async () => {
    const page = await get(`/financing-requests?holder=${state.me.address}`);
    const blocks = [];
    for (const request of page.items.slice().reverse()) {
      const head = h("h3", {}, `${t("col.request")} #${request.request_id} · ${money(request.value_units)} · `, badge(request.status));
      if (request.status !== "open") {
        blocks.push(h("div", { "data-testid": `request-${request.request_id}` }, head,
          request.price_units != null ? h("p", {}, t("quote.accepted", { cash: money(request.price_units), value: money(request.value_units) })) : null));
        continue;
      }
      const quotes = (await get(`/financing-requests/${request.request_id}/quotes`)).filter((q) => !q.withdrawn);
      const best = quotes.reduce((a, q) => (a && a.price_units >= q.price_units ? a : q), null);
      const cancel = h("button", { type: "button", class: "small secondary", "data-testid": `cancel-request-${request.request_id}`,
        onclick: () => submit(`/financing/requests/${request.request_id}/cancel`, {}, (r) => t("request.cancelled", { id: r.request.request_id, value: money(r.request.value_units) })) }, t("request.cancel"));
      blocks.push(h("div", { "data-testid": `request-${request.request_id}` }, head, " ", cancel,
        quotes.length ? table([["col.financier"], ["col.rate", "num"], ["col.days", "num"], ["col.cash_today", "num"], ["col.actions"]],
          quotes.map((q) => h("tr", { class: q === best ? "best" : "", "data-testid": `quote-${q.quote_id}` },
            h("td", {}, nameOf(q.financier), q === best ? [" ", badge("done", t("quote.best"))] : null),
            h("td", { class: "num" }, rate(q.rate_bps)), h("td", { class: "num" }, q.days_to_maturity),
            h("td", { class: "num", "data-testid": `quote-cash-${q.quote_id}` }, money(q.price_units)),
            h("td", {}, h("button", { class: "small", "data-testid": `accept-${q.quote_id}`, onclick: () => submit(`/financing/requests/${request.request_id}/accept`, { quote_id: q.quote_id },
              (r) => t("quote.accepted", { cash: money(r.request.price_units), value: money(r.request.value_units) })) }, t("quote.accept"))))), `quotes-${request.request_id}`)
          : h("p", { class: "muted" }, t("quotes.none"))));
    }
    return blocks.length ? blocks : h("p", { class: "muted" }, "–");
  });
}

// --- core enterprise --------------------------------------------------------------------------

function coreView() {
  return [
    h("h1", {}, t("core.title")),
    invoicesToConfirm(),
    h("div", { class: "grid" },
      card("issue.title", {}, form("issue-voucher", [
        field("issue.invoice", input("invoice_id", { type: "number", min: 1, required: true })),
        field("issue.face", input("face", { required: true, inputmode: "decimal" })),
        field("issue.days", input("days", { type: "number", min: 1, value: 90 })),
        field("issue.certificate", input("certificate_id", { type: "number", min: 1 })),
      ], "issue.submit", (v) => submit("/credits", {
        invoice_id: Number(v.invoice_id), face_value_units: units(v.face), maturity: state.now + Number(v.days) * DAY,
        ...(v.certificate_id ? { certificate_id: Number(v.certificate_id) } : {}),
      }, (r) => t("issue.done", { id: r.credit.credit_id, face: money(r.credit.face_value_units), supplier: nameOf(r.credit.supplier) })))),
      panel("quota.title", "quota", async () => {
        // The issuance quota is the sum of the lines banks granted; each line's use is that bank's exposure.
        const q = await get(`/obligors/${state.me.address}/credit-lines`);
        const figure = (key, testid, value) => h("div", { class: "figure" }, h("div", { class: "label" }, t(key)), h("div", { class: "value", "data-testid": testid }, money(value)));
        return [h("div", { class: "figures" }, figure("quota.total", "quota-total", q.quota_units), figure("quota.used", "quota-used", q.outstanding_units), figure("quota.free", "quota-free", q.free_units)),
          h("h3", {}, t("lines.title")),
          q.lines.length ? table([["col.financier"], ["col.line", "num"], ["lines.used", "num"], ["lines.free", "num"]],
            q.lines.map((l) => h("tr", { "data-testid": `credit-line-${l.financier}` }, h("td", {}, nameOf(l.financier)),
              h("td", { class: "num" }, money(l.limit_units)), h("td", { class: "num" }, money(l.used_units)), h("td", { class: "num" }, money(l.free_units)))), "credit-lines")
            : h("p", { class: "muted" }, t("lines.none"))];
      })),
    panel("due.title", "falls-due", async () => {
      const credits = (await get(`/credits?obligor=${state.me.address}`)).items.sort((a, b) => a.maturity - b.maturity);
      return table([["col.credit"], ["col.maturity"], ["col.face", "num"], ["col.repaid", "num"], ["col.unpaid", "num"], ["col.status"], ["col.actions"]],
        credits.map((c) => {
          const amount = h("input", { name: "amount", size: 10, inputmode: "decimal", "data-testid": `repay-amount-${c.credit_id}` });
          return h("tr", { "data-testid": `due-row-${c.credit_id}` },
            h("td", {}, h("a", { href: `#/lineage/${c.credit_id}` }, `#${c.credit_id}`)), h("td", {}, date(c.maturity)),
            h("td", { class: "num" }, money(c.face_value_units)), h("td", { class: "num" }, money(c.repaid_units)),
            h("td", { class: "num" }, money(c.face_value_units - c.repaid_units)), h("td", {}, badge(c.status)),
            h("td", {}, c.repaid_units < c.face_value_units ? [amount, " ", h("button", { class: "small", "data-testid": `repay-${c.credit_id}`, onclick: () => submit(`/credits/${c.credit_id}/repayments`, { amount_units: units(amount.value) },
              (r) => t("repay.done", { id: c.credit_id, amount: money(units(amount.value)), total: money(r.total_repaid_units) })) }, t("repay"))] : ""));
        }), "due-table");
    }),
  ];
}

// --- bank -------------------------------------------------------------------------------------

function bankView() {
  return [
    h("h1", {}, t("bank.title")),
    figures("bank-figures"),
    panel("open.title", "open-requests", async () => {
      const page = await get("/financing-requests?status=open");
      const rows = [];
      for (const request of page.items) {
        const quotes = await get(`/financing-requests/${request.request_id}/quotes`);
        const mine = quotes.find((q) => isMe(q.financier) && !q.withdrawn);
        const rateInput = h("input", { size: 6, inputmode: "decimal", "data-testid": `quote-rate-${request.request_id}` });
        rows.push(h("tr", { "data-testid": `open-row-${request.request_id}` },
          h("td", {}, `#${request.request_id}`), h("td", {}, nameOf(request.holder)),
          h("td", { class: "num" }, money(request.value_units)), h("td", {}, date(request.expires_at)),
          h("td", {}, quotes.filter((q) => !q.withdrawn).map((q) => `${nameOf(q.financier)} ${rate(q.rate_bps)} → ${money(q.price_units)}`).join(" · ")),
          h("td", {}, mine ? [badge("done", rate(mine.rate_bps)), " ", h("button", { class: "small secondary", "data-testid": `withdraw-${request.request_id}`,
            onclick: () => submit(`/financing/quotes/${mine.quote_id}/withdraw`, {}, () => t("quote.withdrawn", { quote: mine.quote_id, id: request.request_id })) }, t("quote.withdraw"))] : [rateInput, " ", h("button", { class: "small", "data-testid": `quote-${request.request_id}`, onclick: () => {
            const bps = Math.round(Number(rateInput.value.replace(",", ".")) * 100);
            submit(`/financing/requests/${request.request_id}/quotes`, { rate_bps: bps },
              (r) => t("quote.done", { rate: rate(bps), id: request.request_id, cash: money(r.price_units) }));
          } }, t("quote.submit"))])));
      }
      return table([["col.request"], ["col.holder"], ["col.value", "num"], ["col.expires"], ["quote.submit"], ["col.actions"]], rows, "open-table");
    }),
    panel("exposure.title", "exposures", async () => {
      const exposures = await get(`/financiers/${state.me.address}/exposures`);
      return table([["col.obligor"], ["col.line", "num"], ["col.exposure", "num"], ["col.headroom", "num"]],
        exposures.map((e) => h("tr", { "data-testid": `exposure-row-${e.obligor}` }, h("td", {}, nameOf(e.obligor)), h("td", { class: "num" }, money(e.credit_line_units)),
          h("td", { class: "num" }, money(e.exposure_units)), h("td", { class: "num" }, money(e.headroom_units)))));
    }),
    fragmentsPanel("holdings.title", "holdings", true),
    claimsPanel(),
  ];
}

// --- inspector --------------------------------------------------------------------------------

function inspectorView() {
  const result = h("select", { name: "result", "data-testid": "input-result" }, h("option", { value: "pass" }, t("pass")), h("option", { value: "fail" }, t("fail")));
  return [
    h("h1", {}, t("inspector.title")),
    card("cert.title", {}, form("issue-certificate", [
      field("cert.invoice", input("invoice_id", { type: "number", min: 1, required: true })),
      field("cert.result", result),
      field("cert.batch", input("batch_code", { required: true })),
      field("cert.standard", input("standard_code", { value: "GB/T 19001" })),
      field("cert.days", input("days", { type: "number", min: 1, value: 365 })),
    ], "cert.submit", (v) => submit("/certificates", {
      invoice_id: Number(v.invoice_id), result: v.result, batch_code: v.batch_code, standard_code: v.standard_code,
      expires_at: state.now + Number(v.days) * DAY,
      document: { invoice: Number(v.invoice_id), batch: v.batch_code, standard: v.standard_code, result: v.result, inspector: state.me.name },
    }, (r) => t("cert.done", { id: r.certificate?.certificate_id ?? eventArg(r, "CertificateIssued", "certificateId") })))),
    certificatesPanel(),
  ];
}

function certificatesPanel() {
  return panel("certs.title", "certificates", async () => {
    const page = await get("/certificates");
    return table([["col.certificate"], ["col.invoice"], ["col.result"], ["col.expires"], ["col.status"], ["col.actions"]],
      page.items.map((c) => {
        const reason = h("input", { size: 14, placeholder: t("reason"), "data-testid": `revoke-reason-${c.certificate_id}` });
        return h("tr", { "data-testid": `certificate-row-${c.certificate_id}` },
          h("td", {}, h("a", { href: `#/certificate/${c.certificate_id}` }, `#${c.certificate_id}`)), h("td", {}, `#${c.invoice_id}`),
          h("td", {}, badge(c.result, t(c.result))), h("td", {}, date(c.expires_at)),
          h("td", {}, badge(c.revoked ? "revoked" : "valid")),
          h("td", {}, !c.revoked && isMe(c.inspector) ? [reason, " ", h("button", { class: "small secondary", "data-testid": `revoke-${c.certificate_id}`, onclick: () => submit(`/certificates/${c.certificate_id}/revoke`, { reason: reason.value || "revoked" }, () => t("cert.revoked", { id: c.certificate_id })) }, t("cert.revoke"))] : ""));
      }));
  });
}

async function certificateView(id) {
  let c;
  try { c = await get(`/certificates/${Number(id)}`); } catch (exc) { return [h("h1", {}, t("cert.page", { id })), h("p", { class: "message error" }, describe(exc))]; }
  // The public verify page needs the document's hash with its id: ids alone cannot be counted through.
  const link = `${location.origin}/#/verify/doc/${c.document_id}/${c.document_hash}`;
  const qr = qrcode(0, "M");
  qr.addData(link);
  qr.make();
  return [
    h("h1", {}, t("cert.page", { id })),
    h("div", { class: "grid" },
      card("cert.page", { id },
        h("p", {}, `${t("col.invoice")} #${c.invoice_id} · `, badge(c.result, t(c.result)), " · ", badge(c.revoked ? "revoked" : "valid")),
        h("p", {}, `${t("col.expires")}: ${date(c.expires_at)}`),
        h("p", { class: "addr" }, `${t("verify.hash")}: ${c.document_hash}`), h("p", {}, auditLink(c.document_hash))),
      h("section", { class: "card qr" }, h("h2", {}, t("cert.qr")),
        h("img", { src: qr.createDataURL(4, 8), alt: link, "data-testid": "certificate-qr" }),
        h("p", {}, h("a", { href: link, "data-testid": "certificate-verify-link" }, link)))),
  ];
}

// --- supervision: credits, lineage, freeze ----------------------------------------------------

function supervisorView() {
  const views = [h("h1", {}, t("supervisor.title")),
    panel("credits.title", "credits", async () => {
      const page = await get("/credits");
      return table([["col.credit"], ["col.obligor"], ["col.face", "num"], ["col.repaid", "num"], ["col.maturity"], ["col.status"], ["col.actions"]],
        page.items.map((c) => h("tr", { "data-testid": `supervised-credit-${c.credit_id}` },
          h("td", {}, `#${c.credit_id}`), h("td", {}, nameOf(c.obligor)), h("td", { class: "num" }, money(c.face_value_units)),
          h("td", { class: "num" }, money(c.repaid_units)), h("td", {}, date(c.maturity)),
          h("td", {}, badge(c.status), c.frozen ? [" ", badge("frozen", t("state.frozen"))] : null, freezeNote(c.freeze, `credit-freeze-${c.credit_id}`)),
          h("td", {}, h("a", { href: `#/lineage/${c.credit_id}`, "data-testid": `open-lineage-${c.credit_id}` }, t("open"))))));
    })];
  if (hasRole("OPERATOR")) views.push(...operatorView());
  return views;
}

// The operator: the platform's pause and limits, and the members with suspend and reinstate.
function operatorView() {
  const limits = form("platform-limits", [
    field("limits.tenor", input("max_tenor_days", { type: "number", min: 1, max: 365, required: true })),
    field("limits.grace", input("grace_period_days", { type: "number", min: 0, max: 365, required: true })),
    field("limits.depth", input("max_tier_depth", { type: "number", min: 1, max: 32, required: true })),
  ], "limits.submit", (v, node) => { for (const box of node.querySelectorAll("input")) delete box.dataset.edited; submit("/platform/limits",
    { max_tenor_days: Number(v.max_tenor_days), grace_period_days: Number(v.grace_period_days), max_tier_depth: Number(v.max_tier_depth) },
    (r) => t("limits.done", { tenor: r.limits.max_tenor_days, grace: r.limits.grace_period_days, depth: r.limits.max_tier_depth })); });
  // What is in force now (GET /platform/limits, live from the Consortium): the pause, and the
  // limits the form starts from (a field the operator has typed in keeps what it typed).
  for (const box of limits.querySelectorAll("input")) box.addEventListener("input", () => { box.dataset.edited = "1"; });
  const now = panel("platform.title", "platform-state", async () => {
    const current = await get("/platform/limits");
    for (const box of limits.querySelectorAll("input")) if (!box.dataset.edited) box.value = current[box.name];
    return [h("p", { "data-testid": "platform-paused", "data-paused": String(current.paused) },
      t(current.paused ? "platform.state.paused" : "platform.state.running", { block: current.block_number })),
    h("p", { "data-testid": "limits-current" }, t("limits.current", { tenor: current.max_tenor_days, grace: current.grace_period_days, depth: current.max_tier_depth }))];
  });
  const pauseCard = card("platform.title", {},
    now.querySelector("[data-testid=platform-state]"),
    h("p", { class: "muted" }, t("platform.hint")),
    h("p", {},
      h("button", { type: "button", class: "secondary", "data-testid": "platform-pause", onclick: () => submit("/platform/pause", {}, () => t("platform.paused")) }, t("platform.pause")), " ",
      h("button", { type: "button", "data-testid": "platform-unpause", onclick: () => submit("/platform/unpause", {}, () => t("platform.unpaused")) }, t("platform.unpause"))),
    h("h3", {}, t("limits.title")), limits);
  const members = panel("members.title", "members", async () => {
    const list = await get("/members");
    return table([["col.member"], ["col.roles"], ["col.address"], ["col.status"], ["col.actions"]],
      list.map((m) => {
        const reason = h("input", { size: 14, placeholder: t("reason"), "data-testid": `member-reason-${m.id}` });
        const verb = m.status === "suspended" ? "reinstate" : "suspend";
        return h("tr", { "data-testid": `member-row-${m.id}` },
          h("td", {}, m.name), h("td", {}, m.roles.map((r) => t(`role.${r}`)).join(", ")),
          h("td", { class: "addr" }, short(m.address)), h("td", {}, badge(m.status)),
          h("td", {}, isMe(m.address) ? "" : [reason, " ", h("button", { class: `small${verb === "suspend" ? " secondary" : ""}`, "data-testid": `${verb}-${m.id}`,
            onclick: () => submit(`/platform/members/${m.id}/${verb}`, { reason: reason.value || t(`member.${verb}.default`) }, () => t(`member.${verb}.done`, { name: m.name })) }, t(`member.${verb}`))]));
      }), "members-table");
  });
  return [h("div", { class: "grid" }, pauseCard), members];
}

function lineageView(id) {
  const picker = form("lineage-pick", [field("lineage.pick", input("credit_id", { type: "number", min: 1, value: id || "" }))],
    "lineage.show", (v) => { location.hash = `#/lineage/${v.credit_id}`; });
  if (!id) return [h("h1", {}, t("nav.lineage")), card("nav.lineage", {}, picker)];
  const supervisor = hasRole(...SUPERVISORS);
  const invoiceBox = h("div", { "data-testid": "hop-invoice" });
  const freezeBox = h("div", { "data-testid": "hop-freeze" });
  const action = h("div", { "data-testid": "freeze-panel" });
  const parents = {}, nodes = {};
  let picked = null;
  // The picked node's freeze in force (who, when, why), again each time the tree reloads.
  const showFreeze = () => {
    const node = nodes[picked];
    freezeBox.replaceChildren(...(node?.freeze ? [h("p", { class: "message error" }, freezeText(node.freeze))] : []));
  };
  const pick = (node) => {
    picked = node.token_id;
    showFreeze();
    showHopInvoice(invoiceBox, node, parents[node.token_id]);
    if (!supervisor) return;
    const reason = h("input", { name: "reason", required: true, "data-testid": "freeze-reason" });
    const send = (verb) => () => submit(`/fragments/${node.token_id}/${verb}`, { reason: reason.value },
      () => t(`${verb}.done`, { token: node.token_id }));
    action.replaceChildren(h("h3", {}, t("freeze.title", { token: node.token_id })), field("reason", reason), h("p", {},
      h("button", { type: "button", "data-testid": "freeze", onclick: send("freeze") }, t("freeze")), " ",
      h("button", { type: "button", class: "secondary", "data-testid": "unfreeze", onclick: send("unfreeze") }, t("unfreeze"))));
  };
  return [
    h("h1", {}, t("lineage.title", { id })),
    panel("nav.lineage", "lineage", async () => {
      const lineage = await get(`/credits/${id}/lineage`);
      const c = lineage.credit;
      const walk = (node) => { nodes[node.token_id] = node; (node.children || []).forEach((kid) => { parents[kid.token_id] = node; walk(kid); }); };
      walk(lineage.root);
      showFreeze();
      return [h("p", { "data-testid": "lineage-summary" }, t("lineage.summary", { obligor: nameOf(c.obligor), face: money(c.face_value_units), repaid: money(c.repaid_units), count: lineage.fragment_count }), " ", badge(c.status)),
        h("div", { style: "overflow-x:auto" }, lineageSvg(lineage, nameOf, pick))];
    }),
    h("section", { class: "card" }, h("p", { class: "muted" }, t(supervisor ? "freeze.pick" : "hop.pick")), freezeBox, invoiceBox, action),
    card("nav.lineage", {}, picker),
  ];
}

// --- a document's audit trail ----------------------------------------------------------------

function auditLink(hash) {
  return hasRole(...SUPERVISORS) ? h("a", { href: `#/audit/${hash}`, "data-testid": "audit-link" }, t("audit.open")) : null;
}

function auditArgs(args) {
  return Object.entries(args || {}).map(([name, value]) => {
    const shown = /_units$|^amount$|^value$|^faceValue$|^price$/.test(name) && /^\d+$/.test(String(value)) ? money(value)
      : /(Date|At|^maturity)$/.test(name) && /^\d+$/.test(String(value)) ? date(Number(value))
      : /^0x[0-9a-fA-F]{40}$/.test(String(value)) ? nameOf(String(value)) : String(value);
    return `${name}: ${shown}`;
  }).join(" · ");
}

function auditView(hash) {
  const picker = form("audit-pick", [field("verify.hash", input("document_hash", { size: 70, value: hash || "", required: true }))],
    "lineage.show", (v) => { location.hash = `#/audit/${v.document_hash.trim()}`; });
  if (!hash) return [h("h1", {}, t("audit.title")), card("audit.title", {}, picker)];
  return [
    h("h1", {}, t("audit.title")),
    panel("audit.events", "audit-trail", async () => {
      const trail = await get(`/audit-trail/${hash}`);
      const about = trail.kind
        ? t("audit.about", { kind: t(`kind.${trail.kind}`), id: trail.entity_id, count: trail.events.length })
        : t("audit.none");
      return [h("p", { "data-testid": "audit-summary" }, about), h("p", { class: "addr" }, `${t("verify.hash")}: ${trail.document_hash}`),
        trail.events.length ? table([["col.when"], ["col.block", "num"], ["col.event"], ["col.subject"], ["col.details"]],
          trail.events.map((e) => h("tr", { "data-testid": `audit-${e.event}` },
            h("td", {}, dateTime(e.block_timestamp)), h("td", { class: "num" }, e.block_number),
            h("td", {}, `${e.contract}.${e.event}`), h("td", {}, `${e.subject_kind} #${e.subject_id}`),
            h("td", { class: "addr" }, auditArgs(e.args)))), "audit-table") : null];
    }),
    card("audit.title", {}, picker),
  ];
}

// The invoice behind a hop (GET /invoices/{id}): the one the fragment cites, for the root the
// credit's own. Its seller, its buyer and supervisors read it; anyone else is told so in words.
async function showHopInvoice(box, node, parent) {
  box.replaceChildren(h("p", { class: "muted" }, t("working")));
  try {
    const invoiceId = node.invoice_id ?? (parent ? null : (await get(`/credits/${node.credit_id}`)).invoice_id);
    if (!invoiceId) { box.replaceChildren(h("p", { class: "muted", "data-testid": "hop-invoice-summary" }, t("hop.noinvoice", { token: node.token_id }))); return; }
    let invoice;
    try {
      invoice = await get(`/invoices/${invoiceId}`);
    } catch (exc) {
      if (exc instanceof ApiError && exc.code === "InvoiceNotReadable") {
        box.replaceChildren(h("p", { class: "message error", "data-testid": "hop-invoice-summary" }, t("hop.unreadable", { id: invoiceId, token: node.token_id })));
        return;
      }
      throw exc;
    }
    box.replaceChildren(h("h3", {}, t("hop.invoice", { id: invoice.invoice_id, token: node.token_id })),
      h("p", { "data-testid": "hop-invoice-summary" }, t("hop.summary", { seller: nameOf(invoice.seller), buyer: nameOf(invoice.buyer), amount: money(invoice.amount_units), due: date(invoice.due_date) }), " ", badge(invoice.status)),
      h("p", { class: "addr" }, `${t("verify.hash")}: ${invoice.document_hash}`), h("p", {}, auditLink(invoice.document_hash)));
  } catch (exc) {
    box.replaceChildren(h("p", { class: "message error" }, describe(exc)));
  }
}

// --- maker-checker ----------------------------------------------------------------------------

function inboxView() {
  return [h("h1", {}, t("inbox.title")), panel("inbox.title", "inbox", async () => {
    const requests = await get("/requests?status=pending_approval");
    if (!requests.length) return h("p", { class: "muted" }, t("inbox.empty"));
    return table([["col.function"], ["col.amount", "num"], ["col.created"], ["col.status"], ["col.actions"]],
      requests.map((r) => {
        const reason = h("input", { size: 14, placeholder: t("reason"), "data-testid": `inbox-reason-${r.request_id}` });
        return h("tr", { "data-testid": `inbox-row-${r.request_id}` },
          h("td", {}, `${r.contract}.${r.function}`), h("td", { class: "num" }, r.amount_units == null ? "–" : money(r.amount_units)),
          h("td", {}, dateTime(r.created_at)), h("td", {}, badge(r.status)),
          h("td", {}, h("button", { class: "small", "data-testid": `approve-${r.request_id}`, onclick: () => submit(`/requests/${r.request_id}/approve`, {}, () => t("approve.done")) }, t("approve")), " ",
            reason, " ", h("button", { class: "small secondary", "data-testid": `reject-${r.request_id}`, onclick: () => submit(`/requests/${r.request_id}/reject`, { reason: reason.value || "rejected" }, () => t("reject.request.done")) }, t("reject"))));
      }), "inbox-table");
  })];
}

// --- public verify ----------------------------------------------------------------------------

function verifyResult(result) {
  const anchors = result.anchors.map((a) => h("li", { "data-testid": `anchor-${a.kind}-${a.id}` }, t("verify.anchor", { kind: t(`kind.${a.kind}`), id: a.id, status: statusLabel(a.status) })));
  return h("div", { "data-testid": "verify-result", "data-anchored": String(result.anchored) },
    h("p", { class: `message ${result.anchored ? "ok" : "error"}` }, t(result.anchored ? "verify.match" : "verify.nomatch")),
    h("p", { class: "addr" }, `${t("verify.hash")}: ${result.document_hash}`), h("ul", {}, anchors));
}

function verifyView(documentId, documentHash) {
  const out = h("div", {});
  const check = async (text) => {
    let document;
    try { document = JSON.parse(text); } catch { out.replaceChildren(h("p", { class: "message error" }, t("verify.badfile"))); return; }
    try { out.replaceChildren(verifyResult((await post("/verify", { document })).body)); } catch (exc) { out.replaceChildren(h("p", { class: "message error" }, describe(exc))); }
  };
  const file = h("input", { type: "file", accept: ".json,application/json", "data-testid": "verify-file", onchange: async () => file.files[0] && check(await file.files[0].text()) });
  const drop = h("div", { class: "drop", "data-testid": "verify-drop" }, t("verify.drop"), h("br"), file);
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (e) => { e.preventDefault(); drop.classList.remove("over"); const f = e.dataTransfer.files[0]; if (f) check(await f.text()); });
  if (documentId) {
    get(`/documents/${documentId}/verify?document_hash=${encodeURIComponent(documentHash || "")}`, null).then((r) => out.replaceChildren(verifyResult(r)), (exc) => out.replaceChildren(h("p", { class: "message error" }, describe(exc))));
  }
  return [h("h1", {}, t("verify.title")), h("section", { class: "card" }, drop, out)];
}

// --- shell ------------------------------------------------------------------------------------

function homeView() {
  const views = [];
  if (hasRole(...SUPERVISORS)) views.push(...supervisorView());
  if (hasRole("CORE_ENTERPRISE")) views.push(...coreView());
  if (hasRole("SUPPLIER")) views.push(...supplierView());
  if (hasRole("FINANCIER")) views.push(...bankView());
  if (hasRole("INSPECTOR")) views.push(...inspectorView());
  return views;
}

function navigation(route) {
  const links = state.me
    ? [["#/home", "nav.home", "home"], ["#/lineage", "nav.lineage", "lineage"],
      ...(hasRole(...SUPERVISORS) ? [["#/audit", "nav.audit", "audit"]] : []),
      ["#/inbox", "nav.inbox", "inbox"], ["#/verify", "nav.verify", "verify"]]
    : [["#/signin", "signin.title", "signin"], ["#/verify", "nav.verify", "verify"]];
  document.getElementById("nav").replaceChildren(...links.map(([href, key, name]) =>
    h("a", { href, class: route === name ? "active" : "", "data-testid": `nav-${name}` }, t(key))));
  const who = document.getElementById("who");
  who.textContent = state.me ? `${state.me.name} · ${state.me.roles.map((r) => t(`role.${r}`)).join(", ")}` : "";
  const out = document.getElementById("signout");
  out.hidden = !state.me;
  out.textContent = t("nav.signout");
}

async function render() {
  state.panels = [];
  const [route, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const app = document.getElementById("app");
  const publicRoute = route === "verify";
  if (!state.me && !publicRoute) {
    navigation("signin");
    app.replaceChildren(signInView());
    return;
  }
  navigation(route || "home");
  let content;
  try {
    if (route === "lineage") content = lineageView(rest[0]);
    else if (route === "inbox") content = inboxView();
    else if (route === "audit") content = auditView(rest[0]);
    else if (route === "verify") content = verifyView(rest[0] === "doc" ? rest[1] : null, rest[0] === "doc" ? rest[2] : null);
    else if (route === "certificate") content = await certificateView(rest[0]);
    else content = homeView();
  } catch (exc) {
    content = h("p", { class: "message error" }, describe(exc));
  }
  app.replaceChildren(...[content].flat().filter(Boolean));
}

async function poll() {
  try {
    const status = await get("/indexer/status", null);
    state.now = status.block_timestamp ?? Math.floor(Date.now() / 1000);
    document.getElementById("footer").textContent = status.block_number == null ? "" : t("updated", { block: status.block_number });
    if (state.block !== null && status.block_number !== state.block) refreshPanels();
    state.block = status.block_number;
  } catch { /* the next poll tries again */ }
}

async function start() {
  const lang = document.getElementById("lang");
  setLanguage(language());
  lang.value = language();
  lang.addEventListener("change", () => { setLanguage(lang.value); render(); });
  document.getElementById("signout").addEventListener("click", () => {
    setApiKey(null);
    state.me = null;
    location.hash = "#/signin";
    render();
  });
  await poll();
  setInterval(poll, POLL_MS);
  if (apiKey()) {
    try { state.me = await get("/members/me"); await loadNames(); } catch { setApiKey(null); }
  }
  window.addEventListener("hashchange", () => { document.getElementById("flash").replaceChildren(); render(); });
  render();
}

start();
