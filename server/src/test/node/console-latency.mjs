// Measures how long an SOS raised over the API takes to show on the operator console's SOS desk, in headless
// Chromium (playwright-core). Prints each sample and the summary; asserts nothing (docs/performance.md).
// Usage: node console-latency.mjs <base> <adminPhone> <adminPassword> [count=20]
import { chromium } from "playwright-core";

const [base, phone, password, countArg = "20"] = process.argv.slice(2);
const count = Math.min(200, Number(countArg));
async function call(method, path, token, body) {
  const r = await fetch(base + path, { method, headers: { "Content-Type": "application/json",
    ...(token ? { Authorization: "Bearer " + token } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error(method + " " + path + ": " + r.status + " " + (await r.text()));
  return r.status === 204 ? null : r.json();
}
const me = "+9198" + String(Date.now()).slice(-8);
const passenger = await call("POST", "/api/v1/auth/register", null, { phone: me, name: "latency probe",
  password: "password-123", role: "passenger" });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run"] });
try {
  const page = await browser.newPage();
  await page.goto(base + "/console");
  await page.fill("#phone", phone);
  await page.fill("#password", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("live").textContent === "live", null, { timeout: 20000 });
  const fromCall = [];
  const fromAnswer = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const sos = await call("POST", "/api/v1/sos", passenger.accessToken, { lat: 12.97, lng: 77.59 });
    const t1 = performance.now();
    await page.waitForSelector(`#alerts li[data-id="${sos.alertId}"]`, { timeout: 30000 });
    const t2 = performance.now();
    fromCall.push(t2 - t0);
    fromAnswer.push(t2 - t1);
    await call("POST", "/api/v1/sos/" + sos.alertId + "/resolve", passenger.accessToken, {});
    await page.waitForSelector(`#alerts li[data-id="${sos.alertId}"]`, { state: "detached", timeout: 30000 });
  }
  const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
  const f = (xs) => `p50 ${q(xs, 0.5).toFixed(0)} ms, p90 ${q(xs, 0.9).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;
  console.log(`${count} SOS: call → shown ${f(fromCall)}; answer → shown ${f(fromAnswer)}`);
} finally {
  await browser.close();
}
