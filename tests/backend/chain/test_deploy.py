"""Deployment on Anvil and Ganache, by key and by unlocked account, with and without automine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from backend.chain.artifacts import PLATFORM_CONTRACTS, compiler_version, load_artifacts
from backend.chain.client import Chain
from backend.chain.compiler import pinned_solc_version, solc_binary
from backend.chain.deploy import PLATFORM_KYC_HASH, deploy_platform
from backend.chain.ids import role_id
from backend.chain.manifest import Manifest, read_manifest
from backend.chain.node import LocalNode, anvil_binary, dev_accounts, start_node

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEPLOY_SCRIPT = PROJECT_ROOT / "scripts" / "deploy.py"
CONTRACTS_PYTHON = PROJECT_ROOT / ".venv-contracts" / "bin" / "python"
EIP170_LIMIT = 24_576
ACTIVE = 1


def assert_wired(chain: Chain, manifest: Manifest, deployer: str) -> None:
    """Every contract has code; links and platform memberships are in place."""
    chain.verify()
    for name in ("CreditVoucher", "Financing", "Settlement"):
        address = manifest.address(name)
        assert chain.read("Consortium", "statusOf", address) == ACTIVE
        assert chain.read("Consortium", "hasRole", role_id("PLATFORM"), address)
    assert chain.read("Consortium", "hasRole", role_id("OPERATOR"), deployer)
    events = [
        e
        for e in chain.events.decode_all(
            chain.w3.eth.get_logs(
                {
                    "fromBlock": manifest.deployment_block,
                    "toBlock": "latest",
                    "address": list(manifest.contracts.values()),
                }
            )
        )
    ]
    linked = [
        (e.contract, e.name, e.args)
        for e in events
        if e.name in ("VoucherLinked", "PlatformLinked")
    ]
    voucher = {"voucher": manifest.address("CreditVoucher")}
    assert linked == [
        ("Consortium", "VoucherLinked", voucher),
        ("InvoiceRegistry", "VoucherLinked", voucher),
        (
            "CreditVoucher",
            "PlatformLinked",
            {
                "financing": manifest.address("Financing"),
                "settlement": manifest.address("Settlement"),
            },
        ),
    ]
    onboarded = [
        e.args
        for e in events
        if e.name == "MemberOnboarded" and e.args["kycHash"] == PLATFORM_KYC_HASH
    ]
    assert [a["member"] for a in onboarded] == [
        manifest.address("CreditVoucher"),
        manifest.address("Financing"),
        manifest.address("Settlement"),
    ]


def test_session_deployment_manifest(
    chain_client: Chain, deployment: Manifest, role_accounts
) -> None:
    artifacts = load_artifacts()
    block = chain_client.w3.eth.get_block(deployment.deployment_block)

    assert deployment.chain_id == 7357
    assert list(deployment.contracts) == list(PLATFORM_CONTRACTS)
    assert deployment.abi_hashes == {name: artifacts[name].abi_hash for name in PLATFORM_CONTRACTS}
    assert deployment.compiler_version == compiler_version() == pinned_solc_version()
    assert deployment.deployer == role_accounts["operator"].address
    assert deployment.deployment_block_hash == "0x" + bytes(block["hash"]).hex()
    assert_wired(chain_client, deployment, role_accounts["operator"].address)


def test_platform_code_stays_under_eip170() -> None:
    artifacts = load_artifacts()

    sizes = {name: len(artifacts[name].deployed_bytecode) for name in PLATFORM_CONTRACTS}

    assert all(0 < size <= EIP170_LIMIT for size in sizes.values()), sizes


@pytest.fixture(scope="module")
def ganache() -> Iterator[LocalNode]:
    node = start_node("ganache")
    yield node
    node.stop()


def test_deploy_script_with_a_key_on_ganache(ganache: LocalNode, tmp_path: Path) -> None:
    manifest_path = tmp_path / "ganache.json"
    env = {
        **os.environ,
        "TIERCREDIT_RPC_URL": ganache.url,
        "TIERCREDIT_DEPLOYER_KEY": ganache.accounts[3].key.hex(),
    }

    result = subprocess.run(
        [sys.executable, str(DEPLOY_SCRIPT), "--manifest", str(manifest_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    manifest = read_manifest(manifest_path)
    assert (manifest.chain_id, manifest.deployer) == (1337, ganache.accounts[3].address)
    assert_wired(
        Chain(ganache.url, manifest, expected_chain_id=1337), manifest, ganache.accounts[3].address
    )


def brownie_project(tmp_path: Path) -> Path:
    """The project, at a path `brownie run` can import its scripts from.

    Brownie 1.22 imports a script under a module name made of its absolute path, so a dot in any
    directory name breaks `brownie run` (eth-brownie/brownie#1081; `mktemp -d` makes such names).
    From such a checkout the run goes through a stand-in at a path without dots: every entry of
    the project linked, except `scripts/`, a real directory of copies, whose path is the one
    Brownie turns into a module name.
    """
    if not any("." in part for part in PROJECT_ROOT.parts):
        return PROJECT_ROOT
    stand_in = tmp_path / "project"
    if any("." in part for part in stand_in.parts):
        pytest.skip(f"neither {PROJECT_ROOT} nor {stand_in} is a path brownie run can import from")
    stand_in.mkdir()
    for entry in PROJECT_ROOT.iterdir():
        if entry.name != "scripts":
            (stand_in / entry.name).symlink_to(entry)
    shutil.copytree(PROJECT_ROOT / "scripts", stand_in / "scripts")
    return stand_in


def test_brownie_run_deploys_on_its_anvil(tmp_path: Path) -> None:
    # `brownie run scripts/deploy.py --network anvil`, from the contracts' environment, through
    # tools/run_brownie.py as make runs Brownie (its Anvil on a free port, so a concurrent run's
    # node is never used): Brownie starts `anvil` by name from PATH, and py-solc-x looks for the
    # project's compiler in SOLCX_BINARY_PATH. Both point where the backend finds them, so the
    # test runs outside make as well.
    manifest_path = tmp_path / "brownie.json"
    env = {
        **os.environ,
        "TIERCREDIT_DEPLOYMENT_MANIFEST": str(manifest_path),
        "PATH": os.pathsep.join([str(Path(anvil_binary()[0]).parent), os.environ["PATH"]]),
        "SOLCX_BINARY_PATH": str(solc_binary(pinned_solc_version()).parent),
    }

    result = subprocess.run(
        [
            str(CONTRACTS_PYTHON),
            "tools/run_brownie.py",
            "run",
            "scripts/deploy.py",
            "--network",
            "anvil",
        ],
        cwd=brownie_project(tmp_path),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    manifest = read_manifest(manifest_path)
    # Brownie's Anvil runs the default development mnemonic and chain id; its first account deploys.
    assert (manifest.chain_id, manifest.deployer) == (31337, dev_accounts()[0].address)
    assert sorted(manifest.contracts) == sorted(PLATFORM_CONTRACTS)
    artifacts = load_artifacts()
    assert manifest.abi_hashes == {name: artifacts[name].abi_hash for name in PLATFORM_CONTRACTS}
    assert manifest.compiler_version == compiler_version()
    assert f"TierCredit deployed on chain 31337 at block {manifest.deployment_block}" in (
        result.stdout
    )


def test_unlocked_account_on_ganache(ganache: LocalNode) -> None:
    deployer = ganache.accounts[4].address
    manifest = deploy_platform(Web3(Web3.HTTPProvider(ganache.url)), deployer)

    assert_wired(Chain(ganache.url, manifest), manifest, deployer)


def test_deploy_without_automine(tmp_path: Path) -> None:
    # Blocks every second, as on a real network: every step must wait for its receipt.
    with start_node("anvil", chain_id=424242, block_time=1) as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        manifest = deploy_platform(w3, node.accounts[0])

        assert manifest.chain_id == 424242
        assert_wired(
            Chain(node.url, manifest, expected_chain_id=424242), manifest, node.accounts[0].address
        )


def test_deploy_script_refuses_another_chains_manifest(
    ganache: LocalNode, anvil: LocalNode, tmp_path: Path
) -> None:
    manifest_path = tmp_path / "local.json"
    key = ganache.accounts[5].key.hex()

    def run(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                str(DEPLOY_SCRIPT),
                "--rpc-url",
                url,
                "--private-key",
                key,
                "--manifest",
                str(manifest_path),
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    assert run(ganache.url).returncode == 0
    before = manifest_path.read_text()
    nonce_before = Web3(Web3.HTTPProvider(anvil.url)).eth.get_transaction_count(
        ganache.accounts[5].address
    )

    refused = run(anvil.url)

    assert refused.returncode == 1
    assert "describes chain 1337, not chain 7357" in refused.stderr
    assert manifest_path.read_text() == before
    # Refused before deploying: nothing was sent to the other chain.
    assert (
        Web3(Web3.HTTPProvider(anvil.url)).eth.get_transaction_count(ganache.accounts[5].address)
        == nonce_before
    )

    forced = run(anvil.url, "--force")

    assert forced.returncode == 0, forced.stderr
    assert json.loads(manifest_path.read_text())["chain_id"] == 7357
