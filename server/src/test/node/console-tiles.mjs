// Opens the console's live map in headless Chromium with a tile server configured (CONSOLE_TILE_URL) and reports
// which tiles the page loaded and whether the Content-Security-Policy refused anything.
// Usage: node console-tiles.mjs <fixture.json>, the fixture being {base, admin:{phone,password}, tileOrigin}.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const fx = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = (o) => console.log(JSON.stringify(o));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run"],
});
const consoleErrors = [];
const tiles = [];
let step = "login";
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("response", (r) => { if (r.url().startsWith(fx.tileOrigin)) tiles.push({ url: r.url(), status: r.status() }); });
  const response = await page.goto(fx.base + "/console#map", { waitUntil: "load" });
  await page.fill("#phone", fx.admin.phone);
  await page.fill("#password", fx.admin.password);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#page-map", { state: "visible", timeout: 20000 });
  step = "tiles";
  const deadline = Date.now() + 20000;
  while (tiles.filter((t) => t.status === 200).length < 4 && Date.now() < deadline) await page.waitForTimeout(200);
  await page.waitForTimeout(500);
  out({ step: "done", csp: response.headers()["content-security-policy"], tiles, consoleErrors });
} catch (e) {
  out({ step, error: String(e && e.stack || e), consoleErrors });
} finally {
  await browser.close();
}
