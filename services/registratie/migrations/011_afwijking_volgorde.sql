-- The flags are listed newest first, for one school or all, a page at a time (GET /v1/beheer/...-afwijkingen):
-- at national size a year of flags is far more than one page.
CREATE INDEX woongemeente_afwijking_gemeld ON woongemeente_afwijking (gemeld_op DESC, pseudoniem);
CREATE INDEX woongemeente_afwijking_school ON woongemeente_afwijking (school, gemeld_op DESC);
CREATE INDEX geboortedatum_afwijking_gemeld ON geboortedatum_afwijking (gemeld_op DESC, pseudoniem);
CREATE INDEX geboortedatum_afwijking_school ON geboortedatum_afwijking (school, gemeld_op DESC);
