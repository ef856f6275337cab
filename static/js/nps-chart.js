/*
 * NPS over time as a line with its 95 % confidence band, drawn with Chart.js.
 *
 * Markup: <div data-nps-chart="ID" hidden><canvas></canvas></div>, the series in
 * {{ series|json_script:"ID" }} as [{label, nps, low, high, answers}], and the same
 * figures as a table in <details data-chart-table="ID" open>. Without JavaScript the
 * table stays open and the chart hidden; with it, the chart shows and the table folds.
 */
(function () {
  "use strict";

  function draw(container) {
    var id = container.dataset.npsChart;
    var source = document.getElementById(id);
    if (!source || typeof Chart === "undefined") return;
    var series = JSON.parse(source.textContent);
    var styles = getComputedStyle(document.documentElement);
    var accent = styles.getPropertyValue("--nl-accent").trim() || "#4f46e5";
    var muted = styles.getPropertyValue("--nl-muted").trim() || "#5a6373";
    var answersLabel = container.dataset.answersLabel || "answers";
    var bandLabel = container.dataset.bandLabel || "95% interval";

    container.hidden = false;
    new Chart(container.querySelector("canvas"), {
      type: "line",
      data: {
        labels: series.map(function (point) { return point.label; }),
        datasets: [
          {
            label: bandLabel,
            data: series.map(function (point) { return point.high; }),
            borderWidth: 0,
            pointRadius: 0,
            backgroundColor: "rgba(79, 70, 229, 0.12)",
            fill: "+1",
            spanGaps: true,
          },
          {
            label: bandLabel,
            data: series.map(function (point) { return point.low; }),
            borderWidth: 0,
            pointRadius: 0,
            fill: false,
            spanGaps: true,
          },
          {
            label: "NPS",
            data: series.map(function (point) { return point.nps; }),
            borderColor: accent,
            backgroundColor: accent,
            borderWidth: 2,
            pointRadius: 3,
            spanGaps: true,
            cubicInterpolationMode: "monotone",
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { min: -100, max: 100, ticks: { stepSize: 50, color: muted } },
          x: { ticks: { color: muted, maxRotation: 0, autoSkip: true } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            filter: function (item) { return item.datasetIndex === 2; },
            callbacks: {
              label: function (item) {
                var point = series[item.dataIndex];
                var text = "NPS " + Math.round(point.nps) + " (" + point.answers + " " + answersLabel + ")";
                if (point.low !== null) {
                  text += ", " + Math.round(point.low) + " … " + Math.round(point.high);
                }
                return text;
              },
            },
          },
        },
      },
    });
    var table = document.querySelector('[data-chart-table="' + id + '"]');
    if (table) table.open = false;
  }

  function drawAll() {
    document.querySelectorAll("[data-nps-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
