// Loads one URL in headless Chromium (playwright-core driving the system's /usr/bin/chromium), as a browser user
// would, and prints one JSON line: the HTTP status, the Content-Encoding the server chose for the browser's own
// Accept-Encoding, and the body as the browser decoded it. Usage: node browser-get.mjs <url>
import { chromium } from "playwright-core";

const [url] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run"],
});
try {
  const page = await browser.newPage();
  const response = await page.goto(url, { waitUntil: "load" });
  const headers = await response.allHeaders();
  const body = (await response.body()).toString("utf8");
  const request = await response.request().allHeaders();
  console.log(JSON.stringify({ status: response.status(), contentEncoding: headers["content-encoding"] ?? null,
    acceptEncoding: request["accept-encoding"] ?? null, body }));
} finally {
  await browser.close();
}
