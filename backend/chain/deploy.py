"""Deploys and wires the TierCredit platform; returns its manifest.

Works with a local private key (signed here, nonces counted here) or an account the node holds
unlocked (``eth_sendTransaction``; Brownie's accounts on Anvil), on any chain id, with or
without automine: every step waits for its receipt. Imports only the standard library, web3,
eth_account, eth_abi and solcx, so `brownie run scripts/deploy.py` can use it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError

from backend.chain.artifacts import (
    DEFAULT_BUILD_DIR,
    PLATFORM_CONTRACTS,
    Artifact,
    canonical_type,
    compiler_version,
    load_artifacts,
)
from backend.chain.errors import ErrorDecoder, ReceiptTimeout, TransactionFailed, revert_data
from backend.chain.fees import fee_fields
from backend.chain.ids import role_id
from backend.chain.manifest import Manifest

log = logging.getLogger(__name__)

# Platform contracts are onboarded as members; this anchors why, as a member's KYC hash would.
PLATFORM_KYC_HASH = keccak(text="platform contract")
# Estimates are exact for the state they ran on; the margin covers state moving before mining.
GAS_MARGIN_NUMERATOR, GAS_MARGIN_DENOMINATOR = 6, 5

Deployer = LocalAccount | str


class _Transactor:
    """Sends the deployment's transactions one at a time, each to its receipt."""

    def __init__(
        self, w3: Web3, deployer: Deployer, errors: ErrorDecoder, receipt_timeout: float
    ) -> None:
        self.w3 = w3
        self.errors = errors
        self.receipt_timeout = receipt_timeout
        self.account = deployer if isinstance(deployer, LocalAccount) else None
        self.address = to_checksum_address(deployer.address if self.account else deployer)
        self.chain_id = w3.eth.chain_id
        self.nonce = w3.eth.get_transaction_count(self.address, "pending") if self.account else None

    def send(self, data: bytes, to: str | None = None) -> Any:
        tx: dict[str, Any] = {"from": self.address, "data": data, "value": 0}
        if to is not None:
            tx["to"] = to
        try:
            estimate = self.w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
        except (ContractLogicError, Web3RPCError) as exc:
            raw = revert_data(exc)
            if raw is None:
                raise
            raise self.errors.decode(raw) from exc
        tx["gas"] = estimate * GAS_MARGIN_NUMERATOR // GAS_MARGIN_DENOMINATOR
        tx.update(fee_fields(self.w3))
        if self.account is not None:
            tx.update(nonce=self.nonce, chainId=self.chain_id)
            signed = self.account.sign_transaction(tx)
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            self.nonce += 1  # type: ignore[operator]
        else:
            tx_hash = self.w3.eth.send_transaction(tx)  # type: ignore[arg-type]
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=self.receipt_timeout, poll_latency=0.1
            )
        except TimeExhausted as exc:
            raise ReceiptTimeout("0x" + bytes(tx_hash).hex(), self.receipt_timeout) from exc
        if receipt["status"] != 1:
            raise TransactionFailed("0x" + bytes(tx_hash).hex())
        return receipt


def _constructor_data(artifact: Artifact, args: list[Any]) -> bytes:
    constructor = next((item for item in artifact.abi if item["type"] == "constructor"), None)
    types = [canonical_type(p) for p in constructor["inputs"]] if constructor else []
    return artifact.bytecode + abi_encode(types, args)


def deploy_platform(
    w3: Web3,
    deployer: Deployer,
    *,
    build_dir: Path = DEFAULT_BUILD_DIR,
    receipt_timeout: float = 120.0,
) -> Manifest:
    """Deploys the Forwarder, Consortium … Settlement in order, links them, onboards the
    platform contracts.

    The deployer becomes the consortium's first operator: the wiring calls need that role.
    """
    artifacts = load_artifacts(build_dir)
    errors = ErrorDecoder({name: artifacts[name].abi for name in PLATFORM_CONTRACTS})
    sender = _Transactor(w3, deployer, errors, receipt_timeout)
    addresses: dict[str, str] = {}
    receipts: list[Any] = []

    def deploy(name: str, *args: Any) -> str:
        receipt = sender.send(_constructor_data(artifacts[name], list(args)))
        receipts.append(receipt)
        addresses[name] = to_checksum_address(receipt["contractAddress"])
        log.info("deployed %s at %s (block %s)", name, addresses[name], receipt["blockNumber"])
        return addresses[name]

    def call(name: str, function: str, *args: Any) -> None:
        contract = w3.eth.contract(address=addresses[name], abi=artifacts[name].abi)
        data = bytes.fromhex(contract.encode_abi(function, args=list(args))[2:])
        sender.send(data, to=addresses[name])

    # Every platform contract trusts the forwarder the Consortium names: it comes first.
    forwarder = deploy("Forwarder")
    consortium = deploy("Consortium", sender.address, forwarder)
    cash = deploy("SettlementToken", consortium)
    invoices = deploy("InvoiceRegistry", consortium)
    quality = deploy("QualityRegistry", consortium, invoices)
    voucher = deploy("CreditVoucher", consortium, invoices, quality)
    financing = deploy("Financing", consortium, voucher, cash)
    settlement = deploy("Settlement", consortium, voucher, cash)
    call("Consortium", "linkVoucher", voucher)
    call("InvoiceRegistry", "linkVoucher", voucher)
    call("CreditVoucher", "linkPlatform", financing, settlement)
    # Financing too: SettlementToken lets only active members spend an allowance, and Financing
    # pulls the financier's cash at acceptance.
    for platform_contract in (voucher, financing, settlement):
        call("Consortium", "onboard", platform_contract, PLATFORM_KYC_HASH, [role_id("PLATFORM")])

    first_receipt = receipts[0]
    return Manifest(
        chain_id=sender.chain_id,
        contracts={name: addresses[name] for name in PLATFORM_CONTRACTS},
        deployment_block=int(first_receipt["blockNumber"]),
        deployment_block_hash="0x" + bytes(first_receipt["blockHash"]).hex(),
        compiler_version=compiler_version(build_dir),
        abi_hashes={name: artifacts[name].abi_hash for name in PLATFORM_CONTRACTS},
        deployer=sender.address,
    )
