"""``python -m benchmarks.samenvatting``: one results file with every figure of issue 16 and its target.

``make bench`` runs the benchmarks one after the other; each writes its own
``benchmarks/results/<soort><tijd>.json``. This collects the newest of each into
``benchmarks/results/latest.json`` and ``latest.md`` (the Markdown the README shows): every ratio with its
target, the telling hashes, the end-to-end latency, the memory (RSS) of every service at 200,000 events and
at the end, the regional answer times (p50/p95) and the national-year run with its extrapolation. Every
ratio is to a raw limit measured in the same run as the figure itself, never to a number from elsewhere.

Tolerant on purpose: the benchmarks change while the issue is worked on, so a file or a key that is not
there is marked "not measured" rather than failing, and any further ``runner_<name>`` figure or
``ratio …`` key a benchmark writes is shown too.
"""

from __future__ import annotations

import json
import sys
import time
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
    # the regional runners as deployed (2 replicas), against raw getmany by as many processes
    *((f"runner_{k}_x2", f"{wat}, 2 processes in one group (as deployed: replicas 2)", "", f"runner_{k}_x2",
       f"{raw}_x2", 0.3)
      for k, wat, raw in (
          ("leerplicht", "ProjectionRunner + leerplicht projection", "raw_consume"),
          ("leerplicht_regio", "ProjectionRunner + leerplicht projection (regional log)", "raw_consume_regio"),
          ("rmc", "ProjectionRunner + rmc projection (regional log)", "raw_consume_regio"),
          ("registratie_meldingstatus", "ProjectionRunner + registratie report statuses (regional log)",
           "raw_consume_regio"))),
    ("publisher", "EventPublisher", "", "publisher", "raw_produce", 0.6),
    ("intake_batch", "POST /v1/afwezigheden/batch, 500 rows", "intake-", "http_batch", "raw_batched", 0.5),
    ("intake_single", "POST /v1/afwezigheden, 32 clients", "intake-", "http_single", "raw_send_and_wait", 0.25),
]
VLOEREN = {"raw_consume": "ref_envelop", "raw_consume_regio": "ref_envelop_regio", "raw_produce": "ref_publisher",
           "raw_consume_ev_s": "ref_envelop_ev_s", "raw_batched": "ref_batch", "raw_send_and_wait": "ref_single"}
"""Per raw limit of one process, the simplest correct path of the same run (:mod:`benchmarks.referentie`) whose
ratio is shown beside a path measured against that limit: a projection that decodes every record into the
envelope and stores it (on the national log for telling's live and rebuild), a publisher that serialises
and sends, an intake that checks, stores and publishes (:mod:`benchmarks.referentie_intake`); no floor for
runs of 2 processes."""

REFERENTIES = (("kaal", "COPY of the record's bytes"), ("json", "orjson parse, then COPY"),
               ("envelop", "pydantic envelope decode, then COPY"))
"""The reference projections of :mod:`benchmarks.referentie`, cheapest first (the publisher's is shown apart)."""

RUNNER_DOEL = 0.3  # every ProjectionRunner projection (issue 16.2)
REGIO_DOEL_P95_S = 0.2
LATENTIE_DOEL_P99_S = 1.0


def _getal(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x


def _nieuwste(soort: str, *nodig: str) -> tuple[Path, dict[str, Any]] | None:
    """The newest results file of one kind (``""``: ``python -m benchmarks``, named by timestamp only).
    telling's live and rebuild figures come from ``benchmarks.rebuild`` or ``benchmarks.land``, whichever
    ran last (both measure raw ``getmany`` on the same topics). Only files holding the keys ``nodig``; a
    file that cannot be read is passed over."""
    soorten = ("rebuild-", "land-") if soort == "rebuild-" else (soort,)
    kandidaten = [p for s in soorten for p in RESULTS.glob(f"{s}2*.json")]
    for pad in sorted(kandidaten, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            data = json.loads(pad.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and all(k in data for k in nodig):
            return pad, data
    return None


def _paden(uit: dict[str, Any], bronnen: dict[str, str]) -> None:
    doelen = list(DOELEN)
    bench = _nieuwste("", "raw_consume")
    if bench is not None:  # a projection another engineer added to `python -m benchmarks`
        bekend = {figuur for _, _, _, figuur, _, _ in DOELEN}
        for k in sorted(bench[1]):
            if k.startswith("runner_") and k not in bekend:
                doelen.append((k, f"ProjectionRunner + {k.removeprefix('runner_')} projection", "", k,
                               "raw_consume", RUNNER_DOEL))
    for sleutel, wat, soort, figuur, raw, doel in doelen:
        gevonden = _nieuwste(soort, figuur, raw)
        if gevonden is None or not (_getal(gevonden[1][figuur]) and _getal(gevonden[1][raw]) and gevonden[1][raw]):
            uit["paden"][sleutel] = {"wat": wat, "gemeten": False, "doel": doel}
            continue
        pad, data = gevonden
        bronnen[soort or "benchmarks"] = pad.name
        ratio = data[figuur] / data[raw]
        uit["paden"][sleutel] = {"wat": wat, "gemeten": True, "ev_s": round(data[figuur]), "raw_ev_s": round(data[raw]),
                                 "raw": raw, "ratio": round(ratio, 3), "doel": doel, "gehaald": ratio >= doel,
                                 "bron": pad.name}
        vloer = VLOEREN.get(raw)  # the floor measured in the same run (the same file)
        if vloer is not None and _getal(data.get(vloer)):
            uit["paden"][sleutel]["vloer"] = {"sleutel": vloer, "ratio": round(data[vloer] / data[raw], 3)}
        if sleutel == "telling_rebuild" and "processen" in data:  # the live service is one process
            uit["paden"][sleutel]["processen"] = data["processen"]
    if bench is not None:
        uit["referenties"] = _referenties(bench[1])
        uit["overige_ratios"] = {k.removeprefix("ratio "): round(v, 3) for k, v in bench[1].items()
                                 if k.startswith("ratio ") and _getal(v)}
    intake = _nieuwste("intake-", "raw_batched", "ref_batch", "ref_single")
    if intake is not None:  # benchmarks.referentie_intake, beside registratie in benchmarks.intake
        uit.setdefault("referenties", []).extend(
            _referentie("intake", soort, wat, intake[1][k], intake[1][raw])
            for soort, wat, k, raw in (
                ("enkel", "single POSTs, 32 clients: token, validation, pseudonym, one transaction, send_and_wait",
                 "ref_single", "raw_send_and_wait"),
                ("batch", "batches of 500, 4 clients: the same with COPY and the batch's sends awaited together",
                 "ref_batch", "raw_batched")))
    land = _nieuwste("land-", "raw_consume_ev_s", "ref_envelop_ev_s")
    if land is not None:  # the national log of benchmarks.land: telling's live and rebuild beside them
        uit.setdefault("referenties", []).extend(
            _referentie("national log (40 topics)", soort, wat, land[1][k], land[1]["raw_consume_ev_s"])
            for soort, wat in REFERENTIES if _getal(land[1].get(k := f"ref_{soort}_ev_s")))


def _geheugen(uit: dict[str, Any], bronnen: dict[str, str]) -> None:
    """RSS per service at 200,000 events read and at the end of its largest run."""
    rss: dict[str, Any] = {}
    for soort in ("land-", "rebuild-"):
        gevonden = _nieuwste(soort, "rss_eind_mb")
        if gevonden is not None:
            pad, data = gevonden
            bronnen[f"rss {soort}"] = pad.name
            rss[f"telling ({soort.rstrip('-')})"] = {"bij_200k": data.get("rss_200k_mb"), "eind": data["rss_eind_mb"],
                                                     "events": data.get("events"), "bron": pad.name}
    regio = _nieuwste("regio-", "rss_mb")
    if regio is not None:
        pad, data = regio
        for naam, r in data["rss_mb"].items():
            rss[f"{naam} ({data.get('regio', 'regio')})"] = {
                "bij_200k": r.get("bij_200k"), "gelezen_200k": r.get("gelezen_200k"), "eind": r.get("eind"),
                "na_metingen": r.get("na_metingen"), "events": data.get("events"), "bron": pad.name}
    for naam in ("telling", "leerplicht", "rmc", "registratie"):
        if not any(k.startswith(naam) for k in rss):
            rss[naam] = {"gemeten": False}
    uit["geheugen_mb"] = rss


def _regio(uit: dict[str, Any], bronnen: dict[str, str]) -> None:
    gevonden = _nieuwste("regio-", "paden")
    if gevonden is None:
        uit["regio"] = {"gemeten": False, "doel_p95_s": REGIO_DOEL_P95_S}
        return
    pad, data = gevonden
    bronnen["regio-"] = pad.name
    uit["regio"] = {
        "gemeten": True, "regio": data.get("regio"), "schaal": data.get("schaal"), "leerlingen": data.get("leerlingen"),
        "events": data.get("events"), "omvang_leerplicht": data.get("omvang_leerplicht"),
        "omvang_rmc": data.get("omvang_rmc"), "zaken_genomen": data.get("zaken_genomen"),
        "replay": data.get("replay"), "doel_p95_s": data.get("doel_p95_s", REGIO_DOEL_P95_S),
        "paden_na": data.get("paden_na"),  # the paths measured again on the same databases after a change
        "paden": {k: {"p50_s": v.get("p50_s"), "p95_s": v.get("p95_s"), "n": v.get("n"),
                      "gehaald": _getal(v.get("p95_s")) and v["p95_s"] <= REGIO_DOEL_P95_S}
                  for k, v in data["paden"].items()},
    }


def _land(uit: dict[str, Any], bronnen: dict[str, str]) -> None:
    gevonden = _nieuwste("land-", "schaal", "events")
    if gevonden is None:
        uit["land"] = {"gemeten": False}
        return
    pad, data = gevonden
    bronnen["land-"] = pad.name
    uit["land"] = {"gemeten": True, **{k: data.get(k) for k in (
        "schaal", "seed", "personen", "events", "maak_s", "publiceer_s", "live_ev_s", "rebuild_ev_s",
        "raw_consume_ev_s", "gelijk", "extrapolatie_schaal_1")}}


def _referentie(log: str, soort: str, wat: str, ev_s: float, raw_ev_s: float) -> dict[str, Any]:
    """One row of the floors' table: a reference's rate and its ratio to the raw limit of its run."""
    return {"log": log, "soort": soort, "wat": wat, "ev_s": round(ev_s), "raw_ev_s": round(raw_ev_s),
            "ratio": round(ev_s / raw_ev_s, 3)}


def _referenties(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Per log, the simplest exactly-once projections' rates and ratios to raw ``getmany`` of the same run
    (the floor of any projection's cost), beside the real projections of that log."""
    uit = []
    for achter, raw, log in (("", "raw_consume", "absences"), ("_regio", "raw_consume_regio", "regional log")):
        if not (_getal(data.get(raw)) and data[raw]):
            continue
        for soort, wat in REFERENTIES:
            k = f"ref_{soort}{achter}"
            if _getal(data.get(k)):
                uit.append(_referentie(log, soort, wat, data[k], data[raw]))
    if _getal(data.get("ref_publisher")) and _getal(data.get("raw_produce")) and data["raw_produce"]:
        uit.append(_referentie("publish", "publisher", "pydantic to_json, then raw keyed send_batch with content-type",
                               data["ref_publisher"], data["raw_produce"]))
    return uit


def samenvatten() -> dict[str, Any]:
    uit: dict[str, Any] = {"paden": {}}
    bronnen: dict[str, str] = {}
    _paden(uit, bronnen)
    rb = _nieuwste("rebuild-", "gelijk", "events")
    if rb is not None:
        uit["hashes_gelijk"] = rb[1].get("gelijk")
        uit["rebuild_events"] = rb[1].get("events")
    lat = _nieuwste("latentie-", "e2e_p99_s")
    if lat is not None:
        bronnen["latentie-"] = lat[0].name
        uit["latentie"] = {k: lat[1][k] for k in (
            "rate_doel", "rate_gehaald", "rijen_per_verzoek", "seconden", "bevestigd", "in_telling_niet_gezien",
            "e2e_p50_s", "e2e_p95_s", "e2e_p99_s", "e2e_max_s", "http_p50_s", "http_p99_s", "per_leerling",
            "e2e_eerste_p99_s") if k in lat[1]}
        uit["latentie"]["doel_p99_s"] = LATENTIE_DOEL_P99_S
    _geheugen(uit, bronnen)
    _regio(uit, bronnen)
    _land(uit, bronnen)
    uit["bronnen"] = bronnen
    start = RESULTS / "bench-start"  # written by `make bench` when it starts
    if start.exists():
        t0 = float(start.read_text().split()[0])
        uit["make_bench_duur_s"] = round(time.time() - t0)
        uit["niet_uit_deze_run"] = sorted({b for b in bronnen.values() if (RESULTS / b).stat().st_mtime < t0})
    return uit


def _mb(x: Any) -> str:
    return f"{x:,.0f} MB" if _getal(x) else "–"


def _ms(x: Any) -> str:
    return f"{x * 1000:,.0f} ms" if _getal(x) else "–"


def _sec(x: Any) -> str:  # None: not on the count stream within the benchmark's drain
    return f"{x:.2f} s" if _getal(x) else "not seen"


def markdown(s: dict[str, Any]) -> str:
    regels = ["| path | events/s | raw limit (same run) | ratio | target | met | the simplest correct path's "
              "ratio (same run) |", "|---|---|---|---|---|---|---|"]
    for p in s["paden"].values():
        if not p["gemeten"]:
            regels.append(f"| {p['wat']} | not measured | | | ≥ {p['doel']} | | |")
            continue
        wat = p["wat"] + (f", {p['processen']} processes" if p.get("processen", 1) > 1 else "")
        vloer = f"{p['vloer']['ratio']:.2f} ({p['vloer']['sleutel']})" if p.get("vloer") else ""
        regels.append(f"| {wat} | {p['ev_s']:,} | {p['raw_ev_s']:,} ({p['raw']}) | {p['ratio']:.2f} | "
                      f"≥ {p['doel']} | {'yes' if p['gehaald'] else 'no'} | {vloer} |")
    if "hashes_gelijk" in s:
        regels += ["", f"telling live hash == rebuild hash over {s['rebuild_events']:,} events: "
                       f"{'yes' if s['hashes_gelijk'] else 'NO'}"]
    else:
        regels += ["", "telling live hash == rebuild hash: not measured"]
    if s.get("referenties"):
        regels += ["", "| the simplest correct path (`benchmarks.referentie`: a projection's checkpoint and rows in "
                       "one transaction per fetch; a publisher) | events/s | raw limit (same run) | ratio |",
                   "|---|---|---|---|"]
        for r in s["referenties"]:
            regels.append(f"| {r['soort']} ({r['wat']}), {r['log']} | {r['ev_s']:,} | {r['raw_ev_s']:,} | "
                          f"{r['ratio']:.2f} |")
    if s.get("overige_ratios"):
        regels += ["", "Every ratio `python -m benchmarks` printed: " + "; ".join(
            f"{k} {v:.2f}" for k, v in s["overige_ratios"].items())]

    regels += ["", "| end-to-end latency (POST → count stream) | p50 | p95 | p99 | max | goal p99 | met |",
               "|---|---|---|---|---|---|---|"]
    if "latentie" in s:
        lat = s["latentie"]
        p99 = lat.get("e2e_p99_s")
        regels.append(
            f"| {lat.get('rate_gehaald', 0):,.0f} absences/s reached ({lat.get('rate_doel', 0):g} asked, "
            f"{lat.get('rijen_per_verzoek')} per request, {lat.get('seconden', 0):g} s"
            + (f", {lat['per_leerling']} per pupil; the pupils' first absences p99 {_sec(lat.get('e2e_eerste_p99_s'))}"
               if lat.get("per_leerling", 1) > 1 else "") + ") | "
            f"{_sec(lat.get('e2e_p50_s'))} | "
            f"{_sec(lat.get('e2e_p95_s'))} | {_sec(p99)} | {_sec(lat.get('e2e_max_s'))} | < 1 s | "
            f"{'yes' if _getal(p99) and p99 < LATENTIE_DOEL_P99_S else 'no'} |")
    else:
        regels.append("| not measured | | | | | < 1 s | |")

    regels += ["", "| memory (RSS) | at 200,000 events read | at the end | events in the run |", "|---|---|---|---|"]
    for naam, r in s["geheugen_mb"].items():
        if r.get("gemeten") is False:
            regels.append(f"| {naam} | not measured | | |")
            continue
        eind = _mb(r.get("eind")) + (f" ({_mb(r['na_metingen'])} after the requests)"
                                     if _getal(r.get("na_metingen")) else "")
        events = f"{r['events']:,}" if _getal(r.get("events")) else ""
        regels.append(f"| {naam} | {_mb(r.get('bij_200k'))} | {eind} | {events} |")

    rg = s["regio"]
    if rg["gemeten"]:
        lp, rmc = rg.get("omvang_leerplicht") or {}, rg.get("omvang_rmc") or {}
        regels += ["", f"Regional instance {rg['regio']} at schaal {rg['schaal']} (its share of a national year): "
                       f"{rg.get('leerlingen') or 0:,} pupils, {rg.get('events') or 0:,} events; leerplicht "
                       f"{lp.get('open_dossiers', 0):,} open cases, {lp.get('afwezigheden', 0):,} absences, "
                       f"{lp.get('identiteiten', 0):,} identities; rmc {rmc.get('open_dossiers', 0):,} open files; "
                       f"replay " + ", ".join(f"{k} {v['ev_s']:,.0f} ev/s" for k, v in (rg.get("replay") or {}).items()
                                              if v and _getal(v.get("ev_s"))),
                   *([f"Answer times measured again on the run's databases: {rg['paden_na']}"] if rg.get("paden_na")
                     else []),
                   "", "| regional path | p50 | p95 | target p95 | met |", "|---|---|---|---|---|"]
        for naam, p in rg["paden"].items():
            regels.append(f"| {naam} | {_ms(p['p50_s'])} | {_ms(p['p95_s'])} | ≤ {rg['doel_p95_s'] * 1000:.0f} ms | "
                          f"{'yes' if p['gehaald'] else 'no'} |")
    else:
        regels += ["", "Regional instances at national size: not measured"]

    ld = s["land"]
    if ld["gemeten"]:
        ex = ld.get("extrapolatie_schaal_1") or {}
        gelijk = "equal" if ld.get("gelijk") else "DIFFERENT"
        regels += ["", f"National year (`benchmarks.land --schaal {ld['schaal']}`): "
                       f"{ld.get('personen') or 0:,} pupils, {ld.get('events') or 0:,} events; telling live "
                       f"{ld.get('live_ev_s') or 0:,.0f} ev/s, rebuild {ld.get('rebuild_ev_s') or 0:,.0f} ev/s; "
                       f"hashes {gelijk}; "
                       f"at schaal 1: {ex.get('events', 0):,.0f} events, rebuild ~{ex.get('rebuild_min', 0):,.0f} min "
                       "at the measured slope"]
    else:
        regels += ["", "National year (`benchmarks.land`): not measured"]
    if "make_bench_duur_s" in s:
        regels += ["", f"`make bench` took {s['make_bench_duur_s'] / 60:.1f} min up to this summary."]
        if s["niet_uit_deze_run"]:
            regels.append("Not from this run (the benchmark failed or was not run; an older file was used): "
                          + ", ".join(s["niet_uit_deze_run"]))
    return "\n".join(regels) + "\n"


def main() -> None:
    s = samenvatten()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(s, indent=2))
    md = markdown(s)
    (RESULTS / "latest.md").write_text(md)
    print(md)
    if s.get("hashes_gelijk") is False or (s["land"].get("gemeten") and not s["land"].get("gelijk")):
        sys.exit(1)


if __name__ == "__main__":
    main()
