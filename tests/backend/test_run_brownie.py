"""tools/run_brownie.py: Brownie's Anvil on a free port, and never a node another run started."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path
from urllib.parse import urlparse

from web3 import Web3

from backend.chain.node import anvil_binary, start_node

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_PYTHON = PROJECT_ROOT / ".venv-contracts" / "bin" / "python"


def run_in_brownies_environment(script: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(anvil_binary()[0]).parent), os.environ["PATH"]]),
    }
    return subprocess.run(
        [str(CONTRACTS_PYTHON), "-c", textwrap.dedent(script)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_refuses_to_attach_to_a_node_it_did_not_start() -> None:
    # As if the free port had been taken by another checkout's node before Brownie connected.
    with start_node("anvil") as foreign:
        w3 = Web3(Web3.HTTPProvider(foreign.url))
        before = w3.eth.block_number
        result = run_in_brownies_environment(
            f"""
            import sys
            sys.path.insert(0, "tools")
            import run_brownie
            run_brownie.free_port = lambda host="127.0.0.1": {urlparse(foreign.url).port}
            sys.argv = ["run_brownie.py", "run", "scripts/deploy.py", "--network", "anvil"]
            sys.exit(run_brownie.main())
            """
        )

        assert result.returncode != 0
        assert "ForeignNodeError" in result.stdout + result.stderr
        assert "TierCredit deployed" not in result.stdout
        assert w3.eth.block_number == before


def test_a_launched_node_that_does_not_hold_the_port_is_refused_and_stopped() -> None:
    # As if this run's Anvil lost the port to another run's, which then answers Brownie's polls.
    result = run_in_brownies_environment(
        """
        import sys
        import psutil
        sys.path.insert(0, "tools")
        import run_brownie
        from brownie.network.rpc import Rpc

        def launch_that_loses_the_port(self, cmd, **kwargs):
            self.process = psutil.Popen(["sleep", "60"])

        run_brownie._brownie_launch = launch_that_loses_the_port
        rpc = Rpc()
        try:
            run_brownie.launch_own(rpc, "anvil", port=run_brownie.free_port())
        except run_brownie.ForeignNodeError as exc:
            print("refused:", exc)
        print("stopped:", not rpc.process.is_running()
              or rpc.process.status() == psutil.STATUS_ZOMBIE)
        """
    )

    assert result.returncode == 0, result.stderr
    assert "refused: the node answering on port" in result.stdout
    assert "stopped: True" in result.stdout
