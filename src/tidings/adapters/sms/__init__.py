"""SMS channel adapters: SMPP, Twilio-compatible HTTP, the simulator."""
