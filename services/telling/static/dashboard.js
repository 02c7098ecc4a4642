/* Dashboard charts (Chart.js, the page kit's vendored copy).
 * The numbers come from /v1/reeksen and /v1/maandreeksen, the same data the server put in the tables,
 * so a chart never shows a value the table does not. A suppressed value (<10, or one that could be
 * worked back) is drawn as a hatched bar labelled "minder dan 10": it is marked, not missing, and its
 * height shows no value (it stands at 10, the publication threshold). */
(function () {
  "use strict";
  var box = document.getElementById("dashboard");
  var fout = document.getElementById("grafiek-fout");
  if (!box || !document.getElementById("grafiek-landelijk")) { return; }
  var kleuren = ["#01689b", "#e17000", "#39870c", "#a90061", "#42145f", "#673327", "#8fcae7", "#ffb612"];
  var DREMPEL = 10;

  function toonFout(tekst) {
    if (fout) { fout.textContent = tekst; fout.hidden = false; }
  }
  function getal(x) { return x === null || x === undefined ? "" : Number(x).toLocaleString("nl-NL"); }

  function arcering(kleur) {
    var c = document.createElement("canvas");
    c.width = 8; c.height = 8;
    var g = c.getContext("2d");
    g.fillStyle = "#ffffff"; g.fillRect(0, 0, 8, 8);
    g.strokeStyle = kleur; g.lineWidth = 2;
    g.beginPath(); g.moveTo(0, 8); g.lineTo(8, 0); g.stroke();
    return g.createPattern(c, "repeat");
  }

  function staven(canvas, rijen, periodes) {
    // one bar group per area, one bar per period; a suppressed cell is a hatched bar at the threshold
    canvas.parentElement.style.height = Math.max(180, 26 * rijen.length * Math.max(1, periodes.length) / 1.6 + 60) + "px";
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: rijen.map(function (r) { return r.naam; }),
        datasets: periodes.map(function (p, i) {
          var kleur = kleuren[i % kleuren.length], patroon = arcering(kleur);
          return {
            label: p,
            data: rijen.map(function (r) { return r.waarden[i].onderdrukt && r.waarden[i].waarde === null ? DREMPEL : r.waarden[i].waarde; }),
            onderdrukt: rijen.map(function (r) { return r.waarden[i].onderdrukt && r.waarden[i].waarde === null; }),
            backgroundColor: rijen.map(function (r) { return r.waarden[i].onderdrukt && r.waarden[i].waarde === null ? patroon : kleur; }),
            borderColor: kleur, borderWidth: 1
          };
        })
      },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: {
          tooltip: { callbacks: { label: function (ctx) {
            return ctx.dataset.label + ": " + (ctx.dataset.onderdrukt[ctx.dataIndex] ? "minder dan 10 (niet gepubliceerd)" : getal(ctx.raw));
          } } }
        }
      },
      plugins: [{
        id: "onderdruktLabel",
        afterDatasetsDraw: function (chart) {
          var g = chart.ctx;
          g.save(); g.fillStyle = "#1a1a1a"; g.font = "12px sans-serif"; g.textBaseline = "middle";
          chart.data.datasets.forEach(function (ds, di) {
            chart.getDatasetMeta(di).data.forEach(function (bar, i) {
              if (ds.onderdrukt[i]) { g.fillText("minder dan 10", bar.x + 4, bar.y); }
            });
          });
          g.restore();
        }
      }]
    });
  }

  function maanden() {
    var bron = document.getElementById("maanden-gegevens"), canvas = document.getElementById("grafiek-maanden");
    if (!bron || !canvas) { return; }
    var m = JSON.parse(bron.textContent);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: m.maanden,
        datasets: m.jaren.map(function (j, i) {
          var kleur = kleuren[i % kleuren.length];
          return {
            label: j.periode, borderColor: kleur, backgroundColor: kleur, spanGaps: false, pointRadius: 4,
            data: j.waarden.map(function (w) { return w === null ? null : (w.onderdrukt && w.waarde === null ? DREMPEL : w.waarde); }),
            onderdrukt: j.waarden.map(function (w) { return w !== null && w.onderdrukt && w.waarde === null; }),
            pointStyle: j.waarden.map(function (w) { return w !== null && w.onderdrukt && w.waarde === null ? "crossRot" : "circle"; })
          };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { tooltip: { callbacks: { label: function (ctx) {
          return ctx.dataset.label + ": " + (ctx.dataset.onderdrukt[ctx.dataIndex] ? "minder dan 10 (niet gepubliceerd)" : getal(ctx.raw));
        } } } }
      }
    });
  }

  try { maanden(); } catch (e) { toonFout("De maandgrafiek kon niet worden getekend. De tabel toont dezelfde cijfers."); }

  fetch(box.dataset.bron, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) {
      if (!r.ok) { throw new Error("status " + r.status); }
      return r.json();
    })
    .then(function (d) {
      Chart.defaults.color = "#1a1a1a";
      var nl = d.landelijk;
      new Chart(document.getElementById("grafiek-landelijk"), {
        type: "line",
        data: {
          labels: d.periodes,
          datasets: [{
            label: "Nederland", data: nl.waarden.map(function (w) { return w.waarde; }),
            borderColor: kleuren[0], backgroundColor: kleuren[0], spanGaps: false, pointRadius: 5
          }]
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { tooltip: { callbacks: { label: function (ctx) { return "Nederland: " + nl.waarden[ctx.dataIndex].weergave; } } } }
        }
      });
      staven(document.getElementById("grafiek-regios"), d.regios, d.periodes);
      var gem = document.getElementById("grafiek-gemeenten");
      if (gem) { staven(gem, d.gemeenten, d.periodes); }
      box.dataset.grafieken = "klaar";
    })
    .catch(function (e) {
      toonFout("De grafieken konden niet worden geladen (" + e.message + "). De tabellen tonen dezelfde cijfers.");
    });
})();
