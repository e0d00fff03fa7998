/* medimg-kg report: draws the charts embedded in #report-data with vega-embed, sorts tables
 * and copies queries.
 *
 * Nothing from the data becomes markup here: the tables and queries were escaped when the
 * page was written, and Vega draws text as SVG text. vega-embed runs with `ast: true`, so
 * Vega interprets expressions instead of compiling them with eval (the page's
 * Content-Security-Policy forbids eval).
 */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("report-data").textContent);
  const report = { ready: false, views: {}, errors: [] };
  window.kgReport = report;

  const embedOptions = {
    ast: true,
    renderer: "svg",
    // Export as SVG/PNG works offline; "view source" and the online editor are left out.
    actions: { export: true, source: false, compiled: false, editor: false },
  };

  const drawing = Array.from(document.querySelectorAll(".chart[data-chart]"), (element) => {
    const spec = data.charts[element.dataset.chart];
    return vegaEmbed(element, spec, embedOptions).then((result) => {
      report.views[element.dataset.chart] = result.view;
    }).catch((error) => {
      report.errors.push(element.dataset.chart + ": " + error);
      const message = document.createElement("p");
      message.className = "chart-error";
      message.textContent = "This chart could not be drawn: " + error;
      element.replaceChildren(message);
    });
  });
  Promise.all(drawing).then(() => {
    report.ready = true;
    document.body.dataset.ready = "true";
  });

  // --- sortable tables -------------------------------------------------------------------

  function sortKey(cell) {
    const raw = cell.dataset.value;
    const number = Number(raw);
    return raw !== "" && !Number.isNaN(number) ? number : raw.toLowerCase();
  }

  function compare(a, b) {
    if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
    return typeof a === "number" ? -1 : 1;  // numbers before text, empty cells last
  }

  for (const table of document.querySelectorAll("table.sortable")) {
    const headers = Array.from(table.tHead.rows[0].cells);
    headers.forEach((th, index) => {
      th.querySelector("button").addEventListener("click", () => {
        const descending = th.getAttribute("aria-sort") === "ascending";
        for (const other of headers) other.removeAttribute("aria-sort");
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows).map((row, position) => [sortKey(row.cells[index]), position, row]);
        rows.sort((x, y) => (descending ? -compare(x[0], y[0]) : compare(x[0], y[0])) || x[1] - y[1]);
        body.append(...rows.map((entry) => entry[2]));
      });
    });
  }

  // --- copying queries -------------------------------------------------------------------

  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); };
      const select = () => {
        // No clipboard access (e.g. a file:// page in some browsers): select the text instead.
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(button.dataset.copy));
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        button.textContent = "Selected: press Ctrl+C";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, select);
      } else {
        select();
      }
    });
  }
})();
