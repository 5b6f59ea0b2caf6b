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

function render({ model, el }) {
  const div = document.createElement("div");
  div.className = "ler-plot";
  el.classList.add("ler-plot-host");
  el.appendChild(div);
  let Plotly = null;
  let disposed = false;
  let drawn = -1; // revision on screen
  let chain = Promise.resolve();
  let width = 0; // the host's width as last reported by the ResizeObserver (never read from layout)
  let drawnWidth = 0;

  const draw = () => {
    const revision = model.get("revision");
    if (disposed || !Plotly || revision < 1 || revision === drawn || width === 0) return undefined;
    const fig = model.get("figure") || {};
    performance.mark("ler-react-start");
    return Plotly.react(div, fig.data || [], fig.layout || {}, model.get("config") || {}).then(() => {
      performance.mark("ler-react-end");
      drawn = revision;
      drawnWidth = width;
      // test and benchmark hook: the revision now on screen
      div.dataset.rendered = String(revision);
    });
  };
  const schedule = () => {
    chain = chain.then(draw).catch((err) => console.error("ler chart:", err));
  };

  // A plot drawn while its card is hidden or detached would get plotly's default size: draw (or
  // resize) once the host has a width, and again whenever that width changes. The width comes from
  // the observer, so drawing never forces a synchronous layout of the page.
  const observer = new ResizeObserver((entries) => {
    width = Math.round(entries[entries.length - 1].contentRect.width);
    if (disposed || !Plotly || width === 0) return;
    if (drawn !== model.get("revision")) {
      schedule();
    } else if (width !== drawnWidth && div._fullLayout) {
      drawnWidth = width;
      window.requestAnimationFrame(() => Plotly.Plots.resize(div).catch(() => undefined));
    }
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
