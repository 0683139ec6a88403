// Runs an operator's shift on the console in headless Chromium (playwright-core driving the system's Chromium):
// log in, see an SOS raised over the API appear, acknowledge, note and resolve it, watch a driver's marker move,
// retry a failed job, look at the cluster, try a state-changing call without the CSRF token, log out, and try a
// non-admin login. Prints one JSON line per step ({step, ...what the page showed}) and a last {step:"done"} line;
// on a failure {step, error}. Screenshots of each page go to the given directory.
// Usage: node console.mjs <fixture.json>, the fixture being {base, admin:{phone,password}, passenger:{phone,password,
// token}, driver:{token}, idleDriver:{id,token}, tripId, failedJob:{queue,id}, screenshots}.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";

const fx = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = (o) => console.log(JSON.stringify(o));
const WAIT = { timeout: 20000 };
mkdirSync(fx.screenshots, { recursive: true });

async function call(method, path, token, body) {
  const r = await fetch(fx.base + path, { method, headers: { Authorization: "Bearer " + token,
    "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(method + " " + path + " answered " + r.status + ": " + text);
  return text ? JSON.parse(text) : null;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run"],
});
const requests = [];
const consoleErrors = [];
let step = "open";
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  const response = await page.goto(fx.base + "/console", { waitUntil: "load" });
  await page.waitForSelector("#login-form", { state: "visible", ...WAIT });
  await page.screenshot({ path: fx.screenshots + "/login.png" });
  out({ step, httpStatus: response.status(), csp: response.headers()["content-security-policy"] || null });

  step = "login";
  await page.fill("#phone", fx.admin.phone);
  await page.fill("#password", fx.admin.password);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#nav", { state: "visible", ...WAIT });
  await page.waitForFunction(() => document.getElementById("live").textContent === "live", null, WAIT);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "hushryd_session");
  out({ step, who: await page.textContent("#who-name"), scriptSees: await page.evaluate(() => document.cookie),
    sessionCookie: session ? { httpOnly: session.httpOnly, sameSite: session.sameSite } : null });

  step = "sos-appears";
  const raisedAt = Date.now();
  const sos = await call("POST", "/api/v1/sos", fx.passenger.token, { tripId: fx.tripId, lat: 12.9716, lng: 77.5946,
    message: "console test" });
  const answeredAt = Date.now();
  const alertId = sos.alertId || sos.id || (sos.alert && sos.alert.id);
  await page.waitForSelector(`#alerts li[data-id="${alertId}"]`, WAIT);
  const shownAt = Date.now();
  // measured, not asserted: from the call and from its answer (the alert is committed then) to the page showing it
  out({ step, alertId, appearedMillis: shownAt - raisedAt, afterAnswerMillis: shownAt - answeredAt, item: await page.textContent(`#alerts li[data-id="${alertId}"]`) });

  step = "sos-overdue";
  // nobody acknowledged it within SOS_ACK_DEADLINE: highlighted on the desk
  await page.waitForSelector(`#alerts li.overdue[data-id="${alertId}"]`, WAIT);
  out({ step, item: await page.textContent(`#alerts li[data-id="${alertId}"]`) });

  step = "sos-detail";
  await page.click(`#alerts li[data-id="${alertId}"]`);
  await page.waitForSelector(`#alert-detail[data-id="${alertId}"]`, WAIT);
  await page.waitForSelector("#timeline li", WAIT);
  await page.screenshot({ path: fx.screenshots + "/sos.png", fullPage: true });
  out({ step, fields: await page.textContent("#detail-fields"),
    notifications: await page.$$eval("#detail-notifications tbody tr", (rs) => rs.length) });

  step = "acknowledge";
  await page.click("#ack");
  await page.waitForSelector(`#alert-detail[data-status="acknowledged"]`, WAIT);
  await page.waitForSelector(`#timeline li[data-kind="acknowledged"]`, WAIT);
  out({ step, status: "acknowledged" });

  step = "note";
  await page.fill("#note", "called the passenger; driver says all fine");
  await page.click("#note-form button[type=submit]");
  await page.waitForSelector(`#timeline li[data-kind="note"]`, WAIT);
  out({ step, timeline: await page.$$eval("#timeline li", (ls) => ls.map((l) => l.dataset.kind)) });

  step = "csrf";
  const withoutCsrf = await page.evaluate(async (id) => {
    const r = await fetch("/api/v1/admin/sos/" + id + "/notes", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: "forged" }) });
    return { status: r.status, body: await r.json() };
  }, alertId);
  out({ step, status: withoutCsrf.status, code: withoutCsrf.body.error && withoutCsrf.body.error.code });

  step = "resolve";
  await page.fill("#resolution", "false alarm, confirmed by phone");
  await page.click("#resolve");
  await page.waitForSelector(`#alerts li[data-id="${alertId}"]`, { state: "detached", ...WAIT });
  out({ step, resolved: true });

  step = "map";
  await page.click('nav a[data-page="map"]');
  await call("POST", "/api/v1/trips/" + fx.tripId + "/location", fx.driver.token, { lat: 12.91111, lng: 77.61111 });
  const marker = `#map-items li[data-kind="trip"][data-id="${fx.tripId}"]`;
  await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent || "").includes("12.91111"), marker,
    WAIT);
  const first = await page.textContent(marker);
  await call("POST", "/api/v1/trips/" + fx.tripId + "/location", fx.driver.token, { lat: 12.93333, lng: 77.63333 });
  await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent || "").includes("12.93333"), marker,
    WAIT);
  // the trip's route so far (recorded in batches, LOCATION_HISTORY_FLUSH): both points, refreshed while selected
  await page.click(marker);
  await page.waitForFunction(() => /: 2 points/.test(document.getElementById("route-info").textContent), null, WAIT);
  const route = await page.textContent("#route-info");
  // an online driver without a trip shows too
  await call("POST", "/api/v1/drivers/me/online", fx.idleDriver.token, { lat: 12.95, lng: 77.60 });
  await page.waitForSelector(`#map-items li[data-kind="driver"][data-id="${fx.idleDriver.id}"]`, WAIT);
  await page.screenshot({ path: fx.screenshots + "/map.png", fullPage: true });
  out({ step, first, moved: await page.textContent(marker), route,
    driver: await page.textContent(`#map-items li[data-kind="driver"][data-id="${fx.idleDriver.id}"]`) });

  step = "queues";
  await page.click('nav a[data-page="queues"]');
  const row = `#queues tr[data-queue="${fx.failedJob.queue}"]`;
  await page.waitForSelector(row, WAIT);
  await page.click(row + " button");
  const job = `#failed tr[data-job="${fx.failedJob.id}"]`;
  await page.waitForSelector(job, WAIT);
  await page.screenshot({ path: fx.screenshots + "/queues.png", fullPage: true });
  const error = await page.textContent(job + " td:nth-child(4)");
  await page.click(job + " button.retry");
  await page.waitForFunction(() => document.getElementById("queue-status").textContent.length > 0
    || document.getElementById("queue-error").textContent.length > 0, null, WAIT);
  out({ step, jobError: error, status: await page.textContent("#queue-status"),
    queueError: await page.textContent("#queue-error") });

  step = "cluster";
  await page.click('nav a[data-page="cluster"]');
  await page.waitForSelector("#nodes tbody tr", WAIT);
  await page.waitForSelector("#health tbody tr", WAIT);
  await page.screenshot({ path: fx.screenshots + "/cluster.png", fullPage: true });
  out({ step, nodes: await page.$$eval("#nodes tbody tr", (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent))) });

  step = "logout";
  await page.click("#logout");
  await page.waitForSelector("#login-form", { state: "visible", ...WAIT });
  const after = await page.evaluate(async () => (await fetch("/api/v1/console/session")).status);
  out({ step, sessionAfterLogout: after });

  step = "non-admin";
  await page.fill("#phone", fx.passenger.phone);
  await page.fill("#password", fx.passenger.password);
  await page.click("#login-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("login-error").textContent.length > 0, null, WAIT);
  out({ step, loginError: await page.textContent("#login-error"), navHidden: await page.isHidden("#nav") });

  out({ step: "done", requests, consoleErrors });
} catch (e) {
  out({ step, error: String(e && e.stack || e), requests, consoleErrors });
} finally {
  await browser.close();
}
