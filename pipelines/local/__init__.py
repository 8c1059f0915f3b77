"""Running the study DAG on this machine: kfp.local under a supervisor (``make run``).

``run_local`` is the entry point; ``watch`` and ``supervisor`` run and stop the tasks,
``warm_python`` forks lightweight steps from one warm interpreter, ``runners`` picks the
kfp.local runner (processes or Docker), ``runs`` keeps each run's folder, ``console`` prints
progress and ``local_compat`` lists the kfp.local internals replaced (checked against the
installed kfp) and flattens nested fan-ins. Imports run one way only:
from here to the DAG (``pipelines.study``, ``placement``, ``arguments``), never back.
"""
