"""The deployment manifest: round trip, and never silently replacing another chain's."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.chain.client import Chain
from backend.chain.compiler import pinned_solc_version
from backend.chain.manifest import (
    Manifest,
    ManifestChainMismatch,
    ManifestError,
    read_manifest,
    write_manifest,
)


def manifest(chain_id: int) -> Manifest:
    return Manifest(
        chain_id=chain_id,
        contracts={"Consortium": "0x5FbDB2315678afecb367f032d93F642f64180aa3"},
        deployment_block=1,
        deployment_block_hash="0x" + "ab" * 32,
        compiler_version=pinned_solc_version(),
        abi_hashes={"Consortium": "0x" + "cd" * 32},
        deployer="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    )


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "deployments" / "local.json"

    write_manifest(path, manifest(1337))

    assert read_manifest(path) == manifest(1337)


def test_refuses_to_replace_another_chains_manifest(tmp_path: Path) -> None:
    path = tmp_path / "local.json"
    write_manifest(path, manifest(1337))

    with pytest.raises(ManifestChainMismatch) as caught:
        write_manifest(path, manifest(31337))

    assert (caught.value.existing_chain_id, caught.value.new_chain_id) == (1337, 31337)
    assert read_manifest(path) == manifest(1337)


def test_same_chain_is_replaced_and_force_replaces_any(tmp_path: Path) -> None:
    path = tmp_path / "local.json"
    write_manifest(path, manifest(1337))
    redeployed = Manifest(**{**manifest(1337).__dict__, "deployment_block": 9})

    write_manifest(path, redeployed)
    assert read_manifest(path).deployment_block == 9

    write_manifest(path, manifest(31337), force=True)
    assert read_manifest(path).chain_id == 31337


def test_malformed_and_missing_manifests_are_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"chain_id": 1}')

    with pytest.raises(ManifestError, match="malformed"):
        read_manifest(broken)
    with pytest.raises(ManifestError, match="deploy first"):
        read_manifest(tmp_path / "absent.json")


def test_client_refuses_a_manifest_of_another_chain(anvil, deployment: Manifest) -> None:
    with pytest.raises(ManifestError, match="settings expect chain 1337"):
        Chain(anvil.url, deployment, expected_chain_id=1337)

    elsewhere = Manifest(**{**deployment.__dict__, "chain_id": 1337})
    with pytest.raises(ManifestError, match="the node is chain 7357"):
        Chain(anvil.url, elsewhere).verify()


def test_client_refuses_a_deployment_of_other_abis(anvil, deployment: Manifest) -> None:
    stale = Manifest(
        **{**deployment.__dict__, "abi_hashes": {**deployment.abi_hashes, "Financing": "0x00"}}
    )

    with pytest.raises(ManifestError, match="other ABIs of Financing"):
        Chain(anvil.url, stale)
