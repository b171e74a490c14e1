"""Business logic: owns transactions, the audit log and domain errors. Views call only this."""
