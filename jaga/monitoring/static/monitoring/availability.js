/* Draws the daily availability bar chart of the availability card
 * (jaga/monitoring/templates/monitoring/_availability.html) with the vendored Chart.js.
 *
 * Each <canvas data-chart-source="ID"> reads the JSON that Django's json_script filter wrote
 * into <script id="ID">: {label, empty, dates, labels, values (percent, null without data),
 * up, down}. Days without data are drawn as empty bars. */
(function () {
  "use strict";

  function colour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name);
    return value && value.trim() ? value.trim() : fallback;
  }

  function barColour(value) {
    if (value === null) return colour("--tblr-gray-300", "#dee2e6");
    if (value >= 99.5) return colour("--tblr-green", "#2fb344");
    if (value >= 95) return colour("--tblr-yellow", "#f59f00");
    return colour("--tblr-red", "#d63939");
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label,
          data: data.values,
          backgroundColor: data.values.map(barColour),
        }],
      },
      options: {
        responsive: true,
        aspectRatio: 4,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = data.values[item.dataIndex];
                if (value === null) return data.empty;
                return value.toFixed(2) + "% (" + data.up[item.dataIndex] + " / " +
                  (data.up[item.dataIndex] + data.down[item.dataIndex]) + ")";
              },
            },
          },
        },
        scales: {
          y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
        },
      },
    });
  }

  document.querySelectorAll("canvas[data-chart-source]").forEach(draw);
})();
