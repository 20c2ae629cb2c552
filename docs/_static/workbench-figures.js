// Draw the plotly figures of the rendered tutorials with the page's own plotly.js (no CDN).
document.addEventListener("DOMContentLoaded", () => {
  for (const spec of document.querySelectorAll("script.wb-plotly-spec")) {
    const figure = JSON.parse(spec.textContent);
    const target = document.createElement("div");
    spec.parentElement.appendChild(target);
    Plotly.newPlot(target, figure.data || [], figure.layout || {}, { responsive: true, displaylogo: false });
  }
});
