"""Ops: running the job unattended — the daemon (scheduler), its jobs, local-time delivery,
locks, alerts, status, logs and the parallel send workers.

"Where does the 6 a.m. job start": scheduler.py schedules jobs.py's collect / build /
send rounds. locks, localtime and alerts are leaves the pipeline uses (they never import
it); jobs, scheduler, status and workers sit above the pipeline and call it. May import
the shared base, config, store, compose, delivery, desk and pipeline; never web or cli.
"""
