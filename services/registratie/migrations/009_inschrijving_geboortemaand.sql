-- registratie: the birth month each enrolment stated (issue 16's "noticed": two schools whose records
-- disagree on a pupil's birth month published their enrolments again on every upload, each correcting the
-- other). Rows from before stay NULL and compare with the pupil's month, as before.
ALTER TABLE inschrijving ADD COLUMN geboortejaar_maand text;
