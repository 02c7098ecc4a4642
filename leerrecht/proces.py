"""How a Leerrecht Python process is set up, whatever it runs: a service, ``python -m telling rebuild``
and its worker processes, or a benchmark measuring them.

Why one place: a setting that only the services had made the rebuild command run differently from the
service it rebuilds, and the benchmarks measure both the services' paths and the raw limits they are
compared with, which must run as the services do (issue 16: with Python's own collector thresholds raw
aiokafka ``getmany`` cost 6-8.6 µs of CPU a record, with these 3.8-4.6; ``benchmarks/METINGEN.md``,
"The twelfth session")."""

from __future__ import annotations

import gc

GC_DREMPELS = (50_000, 20, 20)
"""The cyclic garbage collector's thresholds (Python's own are 700, 10, 10).

Why: a request allocates thousands of objects that live until its answer (a batch's pupils, their facts,
the envelopes), and a Kafka client thousands of records per fetch; with a collection every 700 net
allocations the collector kept scanning them and everything they reach. Measured with ``gc.callbacks``
in registratie (``benchmarks.intake_profiel``, ``benchmarks/METINGEN.md``, "The eleventh session"):
0.75 s of CPU in 740 collections for 26 batches of 500 rows, 0.12 s in 6 with these; for 2,000 single
POSTs 0.36-0.62 s against 0.15-0.18. Memory: garbage in reference cycles lives up to 50,000 allocations
longer, a few megabytes at most. The projection runners pause the collector while they apply a fetch
(``leerrecht.projection.GC_PAUZE``) either way."""


def zet_gc_drempels() -> tuple[int, int, int]:
    """Set :data:`GC_DREMPELS` in this process; returns the thresholds now in force (for the log)."""
    gc.set_threshold(*GC_DREMPELS)
    return gc.get_threshold()
