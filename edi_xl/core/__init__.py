"""The core: pure, no I/O. The action-plan model, RAG status words, dates as people write them,
WRES / WDES / High Impact Action references, the rules (an action at an as-at date), the
reporting rounds, problems as records, the Summary's figures and small text helpers."""
