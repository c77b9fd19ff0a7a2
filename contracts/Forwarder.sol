// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title Forwarder
/// @notice Relays members' EIP-712 signed requests to the platform contracts (ERC-2771), so that a
/// relayer pays the gas and members need no ether. Every platform contract trusts this one
/// forwarder (`IConsortium.trustedForwarder`) and reads the signer as the caller.
/// @dev OpenZeppelin's forwarder unchanged: per-signer sequential nonces, deadlines, and
/// `executeBatch`, in which a request whose call reverts never fails the others (its nonce is
/// spent; `ExecutedForwardRequest.success` tells). An invalid request (expired, wrongly signed,
/// untrusting target) is skipped without spending a nonce when a refund receiver is given, and
/// reverts the whole batch when it is not.
contract Forwarder is ERC2771Forwarder {
    constructor() ERC2771Forwarder("TierCredit Forwarder") {}
}
