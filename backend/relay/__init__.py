"""The write path's engine room: members' requests recorded durably, signed, and relayed through
the forwarder in batches by an operator-funded relayer (no FastAPI here)."""
