-- rmc (one instance per region): young people in the Doorstroompunt's care.
CREATE TABLE jongere (
    pseudoniem text PRIMARY KEY,
    status text NOT NULL,
    aangemeld_op date NOT NULL,
    woongemeente text NOT NULL,
    geboortejaar_maand text NOT NULL
);
