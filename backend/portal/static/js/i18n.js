// English and Simplified Chinese: every label, status and error of the portal, and the locale's
// number and date formats (Intl). Amounts arrive as integers of micro-units (6 decimals).

const UNIT = 1_000_000;
const LOCALES = { en: "en-US", zh: "zh-CN" };

const MESSAGES = {
  en: {
    "nav.home": "My work", "nav.lineage": "Lineage", "nav.inbox": "Approvals", "nav.verify": "Verify a document",
    "nav.signout": "Sign out",
    "signin.title": "Sign in", "signin.key": "API key", "signin.submit": "Sign in",
    "signin.demo": "Demo members (development only)", "signin.hint": "Paste the API key your operator issued you. It is kept in this browser tab only.",
    "signin.failed": "That API key was not accepted.",
    "role.SUPPLIER": "supplier", "role.CORE_ENTERPRISE": "core enterprise", "role.FINANCIER": "bank",
    "role.INSPECTOR": "inspector", "role.AUDITOR": "auditor", "role.OPERATOR": "operator",
    "supplier.title": "Supplier: cash and vouchers", "cash": "Cash", "vouchers.value": "Voucher value",
    "vouchers.title": "Vouchers by credit", "fragments.title": "My fragments",
    "col.credit": "Credit", "col.obligor": "Obligor", "col.value": "Value", "col.maturity": "Maturity",
    "col.status": "Status", "col.fragment": "Fragment", "col.tier": "Tier", "col.invoice": "Invoice",
    "col.seller": "Seller", "col.buyer": "Buyer", "col.amount": "Amount", "col.remaining": "Left to back vouchers",
    "col.due": "Due", "col.actions": "", "col.financier": "Bank", "col.rate": "Annual rate",
    "col.cash_today": "Cash today", "col.days": "Days to maturity", "col.request": "Request",
    "col.line": "Credit line", "col.exposure": "Exposure", "col.headroom": "Headroom",
    "col.face": "Face value", "col.repaid": "Repaid", "col.unpaid": "Unpaid", "col.holder": "Holder",
    "col.certificate": "Certificate", "col.result": "Result", "col.expires": "Expires",
    "col.function": "Action", "col.created": "Requested", "col.signer": "Signer",
    "pay.title": "Pay a supplier with part of a voucher", "pay.fragment": "From my fragment",
    "pay.to": "Supplier (address)", "pay.value": "Value", "pay.invoice": "Citing its confirmed invoice (id)",
    "pay.submit": "Pay", "pay.done": "Paid {value} to {to}: new fragment #{token}.",
    "invoice.title": "Register an invoice", "invoice.buyer": "Buyer (address)", "invoice.number": "Invoice number",
    "invoice.amount": "Amount", "invoice.due": "Due in (days)", "invoice.goods": "Goods",
    "invoice.submit": "Register", "invoice.done": "Invoice #{id} registered ({amount}); it waits for the buyer.",
    "invoices.mine": "My invoices", "invoices.owed": "Invoices waiting for my confirmation",
    "finance.title": "Ask for cash on a voucher", "finance.value": "Value to sell", "finance.expires": "Offer open for (days)",
    "finance.submit": "Ask banks for quotes", "finance.done": "Request #{id} is open: {value} locked for the banks to quote.",
    "requests.mine": "My financing requests and their quotes", "quotes.none": "No quote yet.",
    "quote.accept": "Accept", "quote.accepted": "Accepted: {cash} paid to you today for {value}.",
    "quote.best": "best", "redeem": "Redeem", "redeem.done": "Redeemed fragment #{token}: {paid} paid.",
    "core.title": "Core enterprise: payables and vouchers", "confirm": "Confirm", "reject": "Reject",
    "confirm.done": "Invoice #{id} confirmed.", "reject.done": "Invoice #{id} rejected.",
    "issue.title": "Issue a voucher", "issue.invoice": "Against confirmed invoice (id)",
    "issue.face": "Face value", "issue.days": "Due in (days)", "issue.certificate": "Quality certificate (id, if required)",
    "issue.submit": "Issue", "issue.done": "Credit #{id} issued: {face} to {supplier}.",
    "quota.title": "Issuance quota", "quota.total": "Quota (sum of credit lines)", "quota.used": "Used",
    "quota.free": "Free", "due.title": "What falls due", "repay": "Repay", "repay.amount": "Amount",
    "repay.done": "Repaid {amount} on credit #{id} (total repaid {total}).",
    "bank.title": "Bank: quotes, exposure, holdings", "open.title": "Open requests to quote",
    "quote.rate": "Annual rate (%)", "quote.submit": "Quote", "quote.done": "Quoted {rate} on request #{id}: {cash} today.",
    "exposure.title": "Exposure per obligor", "holdings.title": "Vouchers held",
    "inspector.title": "Inspector: quality certificates", "cert.title": "Issue a certificate",
    "cert.invoice": "Invoice (id)", "cert.result": "Result", "cert.batch": "Batch code", "cert.standard": "Standard",
    "cert.days": "Valid for (days)", "cert.submit": "Issue certificate", "cert.done": "Certificate #{id} issued.",
    "cert.revoke": "Revoke", "cert.revoked": "Certificate #{id} revoked.", "certs.title": "Certificates",
    "cert.page": "Certificate #{id}", "cert.qr": "Scan to verify this certificate publicly",
    "pass": "pass", "fail": "fail", "reason": "Reason",
    "supervisor.title": "Supervision: credits and lineage", "credits.title": "Credits", "open": "Open",
    "lineage.title": "Lineage of credit #{id}", "lineage.summary": "{obligor} owes {face} · repaid {repaid} · {count} fragments",
    "lineage.pick": "Credit id", "lineage.show": "Show",
    "freeze": "Freeze", "unfreeze": "Unfreeze", "freeze.done": "Fragment #{token} frozen.",
    "unfreeze.done": "Fragment #{token} unfrozen.", "freeze.title": "Freeze or unfreeze fragment #{token}",
    "freeze.pick": "Click a node of the tree to freeze or unfreeze it.",
    "state.live": "live", "state.locked": "locked in financing", "state.financed": "financed",
    "state.frozen": "frozen", "state.redeemed": "redeemed", "state.overdue": "overdue",
    "status.registered": "registered", "status.confirmed": "confirmed", "status.rejected": "rejected",
    "status.cancelled": "cancelled", "status.active": "active", "status.repaid": "repaid",
    "status.overdue": "overdue", "status.redeemed": "redeemed", "status.open": "open",
    "status.accepted": "accepted", "status.expired": "expired", "status.pending_approval": "waiting for approval",
    "status.done": "done", "status.failed": "failed", "status.revoked": "revoked", "status.valid": "valid",
    "tier": "tier {n}", "bought": "bought for {price} at {rate}",
    "inbox.title": "Waiting for my approval", "inbox.empty": "Nothing waits for approval.",
    "approve": "Approve", "approve.done": "Approved: the request was signed and sent.",
    "reject.request.done": "Rejected.", "pending": "Sent for approval: request {id} waits for a checker.",
    "verify.title": "Verify a document", "verify.drop": "Drop a document file (JSON) here, or choose one",
    "verify.match": "The document matches its on-chain anchor.", "verify.nomatch": "This document is not anchored on chain: it does not match any registered record.",
    "verify.anchor": "{kind} #{id}: {status}", "verify.hash": "Document hash", "verify.badfile": "That file is not a JSON document.",
    "kind.invoice": "Invoice", "kind.certificate": "Quality certificate",
    "wallet.none": "This member holds its own key: connect a browser wallet (EIP-1193) to sign.",
    "wallet.signed": "Signed in your wallet and sent.",
    "working": "Working…", "updated": "Following the chain: block {block}",
    "error.network": "The platform did not answer. Check your connection and try again.",
    "error.generic": "The platform refused this: {name} ({args}).",
    "error.generic.noargs": "The platform refused this: {name}.",
    "signin.wallet": "Sign in with a browser wallet", "signin.wallet.hint": "Members who hold their own key sign in with Sign-In with Ethereum: your wallet signs a one-time message, no API key needed.",
    "signin.wallet.submit": "Sign in with wallet",
    "wallet.rejected": "The wallet refused to sign.", "wallet.failed": "The wallet could not sign: {detail}",
    "nav.audit": "Audit trail", "audit.title": "A document's audit trail", "audit.events": "What happened to it, on chain",
    "audit.about": "{kind} #{id}: {count} events", "audit.none": "No anchored document has this hash.",
    "audit.open": "Open its audit trail",
    "col.when": "When", "col.block": "Block", "col.event": "Event", "col.subject": "Subject", "col.details": "Details",
    "col.member": "Member", "col.roles": "Roles", "col.address": "Address",
    "hop.pick": "Click a node of the tree to see the invoice behind it.",
    "hop.invoice": "Invoice #{id}, behind fragment #{token}", "hop.summary": "{seller} invoiced {buyer} {amount}, due {due}",
    "hop.noinvoice": "Fragment #{token} was bought, not paid against an invoice.",
    "request.cancel": "Cancel request", "request.cancelled": "Request #{id} cancelled: {value} unlocked.",
    "quote.withdraw": "Withdraw", "quote.withdrawn": "Quote #{quote} on request #{id} withdrawn.",
    "platform.title": "Platform", "platform.hint": "Pausing stops every member's action on chain until it is unpaused.",
    "platform.pause": "Pause the platform", "platform.unpause": "Unpause", "platform.paused": "The platform is paused.",
    "platform.unpaused": "The platform runs again.",
    "limits.title": "Platform limits", "limits.tenor": "Longest tenor (days)", "limits.grace": "Grace period (days)",
    "limits.depth": "Deepest tier", "limits.submit": "Set limits",
    "limits.done": "Limits set: tenor up to {tenor} days, grace {grace} days, tiers down to {depth}.",
    "members.title": "Members", "member.suspend": "Suspend", "member.reinstate": "Reinstate",
    "member.suspend.done": "{name} suspended.", "member.reinstate.done": "{name} reinstated.",
    "member.suspend.default": "suspended by the operator", "member.reinstate.default": "reinstated by the operator",
    "status.suspended": "suspended",
    "claims.title": "Redeemed: claims on later repayments", "claims.none": "No redeemed fragment.",
    "claim": "Claim", "claim.state": "{paid} of {value} paid so far, {owed} owed now",
    "claim.done": "Claimed {amount} on fragment #{token}: {state}.",
    "redeem.part": "Redeemed fragment #{token}: {paid} paid now of {value}; the rest is claimed as the obligor repays.",
    "writeoff": "Write off", "writeoff.default": "written off at maturity",
    "writeoff.done": "Wrote {amount} of fragment #{token} off your exposure to {obligor}.",
  },
  zh: {
    "nav.home": "我的工作", "nav.lineage": "流转链路", "nav.inbox": "待审批", "nav.verify": "验证文件",
    "nav.signout": "退出",
    "signin.title": "登录", "signin.key": "API 密钥", "signin.submit": "登录",
    "signin.demo": "演示成员（仅开发环境）", "signin.hint": "粘贴运营方为您签发的 API 密钥。密钥只保存在当前浏览器标签页中。",
    "signin.failed": "该 API 密钥未被接受。",
    "role.SUPPLIER": "供应商", "role.CORE_ENTERPRISE": "核心企业", "role.FINANCIER": "银行",
    "role.INSPECTOR": "检验机构", "role.AUDITOR": "审计监管", "role.OPERATOR": "平台运营方",
    "supplier.title": "供应商：资金与凭证", "cash": "现金", "vouchers.value": "凭证价值",
    "vouchers.title": "按债权查看凭证", "fragments.title": "我的凭证拆分",
    "col.credit": "债权", "col.obligor": "付款方", "col.value": "金额", "col.maturity": "到期日",
    "col.status": "状态", "col.fragment": "凭证", "col.tier": "层级", "col.invoice": "发票",
    "col.seller": "卖方", "col.buyer": "买方", "col.amount": "金额", "col.remaining": "可用于开立凭证的余额",
    "col.due": "到期", "col.actions": "", "col.financier": "银行", "col.rate": "年化利率",
    "col.cash_today": "今日到账", "col.days": "距到期天数", "col.request": "融资申请",
    "col.line": "授信额度", "col.exposure": "风险敞口", "col.headroom": "剩余额度",
    "col.face": "面值", "col.repaid": "已还款", "col.unpaid": "未还款", "col.holder": "持有人",
    "col.certificate": "证书", "col.result": "结果", "col.expires": "有效期至",
    "col.function": "操作", "col.created": "提交时间", "col.signer": "签名方",
    "pay.title": "用部分凭证支付供应商", "pay.fragment": "从我的凭证",
    "pay.to": "供应商（地址）", "pay.value": "金额", "pay.invoice": "引用已确认的发票（编号）",
    "pay.submit": "支付", "pay.done": "已向 {to} 支付 {value}：新凭证 #{token}。",
    "invoice.title": "登记发票", "invoice.buyer": "买方（地址）", "invoice.number": "发票号",
    "invoice.amount": "金额", "invoice.due": "账期（天）", "invoice.goods": "货物",
    "invoice.submit": "登记", "invoice.done": "发票 #{id} 已登记（{amount}），等待买方确认。",
    "invoices.mine": "我的发票", "invoices.owed": "待我确认的发票",
    "finance.title": "凭证融资", "finance.value": "出售金额", "finance.expires": "报价有效期（天）",
    "finance.submit": "向银行询价", "finance.done": "融资申请 #{id} 已开放：{value} 已锁定，等待银行报价。",
    "requests.mine": "我的融资申请及报价", "quotes.none": "暂无报价。",
    "quote.accept": "接受", "quote.accepted": "已接受：为 {value} 今日向您支付 {cash}。",
    "quote.best": "最优", "redeem": "兑付", "redeem.done": "凭证 #{token} 已兑付：到账 {paid}。",
    "core.title": "核心企业：应付账款与凭证", "confirm": "确认", "reject": "拒绝",
    "confirm.done": "发票 #{id} 已确认。", "reject.done": "发票 #{id} 已拒绝。",
    "issue.title": "开立凭证", "issue.invoice": "依据已确认的发票（编号）",
    "issue.face": "面值", "issue.days": "期限（天）", "issue.certificate": "质量证书（编号，如需要）",
    "issue.submit": "开立", "issue.done": "债权 #{id} 已开立：向 {supplier} 开立 {face}。",
    "quota.title": "开立额度", "quota.total": "额度（授信合计）", "quota.used": "已用",
    "quota.free": "可用", "due.title": "到期安排", "repay": "还款", "repay.amount": "金额",
    "repay.done": "债权 #{id} 已还款 {amount}（累计 {total}）。",
    "bank.title": "银行：报价、敞口与持仓", "open.title": "待报价的融资申请",
    "quote.rate": "年化利率（%）", "quote.submit": "报价", "quote.done": "已对申请 #{id} 报价 {rate}：今日支付 {cash}。",
    "exposure.title": "按付款方的风险敞口", "holdings.title": "持有的凭证",
    "inspector.title": "检验机构：质量证书", "cert.title": "签发证书",
    "cert.invoice": "发票（编号）", "cert.result": "结果", "cert.batch": "批次号", "cert.standard": "标准",
    "cert.days": "有效期（天）", "cert.submit": "签发证书", "cert.done": "证书 #{id} 已签发。",
    "cert.revoke": "撤销", "cert.revoked": "证书 #{id} 已撤销。", "certs.title": "证书",
    "cert.page": "证书 #{id}", "cert.qr": "扫码公开验证此证书",
    "pass": "合格", "fail": "不合格", "reason": "原因",
    "supervisor.title": "监管：债权与流转链路", "credits.title": "债权", "open": "打开",
    "lineage.title": "债权 #{id} 的流转链路", "lineage.summary": "{obligor} 应付 {face} · 已还 {repaid} · 共 {count} 个凭证",
    "lineage.pick": "债权编号", "lineage.show": "查看",
    "freeze": "冻结", "unfreeze": "解冻", "freeze.done": "凭证 #{token} 已冻结。",
    "unfreeze.done": "凭证 #{token} 已解冻。", "freeze.title": "冻结或解冻凭证 #{token}",
    "freeze.pick": "点击树中的节点以冻结或解冻。",
    "state.live": "有效", "state.locked": "融资锁定中", "state.financed": "已融资",
    "state.frozen": "已冻结", "state.redeemed": "已兑付", "state.overdue": "逾期",
    "status.registered": "已登记", "status.confirmed": "已确认", "status.rejected": "已拒绝",
    "status.cancelled": "已取消", "status.active": "有效", "status.repaid": "已还款",
    "status.overdue": "逾期", "status.redeemed": "已兑付", "status.open": "开放",
    "status.accepted": "已接受", "status.expired": "已过期", "status.pending_approval": "待审批",
    "status.done": "完成", "status.failed": "失败", "status.revoked": "已撤销", "status.valid": "有效",
    "tier": "第 {n} 级", "bought": "以 {price} 买入（年化 {rate}）",
    "inbox.title": "待我审批", "inbox.empty": "没有待审批的请求。",
    "approve": "批准", "approve.done": "已批准：请求已签名并发送。",
    "reject.request.done": "已拒绝。", "pending": "已提交审批：请求 {id} 等待复核人批准。",
    "verify.title": "验证文件", "verify.drop": "将文件（JSON）拖放到此处，或选择文件",
    "verify.match": "该文件与链上存证一致。", "verify.nomatch": "该文件没有链上存证：与任何已登记的记录都不匹配。",
    "verify.anchor": "{kind} #{id}：{status}", "verify.hash": "文件哈希", "verify.badfile": "该文件不是 JSON 文件。",
    "kind.invoice": "发票", "kind.certificate": "质量证书",
    "wallet.none": "该成员自持私钥：请连接浏览器钱包（EIP-1193）进行签名。",
    "wallet.signed": "已在钱包中签名并发送。",
    "working": "处理中…", "updated": "正在跟踪链上数据：区块 {block}",
    "error.network": "平台没有响应。请检查网络后重试。",
    "error.generic": "平台拒绝了此操作：{name}（{args}）。",
    "error.generic.noargs": "平台拒绝了此操作：{name}。",
    "signin.wallet": "使用浏览器钱包登录", "signin.wallet.hint": "自持私钥的成员使用以太坊登录（SIWE）：钱包签署一次性消息，无需 API 密钥。",
    "signin.wallet.submit": "使用钱包登录",
    "wallet.rejected": "钱包拒绝了签名。", "wallet.failed": "钱包无法签名：{detail}",
    "nav.audit": "审计轨迹", "audit.title": "文件的审计轨迹", "audit.events": "链上发生的事件",
    "audit.about": "{kind} #{id}：共 {count} 个事件", "audit.none": "没有已存证的文件具有此哈希。",
    "audit.open": "查看审计轨迹",
    "col.when": "时间", "col.block": "区块", "col.event": "事件", "col.subject": "对象", "col.details": "详情",
    "col.member": "成员", "col.roles": "角色", "col.address": "地址",
    "hop.pick": "点击树中的节点以查看其背后的发票。",
    "hop.invoice": "发票 #{id}（凭证 #{token} 的依据）", "hop.summary": "{seller} 向 {buyer} 开具 {amount}，到期 {due}",
    "hop.noinvoice": "凭证 #{token} 为买入所得，不依据发票支付。",
    "request.cancel": "取消申请", "request.cancelled": "融资申请 #{id} 已取消：{value} 已解锁。",
    "quote.withdraw": "撤回", "quote.withdrawn": "申请 #{id} 的报价 #{quote} 已撤回。",
    "platform.title": "平台", "platform.hint": "暂停后，所有成员的链上操作均停止，直至恢复。",
    "platform.pause": "暂停平台", "platform.unpause": "恢复运行", "platform.paused": "平台已暂停。",
    "platform.unpaused": "平台已恢复运行。",
    "limits.title": "平台限额", "limits.tenor": "最长期限（天）", "limits.grace": "宽限期（天）",
    "limits.depth": "最深层级", "limits.submit": "设置限额",
    "limits.done": "限额已设置：期限最长 {tenor} 天，宽限期 {grace} 天，最深至第 {depth} 级。",
    "members.title": "成员", "member.suspend": "暂停资格", "member.reinstate": "恢复资格",
    "member.suspend.done": "{name} 已被暂停资格。", "member.reinstate.done": "{name} 已恢复资格。",
    "member.suspend.default": "运营方暂停", "member.reinstate.default": "运营方恢复",
    "status.suspended": "已暂停",
    "claims.title": "已兑付：对后续还款的债权", "claims.none": "没有已兑付的凭证。",
    "claim": "领取", "claim.state": "已付 {paid} / {value}，当前应付 {owed}",
    "claim.done": "凭证 #{token} 已领取 {amount}：{state}。",
    "redeem.part": "凭证 #{token} 已兑付：现付 {paid}（共 {value}）；其余在付款方还款后领取。",
    "writeoff": "核销", "writeoff.default": "到期核销",
    "writeoff.done": "已从您对 {obligor} 的风险敞口中核销凭证 #{token} 的 {amount}。",
  },
};

// The errors a user meets most, in words, with their values. Arguments named here as money are
// micro-units; the rest are shown as they come.
const ERRORS = {
  en: {
    InvoiceInsufficientRemaining: "Invoice #{invoiceId} has only {remaining} left to back vouchers; {requested} was asked.",
    InvoiceAlreadyRegistered: "This invoice number is already registered (invoice #{existingInvoiceId}).",
    InvoiceDocumentAlreadyRegistered: "This invoice document is already registered (invoice #{existingInvoiceId}).",
    InvoiceNotFound: "There is no invoice #{invoiceId}.",
    InvoiceInvalidStatus: "Invoice #{invoiceId} is {status}: this is not possible now.",
    InvoiceUnauthorizedParty: "You are not a party to invoice #{invoiceId}.",
    InvoicePartyMismatch: "Invoice #{invoiceId} is not between you and this receiver.",
    InvoiceInvalidDueDate: "The due date must lie in the future.",
    InvoiceInvalidAmount: "The amount must be more than zero.",
    InvoiceInvalidParties: "Seller and buyer must be two different members.",
    VoucherInsufficientValue: "Fragment #{tokenId} holds only {available}; {requested} was asked.",
    VoucherInvoiceSellerMismatch: "Invoice #{invoiceId} was issued by another seller than this receiver.",
    VoucherCertificateRequired: "Invoice #{invoiceId} needs a valid passing quality certificate before a voucher is issued.",
    VoucherFrozen: "Fragment #{tokenId} is frozen: its value cannot move.",
    VoucherLocked: "Fragment #{tokenId} is locked in financing.",
    VoucherMatured: "Credit #{creditId} has matured: it can no longer move.",
    VoucherNotMatured: "Credit #{creditId} has not matured yet.",
    VoucherUnauthorized: "You do not hold fragment #{tokenId}.",
    VoucherNonexistentToken: "There is no fragment #{tokenId}.",
    VoucherTierDepthExceeded: "The voucher cannot go deeper than tier {maxDepth}.",
    VoucherInvalidMaturity: "The maturity is past the longest tenor allowed.",
    VoucherFreezeUnchanged: "#{id} is already in that state.",
    ConsortiumQuotaExceeded: "Issuing {amount} would exceed the issuance quota: {outstanding} of {quota} is used.",
    ConsortiumExposureLimitExceeded: "This would bring the exposure to {exposure}, above the credit line of {limit}.",
    ConsortiumMissingRole: "This member does not have the role needed for this action.",
    ConsortiumMemberNotActive: "This member is not active.",
    EnforcedPause: "The platform is paused: member actions are stopped.",
    FinancingRequestNotOpen: "Financing request #{requestId} is no longer open.",
    FinancingRequestExpired: "Financing request #{requestId} has expired.",
    FinancingInvalidExpiry: "The offer must close before the voucher matures.",
    FinancingInvalidRate: "The rate is above the highest allowed.",
    FinancingQuoteWithdrawn: "Quote #{quoteId} was withdrawn.",
    FinancingNothingToPay: "At this rate nothing would be paid for {value}.",
    SettlementInvalidRepayment: "Credit #{creditId} has {outstanding} outstanding; {amount} cannot be repaid.",
    SettlementNotObligor: "Only the obligor repays credit #{creditId}.",
    SettlementNothingOwed: "Nothing is owed on fragment #{tokenId}.",
    QualityCertificateNotFound: "There is no certificate #{certificateId}.",
    QualityCertificateAlreadyRevoked: "Certificate #{certificateId} is already revoked.",
    QualityCertificateNotUsable: "Certificate #{certificateId} cannot back invoice #{invoiceId}.",
    QualityNotIssuer: "Certificate #{certificateId} was issued by another inspector.",
    ERC20InsufficientBalance: "Not enough cash: {balance} available, {needed} needed.",
    CheckerRequired: "Only a checker's key approves or rejects requests.",
    MakerCannotApprove: "Nobody approves their own request: another checker must.",
    Unauthenticated: "Please sign in again.",
    InvalidApiKey: "That API key was not accepted.",
    MissingRole: "Your member does not have the role for this.",
    NotYourAccount: "You can read only your own accounts.",
    CreditNotReadable: "Credit #{credit_id} is not one you owe or hold.",
    InvoiceNotReadable: "Invoice #{invoice_id} is not one you issued or owe.",
    CertificateNotFound: "There is no certificate #{certificate_id}.",
    CertificateNotReadable: "Certificate #{certificate_id} does not cover an invoice of yours.",
    FinancingRequestNotReadable: "Financing request #{request_id} is not open to you.",
    AuditTrailNotReadable: "Only the document's parties read its audit trail.",
    DocumentNotFound: "No document matches this link.",
    RequestExpired: "The request expired before it was signed.",
    RequestValidationError: "Some fields are missing or invalid: {fields}.",
    RelayerOutOfFunds: "The platform cannot send transactions right now (relayer out of funds).",
    SiweNonceInvalid: "The sign-in message's nonce is unknown, expired or already used: sign in again.",
    SiweDomainMismatch: "The sign-in message names {domain}; this platform is {expected}.",
    SiweChainMismatch: "Your wallet is on chain {chain_id}; this platform runs on chain {expected}.",
    SiweSignatureInvalid: "The sign-in signature is not the account's own.",
    SiweMessageExpired: "The sign-in message expired: sign in again.",
    SiweMessageInvalid: "The wallet's sign-in message was not understood.",
    SiweUnknownMember: "No active member has the account {address}.",
    FinancingUnauthorized: "{account} may not do this to this request or quote.",
    ConsortiumInvalidStatus: "{account} is {status}: it cannot be changed so now.",
    ConsortiumInvalidLimits: "These limits are not allowed (tenor {maxTenorDays} days, grace {gracePeriodDays} days, depth {maxTierDepth}): tenor 1 to 365 days, grace at most 365 days, tiers 1 to 32.",
    ConsortiumLastOperator: "{operator} is the last operator: it cannot be suspended.",
    SettlementNoClaim: "Fragment #{tokenId} has not been redeemed: there is no claim.",
    SettlementNotClaimant: "Only the claimant writes off fragment #{tokenId}.",
    SettlementNothingToWriteOff: "Fragment #{tokenId} has nothing left to write off.",
    DocumentNotAnchored: "No anchored document has the hash {document_hash}.",
    InvalidDocumentHash: "A document hash is 0x and 64 hex digits: {document_hash} is not one.",
  },
  zh: {
    InvoiceInsufficientRemaining: "发票 #{invoiceId} 仅剩 {remaining} 可用于开立凭证；本次申请 {requested}。",
    InvoiceAlreadyRegistered: "该发票号已登记（发票 #{existingInvoiceId}）。",
    InvoiceDocumentAlreadyRegistered: "该发票文件已登记（发票 #{existingInvoiceId}）。",
    InvoiceNotFound: "不存在发票 #{invoiceId}。",
    InvoiceInvalidStatus: "发票 #{invoiceId} 当前状态为 {status}，无法执行此操作。",
    InvoiceUnauthorizedParty: "您不是发票 #{invoiceId} 的交易方。",
    InvoicePartyMismatch: "发票 #{invoiceId} 不是您与该收款方之间的发票。",
    InvoiceInvalidDueDate: "到期日必须晚于当前时间。",
    InvoiceInvalidAmount: "金额必须大于零。",
    InvoiceInvalidParties: "卖方与买方必须是两个不同的成员。",
    VoucherInsufficientValue: "凭证 #{tokenId} 仅有 {available}；本次申请 {requested}。",
    VoucherInvoiceSellerMismatch: "发票 #{invoiceId} 的卖方不是该收款方。",
    VoucherCertificateRequired: "发票 #{invoiceId} 需要有效的合格质量证书后才能开立凭证。",
    VoucherFrozen: "凭证 #{tokenId} 已冻结，不能转移。",
    VoucherLocked: "凭证 #{tokenId} 已在融资中锁定。",
    VoucherMatured: "债权 #{creditId} 已到期，不能再转移。",
    VoucherNotMatured: "债权 #{creditId} 尚未到期。",
    VoucherUnauthorized: "您未持有凭证 #{tokenId}。",
    VoucherNonexistentToken: "不存在凭证 #{tokenId}。",
    VoucherTierDepthExceeded: "凭证最多只能流转到第 {maxDepth} 级。",
    VoucherInvalidMaturity: "到期日超过了允许的最长期限。",
    VoucherFreezeUnchanged: "#{id} 已处于该状态。",
    ConsortiumQuotaExceeded: "开立 {amount} 将超出开立额度：已用 {outstanding}，额度 {quota}。",
    ConsortiumExposureLimitExceeded: "这将使风险敞口达到 {exposure}，超过授信额度 {limit}。",
    ConsortiumMissingRole: "该成员没有执行此操作所需的角色。",
    ConsortiumMemberNotActive: "该成员未处于有效状态。",
    EnforcedPause: "平台已暂停：成员操作已停止。",
    FinancingRequestNotOpen: "融资申请 #{requestId} 已不再开放。",
    FinancingRequestExpired: "融资申请 #{requestId} 已过期。",
    FinancingInvalidExpiry: "报价截止时间必须早于凭证到期日。",
    FinancingInvalidRate: "利率高于允许的上限。",
    FinancingQuoteWithdrawn: "报价 #{quoteId} 已撤回。",
    FinancingNothingToPay: "按此利率，{value} 将得不到任何付款。",
    SettlementInvalidRepayment: "债权 #{creditId} 未还余额为 {outstanding}，无法还款 {amount}。",
    SettlementNotObligor: "只有付款方可以偿还债权 #{creditId}。",
    SettlementNothingOwed: "凭证 #{tokenId} 没有应付款项。",
    QualityCertificateNotFound: "不存在证书 #{certificateId}。",
    QualityCertificateAlreadyRevoked: "证书 #{certificateId} 已被撤销。",
    QualityCertificateNotUsable: "证书 #{certificateId} 不能用于发票 #{invoiceId}。",
    QualityNotIssuer: "证书 #{certificateId} 由其他检验机构签发。",
    ERC20InsufficientBalance: "现金不足：可用 {balance}，需要 {needed}。",
    CheckerRequired: "只有复核人的密钥可以批准或拒绝请求。",
    MakerCannotApprove: "任何人都不能批准自己提交的请求：需由另一位复核人批准。",
    Unauthenticated: "请重新登录。",
    InvalidApiKey: "该 API 密钥未被接受。",
    MissingRole: "您的成员没有此操作所需的角色。",
    NotYourAccount: "您只能查看自己的账户。",
    CreditNotReadable: "债权 #{credit_id} 不是您应付或持有的债权。",
    InvoiceNotReadable: "发票 #{invoice_id} 不是您开具或应付的发票。",
    CertificateNotFound: "不存在证书 #{certificate_id}。",
    CertificateNotReadable: "证书 #{certificate_id} 不涉及您的发票。",
    FinancingRequestNotReadable: "您无权查看融资申请 #{request_id}。",
    AuditTrailNotReadable: "只有文件的相关方可以查看其审计记录。",
    DocumentNotFound: "没有与此链接匹配的文件。",
    RequestExpired: "该请求在签名前已过期。",
    RequestValidationError: "部分字段缺失或无效：{fields}。",
    RelayerOutOfFunds: "平台暂时无法发送交易（中继账户余额不足）。",
    SiweNonceInvalid: "登录消息的随机数未知、已过期或已使用：请重新登录。",
    SiweDomainMismatch: "登录消息指向 {domain}；本平台为 {expected}。",
    SiweChainMismatch: "您的钱包在链 {chain_id} 上；本平台运行于链 {expected}。",
    SiweSignatureInvalid: "登录签名不是该账户本人的签名。",
    SiweMessageExpired: "登录消息已过期：请重新登录。",
    SiweMessageInvalid: "无法识别钱包的登录消息。",
    SiweUnknownMember: "没有有效成员使用账户 {address}。",
    FinancingUnauthorized: "{account} 无权对该申请或报价执行此操作。",
    ConsortiumInvalidStatus: "{account} 当前状态为 {status}，无法如此变更。",
    ConsortiumInvalidLimits: "不允许这些限额（期限 {maxTenorDays} 天，宽限期 {gracePeriodDays} 天，层级 {maxTierDepth}）：期限 1 至 365 天，宽限期最多 365 天，层级 1 至 32。",
    ConsortiumLastOperator: "{operator} 是最后一个运营方，不能被暂停。",
    SettlementNoClaim: "凭证 #{tokenId} 尚未兑付：没有债权可领取。",
    SettlementNotClaimant: "只有债权人可以核销凭证 #{tokenId}。",
    SettlementNothingToWriteOff: "凭证 #{tokenId} 没有可核销的余额。",
    DocumentNotAnchored: "没有已存证的文件具有哈希 {document_hash}。",
    InvalidDocumentHash: "文件哈希应为 0x 加 64 位十六进制数：{document_hash} 不是。",
  },
};

const MONEY_ARGS = new Set([
  "amount", "requested", "remaining", "available", "value", "outstanding", "quota", "exposure",
  "limit", "balance", "needed", "price", "faceValue", "amount_units", "value_units",
]);

let lang = localStorage.getItem("tiercredit.lang") === "zh" ? "zh" : "en";

export function language() { return lang; }

export function setLanguage(next) {
  lang = next === "zh" ? "zh" : "en";
  localStorage.setItem("tiercredit.lang", lang);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

function fill(template, vars) {
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export function t(key, vars = {}) {
  const template = MESSAGES[lang][key] ?? MESSAGES.en[key] ?? key;
  return fill(template, vars);
}

export function money(units) {
  if (units === null || units === undefined || units === "") return "–";
  return new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    .format(Number(units) / UNIT);
}

export function rate(bps) {
  return new Intl.NumberFormat(LOCALES[lang], { style: "percent", minimumFractionDigits: 2 })
    .format(Number(bps) / 10_000);
}

export function date(seconds) {
  if (!seconds) return "–";
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: "medium" }).format(new Date(seconds * 1000));
}

export function dateTime(value) {
  const moment = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: "medium", timeStyle: "short" }).format(moment);
}

export function statusLabel(status) {
  const key = `status.${status}`;
  return MESSAGES[lang][key] ? t(key) : status;
}

function shownArgs(args) {
  const shown = {};
  for (const [name, value] of Object.entries(args || {})) {
    if (MONEY_ARGS.has(name) && (typeof value === "number" || /^\d+$/.test(String(value)))) {
      shown[name] = money(value);
    } else if (typeof value === "object" && value !== null) {
      shown[name] = JSON.stringify(value);
    } else {
      shown[name] = value;
    }
  }
  return shown;
}

// An API error ({error, args}) in words; an unmapped one as a sentence with its name and values.
export function errorText(name, args) {
  const shown = shownArgs(args);
  if (name === "RequestValidationError") {
    const fields = (args?.errors || []).map((e) => (e.loc || []).slice(1).join(".")).join(", ");
    return fill(ERRORS[lang].RequestValidationError, { fields });
  }
  const template = ERRORS[lang][name];
  if (template) return fill(template, shown);
  const listed = Object.entries(shown).map(([k, v]) => `${k} = ${v}`).join(", ");
  return listed ? t("error.generic", { name, args: listed }) : t("error.generic.noargs", { name });
}
