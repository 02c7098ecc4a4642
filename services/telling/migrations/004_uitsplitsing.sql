-- Breakdowns of the figures by school type and age band (domain.md C): a cell is now
-- (indicator, gebied, periode, uitsplitsing); '' is the area's figure itself, 'schooltype:vo' or
-- 'leeftijd:12-15' a breakdown of it (telling.domain.figures.UITSPLITSINGEN). Existing rows are the
-- area figures; a rebuild (python -m telling rebuild --switch) fills the breakdowns from the log.
ALTER TABLE cijfer ADD COLUMN uitsplitsing text NOT NULL DEFAULT '';
ALTER TABLE cijfer DROP CONSTRAINT cijfer_pkey;
ALTER TABLE cijfer ADD PRIMARY KEY (indicator, gebied, periode, uitsplitsing);

ALTER TABLE lidmaatschap ADD COLUMN uitsplitsing text NOT NULL DEFAULT '';
ALTER TABLE lidmaatschap DROP CONSTRAINT lidmaatschap_pkey;
ALTER TABLE lidmaatschap ADD PRIMARY KEY (indicator, gebied, periode, uitsplitsing, lid, bron);

ALTER TABLE cel_historie ADD COLUMN uitsplitsing text NOT NULL DEFAULT '';
ALTER TABLE cel_historie DROP CONSTRAINT cel_historie_pkey;
ALTER TABLE cel_historie ADD PRIMARY KEY (indicator, gebied, periode, uitsplitsing, dag);
