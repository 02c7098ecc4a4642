"""The register's seed mapping and its dated view (pure; issue 13)."""

from __future__ import annotations

from datetime import date

from registratie.scholen import RegisterFeit, op_datum, seed, so_types, vo_structuur

from contracts.codes import SchoolType, Vakantieregio, VoStructuur


def test_the_seed_holds_every_type_with_the_locations_own_holiday_region() -> None:
    s = seed()
    assert len(s) == 6122 + 1630 + 643
    assert s["20TZ00"].school_types == (SchoolType.VO,)
    assert s["12NW00"].praktijkonderwijs and s["12NW00"].vo_structuur == (VoStructuur.PRO,)
    assert s["20TZ13"].isk  # "loc. ISK" in DUO's name
    assert s["01JH04"].school_types == (SchoolType.VSO,)
    assert s["01JH03"].school_types == (SchoolType.SO, SchoolType.VSO)
    # Didam (Montferland, a split municipality): DUO says zuid, the municipality's majority midden
    assert s["16SK01"].vakantieregio is Vakantieregio.ZUID and s["04AN00"].vakantieregio is Vakantieregio.ZUID


def test_mapping_of_duo_columns() -> None:
    assert vo_structuur("VBO/MAVO/PRO") == (VoStructuur.VBO, VoStructuur.MAVO, VoStructuur.PRO)
    assert so_types("(V)SO: SO ZMLK + VSO ZMLK") == (SchoolType.SO, SchoolType.VSO)
    assert so_types("VSO: VSO ZMOK") == (SchoolType.VSO,)


def test_the_register_on_a_date() -> None:
    v = seed()["20TZ00"]
    nieuw = RegisterFeit("20TZ00", date(2026, 1, 1), 1, None)
    assert op_datum(v, [nieuw], date(2025, 12, 31)) == v
    assert op_datum(v, [nieuw], date(2026, 1, 1)) is None
    assert op_datum(None, [], date(2026, 1, 1)) is None
    open_tot = RegisterFeit("99ZZ01", date(2025, 8, 1), 2, v, geldig_tot=date(2026, 8, 1))
    assert op_datum(None, [open_tot], date(2026, 7, 31)) == v
    assert op_datum(None, [open_tot], date(2026, 8, 1)) is None
    assert op_datum(None, [open_tot], date(2025, 7, 31)) is None
