-- As-of history of the figures (telling.domain.historie): per cell and registratiedag (the Amsterdam
-- day of the envelope's recordedtime) the change of the cell's value. The value as of peildatum D is
-- the sum of the mutations with dag <= D; the sum of all of them is cijfer.waarde. Written in the
-- batch's own transaction, so history and live figures never disagree.
CREATE TABLE cel_historie (
    indicator text NOT NULL,
    gebied text NOT NULL,
    periode text NOT NULL,
    dag date NOT NULL,
    mutatie numeric NOT NULL,
    PRIMARY KEY (indicator, gebied, periode, dag)
);
CREATE INDEX cel_historie_gebied ON cel_historie (gebied, indicator, periode);
