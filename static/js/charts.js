/*
 * The product's charts, drawn with Chart.js from data the page carries.
 *
 * - NPS over time as a line with its 95 % confidence band:
 *   <div data-nps-chart="ID" hidden><canvas></canvas></div>, the series in
 *   {{ series|json_script:"ID" }} as [{label, nps, low, high, answers}].
 * - Answers per score 0–10 as bars coloured by category:
 *   <div data-score-chart="ID" hidden><canvas></canvas></div>, [[score, answers], ...].
 * - Answers per day as bars stacked by category:
 *   <div data-daily-chart="ID" data-detractors-label=… data-passives-label=…
 *   data-promoters-label=… hidden><canvas></canvas></div>,
 *   [{label, detractors, passives, promoters}].
 *
 * The same figures are in a table, <details data-chart-table="ID" open>. Without
 * JavaScript the table stays open and the chart hidden; with it, the chart shows and
 * the table folds. Charts inside content that htmx swaps in are drawn too.
 */
(function () {
  "use strict";

  function draw(container) {
    if (container.dataset.drawn) return;
    container.dataset.drawn = "yes";
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
            spanGaps: false,
          },
          {
            label: bandLabel,
            data: series.map(function (point) { return point.low; }),
            borderWidth: 0,
            pointRadius: 0,
            fill: false,
            spanGaps: false,
          },
          {
            label: "NPS",
            data: series.map(function (point) { return point.nps; }),
            borderColor: accent,
            backgroundColor: accent,
            borderWidth: 2,
            pointRadius: 3,
            // A month without an answer has no NPS: the line stops there, it does not
            // invent one between its neighbours.
            spanGaps: false,
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
          // The line and its shaded 95 % band, named once each (the band's lower edge is
          // a dataset of its own, not shown in the legend).
          legend: {
            position: "bottom",
            labels: {
              color: muted,
              boxWidth: 12,
              filter: function (item) { return item.datasetIndex !== 1; },
            },
          },
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

  function drawScores(container) {
    if (container.dataset.drawn) return;
    container.dataset.drawn = "yes";
    var id = container.dataset.scoreChart;
    var source = document.getElementById(id);
    if (!source || typeof Chart === "undefined") return;
    var counts = JSON.parse(source.textContent);
    var colours = counts.map(function (pair) {
      return pair[0] <= 6 ? "#e02424" : pair[0] <= 8 ? "#e3a008" : "#0e9f6e";
    });
    var muted = getComputedStyle(document.documentElement).getPropertyValue("--nl-muted").trim();
    container.hidden = false;
    new Chart(container.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: counts.map(function (pair) { return String(pair[0]); }),
        datasets: [{
          label: container.dataset.answersLabel || "answers",
          data: counts.map(function (pair) { return pair[1]; }),
          backgroundColor: colours,
          borderRadius: 3,
        }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0, color: muted } },
          x: { ticks: { color: muted } },
        },
      },
    });
    var table = document.querySelector('[data-chart-table="' + id + '"]');
    if (table) table.open = false;
  }

  function drawDays(container) {
    if (container.dataset.drawn) return;
    container.dataset.drawn = "yes";
    var id = container.dataset.dailyChart;
    var source = document.getElementById(id);
    if (!source || typeof Chart === "undefined") return;
    var days = JSON.parse(source.textContent);
    var muted = getComputedStyle(document.documentElement).getPropertyValue("--nl-muted").trim();
    var bands = [
      ["promoters", "#0e9f6e"],
      ["passives", "#e3a008"],
      ["detractors", "#e02424"],
    ];
    container.hidden = false;
    new Chart(container.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: days.map(function (day) { return day.label; }),
        datasets: bands.map(function (band) {
          return {
            label: container.dataset[band[0] + "Label"] || band[0],
            data: days.map(function (day) { return day[band[0]]; }),
            backgroundColor: band[1],
            borderRadius: 2,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom", labels: { color: muted, boxWidth: 12 } } },
        scales: {
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0, color: muted } },
          x: { stacked: true, ticks: { color: muted, maxRotation: 0, autoSkip: true } },
        },
      },
    });
    var table = document.querySelector('[data-chart-table="' + id + '"]');
    if (table) table.open = false;
  }

  function drawAll(root) {
    root = root || document;
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-nps-chart]").forEach(draw);
    root.querySelectorAll("[data-score-chart]").forEach(drawScores);
    root.querySelectorAll("[data-daily-chart]").forEach(drawDays);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  document.addEventListener("htmx:load", function (event) { drawAll(event.detail.elt); });
})();
