"""Deploys the TierCredit platform and writes its deployment manifest.

Two ways to run it:

    brownie run scripts/deploy.py --network anvil
        on Brownie's network, from Brownie's first account (unlocked on a development node);
    python scripts/deploy.py --rpc-url URL --private-key KEY [--manifest PATH] [--force]
        anywhere; URL and KEY also come from TIERCREDIT_RPC_URL and TIERCREDIT_DEPLOYER_KEY.

The work is backend.chain.deploy's; this file only finds the chain and the deployer. A manifest
of another chain is never replaced without --force.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Brownie's environment does not install the project: make `backend` importable from the tree.
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from eth_account import Account  # noqa: E402
from web3 import Web3  # noqa: E402

from backend.chain.connection import connect  # noqa: E402
from backend.chain.deploy import Deployer, deploy_platform  # noqa: E402
from backend.chain.manifest import (  # noqa: E402
    Manifest,
    ManifestError,
    ensure_replaceable,
    write_manifest,
)

DEFAULT_MANIFEST = PROJECT_ROOT / "deployments" / "local.json"


def deploy(w3: Web3, deployer: Deployer, manifest_path: Path, *, force: bool) -> Manifest:
    ensure_replaceable(manifest_path, w3.eth.chain_id, force=force)
    manifest = deploy_platform(w3, deployer)
    write_manifest(manifest_path, manifest, force=force)
    print(f"TierCredit deployed on chain {manifest.chain_id} at block {manifest.deployment_block}")
    for name, address in manifest.contracts.items():
        print(f"  {name:16s} {address}")
    print(f"manifest: {manifest_path}")
    return manifest


def main() -> None:
    """Entry point of `brownie run scripts/deploy.py`."""
    from brownie import accounts, network

    w3 = connect(network.web3.provider.endpoint_uri)
    manifest_path = Path(os.environ.get("TIERCREDIT_DEPLOYMENT_MANIFEST") or DEFAULT_MANIFEST)
    deploy(w3, accounts[0].address, manifest_path, force=False)


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rpc-url", default=os.environ.get("TIERCREDIT_RPC_URL"))
    parser.add_argument("--private-key", default=os.environ.get("TIERCREDIT_DEPLOYER_KEY"))
    parser.add_argument(
        "--manifest",
        type=Path,
        default=Path(os.environ.get("TIERCREDIT_DEPLOYMENT_MANIFEST") or DEFAULT_MANIFEST),
    )
    parser.add_argument("--force", action="store_true", help="replace a manifest of another chain")
    args = parser.parse_args(argv)
    if not args.rpc_url or not args.private_key:
        parser.error(
            "--rpc-url and --private-key are required "
            "(or TIERCREDIT_RPC_URL and TIERCREDIT_DEPLOYER_KEY)"
        )
    w3 = connect(args.rpc_url)
    try:
        deploy(w3, Account.from_key(args.private_key), args.manifest, force=args.force)
    except ManifestError as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(cli())
