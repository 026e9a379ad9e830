"""The keys of PostgreSQL's advisory locks, in one place: two uses sharing a key would make
each wait for the other for nothing (an opt-out for a table's analysis, say)."""

# Several processes may start at once; one migrates, the others wait.
MIGRATIONS = 7405661
# Receipts and the settling of sends: a receipt may overtake its own send's settlement, and
# one of the two must see the other's provider id.
RECEIPTS = 0x7469_6469_6E67_0001
# Changes to one address's opt-outs read then write; they take turns.
OPT_OUTS = 0x7469_6469_6E67_0002
# The parts of long inbound messages, gathered by whichever process receives each.
INBOUND_PARTS = 0x7469_6469_6E67_0003
# Held by the dispatcher analysing a table, so that of several only one analyses at a time.
ANALYSING = 0x7469_6469_6E67_0004
