"""The engines' names, apart from either engine, so the command line can list them without loading one."""

from typing import Literal

Engine = Literal["experta", "compiled"]
"""Which engine runs a consultation: Experta (the engine of record) or the compiled evaluator (the same result, faster)."""
ENGINES: tuple[Engine, ...] = ("experta", "compiled")
"""Every engine, the engine of record first."""
