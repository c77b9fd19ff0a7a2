"""The demo consortium, its seeding, the demo story, and the processes `tiercredit up` runs."""
