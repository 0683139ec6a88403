// The operator console: SOS desk, live map, queues and cluster, over the node's own API and Socket.IO.
// The access token lives in an HttpOnly cookie the page cannot read; state-changing calls carry the CSRF token
// (double submit: the readable hushryd_csrf cookie echoed in X-CSRF-Token). Decisions 0065, 0066.
import { io } from "socket.io-client";
import { MapView } from "./map.js";

const $ = (id) => document.getElementById(id);
const state = {
  user: null, tileUrl: null, ackDeadlineSeconds: 60, alerts: new Map(), selected: null, socket: null,
  page: "sos", timers: [], failedQueue: null,
};

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)hushryd_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || "request failed (" + status + ")");
    this.status = status;
    this.code = body && body.error ? body.error.code : "HTTP_" + status;
  }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, credentials: "same-origin", cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) {
    if (r.status === 401 && state.user) showLogin("Your session ended; log in again.");
    throw new ApiError(r.status, json);
  }
  return json;
}

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return e;
};
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "—");
const fmtPoint = (p) => (p ? p.lat.toFixed(5) + ", " + p.lng.toFixed(5) : "—");

// ---- login / session --------------------------------------------------------------------------------------------

function showLogin(message) {
  state.user = null;
  stopApp();
  $("login").hidden = false;
  $("nav").hidden = true;
  $("who").hidden = true;
  document.querySelectorAll(".page").forEach((p) => (p.hidden = true));
  $("login-error").textContent = message || "";
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("login-error").textContent = "";
  try {
    await api("POST", "/api/v1/console/login", { phone: $("phone").value.trim(), password: $("password").value });
    $("password").value = "";
    await boot();
  } catch (e) {
    $("login-error").textContent = e.message;
  }
});

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/api/v1/console/logout"); } catch (e) { /* the cookie is cleared either way */ }
  showLogin("Logged out.");
});

async function boot() {
  let session;
  try {
    session = await api("GET", "/api/v1/console/session");
  } catch (e) {
    showLogin(e.status === 401 ? "" : e.message);
    return;
  }
  state.user = session.user;
  state.tileUrl = session.tileUrl;
  state.ackDeadlineSeconds = session.ackDeadlineSeconds;
  $("login").hidden = true;
  $("nav").hidden = false;
  $("who").hidden = false;
  $("who-name").textContent = session.user.name;
  startApp();
}

function startApp() {
  stopApp();
  mapView = new MapView($("map"), state.tileUrl, (tripId) => selectTrip(tripId));
  connectSocket();
  loadAlerts();
  refreshMap();
  refreshQueues();
  refreshCluster();
  state.timers.push(setInterval(tick, 1000));
  state.timers.push(setInterval(refreshMap, 2000));
  state.timers.push(setInterval(() => { if (state.page === "queues") refreshQueues(); }, 5000));
  state.timers.push(setInterval(() => { if (state.page === "cluster") refreshCluster(); }, 5000));
  showPage();
}

function stopApp() {
  state.timers.forEach(clearInterval);
  state.timers = [];
  if (state.socket) state.socket.disconnect();
  state.socket = null;
}

function showPage() {
  const page = (location.hash || "#sos").slice(1);
  state.page = ["sos", "map", "queues", "cluster"].includes(page) ? page : "sos";
  document.querySelectorAll(".page").forEach((p) => (p.hidden = p.id !== "page-" + state.page));
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("current", a.dataset.page === state.page));
  if (state.page === "queues") refreshQueues();
  if (state.page === "cluster") refreshCluster();
  if (state.page === "map") refreshMap();
}
window.addEventListener("hashchange", () => { if (state.user) showPage(); });

// ---- realtime ---------------------------------------------------------------------------------------------------

function connectSocket() {
  // same origin: the session cookie goes with the handshake; no token in the page
  const socket = io({ path: "/socket.io/", transports: ["websocket", "polling"], withCredentials: true });
  state.socket = socket;
  socket.on("connect", () => { setLive(true); loadAlerts(); });
  socket.on("disconnect", () => setLive(false));
  socket.on("connect_error", (e) => {
    setLive(false);
    if (e && e.data && ["TOKEN_REVOKED", "TOKEN_EXPIRED", "ACCOUNT_DELETED", "UNAUTHORIZED"].includes(e.data.code)) {
      showLogin("Your session ended; log in again.");
    }
  });
  socket.on("session:revoked", () => showLogin("Your session was revoked; log in again."));
  socket.on("sos:alert", (ev) => onAlert(ev.type, ev.alert));
  socket.on("sos:location", (ev) => {
    const a = state.alerts.get(ev.alertId);
    if (a) {
      a.lastLocation = { lat: ev.location.lat, lng: ev.location.lng, at: ev.location.recordedAt };
      renderAlerts();
      if (state.selected === a.id) renderDetailFields(a);
    }
  });
}

function setLive(on) {
  $("live").textContent = on ? "live" : "offline";
  $("live").className = "pill " + (on ? "ok" : "bad");
}

// ---- SOS desk ---------------------------------------------------------------------------------------------------

async function loadAlerts() {
  try {
    const page = await api("GET", "/api/v1/admin/sos?status=open&limit=200");
    const fresh = new Map(page.items.map((a) => [a.id, state.alerts.get(a.id) ? { ...state.alerts.get(a.id), ...a } : a]));
    state.alerts = fresh;
    renderAlerts();
  } catch (e) {
    $("alerts-empty").textContent = "Could not load alerts: " + e.message;
  }
}

function onAlert(type, alert) {
  const known = state.alerts.get(alert.id);
  if (type === "resolved" || alert.status === "resolved") {
    state.alerts.delete(alert.id);
  } else {
    state.alerts.set(alert.id, { ...(known || {}), ...alert });
  }
  if (type === "triggered" && !known) announce(alert);
  renderAlerts();
  if (state.selected === alert.id) openAlert(alert.id);
}

function announce(alert) {
  if ($("sound").checked) beep();
  if ("Notification" in window && Notification.permission === "granted") {
    new Notification("SOS: " + (alert.userName || "a rider"), { body: alert.message || "New SOS alert", tag: alert.id });
  }
}

let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = 880;
    g.gain.value = 0.2;
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.4);
  } catch (e) { /* no audio device */ }
}

$("notify-permission").addEventListener("click", () => {
  if ("Notification" in window) Notification.requestPermission();
});

function deadline(a) {
  if (a.escalateAt) return Date.parse(a.escalateAt);
  return Date.parse(a.persistedAt) + state.ackDeadlineSeconds * 1000;
}

function overdue(a) {
  return a.status === "active" && (a.escalatedAt != null || Date.now() > deadline(a));
}

function timerText(a) {
  if (a.status !== "active") return "acknowledged " + fmtTime(a.acknowledgedAt);
  const left = Math.round((deadline(a) - Date.now()) / 1000);
  if (a.escalatedAt) return "ESCALATED (step " + a.escalationStep + ")";
  return left >= 0 ? "escalates in " + left + " s" : "overdue " + -left + " s";
}

function renderAlerts() {
  const list = $("alerts");
  const alerts = [...state.alerts.values()].sort((x, y) => Date.parse(y.persistedAt) - Date.parse(x.persistedAt));
  list.replaceChildren(...alerts.map((a) => {
    const li = el("li", { class: [a.status, overdue(a) ? "overdue" : "", state.selected === a.id ? "selected" : ""]
      .join(" "), "data-id": a.id, "data-status": a.status },
    el("strong", {}, a.userName || "unknown user"), " · ", fmtTime(a.persistedAt), el("br"),
    el("span", { class: "timer" }, timerText(a)), " · ", a.status, el("br"),
    el("span", { class: "hint" }, "last at " + fmtPoint(a.lastLocation || a.location)));
    li.addEventListener("click", () => openAlert(a.id));
    return li;
  }));
  $("alerts-empty").hidden = alerts.length > 0;
  $("sos-count").textContent = String(alerts.length);
}

function tick() {
  if (state.alerts.size) renderAlerts();
}

async function openAlert(id) {
  state.selected = id;
  $("action-error").textContent = "";
  renderAlerts();
  try {
    const [alert, timeline] = await Promise.all([api("GET", "/api/v1/sos/" + id),
      api("GET", "/api/v1/sos/" + id + "/timeline")]);
    if (state.selected !== id) return;
    if (alert.tripId && !alert.driverName) {
      try {
        const trip = await api("GET", "/api/v1/trips/" + alert.tripId);
        alert.driverName = trip.driverName || trip.driver?.name;
        alert.tripText = (trip.source?.city || "") + " → " + (trip.destination?.city || "") + " (" + trip.status + ")";
      } catch (e) { /* the trip is shown by id */ }
    }
    $("alert-detail").hidden = false;
    $("alert-detail").dataset.id = id;
    $("alert-detail").dataset.status = alert.status;
    renderDetailFields(alert);
    $("detail-notifications").tBodies[0].replaceChildren(...(alert.notifications || []).map((n) =>
      el("tr", {}, el("td", {}, n.purpose), el("td", {}, n.channel), el("td", {}, n.recipientName || n.recipient),
        el("td", {}, n.status + (n.provider ? " (" + n.provider + ")" : "")), el("td", {}, n.attempts),
        el("td", {}, n.lastError || ""))));
    $("ack").disabled = alert.status !== "active";
    $("resolve").disabled = alert.status === "resolved";
    $("timeline-verified").textContent = timeline.verified ? "hash chain verifies" : "hash chain does NOT verify";
    $("timeline-verified").className = "pill " + (timeline.verified ? "ok" : "bad");
    $("timeline").replaceChildren(...timeline.events.map((e) => el("li", { "data-kind": e.kind },
      fmtTime(e.at) + " · " + e.kind + (e.actor ? " · by " + e.actor : "") + (e.detail ? " · " + e.detail : ""))));
  } catch (e) {
    $("action-error").textContent = e.message;
  }
}

function renderDetailFields(a) {
  $("detail-title").textContent = "SOS from " + (a.userName || "unknown user");
  const rows = [["Status", a.status], ["Raised", new Date(a.persistedAt).toLocaleString()],
    ["Escalation", timerText(a)], ["Passenger", (a.userName || "") + " " + (a.userPhone || "")],
    ["Trip", a.tripId ? (a.tripText ? a.tripText + " · " : "") + a.tripId : "none"], ["Driver", a.driverName || "—"],
    ["Last location", fmtPoint(a.lastLocation || a.location)], ["Message", a.message || "—"]];
  if (a.resolution) rows.push(["Resolution", a.resolution]);
  $("detail-fields").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

async function act(fn) {
  $("action-error").textContent = "";
  try {
    await fn();
  } catch (e) {
    $("action-error").textContent = e.message;
  }
  if (state.selected) await openAlert(state.selected);
}

$("ack").addEventListener("click", () => act(() => api("POST", "/api/v1/admin/sos/" + state.selected + "/ack")));
$("note-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = $("note").value.trim();
  if (!text) return;
  act(async () => { await api("POST", "/api/v1/admin/sos/" + state.selected + "/notes", { text }); $("note").value = ""; });
});
$("resolve-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const resolution = $("resolution").value.trim() || "resolved by operator";
  act(async () => {
    const a = await api("POST", "/api/v1/sos/" + state.selected + "/resolve", { resolution });
    $("resolution").value = "";
    onAlert("resolved", a.alert || a);
  });
});

// ---- live map ---------------------------------------------------------------------------------------------------

let mapView = null;
let selectedTrip = null;

async function refreshMap() {
  if (!mapView) return;
  try {
    const live = await api("GET", "/api/v1/admin/live");
    const sos = [...state.alerts.values()].filter((a) => a.lastLocation || a.location)
      .map((a) => ({ id: a.id, ...(a.lastLocation || a.location) }));
    mapView.update(live.drivers, live.trips, sos);
    $("map-summary").textContent = live.drivers.length + " drivers online · " + live.trips.length + " active trips";
    const items = [
      ...live.trips.map((t) => {
        const li = el("li", { "data-kind": "trip", "data-id": t.id, "data-driver": t.driverId,
          class: t.id === selectedTrip ? "selected" : "" },
        "trip " + t.from + " → " + t.to + " · " + t.driverName + " · " + fmtPoint(t.location));
        li.addEventListener("click", () => selectTrip(t.id));
        return li;
      }),
      ...live.drivers.map((d) => el("li", { "data-kind": "driver", "data-id": d.driverId },
        "driver " + d.driverId.slice(0, 8) + " · " + fmtPoint(d))),
    ];
    $("map-items").replaceChildren(...items);
    if (selectedTrip) {
      if (live.trips.some((t) => t.id === selectedTrip)) await loadRoute(selectedTrip);
      else { selectedTrip = null; mapView.route([]); $("route-info").textContent = ""; }
    }
  } catch (e) {
    $("map-summary").textContent = "Could not load positions: " + e.message;
  }
}

async function selectTrip(tripId) {
  selectedTrip = tripId;
  document.querySelectorAll("#map-items li").forEach((li) => li.classList.toggle("selected", li.dataset.id === tripId));
  await loadRoute(tripId);
}

async function loadRoute(tripId) {
  try {
    const route = await api("GET", "/api/v1/trips/" + tripId + "/route?limit=1000");
    if (selectedTrip !== tripId) return;
    mapView.route(route.points);
    $("route-info").dataset.trip = tripId;
    $("route-info").textContent = "Route so far of trip " + tripId.slice(0, 8) + ": " + route.points.length
      + " points" + (route.nextCursor ? " (first 1000)" : "");
  } catch (e) {
    $("route-info").textContent = "Could not load the route: " + e.message;
  }
}

// ---- queues -----------------------------------------------------------------------------------------------------

async function refreshQueues() {
  try {
    const q = await api("GET", "/api/v1/admin/queues");
    $("queue-backend").textContent = "backend: " + q.backend;
    $("queues").tBodies[0].replaceChildren(...q.queues.map((s) => {
      const show = el("button", { type: "button" }, "Failed jobs");
      show.addEventListener("click", () => showFailed(s.name));
      return el("tr", { "data-queue": s.name }, el("td", {}, s.name), el("td", {}, s.waiting), el("td", {}, s.active),
        el("td", {}, s.delayed), el("td", { class: s.failed ? "error" : "" }, s.failed), el("td", {}, s.completed),
        el("td", {}, s.ratePerSecond), el("td", {}, show));
    }));
    if (state.failedQueue) await showFailed(state.failedQueue);
  } catch (e) {
    $("queue-error").textContent = e.message;
  }
}

async function showFailed(name) {
  state.failedQueue = name;
  try {
    const f = await api("GET", "/api/v1/admin/queues/" + encodeURIComponent(name) + "/failed?limit=100");
    $("failed-wrap").hidden = false;
    $("failed-queue").textContent = name;
    $("failed-empty").hidden = f.items.length > 0;
    $("failed").tBodies[0].replaceChildren(...f.items.map((j) => {
      const retry = el("button", { type: "button", class: "retry" }, "Retry");
      retry.addEventListener("click", async () => {
        $("queue-error").textContent = "";
        $("queue-status").textContent = "";
        try {
          const r = await api("POST", "/api/v1/admin/queues/" + encodeURIComponent(name) + "/jobs/" + j.id + "/retry");
          $("queue-status").textContent = "Job " + r.jobId + " of " + r.queue + " is " + r.state + " again.";
        } catch (e) {
          $("queue-error").textContent = e.message;
        }
        refreshQueues();
      });
      return el("tr", { "data-job": j.id }, el("td", {}, j.id), el("td", {}, j.type),
        el("td", {}, j.attempts + "/" + j.maxAttempts), el("td", {}, j.lastError || ""), el("td", {}, fmtTime(j.finishedAt)),
        el("td", {}, retry));
    }));
  } catch (e) {
    $("queue-error").textContent = e.message;
  }
}

// ---- cluster ----------------------------------------------------------------------------------------------------

async function refreshCluster() {
  try {
    // /health may be closed to the page in some deployments: the node table does not depend on it
    const [c, h] = await Promise.all([api("GET", "/api/v1/admin/cluster"), fetch("/health", { cache: "no-store" })
      .then((r) => (r.headers.get("Content-Type") || "").startsWith("application/json") ? r.json() : {})
      .catch(() => ({}))]);
    $("cluster-summary").textContent = c.aliveNodes + " of " + c.nodes.length + " nodes alive";
    $("nodes").tBodies[0].replaceChildren(...c.nodes.map((n) => {
      const s = n.stats || {};
      const rt = s.realtime || s;
      const pool = s.pool ? s.pool.active + "/" + s.pool.max + " (" + s.pool.waiting + " waiting)" : "—";
      const breakers = s.breakers ? Object.entries(s.breakers).map(([k, v]) => k + ": " + v).join(", ") : "—";
      const shed = s.shedding ? s.shedding.level + " (" + s.shedding.inFlight + " in flight)" : "—";
      return el("tr", { "data-node": n.nodeId }, el("td", {}, n.nodeId + (n.self ? " (this)" : "")),
        el("td", {}, n.address || ""), el("td", { class: n.alive ? "" : "error" }, n.alive ? "yes" : "no"),
        el("td", {}, rt.sockets ?? "—"), el("td", {}, s.eventLoopLagMillis != null ? s.eventLoopLagMillis + " ms" : "—"),
        el("td", {}, pool), el("td", {}, breakers), el("td", {}, shed), el("td", {}, n.version));
    }));
    $("health").tBodies[0].replaceChildren(...Object.entries(h.checks || {}).map(([name, r]) => {
      const { status, ...details } = r;
      const text = JSON.stringify(details);
      return el("tr", {}, el("td", {}, name), el("td", { class: status === "UP" ? "" : "error" }, status),
        el("td", { class: "hint" }, text.length > 400 ? text.slice(0, 400) + "…" : text));
    }));
  } catch (e) {
    $("cluster-summary").textContent = "Could not load the cluster: " + e.message;
  }
}

boot();
