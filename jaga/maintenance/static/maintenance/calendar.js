// The maintenance month view (issue 14 point 7): FullCalendar (vendored) reading
// /pemeliharaan/kalender/acara.json, filtered to one team member by the select.
document.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("maintenance-calendar");
  if (!element || !window.FullCalendar) {
    return;
  }
  var member = document.getElementById("calendar-member");
  var narrow = window.matchMedia("(max-width: 576px)").matches;
  var calendar = new FullCalendar.Calendar(element, {
    initialView: narrow ? "listMonth" : "dayGridMonth",
    locale: element.dataset.locale || "id",
    // Times come as the agency's wall-clock time without an offset, "now" too: shown as
    // they are, in any browser zone.
    timeZone: "UTC",
    now: element.dataset.now || undefined,
    firstDay: 1,
    height: "auto",
    headerToolbar: narrow
      ? { left: "prev,next", center: "title", right: "today" }
      : { left: "prev,next today", center: "title", right: "dayGridMonth,listMonth" },
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    events: function (info, success, failure) {
      // In the "UTC" zone the range ends in "Z"; it is wall-clock time like the events,
      // so it is sent without the zone (the server reads it in the agency's zone).
      var params = new URLSearchParams({
        start: info.startStr.slice(0, 19),
        end: info.endStr.slice(0, 19),
      });
      if (member && member.value) {
        params.set("member", member.value);
      }
      fetch(element.dataset.events + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.statusText);
          }
          return response.json();
        })
        .then(success)
        .catch(failure);
    },
  });
  calendar.render();
  if (member) {
    member.addEventListener("change", function () {
      var url = new URL(window.location.href);
      url.searchParams.set("member", member.value);
      window.history.replaceState(null, "", url);
      calendar.refetchEvents();
    });
  }
});
