/* Bar charts with a threshold, for any page of the kit (Chart.js, vendored beside this file).
 * A page puts <canvas data-grafiek="ID"> and <script type="application/json" id="ID"> with
 * {labels, waarden, drempel, label, drempel_label}; a bar above the threshold is drawn dark and hatched,
 * so it stands out without relying on colour alone, and the threshold is a dashed line. The numbers are
 * also in a table on the page (the accessible alternative); the chart adds nothing the table lacks. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var normaal = "#01689b", boven = "#a90061";

  function arcering() {
    var c = document.createElement("canvas");
    c.width = 8; c.height = 8;
    var g = c.getContext("2d");
    g.fillStyle = boven; g.fillRect(0, 0, 8, 8);
    g.strokeStyle = "#ffffff"; g.lineWidth = 2;
    g.beginPath(); g.moveTo(0, 8); g.lineTo(8, 0); g.stroke();
    return g.createPattern(c, "repeat");
  }

  function getal(x) { return String(x).replace(".", ","); }

  document.querySelectorAll("canvas[data-grafiek]").forEach(function (canvas) {
    var bron = document.getElementById(canvas.dataset.grafiek);
    if (!bron) { return; }
    var d = JSON.parse(bron.textContent);
    var patroon = arcering();
    var kleuren = d.waarden.map(function (w) { return w !== null && w > d.drempel ? patroon : normaal; });
    canvas.parentElement.style.height = Math.max(200, Math.min(480, 40 + 24 * d.labels.length)) + "px";
    new Chart(canvas, {
      data: {
        labels: d.labels,
        datasets: [
          { type: "bar", label: d.label, data: d.waarden, backgroundColor: kleuren, borderColor: kleuren, order: 2 },
          { type: "line", label: d.drempel_label, data: d.labels.map(function () { return d.drempel; }),
            borderColor: "#1a1a1a", borderDash: [6, 4], pointRadius: 0, borderWidth: 2, fill: false, order: 1 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, suggestedMax: d.drempel * 2,
                       ticks: { callback: function (v) { return getal(v) + "%"; } } } },
        plugins: { tooltip: { callbacks: { label: function (ctx) {
          return ctx.dataset.label + ": " + (ctx.raw === null ? "geen geplande uren" : getal(ctx.raw) + "%");
        } } } }
      }
    });
    canvas.dataset.getekend = "ja";
  });
})();
