"""Reading an uploaded absence CSV whole, block by block, within a limit of rows and bytes.

Why: the file used to be read up to a fixed 2,000,000 bytes and the rest dropped without a word, so
rows vanished from a 207 that reported none refused, and a cut inside a row turned "2,5" hours into
2.0. Now every byte is read or the whole file is refused (413, naming the limit). The bytes are
decoded incrementally, so a multi-byte character split across two blocks is decoded as one, and
reading stops as soon as a limit is passed.
"""

from __future__ import annotations

import codecs
from typing import Protocol

from leerrecht.grenzen import omvang

BLOK = 16 * 1024
"""Bytes read per step from the uploaded file."""


class TeGroot(Exception):
    """The file passes a limit: ``regel`` is ``maximaal_aantal_regels`` or ``maximaal_aantal_bytes``."""

    def __init__(self, regel: str, melding: str) -> None:
        super().__init__(melding)
        self.regel, self.melding = regel, melding


class GeenUtf8(Exception):
    """The file is not UTF-8 text."""


class CsvRegels:
    """Feed raw blocks with :meth:`voeg_toe`, then :meth:`einde` gives ``(line number, text)`` of the
    lines that carry data: the header first, without blank lines and ``#`` comment lines. Line
    numbers count every physical line (line 1 is the first line of the file)."""

    def __init__(self, max_bytes: int, max_rijen: int) -> None:
        self.max_bytes, self.max_rijen = max_bytes, max_rijen
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._rest = ""
        self._bytes = 0
        self._nummer = 0
        self.regels: list[tuple[int, str]] = []

    def voeg_toe(self, blok: bytes) -> None:
        self._bytes += len(blok)
        if self._bytes > self.max_bytes:
            raise TeGroot("maximaal_aantal_bytes",
                          f"Het bestand is groter dan {omvang(self.max_bytes)}; splits het in kleinere bestanden.")
        self._tekst(self._decode(blok, final=False), final=False)

    def einde(self) -> list[tuple[int, str]]:
        self._tekst(self._decode(b"", final=True), final=True)
        return self.regels

    def _decode(self, blok: bytes, *, final: bool) -> str:
        try:
            return self._decoder.decode(blok, final=final)
        except UnicodeDecodeError:
            raise GeenUtf8 from None

    def _tekst(self, tekst: str, *, final: bool) -> None:
        delen = (self._rest + tekst).splitlines(keepends=True)
        self._rest = ""
        # the last piece may continue in the next block (no line end yet, or a "\r" before its "\n")
        if not final and delen and (delen[-1].splitlines()[0] == delen[-1] or delen[-1].endswith("\r")):
            self._rest = delen.pop()
        for deel in delen:
            self._regel(deel.splitlines()[0])

    def _regel(self, tekst: str) -> None:
        self._nummer += 1
        if not tekst.strip() or tekst.lstrip().startswith("#"):
            return
        if len(self.regels) > self.max_rijen:  # the header plus max_rijen data rows are already in
            raise TeGroot("maximaal_aantal_regels",
                          f"Het bestand heeft meer dan {self.max_rijen} regels met gegevens; "
                          "splits het in kleinere bestanden.")
        self.regels.append((self._nummer, tekst))


class _Bestand(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


async def lees_regels(bestand: _Bestand, max_bytes: int, max_rijen: int) -> list[tuple[int, str]]:
    """The whole uploaded file, block by block (raises :class:`TeGroot` or :class:`GeenUtf8`)."""
    lezer = CsvRegels(max_bytes, max_rijen)
    while blok := await bestand.read(BLOK):
        lezer.voeg_toe(blok)
    return lezer.einde()

