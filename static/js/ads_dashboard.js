// The advertiser's chart of views served and completed per day (uPlot, vendored in static/vendor/chart/uplot/).
const data = JSON.parse(document.getElementById("ad-chart-data").textContent);
const target = document.getElementById("ad-chart");
if (!data.days.length) {
  target.textContent = "No views yet.";
} else {
  const days = data.days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
  new window.uPlot({
    width: target.clientWidth || 600,
    height: 240,
    scales: { x: { time: true } },
    series: [
      {},
      { label: "Served", stroke: "#8a7dff", width: 2 },
      { label: "Completed", stroke: "#3ecf8e", width: 2 },
    ],
    axes: [{ stroke: "#aaa" }, { stroke: "#aaa" }],
  }, [days, data.served, data.completed], target);
}
