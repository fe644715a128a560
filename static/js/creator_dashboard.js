// The creator dashboard's revenue chart (vendored uPlot, static/vendor/uplot): subscriptions and donations by day.
const holder = document.getElementById("revenue-chart");
if (holder && window.uPlot) {
  const chart = JSON.parse(holder.dataset.chart);
  const days = chart.labels.map((label) => Date.parse(label) / 1000);
  const toUnits = (values) => values.map((minor) => minor / 100);
  new window.uPlot({
    width: Math.min(holder.clientWidth || 640, 900), height: 240,
    series: [{}, {label: "Subscriptions", stroke: "#7c5cff"}, {label: "Donations", stroke: "#2bb673"}],
    axes: [{}, {label: chart.currency.toUpperCase()}],
  }, [days, toUnits(chart.subscriptions), toUnits(chart.donations)], holder);
}
