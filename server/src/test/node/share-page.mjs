// Opens a shared-trip page in headless Chromium (playwright-core driving the system's /usr/bin/chromium) and prints a
// JSON line with what it shows each time that changes, until the page says the link is gone or the time is up.
// Usage: node share-page.mjs <url> [seconds]. Every request the page makes and every console error are reported, so
// the test can check that nothing else is reachable and that the CSP blocked nothing of ours.
import { chromium } from "playwright-core";

const [url, seconds = "60"] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run"],
});
const requests = [];
const consoleErrors = [];
try {
  const page = await browser.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  const response = await page.goto(url, { waitUntil: "load" });
  const status = response.status();
  const csp = response.headers()["content-security-policy"] || null;
  let last = "";
  const deadline = Date.now() + Number(seconds) * 1000;
  while (Date.now() < deadline) {
    const shown = await page.evaluate(() => {
      const t = (id) => { const e = document.getElementById(id); return e ? e.textContent : null; };
      return { message: t("message"), status: t("status"), driver: t("driver"), from: t("from"), to: t("to"),
        vehicle: t("vehicle"), position: t("position"), body: document.body.innerText };
    });
    const line = JSON.stringify({ httpStatus: status, csp, ...shown, requests, consoleErrors });
    if (shown.message !== "Loading…" && line !== last) {
      console.log(line);
      last = line;
    }
    if (/expired|revoked|does not exist/.test(shown.message || "")) break;
    await page.waitForTimeout(200);
  }
} finally {
  await browser.close();
}
