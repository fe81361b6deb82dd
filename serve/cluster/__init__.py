"""The service past one host: camera workers as Ray actors, the API as their ingress.

Nothing here is imported by ``streetwatch serve`` without ``--cluster``: the single-process
service needs no Ray. ``placement`` (which worker owns which camera) and ``checkpoint``
(what a moved camera resumes from) are plain Python; ``ray`` is imported only by the
modules that start or join a cluster.
"""
