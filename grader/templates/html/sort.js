(function () {
  "use strict";
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, column) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") === "ascending";
        var numeric = th.hasAttribute("data-numeric");
        heads.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-sort") || "";
          var y = b.cells[column].getAttribute("data-sort") || "";
          var order = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, { numeric: true });
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
