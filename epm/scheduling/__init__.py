"""The critical-path engine: early and late dates, floats and the critical path of a network of
tasks linked finish-to-start, start-to-start, finish-to-finish or start-to-finish with lags.

Pure Python, no Django: the planning app and outside benchmarks call it. Offsets are working
days from the project start (0); the working calendar turns them into dates.

    from epm.scheduling import compute, CycleError
    s = compute([3, 2, 4], [(0, 1, "FS", 0), (0, 2, "SS", 1)])
    s.es, s.ef, s.ls, s.lf, s.total_float, s.free_float, s.critical, s.finish
"""

from .cpm import KINDS, CycleError, Schedule, compute

__all__ = ["KINDS", "CycleError", "Schedule", "compute"]
