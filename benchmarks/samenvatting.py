"""``python -m benchmarks.samenvatting``: one results file with every ratio of issue 16 and its target.

``make bench`` runs ``benchmarks``, ``benchmarks.intake`` and ``benchmarks.rebuild`` (each writes its own
``benchmarks/results/<soort><tijd>.json``); this collects the newest of each into
``benchmarks/results/latest.json`` and ``latest.md`` (the Markdown table the README shows). Every ratio
is to a raw limit measured in the same run as the figure itself, never to a number from elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"

# (key in latest.json, what, from file kind, figure, raw limit, target)
DOELEN: list[tuple[str, str, str, str, str, float]] = [
    ("telling_live", "telling live (TellingRunner, 40 topics)", "rebuild-", "live_ev_s", "raw_consume_ev_s", 0.25),
    ("telling_rebuild", "telling rebuild (from offset 0)", "rebuild-", "rebuild_ev_s", "raw_consume_ev_s", 0.25),
    ("runner_telling", "ProjectionRunner + telling projection", "", "runner_telling", "raw_consume", 0.3),
    ("runner_leerplicht", "ProjectionRunner + leerplicht projection", "", "runner_leerplicht", "raw_consume", 0.3),
    ("runner_leerplicht_regio", "ProjectionRunner + leerplicht projection (regional log)", "",
     "runner_leerplicht_regio", "raw_consume_regio", 0.3),
    ("runner_rmc", "ProjectionRunner + rmc projection (regional log)", "", "runner_rmc", "raw_consume_regio", 0.3),
    ("runner_registratie_meldingstatus", "ProjectionRunner + registratie report statuses (regional log)", "",
     "runner_registratie_meldingstatus", "raw_consume_regio", 0.3),
    ("publisher", "EventPublisher", "", "publisher", "raw_produce", 0.6),
    ("intake_batch", "POST /v1/afwezigheden/batch, 500 rows", "intake-", "http_batch", "raw_batched", 0.5),
    ("intake_single", "POST /v1/afwezigheden, 32 clients", "intake-", "http_single", "raw_send_and_wait", 0.25),
]


def _nieuwste(soort: str, *nodig: str) -> tuple[Path, dict[str, Any]] | None:
    """The newest results file of one kind (``""``: ``python -m benchmarks``, named by timestamp only).
    telling's live and rebuild figures come from ``benchmarks.rebuild`` or ``benchmarks.land``, whichever
    ran last (both measure raw ``getmany`` on the same topics). Only files holding the keys ``nodig``."""
    soorten = ("rebuild-", "land-") if soort == "rebuild-" else (soort,)
    kandidaten = [p for s in soorten for p in RESULTS.glob(f"{s}2*.json")]
    if not kandidaten:
        return None
    for pad in sorted(kandidaten, key=lambda p: p.stat().st_mtime, reverse=True):
        data = json.loads(pad.read_text())
        if all(k in data for k in nodig):
            return pad, data
    return None


def samenvatten() -> dict[str, Any]:
    uit: dict[str, Any] = {"paden": {}}
    bronnen: dict[str, str] = {}
    for sleutel, wat, soort, figuur, raw, doel in DOELEN:
        gevonden = _nieuwste(soort, figuur, raw)
        if gevonden is None:
            uit["paden"][sleutel] = {"wat": wat, "gemeten": False, "doel": doel}
            continue
        pad, data = gevonden
        bronnen[soort or "benchmarks"] = pad.name
        ratio = data[figuur] / data[raw]
        uit["paden"][sleutel] = {"wat": wat, "gemeten": True, "ev_s": round(data[figuur]), "raw_ev_s": round(data[raw]),
                                 "raw": raw, "ratio": round(ratio, 3), "doel": doel, "gehaald": ratio >= doel}
    rb = _nieuwste("rebuild-", "gelijk", "events")
    if rb is not None:
        uit["hashes_gelijk"] = rb[1].get("gelijk")
        uit["rebuild_events"] = rb[1].get("events")
    lat = _nieuwste("latentie-", "e2e_p99_s")
    if lat is not None:
        bronnen["latentie-"] = lat[0].name
        uit["latentie"] = {k: lat[1][k] for k in (
            "rate_doel", "rate_gehaald", "rijen_per_verzoek", "seconden", "bevestigd", "in_telling_niet_gezien",
            "e2e_p50_s", "e2e_p95_s", "e2e_p99_s", "e2e_max_s", "http_p50_s", "http_p99_s") if k in lat[1]}
        uit["latentie"]["doel_p99_s"] = 1.0
    uit["bronnen"] = bronnen
    return uit


def markdown(s: dict[str, Any]) -> str:
    regels = ["| path | events/s | raw limit (same run) | ratio | target | met |", "|---|---|---|---|---|---|"]
    for p in s["paden"].values():
        if not p["gemeten"]:
            regels.append(f"| {p['wat']} | not measured | | | ≥ {p['doel']} | |")
            continue
        regels.append(f"| {p['wat']} | {p['ev_s']:,} | {p['raw_ev_s']:,} ({p['raw']}) | {p['ratio']:.2f} | "
                      f"≥ {p['doel']} | {'yes' if p['gehaald'] else 'no'} |")
    if "hashes_gelijk" in s:
        regels.append("")
        regels.append(f"telling live hash == rebuild hash over {s['rebuild_events']:,} events: "
                      f"{'yes' if s['hashes_gelijk'] else 'NO'}")
    if "latentie" in s:
        lat = s["latentie"]

        def sec(x: float | None) -> str:  # None: not on the count stream within the benchmark's drain
            return f"{x:.2f} s" if x is not None else "not seen"

        p99 = lat["e2e_p99_s"]
        regels += ["", "| end-to-end latency (POST → count stream) | p50 | p95 | p99 | max | goal p99 | met |",
                   "|---|---|---|---|---|---|---|",
                   f"| {lat['rate_gehaald']:,.0f} absences/s reached ({lat['rate_doel']:g} asked, "
                   f"{lat['rijen_per_verzoek']} per request, {lat['seconden']:g} s) | {sec(lat['e2e_p50_s'])} | "
                   f"{sec(lat['e2e_p95_s'])} | {sec(p99)} | {sec(lat['e2e_max_s'])} | < 1 s | "
                   f"{'yes' if p99 is not None and p99 < 1 else 'no'} |"]
    return "\n".join(regels) + "\n"


def main() -> None:
    s = samenvatten()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(s, indent=2))
    md = markdown(s)
    (RESULTS / "latest.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
