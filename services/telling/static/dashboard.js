/* Dashboard charts (Chart.js, vendored: see README.md in this folder).
 * The numbers come from /v1/reeksen, the same data the server put in the tables, so a chart never
 * shows a value the table does not. A suppressed value (<10) is null: no point, no bar. */
(function () {
  "use strict";
  var main = document.getElementById("inhoud");
  var fout = document.getElementById("grafiek-fout");
  if (!main || !document.getElementById("grafiek-landelijk")) { return; }
  var kleuren = ["#01689b", "#e17000", "#39870c", "#a90061", "#8fcae7", "#673327", "#ffb612", "#42145f"];

  function toonFout(tekst) {
    if (fout) { fout.textContent = tekst; fout.hidden = false; }
  }

  function weergave(reeks, i) {
    var w = reeks.waarden[i];
    return w ? w.weergave : "";
  }

  function staven(canvas, rijen, periodes) {
    // one bar group per area, one bar per period: the trend of every area side by side
    canvas.parentElement.style.height = Math.max(160, 26 * rijen.length * Math.max(1, periodes.length) / 1.6 + 60) + "px";
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: rijen.map(function (r) { return r.naam; }),
        datasets: periodes.map(function (p, i) {
          return {
            label: p,
            data: rijen.map(function (r) { return r.waarden[i].waarde; }),
            backgroundColor: kleuren[i % kleuren.length]
          };
        })
      },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return ctx.dataset.label + ": " + weergave(rijen[ctx.dataIndex], ctx.datasetIndex);
              }
            }
          }
        }
      }
    });
  }

  fetch(main.dataset.bron, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) {
      if (!r.ok) { throw new Error("status " + r.status); }
      return r.json();
    })
    .then(function (d) {
      Chart.defaults.font.family = "system-ui, sans-serif";
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
          plugins: {
            tooltip: { callbacks: { label: function (ctx) { return "Nederland: " + weergave(nl, ctx.dataIndex); } } }
          }
        }
      });
      staven(document.getElementById("grafiek-regios"), d.regios, d.periodes);
      var gem = document.getElementById("grafiek-gemeenten");
      if (gem) { staven(gem, d.gemeenten, d.periodes); }
      main.dataset.grafieken = "klaar";
    })
    .catch(function (e) {
      toonFout("De grafieken konden niet worden geladen (" + e.message + "). De tabellen hieronder tonen dezelfde cijfers.");
    });
})();
