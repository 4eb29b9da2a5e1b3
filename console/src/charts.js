// Chart.js, with only the parts the console draws registered (keeps the bundle small).
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLORS = {
  COMPLETED: "#2e7d32", FAILED: "#c62828", ABORTED: "#8e24aa", EXPIRED: "#ef6c00", RUNNING: "#1565c0",
  CREATED: "#90a4ae", PENDING: "#90a4ae", PARTIAL: "#f9a825", WARM: "#ef6c00", COLD: "#1565c0", DELETED: "#757575",
};
const palette = ["#1565c0", "#2e7d32", "#c62828", "#ef6c00", "#8e24aa", "#00838f", "#6d4c41"];
const charts = new Map();

function color(label, i) {
  return COLORS[label] || palette[i % palette.length];
}

// A stacked bar chart in the canvas with this id: labels on x, one dataset per series.
export function stacked(id, labels, series, yTitle) {
  charts.get(id)?.destroy();
  const canvas = document.getElementById(id);
  if (!canvas) return;
  const chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: Object.entries(series).map(([label, data], i) => ({ label, data, backgroundColor: color(label, i) })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: !!yTitle, text: yTitle } } },
    },
  });
  charts.set(id, chart);
}

// Bars side by side (not stacked): e.g. each resource's newest point age against its plan's RPO.
export function grouped(id, labels, series, yTitle) {
  charts.get(id)?.destroy();
  const canvas = document.getElementById(id);
  if (!canvas) return;
  charts.set(
    id,
    new Chart(canvas, {
      type: "bar",
      data: {
        labels,
        datasets: Object.entries(series).map(([label, data], i) => ({ label, data, backgroundColor: palette[i] })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, title: { display: !!yTitle, text: yTitle } } },
      },
    }),
  );
}

export function destroyAll() {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
}
