// The shared-trip page: polls the link's JSON state and shows it. No third-party code, no inline script (strict CSP).
(function () {
  "use strict";
  var token = decodeURIComponent(location.pathname.split("/").pop());
  var feed = "/api/v1/share/" + encodeURIComponent(token);
  var timer = null;

  function text(id, value) {
    document.getElementById(id).textContent = value == null || value === "" ? "—" : String(value);
  }

  function stop(message) {
    if (timer) { clearTimeout(timer); }
    document.body.className = "gone";
    document.getElementById("details").hidden = true;
    document.getElementById("map").hidden = true;
    text("message", message);
  }

  function show(s) {
    var statuses = { scheduled: "Not started yet", active: "On the way", completed: "Arrived", cancelled: "Cancelled" };
    text("message", statuses[s.trip.status] || s.trip.status);
    text("status", s.trip.status);
    text("from", s.trip.from);
    text("to", s.trip.to);
    text("driver", s.driver.firstName);
    text("vehicle", s.vehicle ? [s.vehicle.make, s.vehicle.model, s.vehicle.plate].filter(Boolean).join(" ") : "");
    var map = document.getElementById("map");
    if (s.location) {
      text("position", s.location.lat.toFixed(5) + ", " + s.location.lng.toFixed(5)
        + (s.location.speed != null ? " · " + Math.round(s.location.speed) + " km/h" : ""));
      text("updated", new Date(s.location.timestamp).toLocaleTimeString());
      map.href = "https://www.openstreetmap.org/?mlat=" + s.location.lat + "&mlon=" + s.location.lng + "#map=15/"
        + s.location.lat + "/" + s.location.lng;
      map.hidden = false;
    } else {
      text("position", s.trip.status === "active" ? "waiting for the first position" : "");
      text("updated", "");
      map.hidden = true;
    }
    document.getElementById("details").hidden = false;
    document.body.dataset.status = s.trip.status;
  }

  function poll(delaySeconds) {
    timer = setTimeout(load, delaySeconds * 1000);
  }

  function load() {
    fetch(feed, { cache: "no-store", credentials: "omit" }).then(function (r) {
      if (r.status === 410) { stop("This link has expired or was revoked."); return; }
      if (r.status === 404) { stop("This link does not exist."); return; }
      if (r.status === 429 || r.status === 503) {
        poll(Number(r.headers.get("Retry-After")) || 5);
        return;
      }
      return r.json().then(function (s) { show(s); poll(s.refreshSeconds || 3); });
    }).catch(function () { poll(5); });
  }

  load();
})();
