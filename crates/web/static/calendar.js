// «Velg time»'s month as a WAI-ARIA date grid: one Tab stop for the whole month (the chosen
// day, else the first day with free times), the arrow keys move a day or a week, Home and End
// go to the start and end of the week, and Enter (or Space) on a day with free times follows
// its link. Without this script the month is a table of plain links, each its own Tab stop.
(function () {
  "use strict";
  var grid = document.querySelector("table[data-date-grid]");
  if (!grid) { return; }
  // Each day of the month in order, and what takes the focus for it: the link of a day with
  // free times, or the cell itself for a day without, which says so and cannot be chosen.
  var days = [];
  grid.querySelectorAll("tbody td").forEach(function (cell) {
    var link = cell.querySelector("a.day");
    if (link) {
      days.push(link);
    } else if (cell.querySelector(".day")) {
      cell.setAttribute("aria-disabled", "true");
      days.push(cell);
    }
  });
  if (days.length === 0) { return; }
  grid.setAttribute("role", "grid");
  var hint = document.getElementById(grid.getAttribute("data-keys-hint"));
  if (hint) {
    hint.hidden = false;
    grid.setAttribute("aria-describedby", hint.id);
  }
  var chosen = grid.querySelector("a.day[aria-current]") || grid.querySelector("a.day") || days[0];
  var current = days.indexOf(chosen);
  days.forEach(function (day, index) { day.tabIndex = index === current ? 0 : -1; });

  // A day or a week past the month's ends stays where it is; the start or end of a week that
  // begins or ends in another month is the month's first or last day.
  function moveTo(index, clamp) {
    var next = clamp ? Math.max(0, Math.min(days.length - 1, index)) : index;
    if (next < 0 || next >= days.length || next === current) { return; }
    days[current].tabIndex = -1;
    days[next].tabIndex = 0;
    current = next;
    days[next].focus();
  }

  // The day's column, Monday first: the cell of a link is its parent.
  function column(day) {
    return (day.tagName === "TD" ? day : day.closest("td")).cellIndex;
  }

  grid.addEventListener("keydown", function (event) {
    var index = days.indexOf(event.target);
    if (index < 0 || event.altKey || event.ctrlKey || event.metaKey) { return; }
    current = index;
    switch (event.key) {
      case "ArrowRight": moveTo(index + 1); break;
      case "ArrowLeft": moveTo(index - 1); break;
      case "ArrowDown": moveTo(index + 7); break;
      case "ArrowUp": moveTo(index - 7); break;
      case "Home": moveTo(index - column(days[index]), true); break;
      case "End": moveTo(index + 6 - column(days[index]), true); break;
      case " ":
        if (days[index].tagName === "A") { days[index].click(); }
        break;
      default: return;
    }
    event.preventDefault();
  });
})();
