// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title Forwarder
/// @notice Relays members' EIP-712 signed requests to the platform contracts (ERC-2771), so that a
/// relayer pays the gas and members need no ether. Every platform contract trusts this one
/// forwarder (`IConsortium.trustedForwarder`) and reads the signer as the caller.
/// @dev OpenZeppelin's forwarder unchanged: per-signer sequential nonces, deadlines, and
/// `executeBatch` which, given a refund receiver, skips a request that fails instead of failing
/// the batch (`ExecutedForwardRequest.success` tells which).
contract Forwarder is ERC2771Forwarder {
    constructor() ERC2771Forwarder("TierCredit Forwarder") {}
}
