// The admin index's chart: the last two weeks per day (moderation.selectors.staff_home), drawn by the
// vendored uPlot (static/vendor/uplot).
(function () {
  const data = JSON.parse(document.getElementById("staff-chart-data").textContent);
  const names = Object.keys(data.series);
  const colors = ["#2563eb", "#dc2626", "#16a34a", "#9333ea"];
  new uPlot({
    width: Math.min(900, document.getElementById("staff-chart").clientWidth || 900), height: 220,
    series: [{}, ...names.map((label, i) => ({ label, stroke: colors[i % colors.length], width: 2 }))],
    axes: [{}, { size: 40 }],
  }, [data.days, ...names.map((name) => data.series[name])], document.getElementById("staff-chart"));
})();
