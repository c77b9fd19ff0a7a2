"""A separate worker process for the nonce test: sends COUNT transfers from one signer.

Usage: python nonce_worker.py RPC_URL DATABASE_URL PRIVATE_KEY TO COUNT
Prints "ready" once loaded, then waits for a line on stdin, so every worker starts sending at
the same moment; finally prints the nonces and transaction hashes it got, as JSON.
"""

from __future__ import annotations

import json
import sys

from eth_account import Account
from web3 import Web3

from backend.chain.errors import ErrorDecoder
from backend.chain.events import EventDecoder
from backend.chain.sender import Call, NonceAllocator, TxSender
from backend.core.database import make_engine


def main() -> None:
    rpc_url, database_url, key, to, count = sys.argv[1:]
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    sender = TxSender(
        w3,
        Account.from_key(key),
        NonceAllocator(make_engine(database_url), w3),
        events=EventDecoder({}),
        errors=ErrorDecoder({}),
    )
    print("ready", flush=True)
    sys.stdin.readline()
    sent = [sender.transact(Call(to=to, data=b"", value=1)) for _ in range(int(count))]
    json.dump([{"nonce": o.nonce, "tx_hash": o.tx_hash} for o in sent], sys.stdout)


if __name__ == "__main__":
    main()
