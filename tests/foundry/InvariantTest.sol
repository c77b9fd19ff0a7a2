// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title The target discovery of a Foundry invariant test
/// @notice Forge calls these views after `setUp` to learn which contracts, functions and senders
/// to fuzz. Names, struct shapes and return types are those forge decodes (forge-std's
/// StdInvariant ABI); forge-std itself is not installable here.
abstract contract InvariantTest {
    /// @notice The functions of one contract to fuzz.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice The functions of one artifact to fuzz, by artifact name.
    struct FuzzArtifactSelector {
        string artifact;
        bytes4[] selectors;
    }

    /// @notice A contract to fuzz through the ABI of the named artifacts.
    struct FuzzInterface {
        address addr;
        string[] artifacts;
    }

    address[] private _targetedContracts;
    address[] private _excludedContracts;
    address[] private _targetedSenders;
    address[] private _excludedSenders;
    FuzzSelector[] private _targetedSelectors;
    FuzzSelector[] private _excludedSelectors;
    string[] private _targetedArtifacts;
    string[] private _excludedArtifacts;
    FuzzArtifactSelector[] private _targetedArtifactSelectors;
    FuzzInterface[] private _targetedInterfaces;

    /// @notice Contracts forge fuzzes; empty means every contract deployed in `setUp`.
    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    /// @notice Contracts forge leaves alone.
    function excludeContracts() public view returns (address[] memory) {
        return _excludedContracts;
    }

    /// @notice Senders forge calls from; empty means random ones.
    function targetSenders() public view returns (address[] memory) {
        return _targetedSenders;
    }

    /// @notice Senders forge never calls from.
    function excludeSenders() public view returns (address[] memory) {
        return _excludedSenders;
    }

    /// @notice Functions forge calls, per contract.
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    /// @notice Functions forge never calls, per contract.
    function excludeSelectors() public view returns (FuzzSelector[] memory) {
        return _excludedSelectors;
    }

    /// @notice Artifacts whose deployments forge fuzzes.
    function targetArtifacts() public view returns (string[] memory) {
        return _targetedArtifacts;
    }

    /// @notice Artifacts whose deployments forge leaves alone.
    function excludeArtifacts() public view returns (string[] memory) {
        return _excludedArtifacts;
    }

    /// @notice Functions forge calls, per artifact.
    function targetArtifactSelectors() public view returns (FuzzArtifactSelector[] memory) {
        return _targetedArtifactSelectors;
    }

    /// @notice Contracts forge fuzzes through other artifacts' ABIs.
    function targetInterfaces() public view returns (FuzzInterface[] memory) {
        return _targetedInterfaces;
    }

    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    function excludeContract(address target) internal {
        _excludedContracts.push(target);
    }

    function targetSender(address sender) internal {
        _targetedSenders.push(sender);
    }

    function targetSelector(FuzzSelector memory selection) internal {
        _targetedSelectors.push(selection);
    }
}
