// The dashboard's charts: drawn with the vendored Chart.js from the numbers the page
// carries in <script type="application/json" id="dashboard-data">. The tables beside the
// charts hold the same numbers, so without JavaScript nothing is missing.
(() => {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") return;
  const Chart = window.Chart;
  const specs = JSON.parse(source.textContent);
  const ink = "#1a1a1a";
  const grid = "#e3e3e3";
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = ink;

  // Dark text on light bars, white on dark ones.
  function textOn(colour) {
    const hex = /^#([0-9a-f]{6})$/i.exec(colour || "");
    if (!hex) return ink;
    const [r, g, b] = [0, 2, 4].map((i) => {
      const c = parseInt(hex[1].slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.18 ? ink : "#fff";
  }

  // Long labels wrap onto lines of about `width` characters.
  function wrap(label, width = 34) {
    if (label.length <= width) return label;
    const lines = [""];
    for (const word of label.split(" ")) {
      const line = lines[lines.length - 1];
      if (line && (line + " " + word).length > width) lines.push(word);
      else lines[lines.length - 1] = line ? line + " " + word : word;
    }
    return lines;
  }

  // Every bar carries its number as text: inside a stacked segment when it fits, else after the bar.
  const valueLabels = {
    id: "tingValueLabels",
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const horizontal = chart.options.indexAxis === "y";
      const stacked = Boolean(chart.options.scales[horizontal ? "x" : "y"].stacked);
      ctx.save();
      ctx.font = `600 12px ${Chart.defaults.font.family}`;
      chart.data.datasets.forEach((dataset, index) => {
        const meta = chart.getDatasetMeta(index);
        if (meta.type !== "bar" || !chart.isDatasetVisible(index)) return;
        meta.data.forEach((bar, i) => {
          const value = dataset.data[i];
          if (!value) return;
          const text = String(value);
          const width = ctx.measureText(text).width;
          const { x, y, base } = bar.getProps(["x", "y", "base"], true);
          if (stacked) {
            const length = Math.abs((horizontal ? x : y) - base);
            if (width + 6 > length || (!horizontal && length < 16)) return;
            const colours = dataset.backgroundColor;
            ctx.fillStyle = textOn(Array.isArray(colours) ? colours[i] : colours);
            ctx.textAlign = "center";
            ctx.textBaseline = "middle";
            if (horizontal) ctx.fillText(text, (x + base) / 2, y);
            else ctx.fillText(text, x, (y + base) / 2);
          } else {
            ctx.fillStyle = ink;
            if (horizontal) {
              ctx.textAlign = "left";
              ctx.textBaseline = "middle";
              ctx.fillText(text, x + 4, y);
            } else {
              ctx.textAlign = "center";
              ctx.textBaseline = "bottom";
              ctx.fillText(text, x, y - 2);
            }
          }
        });
      });
      ctx.restore();
    },
  };

  function config(spec, wrapAt) {
    const horizontal = Boolean(spec.horizontal);
    const valueAxis = horizontal ? "x" : "y";
    const categoryAxis = horizontal ? "y" : "x";
    const datasets = spec.datasets.map((dataset) => {
      const colour = dataset.colours || dataset.colour;
      const line = dataset.type === "line";
      return {
        type: dataset.type || "bar",
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: dataset.border || colour,
        borderWidth: line ? 3 : dataset.border ? 1 : 0,
        pointRadius: line ? 3 : undefined,
        maxBarThickness: 28,
        order: line ? 0 : 1,
        [`${valueAxis}AxisID`]: dataset.axis || valueAxis,
      };
    });
    const scales = {
      [categoryAxis]: {
        stacked: Boolean(spec.stacked),
        grid: { display: false },
        ticks: { autoSkip: !horizontal },
      },
      [valueAxis]: {
        stacked: Boolean(spec.stacked),
        beginAtZero: true,
        // Room above the longest bar for its number.
        grace: spec.stacked ? 0 : "8%",
        ticks: { precision: 0 },
        grid: { color: grid },
        title: { display: Boolean(spec.value_title), text: spec.value_title },
      },
    };
    if (spec.total_title) {
      scales.total = {
        position: "right",
        beginAtZero: true,
        grace: "8%",
        ticks: { precision: 0 },
        grid: { display: false },
        title: { display: true, text: spec.total_title },
      };
    }
    return {
      type: "bar",
      data: { labels: spec.labels.map((label) => wrap(label, wrapAt)), datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: reducedMotion ? false : { duration: 400 },
        layout: { padding: { right: horizontal && !spec.stacked ? 32 : 8, top: horizontal ? 0 : 18 } },
        plugins: {
          legend: {
            display: spec.legend !== false,
            position: "top",
            align: "start",
            labels: { sort: (a, b) => a.datasetIndex - b.datasetIndex },
          },
          tooltip: { mode: "index", intersect: false },
        },
        scales,
      },
      plugins: [valueLabels],
    };
  }

  for (const [id, spec] of Object.entries(specs)) {
    const canvas = document.getElementById(id);
    if (!canvas || spec.labels.length === 0) continue;
    const box = canvas.parentElement;
    box.hidden = false;
    box.parentElement.classList.add("with-chart");
    // Narrow screens get narrower label columns.
    const wrapAt = box.clientWidth < 560 ? 22 : 34;
    if (spec.horizontal) {
      // Every row as high as the label with the most lines needs.
      const lines = Math.max(...spec.labels.map((label) => [].concat(wrap(label, wrapAt)).length));
      const row = Math.max(2, lines * 1.1 + 0.5);
      box.style.height = `${Math.max(8, spec.labels.length * row + (spec.legend === false ? 3 : 5))}rem`;
    }
    new Chart(canvas, config(spec, wrapAt));
  }
})();
