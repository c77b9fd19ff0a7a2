"""Custodial signing keys, one encrypted keystore (v3) file per member address.

The key is decrypted only to sign; it is never returned by the API nor logged. Decryption is slow on
purpose (scrypt), so decrypted accounts are kept in this process's memory once loaded.
"""

import json
import os
import threading
from pathlib import Path
from typing import Literal

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from backend.core.errors import NotFound


class Keystore:
    def __init__(
        self,
        directory: Path,
        password: str,
        kdf: Literal["scrypt", "pbkdf2"] = "scrypt",
        iterations: int | None = None,
    ) -> None:
        self._directory = directory
        self._password = password
        self._kdf = kdf
        self._iterations = iterations
        self._unlocked: dict[str, LocalAccount] = {}
        self._lock = threading.Lock()

    def create(self) -> str:
        """Generates a new key, stores it encrypted and returns its checksummed address."""
        account: LocalAccount = Account.create()
        self._write(account)
        return account.address

    def import_key(self, private_key: str | bytes) -> str:
        """Stores an existing key (for example the deployer's, which is the consortium operator)."""
        account: LocalAccount = Account.from_key(private_key)
        self._write(account)
        return account.address

    def has(self, address: str) -> bool:
        return self._path(address).exists()

    def account(self, address: str) -> LocalAccount:
        """The signer for `address`, decrypted once per process."""
        checksum = to_checksum_address(address)
        with self._lock:
            cached = self._unlocked.get(checksum)
            if cached is not None:
                return cached
            path = self._path(checksum)
            if not path.exists():
                raise NotFound(
                    "KeystoreKeyNotFound",
                    "no custodial key for this address",
                    {"address": checksum},
                )
            encrypted = json.loads(path.read_text(encoding="utf-8"))
            account: LocalAccount = Account.from_key(Account.decrypt(encrypted, self._password))
            self._unlocked[checksum] = account
            return account

    def remove(self, address: str) -> None:
        """Deletes a key that never became a member's (its onboarding failed)."""
        checksum = to_checksum_address(address)
        with self._lock:
            self._unlocked.pop(checksum, None)
            self._path(checksum).unlink(missing_ok=True)

    def _write(self, account: LocalAccount) -> None:
        encrypted = Account.encrypt(
            account.key, self._password, kdf=self._kdf, iterations=self._iterations
        )
        self._directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(account.address)
        temporary = path.with_suffix(".tmp")
        # Created 0600 from the start: the file is never readable by others, even briefly.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(encrypted, handle)
        os.replace(temporary, path)

    def _path(self, address: str) -> Path:
        return self._directory / f"{to_checksum_address(address)}.json"
