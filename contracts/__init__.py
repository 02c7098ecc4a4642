"""Leerrecht's shared contracts: the event catalogue every service reads and writes.

* :mod:`contracts.envelope`: the CloudEvents envelope of every record.
* :mod:`contracts.events`: the payload models (``registratie``, ``leerplicht``, ``rmc``, ``telling``).
* :mod:`contracts.codes`: the national code lists of domain.md.
* :mod:`contracts.catalogue`: ``to_envelope`` / ``from_envelope`` / ``decode`` and upcasting.
* :mod:`contracts.topics`: topic names, partitions, configs and publish rules.
* :mod:`contracts.identity`: the erasable regional identity records (the only personal data).
* :mod:`contracts.compat`: schema compatibility checker; :mod:`contracts.generate`: committed artefacts.
"""
