// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consortium} from "../../contracts/Consortium.sol";
import {IConsortium} from "../../contracts/interfaces/IConsortium.sol";

/// @notice The cheatcodes these tests use: forge-std has no npm package, so each suite declares
/// what it needs of Foundry's cheatcode contract.
interface Vm {
    function assume(bool condition) external pure;
    function prank(address sender) external;
    function expectRevert() external;
}

/// @notice Proves the Foundry plumbing (compiler settings, solc-js, fuzz and invariant runs) and
/// nothing more; the real invariant suite replaces it.
contract ToolchainTest {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    Consortium internal consortium;

    function setUp() public {
        consortium = new Consortium(address(this));
    }

    /// @dev Read by forge: the invariant run calls only the Consortium, from a few strangers.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(consortium);
    }

    function targetSenders() public pure returns (address[] memory senders) {
        senders = new address[](3);
        senders[0] = address(0xA11CE);
        senders[1] = address(0xB0B);
        senders[2] = address(0xCA401);
    }

    function testFuzz_strangerCannotOnboard(address stranger, address account) public {
        vm.assume(stranger != address(this));
        vm.expectRevert();
        vm.prank(stranger);
        consortium.onboard(account, bytes32(0), new bytes32[](0));
    }

    function invariant_operatorStaysAnActiveOperator() public view {
        require(consortium.hasRole(consortium.OPERATOR_ROLE(), address(this)), "operator lost its role");
        require(consortium.statusOf(address(this)) == IConsortium.MemberStatus.Active, "operator not active");
    }
}
