// The profile's language practice chart (vendored uPlot, static/vendor/uplot): minutes of active voice
// time per language per week, one line per language, from the page's data (rooms.practice). The table
// below it holds the same figures for screen readers and without JavaScript.
const holder = document.getElementById("practice-chart");
const COLOURS = ["#7c5cff", "#2bb673", "#f5a623", "#e5484d", "#3e9bff"];
if (holder && window.uPlot) {
  const practice = JSON.parse(document.getElementById("practice-data").textContent);
  const weeks = practice.weeks.map((monday) => Date.parse(`${monday}T00:00:00Z`) / 1000);
  const toMinutes = (seconds) => seconds.map((s) => Math.round(s / 60));
  new window.uPlot({
    width: Math.min(holder.clientWidth || 640, 900), height: 220,
    scales: { y: { range: (u, min, max) => [0, Math.max(10, max)] } },
    series: [{ label: "Week" }, ...practice.languages.map((language, i) => ({
      label: language.name, stroke: COLOURS[i % COLOURS.length], width: 2, points: { show: true },
    }))],
    axes: [{}, { label: "Minutes" }],
  }, [weeks, ...practice.languages.map((language) => toMinutes(language.seconds))], holder);
  holder.dataset.drawn = "true";
}
