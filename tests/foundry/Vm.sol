// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title The Foundry cheatcodes these tests use
/// @notice forge-std has no npm package here, so the few cheatcodes the invariant campaign needs are
/// declared by hand. Signatures are Foundry's own; forge answers them at `VM_ADDRESS`.
interface Vm {
    /// @notice The next call is made with `msgSender` as msg.sender.
    function prank(address msgSender) external;

    /// @notice Every call until `stopPrank` is made with `msgSender` as msg.sender.
    function startPrank(address msgSender) external;

    /// @notice Ends a `startPrank`.
    function stopPrank() external;

    /// @notice Sets block.timestamp.
    function warp(uint256 newTimestamp) external;

    /// @notice Discards the current fuzz input unless `condition` holds.
    function assume(bool condition) external pure;

    /// @notice Names an address in traces.
    function label(address account, string calldata newLabel) external;

    /// @notice The address of a private key.
    function addr(uint256 privateKey) external pure returns (address keyAddr);

    /// @notice Deploys a compiled artifact ("File.sol:Contract") with ABI-encoded constructor
    /// arguments; the deployer's own code then need not embed the artifact's creation code.
    function deployCode(string calldata artifactPath, bytes calldata constructorArgs)
        external
        returns (address deployedAddress);

    /// @notice Signs a digest with a private key.
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
}

/// @dev Where forge answers cheatcodes: address(uint160(uint256(keccak256("hevm cheat code")))).
address constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;
Vm constant vm = Vm(VM_ADDRESS);
