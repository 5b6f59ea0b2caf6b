// ler_analytics dashboard chart: one plotly.js plot that is updated in place (Plotly.react) when the
// kernel sends a new figure, instead of being torn down and re-created.
//
// plotly.js is not bundled here: the page loads it once, from the URL the kernel gives
// (`plotly_url`, served by our own Voila server from the installed plotly package; never a CDN).
// US maps need no fetch either: the `ler` Voila template defines window.PlotlyGeoAssets.

const LOADS = (window.__lerPlotlyLoads = window.__lerPlotlyLoads || {});

function loadPlotly(url) {
  if (window.Plotly && window.Plotly.react) return Promise.resolve(window.Plotly);
  if (!LOADS[url]) {
    LOADS[url] = new Promise((resolve, reject) => {
      // The `ler` template may already be loading plotly.js (<script id="ler-plotly-js">): wait for it.
      let script = document.getElementById("ler-plotly-js");
      if (!script || script.dataset.failed) {
        script = document.createElement("script");
        script.src = url;
        script.async = true;
        document.head.appendChild(script);
      } else if (script.dataset.loaded) {
        return window.Plotly ? resolve(window.Plotly) : reject(new Error(`${script.src} did not define Plotly`));
      }
      script.addEventListener("load", () => {
        performance.mark("ler-plotly-loaded");
        window.Plotly ? resolve(window.Plotly) : reject(new Error(`${script.src} did not define Plotly`));
      });
      script.addEventListener("error", () => {
        delete LOADS[url];
        reject(new Error(`could not load plotly.js from ${script.src}`));
      });
    });
  }
  return LOADS[url];
}

// Plotly's `automargin` widens a margin after it has drawn an axis, and then draws the whole plot a
// second time. The dashboards' horizontal bar charts have category labels on the left that change on
// every state switch, so most switches paid two full draws per chart (measured on the coverage
// dashboard: 6 bar charts 308 ms with automargin alone, 176 ms with the margin fitted first).
// fitLeftMargin measures the labels with a canvas (no page layout) and starts from a left margin they
// fit in; automargin stays on, so an underestimate only costs the second draw, never a cut label.
const LABEL_PAD = 26; // plotly puts tick labels 15 px from the plot area; the rest is spare (measured: a
// margin within a few pixels of the labels made some switches draw twice)
let measureCtx = null;
const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'" };

function textWidth(labels, font) {
  if (!measureCtx) measureCtx = document.createElement("canvas").getContext("2d");
  if (!measureCtx) return 0;
  measureCtx.font = `${font.size}px ${font.family}`;
  let width = 0;
  for (const label of labels) {
    if (label === null || label === undefined) continue;
    const text = String(label).replace(/&(amp|lt|gt|quot|#39|#x27);/g, (m) => ENTITIES[m]);
    width = Math.max(width, measureCtx.measureText(text).width);
  }
  return Math.ceil(width);
}

function fitLeftMargin(data, layout) {
  const axis = layout.yaxis;
  if (!axis || !axis.automargin || axis.type !== "category" || axis.side === "right") return layout;
  if (axis.showticklabels === false || (axis.title && axis.title.text) || axis.tickangle) return layout;
  const labels = Array.isArray(axis.categoryarray)
    ? axis.categoryarray
    : data.filter((t) => !t.yaxis || t.yaxis === "y").flatMap((t) => (Array.isArray(t.y) ? t.y : []));
  if (!labels.length) return layout;
  const font = Object.assign({ size: 12, family: "sans-serif" }, layout.font || {}, axis.tickfont || {});
  const margin = layout.margin || {};
  const need = textWidth(labels, font) + LABEL_PAD + (margin.pad || 0);
  if (need <= (margin.l === undefined ? 80 : margin.l)) return layout;
  return Object.assign({}, layout, { margin: Object.assign({}, margin, { l: need }) });
}

// The selected state's outline on a choropleth map (the kernel's `outline` trait): drawn as our own
// <path> copies of plotly's location paths, in a group placed right after plotly's choropleth layer
// (so on top of every state's shape; not inside that layer, whose paths plotly re-projects by its
// datum on zoom). A state switch then changes a few SVG nodes instead of redrawing the map with
// Plotly.react (40-60 ms). Plotly's paths carry their location in the d3-bound datum
// (`__data__.loc`); the copies are redrawn after every plot, resize or zoom (`plotly_afterplot`,
// `plotly_relayouting`).
const SVG_NS = "http://www.w3.org/2000/svg";

function drawOutline(div, outline) {
  for (const old of div.querySelectorAll("g.ler-outline-layer")) old.remove();
  const wanted = new Set((outline && outline.locations) || []);
  if (!wanted.size) return 0;
  let drawn = 0;
  for (const layer of div.querySelectorAll(".choroplethlayer")) {
    const group = document.createElementNS(SVG_NS, "g");
    group.setAttribute("class", "ler-outline-layer");
    for (const path of layer.querySelectorAll("path.choroplethlocation")) {
      const datum = path.__data__;
      const shape = path.getAttribute("d");
      if (!datum || !wanted.has(datum.loc) || !shape) continue;
      const copy = document.createElementNS(SVG_NS, "path");
      copy.setAttribute("class", "ler-outline");
      copy.setAttribute("d", shape);
      copy.setAttribute("data-location", String(datum.loc));
      copy.style.fill = "none";
      copy.style.stroke = outline.color || "#000000";
      copy.style.strokeWidth = `${outline.width || 2}px`;
      copy.style.pointerEvents = "none";
      group.appendChild(copy);
      drawn += 1;
    }
    layer.parentNode.insertBefore(group, layer.nextSibling);
  }
  return drawn;
}

// One draw queue for every chart of the page. Each chart's new figure arrives in its own websocket
// message; drawing it right there gave one long task per chart with a frame painted between every
// two. Queued draws run back to back in one task (a `setTimeout` lets the messages that already
// arrived update their models first), so the browser paints once per batch rather than once per chart.
const QUEUE = (window.__lerDrawQueue = window.__lerDrawQueue || { pending: new Set(), busy: false, timer: 0 });

async function runQueue() {
  QUEUE.timer = 0;
  QUEUE.busy = true;
  try {
    while (QUEUE.pending.size) {
      const next = QUEUE.pending.values().next().value;
      QUEUE.pending.delete(next);
      try {
        await next();
      } catch (err) {
        console.error("ler chart:", err);
      }
    }
  } finally {
    QUEUE.busy = false;
  }
}

function requestDraw(draw) {
  QUEUE.pending.add(draw);
  if (!QUEUE.busy && !QUEUE.timer) QUEUE.timer = setTimeout(runQueue, 0);
}

function render({ model, el }) {
  const div = document.createElement("div");
  div.className = "ler-plot";
  el.classList.add("ler-plot-host");
  el.appendChild(div);
  let Plotly = null;
  let disposed = false;
  let drawn = -1; // revision on screen
  let width = 0; // the host's width as last reported by the ResizeObserver (never read from layout)
  let drawnWidth = 0;

  let drawnFigure = null; // the figure and config objects on screen (the model keeps them until they change)
  let drawnConfig = null;
  let listening = false;
  const outline = () => drawOutline(div, model.get("outline"));
  const shown = (revision) => {
    outline();
    if (!listening && typeof div.on === "function") {
      // plotly redraws its paths on resize and zoom: draw the outline again each time
      listening = true;
      div.on("plotly_afterplot", outline);
      div.on("plotly_relayouting", outline);
    }
    drawn = revision;
    drawnWidth = width;
    // test and benchmark hook: the revision now on screen
    div.dataset.rendered = String(revision);
  };

  const draw = () => {
    const revision = model.get("revision");
    if (disposed || !Plotly || revision < 1 || width === 0) return undefined;
    if (revision === drawn && width === drawnWidth) return undefined;
    const fig = model.get("figure") || {};
    const config = model.get("config") || {};
    if (fig === drawnFigure && config === drawnConfig && width === drawnWidth && div._fullLayout) {
      // the kernel bumped the revision without sending a new figure (at most a new outline): the
      // plot on screen is current
      shown(revision);
      return undefined;
    }
    performance.mark("ler-react-start");
    const data = fig.data || [];
    // The width is the one the ResizeObserver reported (the figure gives the height). plotly's own
    // `responsive` resizing is off here: it relayouts with `autosize`, which drops the figure's height,
    // and after a state switch that collapsed every chart to 0 px on the next window resize.
    const layout = Object.assign({ width }, fitLeftMargin(data, fig.layout || {}));
    return Plotly.react(div, data, layout, Object.assign({}, config, { responsive: false })).then(() => {
      performance.mark("ler-react-end");
      drawnFigure = fig;
      drawnConfig = config;
      shown(revision);
    });
  };
  const schedule = () => requestDraw(draw); // one draw per chart at a time: the queue runs them in turn

  // A plot drawn while its card is hidden or detached would get plotly's default size: draw once the
  // host has a width, and again (same figure, new width) whenever that width changes. The width comes
  // from the observer, so drawing never forces a synchronous layout of the page.
  const observer = new ResizeObserver((entries) => {
    width = Math.round(entries[entries.length - 1].contentRect.width);
    if (disposed || !Plotly || width === 0) return;
    if (drawn !== model.get("revision") || width !== drawnWidth) schedule();
  });
  observer.observe(el);

  loadPlotly(new URL(model.get("plotly_url"), document.baseURI).href).then(
    (P) => {
      Plotly = P;
      schedule();
    },
    (err) => {
      div.textContent = "The chart library could not be loaded.";
      console.error("ler chart:", err);
    },
  );
  model.on("change:revision", schedule);

  return () => {
    disposed = true;
    observer.disconnect();
    model.off("change:revision", schedule);
    if (Plotly) Plotly.purge(div);
  };
}

export default { render };
