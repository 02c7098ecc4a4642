-- The klok each person's figures were computed at. A klok move wakes many persons at once (every
-- pupil in vo/mbo on 1 October); they are brought up to date in chunks, each from its own klok, so a
-- batch stays short (telling.projection). NULL: computed before this column existed (recomputed whole).
ALTER TABLE leerling_feiten ADD COLUMN klok date;
