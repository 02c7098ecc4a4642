"""Reference CSVs shipped with leerrecht (see SOURCES.md); a package so setuptools ships them."""
