-- telling, issue 16 (seventh round): memberships are no longer stored. A member of a cell is a person
-- (or one of their dossiers) derived from that person's facts alone (leerling_feiten), and every fold
-- already knows the person's contribution to each cell before and after it: the change of a cell is
-- the sum of the fold's history mutations (telling.projection). The rows per (cell, member, source)
-- were 1.2 of PostgreSQL's ~5.3 new rows per event (benchmarks/METINGEN.md) and only fed that count.
-- Existing databases keep their figures and facts; nothing reads this table any more. Dropping it also
-- makes an instance of the code before this fail loudly instead of counting from a stale table: stop
-- the old instances before migrating (or switch blue/green, python -m telling rebuild --switch).
DROP TABLE lidmaatschap;
